"""A course may ask for attendance at a linked workshop: it completes when that is met too."""

from datetime import timedelta

import pytest
from django.utils import timezone

from courses.models import LessonPage
from lms.models import Enrolment, Participant, Session, Workshop
from lms.services.attendance import set_attendance
from lms.services.learning import complete_step, enrol
from lms.services.workshops import register
from tests.lms.test_learning import pass_quiz


@pytest.fixture
def linked(course, trainer):
    course.requires_workshop_attendance = True
    course.save_revision().publish()
    workshop = Workshop.objects.create(
        title="Taller del curso", slug="taller-del-curso", status="published", course=course
    )
    start = timezone.now() - timedelta(days=7)
    sessions = [
        Session.objects.create(
            workshop=workshop,
            starts_at=start + timedelta(days=n),
            ends_at=start + timedelta(days=n, hours=2),
        )
        for n in range(4)
    ]
    return workshop, sessions


def finish_the_steps(enrolment):
    for slug in ("conceptos", "diagnostico"):
        complete_step(enrolment=enrolment, step=LessonPage.objects.get(slug=slug))
    pass_quiz(enrolment)
    enrolment.refresh_from_db()
    return enrolment


def test_the_course_waits_for_the_workshop_then_completes_on_attendance(
    official, course, linked, trainer, django_capture_on_commit_callbacks
):
    workshop, sessions = linked
    participant = Participant.objects.get(user=official)
    enrolment = enrol(participant=participant, course=course)
    register(workshop=workshop, participant=participant, added_by=trainer)

    enrolment = finish_the_steps(enrolment)
    assert enrolment.progress_percent == 100
    assert enrolment.completed_at is None  # every step done, the workshop not yet attended

    # The threshold (75 %) of four sessions is three: two are not enough.
    with django_capture_on_commit_callbacks(execute=True):
        for session in sessions[:2]:
            set_attendance(session, participant, status="present", source="roster", by=trainer)
    assert Enrolment.objects.get(pk=enrolment.pk).completed_at is None

    with django_capture_on_commit_callbacks(execute=True):
        set_attendance(sessions[2], participant, status="late", source="roster", by=trainer)
    done = Enrolment.objects.get(pk=enrolment.pk)
    assert done.completed_at is not None
    assert done.completion_reason == "required_steps+workshop"


def test_excused_sessions_do_not_count_as_attended(official, course, linked, trainer):
    workshop, sessions = linked
    participant = Participant.objects.get(user=official)
    enrolment = enrol(participant=participant, course=course)
    for session in sessions:
        set_attendance(session, participant, status="excused", source="roster", by=trainer)

    assert finish_the_steps(enrolment).completed_at is None


def test_without_the_rule_the_steps_alone_complete_the_course(official, course, trainer):
    participant = Participant.objects.get(user=official)
    enrolment = finish_the_steps(enrol(participant=participant, course=course))

    assert enrolment.completed_at is not None
    assert enrolment.completion_reason == "required_steps"


def test_the_course_page_names_its_workshops_and_the_rule(client, course, linked):
    page = client.get(course.url).content.decode()

    assert "Talleres de este curso" in page
    assert "asista a uno de sus talleres" in page
    assert "/talleres/taller-del-curso/" in page
