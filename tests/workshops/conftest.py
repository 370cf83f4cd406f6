"""Shared fixtures for workshop tests: a published online workshop, its sessions, people.

Times are fixed (March 2030, America/Guayaquil) so nothing depends on today's
date; tests that need "now" set it with `set_now`.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from lms import roles
from lms.models import Session, Workshop
from tests.factories import UserFactory
from tests.lms.factories import ParticipantFactory, gad

GYE = ZoneInfo("America/Guayaquil")
QUITO = "1701"  # Distrito Metropolitano de Quito (the default GAD is 1317, Pedernales)
MEETING_LINK = "https://meet.example.org/aula-pdot"


def at(month: int, day: int, hour: int = 0, minute: int = 0, *, year: int = 2030) -> datetime:
    """An aware datetime in Guayaquil's time."""
    return datetime(year, month, day, hour, minute, tzinfo=GYE)


# The first session: Tuesday 12 March 2030, 09:00-11:00 in Guayaquil (14:00 UTC).
FIRST_START = at(3, 12, 9)


@pytest.fixture
def set_now(monkeypatch):
    """Pretend it is a given moment: `set_now(at(3, 11, 9))`; returns that moment."""
    from django.utils import timezone

    def set_to(moment: datetime) -> datetime:
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    return set_to


@pytest.fixture
def trainer(db):
    """An AME trainer (staff, in the trainers' group)."""
    return UserFactory(email="capacitadora@ame.gob.ec", groups=[roles.TRAINER])


@pytest.fixture
def workshop(trainer):
    """A published online workshop for everyone, two seats, with a meeting link."""
    workshop = Workshop.objects.create(
        title="Movilidad humana en el PDOT",
        slug="movilidad-pdot",
        description="Cómo incluir la movilidad humana en el diagnóstico del PDOT.",
        mode=Workshop.Mode.ONLINE,
        meeting_link=MEETING_LINK,
        capacity=2,
        status=Workshop.Status.PUBLISHED,
    )
    workshop.trainers.add(trainer)
    workshop.save()
    return workshop


@pytest.fixture
def sessions(workshop):
    """Two weekly sessions of two hours: 12 and 19 March 2030 at 09:00 in Guayaquil."""
    return [
        Session.objects.create(
            workshop=workshop,
            title=title,
            starts_at=FIRST_START + timedelta(weeks=week),
            ends_at=FIRST_START + timedelta(weeks=week, hours=2),
        )
        for week, title in enumerate(["Conceptos y marco legal", "Diagnóstico territorial"])
    ]


@pytest.fixture
def participant(db):
    """A GAD official of Pedernales with an account."""
    return ParticipantFactory(
        full_name="Rosa Mero", user=UserFactory(email="rmero@pedernales.gob.ec")
    )


@pytest.fixture
def other_participant(db):
    """A GAD official of Quito with an account."""
    return ParticipantFactory(
        full_name="Luis Guamán",
        user=UserFactory(email="lguaman@quito.gob.ec"),
        gad=gad(QUITO),
    )
