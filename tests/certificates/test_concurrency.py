"""Issuing under real concurrency: a completion, a trainer's click and an attendance import at once.

Only PostgreSQL shows these races (SQLite serialises every write), so the tests
skip elsewhere; CI runs them with DATABASE_URL pointing at PostgreSQL.
"""

import contextlib
import threading

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


def test_two_editors_making_different_templates_the_default_at_once():
    """Both saves succeed, one after the other; exactly one template stays the default."""
    from django.db import transaction

    from lms.models import CertificateTemplate
    from lms.viewsets_certificate_templates import save_as_only_default

    pks = [
        CertificateTemplate.objects.create(name=name).pk
        for name in ("Plantilla AME", "Plantilla OIM")
    ]
    lock = threading.Lock()
    # Both threads meet after clearing the other defaults, before saving theirs: the
    # worst moment. With the lock, the second waits inside save_as_only_default, so the
    # first meets nobody and goes on when the wait times out.
    both_cleared = threading.Barrier(2, timeout=3)

    def make_default():
        with lock:  # each thread takes one template
            pk = pks.pop()
        with transaction.atomic():
            template = CertificateTemplate.objects.get(pk=pk)
            save_as_only_default(template)
            with contextlib.suppress(threading.BrokenBarrierError):
                both_cleared.wait()
            template.is_default = True
            template.save()
        return pk

    results = run_together(make_default, 2)

    errors = [result for result in results if isinstance(result, Exception)]
    assert not errors, errors
    assert CertificateTemplate.objects.filter(is_default=True).count() == 1
