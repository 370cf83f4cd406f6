"""The national dataset of the reports bench (bench.national), generated at a tiny scale.

The data are generated once for the module, inside a transaction rolled back at its
end, and each test reads them.
"""

import io
import re

import pytest
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from wagtail.models import Page

from bench.national import (
    PARTICIPANTS,
    SHARE_ANONYMISED,
    SHARE_WITHOUT_ACCOUNT,
    STEPS_PER_COURSE,
    Plan,
    generate,
)
from courses.models import CoursePage
from lms.models import (
    Attendance,
    Certificate,
    Enrolment,
    Participant,
    Registration,
    Session,
    StepProgress,
    Workshop,
)

SCALE = 0.002
PLAN = Plan.at(SCALE)


@pytest.fixture(scope="module")
def dataset(django_db_setup, django_db_blocker):
    # Generating costs seconds: once for every test here, undone when the module ends.
    with django_db_blocker.unblock(), transaction.atomic():
        counts = generate(scale=SCALE, stdout=io.StringIO())
        yield counts
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_counts_follow_the_scale(dataset):
    assert Participant.objects.count() == PLAN.participants == round(PARTICIPANTS * SCALE)
    assert Enrolment.objects.count() == PLAN.enrolments
    assert CoursePage.objects.count() == PLAN.courses
    for course in CoursePage.objects.all():
        assert course.get_children().live().count() == STEPS_PER_COURSE
    assert Workshop.objects.count() == PLAN.workshops
    assert Workshop.objects.filter(kind="consultative").count() == PLAN.consultative
    assert Session.objects.count() == 5 * PLAN.workshops
    # The tiny population cannot always fill every seat; never more than planned.
    assert 0.6 * PLAN.registrations <= Registration.objects.count() <= PLAN.registrations
    assert 0.6 * PLAN.attendance <= Attendance.objects.count() <= PLAN.attendance
    assert 0 < Certificate.objects.count() <= PLAN.certificates
    steps = StepProgress.objects.count()
    assert PLAN.enrolments * 5 <= steps <= PLAN.enrolments * STEPS_PER_COURSE
    assert dataset["step progress"] == steps
    assert dataset["attendance"] == Attendance.objects.count()


def test_a_fifth_have_no_login_and_one_in_a_hundred_was_deleted(dataset):
    deleted = max(1, round(PLAN.participants * SHARE_ANONYMISED))
    without = round(PLAN.participants * SHARE_WITHOUT_ACCOUNT)
    assert Participant.objects.filter(anonymised_at__isnull=False).count() == deleted
    assert Participant.objects.filter(user__isnull=True).count() == without + deleted


def test_deleted_participants_look_as_the_deletion_leaves_them(dataset):
    for person in Participant.objects.filter(anonymised_at__isnull=False):
        assert person.full_name == "Participante eliminado"
        assert (person.email, person.phone, person.position, person.user_id) == ("", "", "", None)
    for certificate in Certificate.objects.filter(participant__anonymised_at__isnull=False):
        assert certificate.revoked_at is not None
        assert certificate.holder_name == ""


def test_every_step_progress_is_a_step_of_its_enrolments_course(dataset):
    pages = {
        pk: (path, depth) for pk, path, depth in Page.objects.values_list("pk", "path", "depth")
    }
    rows = StepProgress.objects.values_list("step_id", "enrolment__course_id")
    for step_id, course_id in rows:
        step_path, step_depth = pages[step_id]
        course_path, course_depth = pages[course_id]
        assert step_path.startswith(course_path) and step_depth == course_depth + 1


def test_enrolment_counters_match_the_step_progress(dataset):
    required = {}
    for course in CoursePage.objects.all():
        required[course.pk] = [
            step.pk for step in course.get_children().specific().order_by("path") if step.required
        ]
    done = {}
    for enrolment_id, step_id in StepProgress.objects.filter(
        completed_at__isnull=False
    ).values_list("enrolment_id", "step_id"):
        done.setdefault(enrolment_id, set()).add(step_id)
    completed = 0
    for enrolment in Enrolment.objects.all():
        steps = required[enrolment.course_id]
        finished = [pk for pk in steps if pk in done.get(enrolment.pk, set())]
        assert enrolment.required_steps == len(steps)
        assert enrolment.completed_steps == len(finished)
        assert enrolment.progress_percent == 100 * len(finished) // len(steps)
        assert enrolment.next_step_id == next((pk for pk in steps if pk not in finished), None)
        assert (enrolment.completed_at is not None) == (len(finished) == len(steps))
        completed += enrolment.completed_at is not None
        for row in enrolment.step_progress.all():
            assert enrolment.enrolled_at <= row.first_viewed_at <= row.last_viewed_at
            assert row.last_viewed_at <= enrolment.last_activity_at
            assert row.completed_at is None or row.completed_at <= enrolment.last_activity_at
    assert 0.2 <= completed / PLAN.enrolments <= 0.6


def test_attendance_only_of_registrants_or_at_consultative_processes(dataset):
    confirmed = Registration.objects.filter(
        workshop_id=OuterRef("session__workshop_id"),
        participant_id=OuterRef("participant_id"),
        status="confirmed",
    )
    strangers = Attendance.objects.exclude(session__workshop__kind="consultative").exclude(
        Exists(confirmed)
    )
    assert not strangers.exists()
    assert not Attendance.objects.filter(session__cancelled=True).exists()


def test_certificates_are_unique_per_participant_and_subject(dataset):
    twice = (
        Certificate.objects.values("participant", "subject_key")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert not twice.exists()
    certificates = list(Certificate.objects.all())
    assert len({c.code for c in certificates}) == len(certificates)
    assert len({c.reference for c in certificates}) == len(certificates)
    for certificate in certificates:
        assert re.fullmatch(r"AULA-20\d\d-[2-9A-Z]{4}-[2-9A-Z]{4}", certificate.reference)
        subject = certificate.course_id if certificate.kind == "course" else certificate.workshop_id
        assert certificate.subject_key == f"{certificate.kind}:{subject}"
        assert (certificate.revoked_at is None) == (certificate.revoked_reason == "")
