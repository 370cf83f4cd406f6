import io
import os

from django.contrib.auth import get_user_model
from django.core.management import call_command
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from cms.models import HomePage, ToolkitPage
from courses.models import CoursePage, LessonPage, QuizPage
from lms.models import Enrolment, Participant, QuizAttempt, StepProgress


def counts():
    return (
        Page.objects.count(),
        ToolkitPage.objects.count(),
        get_image_model().objects.count(),
        get_document_model().objects.count(),
        get_user_model().objects.count(),
        Site.objects.count(),
        Participant.objects.count(),
        Enrolment.objects.count(),
        StepProgress.objects.count(),
        QuizAttempt.objects.count(),
    )


def test_demo_seed_builds_the_spanish_site_and_runs_twice_without_duplicates(db, client):
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    first = counts()
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115

    assert counts() == first
    assert ToolkitPage.objects.live().count() == 5
    site = Site.objects.get(is_default_site=True)
    assert isinstance(site.root_page.specific, HomePage)
    html = client.get("/caja-de-herramientas/").content.decode()
    assert "Módulo 3. Diagnóstico" in html
    assert (
        client.get(
            "/caja-de-herramientas/diagnostico-movilidad-humana-en-el-territorio/"
        ).status_code
        == 200
    )


def test_demo_seed_prints_the_demo_accounts(db):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "admin" in out.getvalue()
    assert "editora@aula.example.org" in out.getvalue()
    assert (
        get_user_model()
        .objects.get(email="editora@aula.example.org")
        .groups.filter(name="Editores")
        .exists()
    )


def test_demo_seed_adds_a_spanish_course_and_people_at_different_stages(db):
    call_command("seed_demo", stdout=io.StringIO())

    course = CoursePage.objects.get()
    assert LessonPage.objects.child_of(course).count() >= 5
    quizzes = QuizPage.objects.child_of(course)
    assert quizzes.count() == 2
    for quiz in quizzes:
        assert {q["type"] for q in quiz.question_bank()} == {
            "single_choice", "multiple_choice", "true_false", "short_answer", "matching", "ordering",
        }  # fmt: skip
    stages = set(Enrolment.objects.values_list("progress_percent", flat=True))
    assert 0 in stages and 100 in stages and len(stages) >= 4
    assert Participant.objects.filter(gad__is_pilot=True).values("gad").distinct().count() == 5
