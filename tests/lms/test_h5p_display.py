"""H5P results where people look for them: "Mi aprendizaje" and the trainers' progress report."""

import pytest
from django.urls import reverse

from courses.models import H5PActivity, LessonPage
from lms import roles
from lms.models import Participant
from lms.services.h5p import activity_iri, record_statement
from lms.services.learning import enrol
from tests.factories import UserFactory


@pytest.fixture
def activity(db):
    return H5PActivity.objects.create(
        title="¿Qué tipo de movilidad es?", key="clave", main_library="Aula.Question 1.0"
    )


def answered(activity, raw, maximum=1, success=None):
    result = {"score": {"min": 0, "raw": raw, "max": maximum, "scaled": raw / maximum}}
    if success is not None:
        result["success"] = success
    return {
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
        "object": {"id": activity_iri(activity.pk)},
        "result": result,
    }


@pytest.fixture
def played(official, course, activity):
    participant = Participant.objects.get(user=official)
    enrol(participant=participant, course=course)
    lesson = LessonPage.objects.get(slug="conceptos")
    for raw, success in ((0, False), (1, True)):
        record_statement(
            participant_id=participant.pk,
            activity=activity,
            lesson_id=lesson.pk,
            statement=answered(activity, raw, success=success),
        )
    return participant


def test_mi_aprendizaje_lists_the_best_result_as_practice(client, official, played, activity):
    client.force_login(official)

    page = client.get(reverse("lms:my_learning")).content.decode()

    assert "Actividades interactivas" in page
    assert activity.title in page
    assert "1 / 1" in page
    assert "Aprobada" in page or "Aprobado" in page
    assert "no cuentan para los certificados" in page


def test_mi_aprendizaje_has_no_activity_section_before_any_result(client, official, course):
    client.force_login(official)

    page = client.get(reverse("lms:my_learning")).content.decode()

    assert "Actividades interactivas" not in page


def test_the_progress_report_shows_each_rows_h5p_results(client, login_staff, played, activity):
    trainer = UserFactory(email="capacitador@example.org", groups=[roles.TRAINER])
    login_staff(trainer)

    page = client.get("/admin/avance-cursos/").content.decode()

    assert "Actividades interactivas" in page
    assert f"{activity.title}: 1/1 ✓" in page


def test_a_failed_try_never_takes_a_pass_back(played, activity):
    from lms.models import H5PResult

    record_statement(
        participant_id=played.pk,
        activity=activity,
        lesson_id=None,
        statement=answered(activity, 0, success=False),
    )
    result = H5PResult.objects.get(participant=played, activity=activity)
    assert (result.raw_score, result.passed, result.statements) == (1, True, 3)
