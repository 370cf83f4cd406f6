"""A small programme with exact, hand-counted figures, for the reports' arithmetic.

People (GAD, sex, age band) and what they did:

- Ana (Pedernales, pilot; female, 30-44): completed course A; confirmed in workshop W,
  attended both of its sessions; course certificate.
- Beto (Pedernales; male, 18-29): half of course A; confirmed in W, present at one
  session, absent at the other.
- Cami (Quito; prefer not to say, no age band; no account): confirmed in W, absent twice.
- Dora (Quito; female, 45-59): completed course A and got its certificate, then asked
  for her data to be deleted (the certificate is revoked, she still counts).
- Eli (a rural parish; male, 60+): on W's waitlist, nothing else.
- Fer (a provincial GAD; other): no activity at all, never counted.
- Gil (Quito; female, 30-44): confirmed in workshop X (another trainer's), attended
  its only session; workshop certificate.

Workshop W, trained by `trainer`, held two sessions in March 2025; X one in April 2025;
workshop Z is a draft and never counts.
"""

from datetime import datetime, timedelta
from types import SimpleNamespace
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from lms import roles
from lms.models import (
    Attendance,
    Certificate,
    Enrolment,
    Participant,
    Registration,
    Session,
    Workshop,
)
from lms.services import certificates as certificate_service
from lms.services.privacy import delete_participant
from tests.factories import CourseIndexPageFactory, CoursePageFactory, HomePageFactory, UserFactory
from tests.lms.factories import ParticipantFactory, gad

GYE = ZoneInfo("America/Guayaquil")
PEDERNALES = "1317"
QUITO = "1701"
PARISH = "170151"  # a rural parish of Quito's canton
PROVINCIAL = "17"  # Pichincha's provincial GAD


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=GYE)


@pytest.fixture(autouse=True)
def _no_pdf_rendering():
    with mock.patch("lms.tasks.render_certificate_pdf"):
        yield


@pytest.fixture
def trainer(db):
    return UserFactory(email="capacitadora@ame.gob.ec", groups=[roles.TRAINER])


@pytest.fixture
def other_trainer(db):
    return UserFactory(email="capacitador2@ame.gob.ec", groups=[roles.TRAINER])


@pytest.fixture
def manager(db):
    return UserFactory(email="gestora@ame.gob.ec", groups=[roles.MANAGER])


@pytest.fixture
def editor(db):
    return UserFactory(email="editora@ame.gob.ec", groups=[roles.EDITOR])


def _person(name, code, sex, age, *, account=True):
    return ParticipantFactory(
        full_name=name,
        gad=gad(code),
        sex=sex,
        age_band=age,
        **({} if account else {"user": None}),
    )


def _workshop(title, slug, trainer, starts, *, status=Workshop.Status.PUBLISHED):
    workshop = Workshop.objects.create(title=title, slug=slug, status=status)
    workshop.trainers.add(trainer)
    workshop.save()  # a ParentalManyToManyField is written on save
    sessions = [
        Session.objects.create(
            workshop=workshop,
            title=f"{title} {number}",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
        )
        for number, start in enumerate(starts, start=1)
    ]
    return workshop, sessions


def _attend(session, participant, status):
    Attendance.objects.create(
        session=session, participant=participant, status=status, source="roster"
    )


@pytest.fixture
def programme(db, trainer, other_trainer):
    home = HomePageFactory()
    index = CourseIndexPageFactory(parent=home)
    course_a = CoursePageFactory(parent=index, title="Movilidad humana en el PDOT")
    course_b = CoursePageFactory(parent=index, title="Curso sin inscripciones")

    F, M = Participant.Sex.FEMALE, Participant.Sex.MALE
    ana = _person("Ana Zambrano", PEDERNALES, F, "30-44")
    beto = _person("Beto Cedeño", PEDERNALES, M, "18-29")
    cami = _person("Cami Loor", QUITO, Participant.Sex.UNDISCLOSED, "", account=False)
    dora = _person("Dora Pillajo", QUITO, F, "45-59")
    eli = _person("Eli Quishpe", PARISH, M, "60+")
    fer = _person("Fer Andrade", PROVINCIAL, Participant.Sex.OTHER, "30-44")
    gil = _person("Gil Toapanta", QUITO, F, "30-44")

    def enrol(person, *, done, required=4, when=None):
        when = when or at(2, 1)
        return Enrolment.objects.create(
            participant=person,
            course=course_a,
            enrolled_at=when,
            required_steps=required,
            completed_steps=done,
            progress_percent=100 * done // required,
            completed_at=when + timedelta(days=20) if done == required else None,
        )

    enrol(ana, done=4)
    enrol(beto, done=2)
    enrol(dora, done=4, when=at(5, 1))

    w, (w1, w2) = _workshop("Taller W", "taller-w", trainer, [at(3, 11), at(3, 18)])
    x, (x1,) = _workshop("Taller X", "taller-x", other_trainer, [at(4, 8)])
    z, _z = _workshop("Taller Z", "taller-z", trainer, [at(4, 9)], status=Workshop.Status.DRAFT)
    confirmed = Registration.Status.CONFIRMED
    for person in (ana, beto, cami):
        Registration.objects.create(workshop=w, participant=person, status=confirmed)
    Registration.objects.create(workshop=w, participant=eli, status=Registration.Status.WAITLISTED)
    Registration.objects.create(workshop=x, participant=gil, status=confirmed)
    Registration.objects.create(workshop=z, participant=fer, status=confirmed)

    present, absent = Attendance.Status.PRESENT, Attendance.Status.ABSENT
    _attend(w1, ana, present)
    _attend(w2, ana, Attendance.Status.LATE)
    _attend(w1, beto, present)
    _attend(w2, beto, absent)
    _attend(w1, cami, absent)
    _attend(w2, cami, absent)
    _attend(x1, gil, present)

    certificate_service.issue(participant=ana, kind=Certificate.Kind.COURSE, course=course_a)
    certificate_service.issue(participant=dora, kind=Certificate.Kind.COURSE, course=course_a)
    certificate_service.issue(participant=gil, kind=Certificate.Kind.WORKSHOP, workshop=x)
    delete_participant(participant=dora)

    return SimpleNamespace(
        course_a=course_a,
        course_b=course_b,
        w=w,
        x=x,
        z=z,
        people=SimpleNamespace(ana=ana, beto=beto, cami=cami, dora=dora, eli=eli, fer=fer, gil=gil),
        now=timezone.now(),
    )
