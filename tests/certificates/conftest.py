"""Shared fixtures for certificate tests: a course, a workshop with four sessions, people.

The PDF is rendered by a background task (lms.tasks.render_certificate_pdf); these
tests replace the task with a recorder, so they test issuing, not rendering.
"""

from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from lms import roles
from lms.models import Certificate, Participant, Session, Workshop
from lms.services import certificates as service
from lms.services.workshops import register
from tests.factories import UserFactory
from tests.lms.factories import ParticipantFactory, gad

GYE = ZoneInfo("America/Guayaquil")
QUITO = "1701"
# The first session: Tuesday 12 March 2030, 09:00-11:00 in Guayaquil; then weekly.
FIRST_START = datetime(2030, 3, 12, 9, 0, tzinfo=GYE)


@pytest.fixture(autouse=True)
def pdf_tasks():
    """The PDF task, recorded instead of run (a task object is frozen: it is replaced whole)."""
    with mock.patch("lms.tasks.render_certificate_pdf") as task:
        yield task.enqueue


@pytest.fixture(autouse=True)
def _fresh_signing_key():
    service._load_key.cache_clear()
    yield
    service._load_key.cache_clear()


@pytest.fixture
def trainer(db):
    return UserFactory(email="capacitadora@ame.gob.ec", groups=[roles.TRAINER])


@pytest.fixture
def manager(db):
    return UserFactory(email="gestora@ame.gob.ec", groups=[roles.MANAGER])


@pytest.fixture
def participant(official):
    """Rosa Mero, of Pedernales, with an account (the `official` fixture)."""
    return Participant.objects.get(user=official)


@pytest.fixture
def other_participant(db):
    return ParticipantFactory(
        full_name="Luis Guamán",
        user=UserFactory(email="lguaman@quito.gob.ec"),
        gad=gad(QUITO),
        phone="0987654321",
    )


@pytest.fixture
def workshop(trainer):
    """A published workshop run by `trainer`: four weekly sessions of two hours, 75 %."""
    workshop = Workshop.objects.create(
        title="Movilidad humana en el PDOT",
        slug="movilidad-pdot",
        status=Workshop.Status.PUBLISHED,
        attendance_threshold=75,
    )
    workshop.trainers.add(trainer)
    workshop.save()  # a ParentalManyToManyField is written on save
    for week in range(4):
        Session.objects.create(
            workshop=workshop,
            starts_at=FIRST_START + timedelta(weeks=week),
            ends_at=FIRST_START + timedelta(weeks=week, hours=2),
        )
    return workshop


@pytest.fixture
def sessions(workshop):
    return list(workshop.sessions.order_by("starts_at"))


@pytest.fixture
def registered(workshop, participant, trainer):
    register(workshop=workshop, participant=participant, added_by=trainer)
    return participant


def make_certificate(participant, *, course=None, workshop=None, by=None) -> Certificate:
    kind = Certificate.Kind.COURSE if course is not None else Certificate.Kind.WORKSHOP
    return service.issue(
        participant=participant, kind=kind, course=course, workshop=workshop, by=by
    )


@pytest.fixture
def certificate(participant, course):
    return make_certificate(participant, course=course)
