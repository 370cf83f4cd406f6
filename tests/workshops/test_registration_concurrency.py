"""Registrations under real concurrency: many people at once for the last seats.

Only PostgreSQL shows these races (SQLite serialises every write), so the tests
skip elsewhere; CI runs them with DATABASE_URL pointing at PostgreSQL.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from lms.models import Registration, Session, Workshop
from lms.services import workshops as service
from tests.lms.factories import ParticipantFactory
from tests.lms.test_quiz_concurrency import run_together

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Concurrency tests need PostgreSQL (SQLite serialises writes): set DATABASE_URL.",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PEOPLE = 16
SEATS = 5


@pytest.fixture
def workshop():
    workshop = Workshop.objects.create(
        title="Taller nacional", slug="taller-nacional", status="published", capacity=SEATS
    )
    start = timezone.now() + timedelta(days=2)
    Session.objects.create(workshop=workshop, starts_at=start, ends_at=start + timedelta(hours=2))
    return workshop


def test_simultaneous_registrations_never_oversell_and_keep_the_queue(workshop):
    people = [ParticipantFactory() for _ in range(PEOPLE)]
    calls = iter(people)

    results = run_together(
        lambda: service.register(workshop=workshop, participant=next(calls)), PEOPLE
    )

    assert not [r for r in results if isinstance(r, Exception)]
    statuses = Registration.objects.filter(workshop=workshop)
    assert statuses.filter(status="confirmed").count() == SEATS
    waiting = list(statuses.filter(status="waitlisted").order_by("registered_at", "pk"))
    assert len(waiting) == PEOPLE - SEATS
    positions = [service.waitlist_position(r) for r in waiting]
    assert positions == list(range(1, PEOPLE - SEATS + 1))


def test_a_cancellation_racing_registrations_promotes_exactly_one(workshop):
    seated = [
        service.register(workshop=workshop, participant=ParticipantFactory()) for _ in range(SEATS)
    ]
    waiting = [
        service.register(workshop=workshop, participant=ParticipantFactory()) for _ in range(3)
    ]
    newcomers = iter([ParticipantFactory() for _ in range(4)])
    turns = iter(range(5))

    def act():
        if next(turns) == 0:
            return service.cancel(registration=seated[0])
        return service.register(workshop=workshop, participant=next(newcomers))

    results = run_together(act, 5)

    assert not [r for r in results if isinstance(r, Exception)]
    assert Registration.objects.filter(workshop=workshop, status="confirmed").count() == SEATS
    waiting[0].refresh_from_db()
    assert waiting[0].status == "confirmed"  # the first in the queue, not a newcomer
    assert Registration.objects.filter(workshop=workshop, status="waitlisted").count() == 2 + 4


def test_the_same_person_registering_twice_at_once_gets_one_registration(workshop):
    person = ParticipantFactory()

    results = run_together(lambda: service.register(workshop=workshop, participant=person), 4)

    assert not [r for r in results if isinstance(r, Exception)]
    assert Registration.objects.filter(participant=person).count() == 1
