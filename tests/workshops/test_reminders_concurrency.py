"""Reminders under real concurrency: two workers running the same reminder at once.

Only PostgreSQL shows the race (SQLite serialises every write), so the tests
skip elsewhere; CI runs them with DATABASE_URL pointing at PostgreSQL.
"""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection

from lms.models import Registration, ReminderRecord, Session, Workshop
from lms.services import workshop_mail
from lms.tasks import send_reminder
from tests.lms.factories import ParticipantFactory
from tests.lms.test_quiz_concurrency import run_together
from tests.workshops.conftest import FIRST_START, MEETING_LINK

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Concurrency tests need PostgreSQL (SQLite serialises writes): set DATABASE_URL.",
    ),
    # Serialized rollback brings back what migrations load (GADs, Wagtail's root page),
    # which flushing the database after a transactional test would wipe.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DAY = ReminderRecord.Kind.DAY.value
PEOPLE = 5


@pytest.fixture
def session(set_now):
    """A session a day away, with PEOPLE confirmed registrants and one on the waitlist."""
    workshop = Workshop.objects.create(
        title="Taller nacional de movilidad humana",
        slug="taller-nacional",
        status=Workshop.Status.PUBLISHED,
        meeting_link=MEETING_LINK,
        capacity=PEOPLE,
    )
    session = Session.objects.create(
        workshop=workshop, starts_at=FIRST_START, ends_at=FIRST_START + timedelta(hours=2)
    )
    people = [ParticipantFactory() for _ in range(PEOPLE + 1)]
    Registration.objects.bulk_create(
        Registration(
            workshop=workshop,
            participant=person,
            status=(
                Registration.Status.CONFIRMED if n < PEOPLE else Registration.Status.WAITLISTED
            ),
        )
        for n, person in enumerate(people)
    )
    set_now(FIRST_START - timedelta(hours=24))
    mail.outbox.clear()
    return session


def emails_per_address() -> dict[str, int]:
    counts: dict[str, int] = {}
    for message in mail.outbox:
        for address in message.to:
            counts[address] = counts.get(address, 0) + 1
    return counts


def test_two_workers_running_the_same_reminder_send_it_once(session, monkeypatch):
    # Both workers read the same registrants before either claims anyone, so
    # every claim is contested: the second insert waits for the first
    # transaction, then fails on the unique constraint.
    both_have_read = threading.Barrier(2)
    read = workshop_mail.registrations_to_remind

    def read_then_wait(*args, **kwargs):
        registrations = read(*args, **kwargs)
        both_have_read.wait(timeout=10)
        return registrations

    monkeypatch.setattr(workshop_mail, "registrations_to_remind", read_then_wait)

    results = run_together(lambda: send_reminder.call(session.pk, DAY), 2)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r["sent"] for r in results) == PEOPLE
    assert sum(r["skipped"] for r in results) == PEOPLE
    confirmed = Registration.objects.confirmed().filter(workshop=session.workshop)
    assert emails_per_address() == {r.participant.email: 1 for r in confirmed}
    assert ReminderRecord.objects.filter(session=session, kind=DAY).count() == PEOPLE


def test_many_workers_at_once_still_send_one_each(session):
    results = run_together(lambda: send_reminder.call(session.pk, DAY), 6)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r["sent"] for r in results) == PEOPLE
    assert sorted(emails_per_address().values()) == [1] * PEOPLE
    assert ReminderRecord.objects.filter(session=session).count() == PEOPLE
