"""Issuing under real concurrency: a completion, a trainer's click and an attendance import at once.

Only PostgreSQL shows these races (SQLite serialises every write), so the tests
skip elsewhere; CI runs them with DATABASE_URL pointing at PostgreSQL.
"""

import pytest
from django.db import connection

from courses.models import CoursePage
from lms.models import Certificate, Participant, Registration, Workshop
from lms.services import certificates as service
from tests.lms.test_quiz_concurrency import run_together

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Concurrency tests need PostgreSQL (SQLite serialises writes): set DATABASE_URL.",
    ),
    # Serialized rollback brings back what migrations load (GADs, Wagtail's root page,
    # the default template), which flushing the database after a transactional test would wipe.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

THREADS = 8


def test_eight_simultaneous_issues_give_one_certificate(participant, course):
    def issue():
        # Each thread reads its own copies, as separate requests would.
        return service.issue(
            participant=Participant.objects.get(pk=participant.pk),
            kind=Certificate.Kind.COURSE,
            course=CoursePage.objects.get(pk=course.pk),
        )

    results = run_together(issue, THREADS)

    errors = [result for result in results if isinstance(result, Exception)]
    assert not errors, errors
    assert Certificate.objects.count() == 1
    certificate = Certificate.objects.get()
    assert {result.pk for result in results} == {certificate.pk}
    assert {result.reference for result in results} == {certificate.reference}


def test_bulk_issuing_twice_at_once_gives_one_certificate_each(
    workshop, sessions, registered, other_participant, trainer
):
    from lms.services.attendance import set_attendance
    from lms.services.workshops import register

    register(workshop=workshop, participant=other_participant, added_by=trainer)
    for person in (registered, other_participant):
        for session in sessions:
            set_attendance(session, person, status="present", source="roster", by=trainer)
    assert Registration.objects.filter(workshop=workshop).confirmed().count() == 2

    results = run_together(
        lambda: service.issue_for_workshop(Workshop.objects.get(pk=workshop.pk), by=trainer),
        THREADS,
    )

    errors = [result for result in results if isinstance(result, Exception)]
    assert not errors, errors
    assert Certificate.objects.filter(workshop=workshop).count() == 2
    assert sum(result.issued for result in results) == 2
    assert all(result.issued + result.existing == 2 for result in results)
