"""Issuing under real concurrency: a completion, a trainer's click and an attendance import at once.

Only PostgreSQL shows these races (SQLite serialises every write), so the tests
skip elsewhere; CI runs them with DATABASE_URL pointing at PostgreSQL.
"""

import threading

import pytest
from django.db import connection, connections

from courses.models import CoursePage
from lms.models import Certificate, Participant, Registration, Workshop
from lms.services import certificates as service

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


def run_together(target, count: int) -> list:
    """Run `target` in `count` threads released at the same moment; return results or errors."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def worker(index):
        try:
            barrier.wait(timeout=10)
            results[index] = target()
        except Exception as error:  # the test inspects what each thread met
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


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
