"""Fixtures for attendance tests: a workshop with its trainer, a session, registrants, reports.

Import them into a test module with `from tests.workshops.attendance_fixtures import *`.
Names differ from the package's conftest so neither shadows the other.

The reports in tests/attendance/fixtures are of meetings in March and April 2026 in
Guayaquil's time; `report_session` makes the session each one belongs to, and
`report_people` registers the officials they name.
"""

import codecs
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from lms import roles
from lms.models import Participant, Registration, Session, Workshop
from tests.factories import UserFactory
from tests.lms.factories import ParticipantFactory, gad

__all__ = [
    "GYE",
    "REPORTS",
    "REPORT_FILES",
    "ame_trainer",
    "add_session",
    "at",
    "live_session",
    "make_workshop",
    "manager",
    "other_trainer",
    "pdot_workshop",
    "register_person",
    "report_bytes",
    "report_people",
    "report_session",
    "rosa",
    "session",
    "superuser",
    "zoom_csv",
]

GYE = ZoneInfo("America/Guayaquil")
FIXTURES = Path(__file__).resolve().parent.parent / "attendance" / "fixtures"


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0):
    """An aware datetime in Guayaquil's time."""
    return datetime(year, month, day, hour, minute, second, tzinfo=GYE)


# The session most tests use: Tuesday 12 March 2030, 09:00-11:00 in Guayaquil.
SESSION_START = at(2030, 3, 12, 9)

# Each report fixture: the session (start, end) it is the report of.
REPORTS = {
    "zoom_legacy.csv": (at(2026, 3, 10, 9), at(2026, 3, 10, 11)),
    "zoom_legacy_unique.csv": (at(2026, 3, 10, 9), at(2026, 3, 10, 11)),
    "zoom_excel_semicolon.csv": (at(2026, 3, 10, 9), at(2026, 3, 10, 11)),
    "zoom_2024.csv": (at(2026, 3, 12, 15), at(2026, 3, 12, 17)),
    "teams_2020.txt": (at(2026, 3, 10, 9), at(2026, 3, 10, 11)),
    "teams_2021.txt": (at(2026, 3, 17, 9), at(2026, 3, 17, 11)),
    "teams_2022_en.txt": (at(2026, 3, 24, 9), at(2026, 3, 24, 11)),
    "teams_2022_es.txt": (at(2026, 4, 7, 9), at(2026, 4, 7, 11)),
    "google_meet.csv": (at(2026, 3, 10, 9), at(2026, 3, 10, 11)),
}
REPORT_FILES = sorted(REPORTS)

# The officials the reports name, as registered in Aula (the trainer and a guest are not).
REPORT_PEOPLE = [
    ("María José Andrade", "mjandrade@gadpastaza.gob.ec"),
    ("Luis Ángel Guamán", ""),
    ("Verónica Chávez Ñauta", "vchavez@gadloja.gob.ec"),
    ("Jorge Cevallos", "jcevallos@gadmanta.gob.ec"),
    ("Ana Pérez", "aperez@gadesmeraldas.gob.ec"),
    ("Dayana Quishpe Tituaña", "dquishpe@gadcotacachi.gob.ec"),
    ("Nelly Sarango Medina", "nsarango@gadsaraguro.gob.ec"),
    ("Paúl Tenesaca", "ptenesaca@gadcuenca.gob.ec"),
    ("Rosa Elena Yupanqui", "rosa.yupanqui@gadotavalo.gob.ec"),
]


def report_bytes(name: str) -> bytes:
    """A fixture's bytes as the service exports it: Teams writes UTF-16 with a BOM and CRLF."""
    data = (FIXTURES / name).read_bytes()
    if name.startswith("teams_"):
        text = data.decode("utf-8").replace("\n", "\r\n")
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    return data


ZOOM_HEADER = "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest"


def zoom_csv(*rows: str) -> bytes:
    """A Zoom participant report (without the meeting block) from rows of text."""
    return "\n".join((ZOOM_HEADER, *rows, "")).encode("utf-8")


def make_workshop(*, trainers=(), slug="pdot-asistencia", **fields) -> Workshop:
    defaults = {
        "title": "Movilidad humana en el PDOT",
        "status": Workshop.Status.PUBLISHED,
        "attendance_threshold": 75,
        "late_after_minutes": 15,
    }
    workshop = Workshop.objects.create(slug=slug, **{**defaults, **fields})
    if trainers:
        for user in trainers:
            workshop.trainers.add(user)
        workshop.save()
    return workshop


def add_session(workshop: Workshop, start: datetime, *, hours: float = 2, **fields) -> Session:
    return Session.objects.create(
        workshop=workshop, starts_at=start, ends_at=start + timedelta(hours=hours), **fields
    )


def register_person(
    workshop: Workshop,
    full_name: str,
    *,
    email: str | None = None,
    account: bool = False,
    gad_code: str | None = None,
    status: str = Registration.Status.CONFIRMED,
) -> Participant:
    """A participant (with an account if asked) with a registration for the workshop."""
    fields = {"full_name": full_name}
    if gad_code:
        fields["gad"] = gad(gad_code)
    if account:
        user = UserFactory(email=email) if email else UserFactory()
        person = ParticipantFactory(user=user, **fields)
    else:
        person = ParticipantFactory(user=None, email=email or "", **fields)
    now = timezone.now()
    Registration.objects.create(
        workshop=workshop,
        participant=person,
        status=status,
        registered_at=now,
        confirmed_at=now if status == Registration.Status.CONFIRMED else None,
    )
    return person


@pytest.fixture
def ame_trainer(db):
    """An AME trainer (staff, in the trainers' group) who trains `pdot_workshop`."""
    return UserFactory(email="formadora@ame.gob.ec", groups=[roles.TRAINER])


@pytest.fixture
def other_trainer(db):
    """A trainer of other workshops."""
    return UserFactory(email="otro.formador@ame.gob.ec", groups=[roles.TRAINER])


@pytest.fixture
def manager(db):
    return UserFactory(email="gestora@ame.gob.ec", groups=[roles.MANAGER])


@pytest.fixture
def superuser(db):
    from lms.models import User

    return User.objects.create_superuser(email="admin@ame.gob.ec", password="x" * 16)


@pytest.fixture
def pdot_workshop(ame_trainer):
    """A published workshop: present from 75 % of a session, late after 15 minutes."""
    return make_workshop(trainers=[ame_trainer])


@pytest.fixture
def session(pdot_workshop):
    """12 March 2030, 09:00-11:00 in Guayaquil."""
    return add_session(pdot_workshop, SESSION_START, title="Conceptos y marco legal")


@pytest.fixture
def live_session(pdot_workshop):
    """A session that started ten minutes ago and lasts two hours: check-in is open."""
    start = timezone.now().replace(microsecond=0) - timedelta(minutes=10)
    return add_session(pdot_workshop, start, title="En curso")


@pytest.fixture
def rosa(pdot_workshop):
    """A GAD official with an account and a confirmed registration."""
    return register_person(
        pdot_workshop, "Rosa Mero", email="rmero@pedernales.gob.ec", account=True
    )


@pytest.fixture
def report_session(pdot_workshop):
    """The session a report fixture belongs to: `report_session("zoom_legacy.csv")`."""

    def make(name: str) -> Session:
        start, end = REPORTS[name]
        return Session.objects.create(workshop=pdot_workshop, starts_at=start, ends_at=end)

    return make


@pytest.fixture
def report_people(pdot_workshop) -> dict[str, Participant]:
    """The officials the reports name, registered (by full name)."""
    return {
        name: register_person(pdot_workshop, name, email=email or None)
        for name, email in REPORT_PEOPLE
    }
