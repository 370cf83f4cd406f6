"""National-scale programme data for the reports bench, the same every time (seeded).

Run from the project root (`make bench-data`; `python -m bench.reports` runs it first):

    .venv/bin/python -m bench.national [--scale S] [--force] [--database-url URL]

It fills a PostgreSQL database (BENCH_NATIONAL_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/aula_national), created and migrated when missing,
with what the programme would hold after two years across Ecuador: 10,000
participants in about 70 % of the country's GADs, 20 courses of 40 steps with their
enrolments and step progress, 200 workshops and consultative processes of five sessions
with registrations and attendance, 5,000 certificates, the trainers and one programme
manager whose login the bench uses. --scale multiplies every count (the GAD directory
stays whole). The large tables go in with COPY, the rest with bulk_create; a VACUUM
ANALYZE then leaves the statistics autovacuum would have gathered on a live database.

The database's comment records the seed, the version of this generator and the scale
once a run completes: a database that has that comment and the expected number of
participants is left alone but for new migrations, and --force drops the database and
builds it again. A database without the comment is only filled if it is empty.

`generate(scale=...)` does the filling alone on the database Django is configured with,
without creating or migrating anything: the tests call it at a tiny scale.
"""

from __future__ import annotations

import argparse
import base64
import heapq
import math
import os
import random
import secrets
import sys
import time
import unicodedata
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate
from typing import TextIO
from zoneinfo import ZoneInfo

SEED = 2026
# Raise when what generate() writes changes, so existing databases are built again.
VERSION = 3
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/aula_national"
MARKER = "aula bench.national"

# Counts at scale 1.
PARTICIPANTS = 10_000
COURSES = 20
STEPS_PER_COURSE = 40
ENROLMENTS = 20_000
WORKSHOPS = 200
CONSULTATIVE_SHARE = 0.10
SESSIONS_PER_WORKSHOP = 5
REGISTRATIONS = 30_000
ATTENDANCE = 150_000
CERTIFICATES = 5_000
TRAINERS = 4

GAD_COVERAGE = 0.70
PILOT_SHARE = 0.03  # of all participants, for each pilot GAD
SHARE_WITHOUT_ACCOUNT = 0.20
SHARE_ANONYMISED = 0.01
SHARE_COMPLETED = 0.40
SHARE_WITHDRAWN = 0.06  # of the enrolments not completed
# Revoked by a manager; the certificates of people whose data was deleted are revoked too
# (about as many again), so about 2 % in all.
SHARE_REVOKED = 0.01
SHARE_COURSE_CERTIFICATES = 0.60
# Consultative processes register the GAD's technical team; the rest of the people at a
# meeting are officials of the same province, recorded on the roster as they arrive.
SHARE_CONSULTATIVE_REGISTRATIONS = 0.05
# Steps (1-based, in course order) that are optional readings: not counted for completion.
OPTIONAL_STEPS = (12, 24, 36)
SEXES = {"female": 49, "male": 44, "other": 2, "undisclosed": 5}
AGE_BANDS = {"": 5, "18-29": 21, "30-44": 38, "45-59": 28, "60+": 8}

BATCH = 2000
ZONE = ZoneInfo("America/Guayaquil")


def _local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZONE)


# Everything happened between these dates; every session is in the past.
PROGRAMME_START = _local(2024, 3, 1)
COURSE_LAUNCHES = (_local(2024, 4, 1), _local(2026, 3, 2))
FIRST_SESSIONS = (_local(2025, 1, 13), _local(2026, 9, 14))
DATA_END = _local(2026, 10, 31, 18)
DELETIONS = (_local(2026, 11, 2), _local(2026, 11, 20))

# The bench's programme manager (a throwaway account on a throwaway database).
MANAGER_EMAIL = "gestora.informes@aula.example.org"
MANAGER_PASSWORD = "informes-nacionales-2026"  # noqa: S105 - bench database only
TRAINER_EMAIL = "capacitador{n}@aula.example.org"

# Approximate population of each province in the 2022 census, in thousands: bigger
# provinces send more officials (by its square root: every GAD has a planning team).
POPULATION = {
    "01": 801, "02": 199, "03": 227, "04": 172, "05": 470, "06": 471, "07": 715, "08": 553,
    "09": 4391, "10": 470, "11": 485, "12": 898, "13": 1593, "14": 192, "15": 134, "16": 111,
    "17": 3089, "18": 563, "19": 110, "20": 28, "21": 200, "22": 182, "23": 492, "24": 385,
}  # fmt: skip
LEVEL_WEIGHT = {"provincial": 6.0, "special": 3.0, "municipal": 6.0, "parish": 1.0}

FEMALE_NAMES = (
    "María", "Rosa", "Ana", "Lucía", "Gabriela", "Verónica", "Diana", "Carmen", "Patricia",
    "Sofía", "Daniela", "Andrea", "Fernanda", "Jessica", "Mónica", "Silvia", "Nancy", "Elena",
    "Karina", "Paola", "Ximena", "Johanna", "Gloria", "Martha", "Mercedes", "Alexandra",
    "Valeria", "Lorena", "Tatiana", "Blanca",
)  # fmt: skip
MALE_NAMES = (
    "José", "Luis", "Carlos", "Jorge", "Juan", "Pedro", "Marco", "Diego", "Fernando", "Andrés",
    "Santiago", "Wilson", "Byron", "Édison", "Fabián", "Patricio", "Washington", "Segundo",
    "Ángel", "Miguel", "Ramiro", "Galo", "Hernán", "Iván", "Darwin", "Kléber", "Rubén",
    "Xavier", "Vinicio", "Javier",
)  # fmt: skip
SURNAMES = (
    "Zambrano", "Mero", "Cedeño", "Vera", "Jaramillo", "Ochoa", "Torres", "Moreira", "Loor",
    "Alcívar", "Intriago", "Aguilar", "Romero", "Espinoza", "Pineda", "Jiménez", "Sarango",
    "Guamán", "Andrade", "Cisneros", "Villacrés", "Mena", "Cevallos", "Bravo", "Quishpe",
    "Toapanta", "Castillo", "Reyes", "Calderón", "Vásquez", "Chicaiza", "Pilataxi", "Tapia",
    "Yánez", "Gualán", "Tene", "Ponce", "Macías", "Salazar", "Villacís", "Morales", "Guerrero",
    "Herrera", "Mendoza", "Suárez", "Paredes", "León", "Chávez", "Ortiz", "Carrión", "Tituaña",
    "Yupanqui", "Guanoluisa", "Caicedo", "Quiñónez", "Valencia", "Arboleda", "Bastidas",
    "Lema", "Naranjo",
)  # fmt: skip
POSITIONS = {
    "parish": (
        "Presidente de la Junta Parroquial", "Vocal de la Junta Parroquial",
        "Secretaria-tesorera", "Técnico de Planificación Parroquial",
    ),
    "municipal": (
        "Director de Planificación", "Técnica de Planificación", "Analista de Ordenamiento "
        "Territorial", "Jefa de Desarrollo Social", "Concejal", "Técnico de Participación "
        "Ciudadana", "Secretaria del Consejo Cantonal de Protección de Derechos",
        "Director de Gestión de Riesgos", "Técnica de Movilidad Humana", "Analista de Proyectos",
    ),
    "provincial": (
        "Director de Planificación Provincial", "Técnica de Cooperación Internacional",
        "Analista de Desarrollo Económico", "Coordinadora de Inclusión Social",
    ),
}  # fmt: skip
POSITIONS["special"] = POSITIONS["provincial"]
MAIL_PROVIDERS = ("gmail.com", "hotmail.com", "yahoo.com", "outlook.com")

COURSE_TITLES = (
    "Movilidad humana en el PDOT: curso básico",
    "Datos de movilidad humana para el diagnóstico territorial",
    "Marco normativo de la movilidad humana para los GAD",
    "Enfoque de derechos y no discriminación en la gestión local",
    "Metas e indicadores de movilidad humana en el PDOT",
    "Presupuesto participativo con enfoque de movilidad humana",
    "Atención a personas en movilidad en los servicios municipales",
    "Integración socioeconómica de personas migrantes y refugiadas",
    "Gestión de riesgos y desplazamiento interno",
    "Trata de personas y tráfico de migrantes: prevención desde lo local",
    "Consejos cantonales de protección de derechos y movilidad humana",
    "Participación ciudadana de las personas en movilidad",
    "Cartografía participativa y ordenamiento territorial",
    "Retorno y reintegración: el papel de los GAD",
    "Género, niñez y movilidad humana",
    "Cooperación internacional para gobiernos locales",
    "Modelo de gestión del PDOT: seguimiento y evaluación",
    "Comunicación sin xenofobia para instituciones públicas",
    "Frontera y movilidad: gestión en cantones fronterizos",
    "Juntas parroquiales y movilidad humana: herramientas prácticas",
)
STEP_TOPICS = (
    "Presentación del curso", "Conceptos clave", "El contexto nacional", "El contexto de su "
    "territorio", "Normativa aplicable", "Actores y competencias", "Fuentes de datos",
    "Análisis de la información", "Caso práctico: un GAD piloto", "Problemas y potencialidades",
    "Objetivos estratégicos", "Lectura complementaria", "Metas e indicadores",
    "Programas y proyectos", "Presupuesto", "Articulación con otros niveles de gobierno",
    "Participación ciudadana", "Comunicación", "Seguimiento", "Evaluación",
    "Buenas prácticas", "Errores frecuentes", "Ejercicio integrador", "Recursos para seguir "
    "aprendiendo", "Cierre y próximos pasos",
)  # fmt: skip
WORKSHOP_TOPICS = (
    "Integrar la movilidad humana en el PDOT",
    "Diagnóstico territorial con datos de movilidad humana",
    "Metas e indicadores para la propuesta del PDOT",
    "Modelo de gestión y seguimiento del PDOT",
    "Atención municipal a personas en movilidad",
    "Prevención de la trata de personas desde los GAD",
    "Presupuestos participativos incluyentes",
    "Gestión de riesgos y desplazamiento",
    "Cooperación internacional para GAD",
    "Comunicación pública sin xenofobia",
    "Consejos de protección de derechos",
    "Cartografía participativa para el ordenamiento territorial",
)
REVOKING_REASONS = (
    "Emitido por error: la asistencia registrada se corrigió después.",
    "Datos del titular incorrectos, a pedido del GAD.",
    "Duplicado de un certificado emitido fuera de Aula.",
)
PARAGRAPH = (
    "<p>Los gobiernos autónomos descentralizados planifican para todas las personas que viven "
    "en su territorio, también para quienes llegaron, están de paso o regresaron. En esta "
    "lección se revisa cómo hacerlo con datos, con la participación de la ciudadanía y dentro "
    "de las competencias de cada nivel de gobierno.</p>"
)


# ---------------------------------------------------------------------------
# What is generated, at a scale.


@dataclass(frozen=True)
class Plan:
    participants: int
    courses: int
    enrolments: int
    workshops: int
    consultative: int
    registrations: int
    attendance: int
    certificates: int

    @classmethod
    def at(cls, scale: float) -> Plan:
        if scale <= 0:
            raise ValueError("The scale must be positive.")
        # Enough workshops and courses at small scales for each person to find a few.
        workshops = max(10, round(WORKSHOPS * scale))
        return cls(
            participants=max(10, round(PARTICIPANTS * scale)),
            courses=min(len(COURSE_TITLES), max(3, round(COURSES * scale))),
            enrolments=max(10, round(ENROLMENTS * scale)),
            workshops=workshops,
            consultative=max(1, round(workshops * CONSULTATIVE_SHARE)),
            registrations=max(10, round(REGISTRATIONS * scale)),
            attendance=max(10, round(ATTENDANCE * scale)),
            certificates=max(4, round(CERTIFICATES * scale)),
        )


def marker(scale: float) -> str:
    return f"{MARKER} v{VERSION} seed={SEED} scale={scale:g}"


@dataclass
class Person:
    index: int
    gad: object  # lms.models.GAD, with its province
    created_at: datetime
    weight: float  # how active the person is
    reliability: float  # the chance they come to a session they registered for
    takes_courses: bool
    takes_workshops: bool
    has_account: bool
    anonymised_at: datetime | None = None
    full_name: str = ""
    pk: int | None = None


@dataclass
class Course:
    pk: int
    title: str
    hours: int
    launched_at: datetime
    steps: list[tuple[int, bool]]  # (page id, required) in course order

    @property
    def required(self) -> list[int]:
        return [pk for pk, required in self.steps if required]


@dataclass
class PlannedWorkshop:
    index: int
    consultative: bool
    gad: object | None
    starts: list[tuple[datetime, datetime, bool]]  # (starts, ends, cancelled)
    threshold: int
    hours: int | None
    trainers: list[int]
    title: str = ""
    audience: list[int] = field(default_factory=list)  # provinces; empty for everyone
    pk: int | None = None
    session_ids: list[int] = field(default_factory=list)
    confirmed: list[Person] = field(default_factory=list)

    @property
    def held(self) -> list[int]:
        return [n for n, (_s, _e, cancelled) in enumerate(self.starts) if not cancelled]

    @property
    def session_hours(self) -> int:
        minutes = sum((e - s).total_seconds() for s, e, c in self.starts if not c) / 60
        return int((minutes + 30) // 60)


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    if end <= start:
        return start
    return start + (end - start) * rng.random()


def _weighted_sample(rng: random.Random, people: list[Person], count: int) -> list[Person]:
    """`count` people without repeats, more active people more often (Efraimidis-Spirakis)."""
    if count >= len(people):
        return list(people)
    keyed = ((rng.random() ** (1.0 / person.weight), person.index, person) for person in people)
    return [person for _key, _index, person in heapq.nlargest(count, keyed)]


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii() and (c.isalnum() or c in " .-")).lower()


class Progress:
    """One line per stage: rows written and seconds taken."""

    def __init__(self, stdout: TextIO):
        self.stdout = stdout
        self.started = time.perf_counter()
        self.counts: dict[str, int] = {}

    def stage(self, label: str):
        return _Stage(self, label)


class _Stage:
    def __init__(self, progress: Progress, label: str):
        self.progress, self.label = progress, label

    def __enter__(self):
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            self.progress.stdout.write(
                f"  {self.label:<36} {time.perf_counter() - self.started:6.1f} s\n"
            )
            self.progress.stdout.flush()

    def count(self, table: str, rows: int) -> None:
        self.progress.counts[table] = self.progress.counts.get(table, 0) + rows


# ---------------------------------------------------------------------------
# Writing rows.


def _copy(model, fields: list[str], rows) -> int:
    """Insert rows (tuples in `fields` order): COPY on PostgreSQL, bulk_create elsewhere."""
    from django.db import connection

    if connection.vendor != "postgresql":
        written, batch = 0, []
        for row in rows:
            batch.append(model(**dict(zip(fields, row, strict=True))))
            if len(batch) == BATCH:
                model.objects.bulk_create(batch)
                written, batch = written + len(batch), []
        model.objects.bulk_create(batch)
        return written + len(batch)

    from psycopg import sql

    columns = [model._meta.get_field(name).column for name in fields]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    written = 0
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            written += 1
    return written


def _bulk(model, objects: list, **kwargs) -> list:
    return model.objects.bulk_create(objects, batch_size=BATCH, **kwargs)


# ---------------------------------------------------------------------------
# The stages.


def _accounts(rng: random.Random) -> tuple[list, object]:
    """The trainers (who record attendance and issue certificates) and the bench's manager."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import Group
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from lms import roles
    from lms.models import User

    trainer_names = [("Diego", "Villacís"), ("Carolina", "Mejía"), ("Mauricio", "Ruiz"),
                     ("Paulina", "Arias"), ("Esteban", "Proaño"), ("Cristina", "Lara")]  # fmt: skip
    trainers = _bulk(
        User,
        [
            User(
                email=TRAINER_EMAIL.format(n=n + 1),
                first_name=first,
                last_name=last,
                password="!",  # noqa: S106 - unusable: trainers do not log in here
                date_joined=PROGRAMME_START,
            )
            for n, (first, last) in enumerate(trainer_names[:TRAINERS])
        ],
    )
    Group.objects.get(name=roles.TRAINER).user_set.add(*trainers)
    manager = User(
        email=MANAGER_EMAIL,
        first_name="Gabriela",
        last_name="Espinoza",
        is_staff=True,
        date_joined=PROGRAMME_START,
    )
    # The only hashed password of the dataset: the bench logs in with it.
    manager.set_password(MANAGER_PASSWORD)
    manager.save()
    Group.objects.get(name=roles.MANAGER).user_set.add(manager)
    EmailAddress.objects.create(user=manager, email=manager.email, verified=True, primary=True)
    # Staff confirm a code from an authenticator app: the bench computes it from this key.
    TOTPDevice.objects.create(
        user=manager, name="Aplicación de autenticación", key=rng.randbytes(20).hex()
    )
    return trainers, manager


def _courses(rng: random.Random, count: int) -> list[Course]:
    """Published courses under the catalogue, each of 40 lessons, through Wagtail's page tree."""
    from django.utils.text import slugify

    from cms.demo import home_page
    from courses.models import CourseIndexPage, CourseObjective, CoursePage, LessonPage

    home = home_page()
    index = CourseIndexPage.objects.child_of(home).first()
    if index is None:
        index = CourseIndexPage(title="Cursos", slug="cursos", show_in_menus=True)
        home.add_child(instance=index)
        index.save_revision().publish()
    start, end = COURSE_LAUNCHES
    courses = []
    for number, title in enumerate(COURSE_TITLES[:count]):
        launched = start + (end - start) * (number / max(1, count - 1))
        course = CoursePage(
            title=title,
            slug=f"{slugify(title)[:60].strip('-')}-{number + 1}",
            summary=f"{title}: un curso a su ritmo para los equipos técnicos de los GAD.",
            estimated_hours=rng.choice((4, 6, 8, 10, 12)),
            level=rng.choice(CoursePage.Level.values),
            first_published_at=launched,
        )
        course.objectives = [
            CourseObjective(text="Reconocer la movilidad humana en el territorio."),
            CourseObjective(text="Aplicar lo aprendido en la planificación del GAD."),
        ]
        index.add_child(instance=course)
        course.save_revision().publish()
        steps = []
        for position in range(1, STEPS_PER_COURSE + 1):
            # Later lessons revisit the topics in more depth: titles stay unique by number.
            topic = STEP_TOPICS[(position - 1) % len(STEP_TOPICS)]
            required = position not in OPTIONAL_STEPS
            lesson = LessonPage(
                title=f"{position}. {topic}",
                slug=f"leccion-{position}",
                estimated_minutes=rng.choice((10, 15, 20, 30)),
                required=required,
                body=[("paragraph", PARAGRAPH * 3)],
                first_published_at=launched,
            )
            course.add_child(instance=lesson)
            lesson.save_revision().publish()
            steps.append((lesson.pk, required))
        courses.append(Course(course.pk, title, course.estimated_hours, launched, steps))
    return courses


def _gads(rng: random.Random) -> list:
    """The GADs people come from: all provinces and pilots, most cantons, parishes to ~70 %."""
    from lms.models import GAD

    gads = list(GAD.objects.select_related("province").order_by("code"))
    target = round(GAD_COVERAGE * len(gads))
    chosen = [g for g in gads if g.is_pilot or g.level in ("provincial", "special")]
    chosen += [g for g in gads if g.level == "municipal" and not g.is_pilot and rng.random() < 0.95]
    parishes = [g for g in gads if g.level == "parish"]
    chosen += rng.sample(parishes, max(0, min(len(parishes), target - len(chosen))))
    return sorted(chosen, key=lambda g: g.code)


def _gad_weight(gad) -> float:
    median = sorted(POPULATION.values())[len(POPULATION) // 2]
    weight = LEVEL_WEIGHT[gad.level] * math.sqrt(POPULATION.get(gad.province.code, median) / median)
    # INEC numbers each province's capital canton 01: Quito, Guayaquil, Cuenca, Portoviejo...
    if gad.level == "municipal" and gad.code.endswith("01"):
        weight *= 3
    return weight


def _people(rng: random.Random, count: int) -> list[Person]:
    """Who the participants are and where they work, before anything is written."""
    gads = _gads(rng)
    pilots = [g for g in gads if g.is_pilot]
    others = [g for g in gads if not g.is_pilot]
    per_pilot = max(1, round(count * PILOT_SHARE))
    homes = [gad for gad in pilots for _ in range(per_pilot)][:count]
    if count - len(homes) >= 3 * len(others):
        homes += others  # at national scale every GAD chosen has at least one person
    homes += rng.choices(others, weights=[_gad_weight(g) for g in others], k=count - len(homes))
    rng.shuffle(homes)
    people = []
    for index, gad in enumerate(homes):
        # More people joined as the programme grew (density rising with time).
        created = PROGRAMME_START + (DATA_END - timedelta(days=20) - PROGRAMME_START) * math.sqrt(
            rng.random()
        )
        people.append(
            Person(
                index=index,
                gad=gad,
                created_at=created,
                weight=rng.lognormvariate(0, 0.8),
                reliability=min(0.98, max(0.3, rng.gauss(0.8, 0.15))),
                takes_courses=rng.random() < 0.65,
                takes_workshops=rng.random() < 0.75,
                has_account=True,
            )
        )
    anonymised = rng.sample(people, max(1, round(count * SHARE_ANONYMISED)))
    for person in anonymised:
        person.anonymised_at = _between(rng, *DELETIONS)
        person.has_account = False  # deleting a participant deletes the login too
    keep = [p for p in people if p.anonymised_at is None]
    for person in rng.sample(keep, min(len(keep), round(count * SHARE_WITHOUT_ACCOUNT))):
        person.has_account = False
    people.sort(key=lambda p: p.created_at)
    for index, person in enumerate(people):
        person.index = index
    return people


def _participants(rng: random.Random, people: list[Person], trainers: list) -> None:
    """Users (for people with a login) and participants, the oldest first."""
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.utils import translation
    from django.utils.translation import gettext

    from lms import roles
    from lms.models import Participant, User
    from lms.services.people import current_privacy_version

    consent_version = current_privacy_version()
    with translation.override(settings.LANGUAGE_CODE):
        deleted_name = gettext("Deleted participant")
    users, participants = [], []
    for person in people:
        sex = rng.choices(list(SEXES), weights=list(SEXES.values()))[0]
        names = {"female": FEMALE_NAMES, "male": MALE_NAMES}.get(
            sex, rng.choice((FEMALE_NAMES, MALE_NAMES))
        )
        first, second = rng.sample(names, 2)
        surname, mother = rng.sample(SURNAMES, 2)
        person.full_name = f"{first} {second} {surname} {mother}"
        gad = person.gad
        if rng.random() < 0.6:
            domain = f"{_ascii(gad.name).replace(' ', '')}.gob.ec"
        else:
            domain = rng.choice(MAIL_PROVIDERS)
        email = f"{_ascii(first)}.{_ascii(surname)}{person.index}@{domain}".replace(" ", "")
        participant = Participant(
            full_name=person.full_name,
            email=email,
            gad_id=gad.pk,
            position=rng.choice(POSITIONS[gad.level]),
            sex=sex,
            age_band=rng.choices(list(AGE_BANDS), weights=list(AGE_BANDS.values()))[0],
            phone=f"09{rng.randrange(10**8):08d}" if rng.random() < 0.6 else "",
            created_at=person.created_at,
            updated_at=person.created_at,
        )
        if person.has_account:
            participant.consent_version = consent_version
            participant.consent_at = person.created_at
            users.append(
                User(
                    email=email,
                    first_name=f"{first} {second}",
                    last_name=f"{surname} {mother}",
                    # Unusable ("!"): these people never log in during the bench, and
                    # hashing 8,000 passwords would take minutes.
                    password="!",  # noqa: S106 - an unusable password
                    date_joined=person.created_at,
                )
            )
        elif person.anonymised_at is None:
            # Added by a trainer from a list; some lists had no email.
            participant.added_by_id = rng.choice(trainers).pk
            if rng.random() < 0.3:
                participant.email = ""
        if person.anonymised_at is not None:
            # As lms.services.privacy.delete_participant leaves them.
            participant.full_name = deleted_name
            participant.email = participant.phone = participant.position = ""
            participant.anonymised_at = person.anonymised_at
            participant.updated_at = person.anonymised_at
        participants.append(participant)
    users = iter(_bulk(User, users))
    group = Group.objects.get(name=roles.PARTICIPANT)
    members = []
    for person, participant in zip(people, participants, strict=True):
        if person.has_account:
            participant.user_id = next(users).pk
            members.append(User.groups.through(user_id=participant.user_id, group_id=group.pk))
    _bulk(User.groups.through, members)
    created = _bulk(Participant, participants)
    # created_at and updated_at are set on insert; the history is older than that.
    Participant.objects.bulk_update(created, ["created_at", "updated_at"], batch_size=BATCH)
    for person, participant in zip(people, created, strict=True):
        person.pk = participant.pk


def _enrolment_pairs(rng: random.Random, people: list[Person], courses: list[Course], count: int):
    """(person, course) pairs: a few people take many courses, the first courses are popular."""
    learners = [p for p in people if p.takes_courses]
    if len(learners) * len(courses) < 2 * count:  # a tiny scale: everyone takes courses
        learners = people
    weights = list(accumulate(p.weight for p in learners))
    popularity = list(accumulate(1 / (n + 1) ** 0.6 for n in range(len(courses))))
    seen, pairs = set(), []
    attempts = 0
    while len(pairs) < count and attempts < 50 * count:
        attempts += 1
        person = rng.choices(learners, cum_weights=weights)[0]
        course = rng.choices(courses, cum_weights=popularity)[0]
        if (person.index, course.pk) in seen:
            continue
        if max(person.created_at, course.launched_at) >= DATA_END - timedelta(days=2):
            continue
        seen.add((person.index, course.pk))
        pairs.append((person, course))
    return pairs


def _plan_enrolment(rng: random.Random, person: Person, course: Course):
    """The enrolment's fields and its step progress rows, consistent with each other."""
    opened = max(person.created_at, course.launched_at) + timedelta(hours=1)
    completes = rng.random() < SHARE_COMPLETED
    duration = timedelta(days=min(180.0, rng.lognormvariate(math.log(20), 0.8)))
    if completes and opened + duration > DATA_END:
        duration = (DATA_END - opened) * rng.random()
    enrolled = _between(rng, opened, DATA_END - duration if completes else DATA_END)
    if not completes:
        duration = min(duration, DATA_END - enrolled)
    required = course.required
    if completes:
        done = len(required)
    elif rng.random() < 0.2:
        done = 0
    else:
        done = 1 + int((len(required) - 1) * rng.random() ** 1.2)
        done = min(done, len(required) - 1)
    # The first required step not done; None once the course is complete.
    frontier = required[done] if done < len(required) else None
    # Steps are done in course order, their times spread over the enrolment.
    times = sorted(_between(rng, enrolled, enrolled + duration) for _ in course.steps)
    rows, reached, browsing = [], False, False
    for position, (step_id, is_required) in enumerate(course.steps):
        if step_id == frontier:
            reached = browsing = True
        if not reached:
            if is_required:
                state = "completed"
            else:  # an optional reading: done, opened or skipped
                state = rng.choices(("completed", "viewed", None), weights=(35, 25, 40))[0]
        elif step_id == frontier:
            state = "viewed" if rng.random() < (0.7 if done else 0.6) else None
        else:  # looking ahead, less and less
            browsing = browsing and rng.random() < 0.5
            state = "viewed" if browsing else None
        if state is None:
            continue
        at = times[position]
        first = max(enrolled, at - timedelta(minutes=rng.randint(3, 40)))
        views = 1 + int(rng.expovariate(1.0))
        last = min(at + timedelta(days=rng.random() * 3), DATA_END) if views > 1 else at
        rows.append((step_id, first, last, views, at if state == "completed" else None))
    completed_at = None
    if frontier is None:
        required_ids = set(required)
        completed_at = max(row[4] for row in rows if row[0] in required_ids)
    last_activity = max([enrolled, *[row[2] for row in rows]])
    status = "active"
    if completed_at is None and rng.random() < SHARE_WITHDRAWN:
        status = "withdrawn"
    fields = {
        "status": status,
        "enrolled_at": enrolled,
        "required_steps": len(required),
        "completed_steps": done,
        "progress_percent": 100 * done // len(required),
        "next_step_id": frontier,
        "last_activity_at": last_activity,
        "completed_at": completed_at,
        "completion_reason": "required_steps" if completed_at else "",
    }
    return fields, rows


def _enrolments(rng, people, courses, count, trainers, stage) -> list[tuple]:
    """Enrolments and their step progress, in batches; returns the completions."""
    from lms.models import Enrolment, StepProgress

    pairs = _enrolment_pairs(rng, people, courses, count)
    planned = []
    for person, course in pairs:
        fields, rows = _plan_enrolment(rng, person, course)
        # A trainer enrolled a whole GAD now and then; most people enrolled themselves.
        by = rng.choice(trainers).pk if rng.random() < 0.15 else None
        planned.append((person, course, fields, rows, by))
    planned.sort(key=lambda item: item[2]["enrolled_at"])
    completions = []
    progress_fields = [
        "enrolment_id", "step_id", "first_viewed_at", "last_viewed_at", "views", "completed_at"
    ]  # fmt: skip
    for start in range(0, len(planned), BATCH):
        chunk = planned[start : start + BATCH]
        enrolments = Enrolment.objects.bulk_create(
            [
                Enrolment(
                    participant_id=person.pk, course_id=course.pk, enrolled_by_id=by, **fields
                )
                for person, course, fields, _rows, by in chunk
            ]
        )
        rows = (
            (enrolment.pk, *row)
            for enrolment, (_p, _c, _f, steps, _b) in zip(enrolments, chunk, strict=True)
            for row in steps
        )
        stage.count("step progress", _copy(StepProgress, progress_fields, rows))
        for person, course, fields, _rows, _by in chunk:
            if fields["completed_at"] is not None:
                completions.append((fields["completed_at"], person, course))
    stage.count("enrolments", len(planned))
    return completions


def _plan_workshops(rng, plan: Plan, people: list[Person], trainers: list) -> list[PlannedWorkshop]:
    """When each workshop meets; consultative processes go to the pilots and the busiest GADs."""
    by_gad = Counter(p.gad.pk for p in people)
    pilots = sorted({p.gad for p in people if p.gad.is_pilot}, key=lambda g: g.code)
    busiest = sorted(
        {p.gad for p in people if p.gad.level == "municipal" and not p.gad.is_pilot},
        key=lambda g: (-by_gad[g.pk], g.code),
    )
    # Two processes with each pilot GAD, one with each of the municipalities with most officials.
    process_gads = (pilots + busiest[:10] + pilots + busiest[10:]) or [people[0].gad]
    # Spread over the two years like the workshops, not all at the start.
    processes = {round(n * plan.workshops / plan.consultative) for n in range(plan.consultative)}
    first_from, first_until = FIRST_SESSIONS
    workshops = []
    for index in range(plan.workshops):
        consultative = index in processes
        if consultative:
            hour, minutes, gap = rng.choice((9, 10, 14)), 180, timedelta(days=rng.randint(21, 35))
        else:
            hour, minutes = rng.choice((9, 10, 15)), rng.choice((120, 120, 150, 180))
            gap = timedelta(days=rng.choice((7, 7, 7, 14)))
        # The last session ends before DATA_END: every session is in the past.
        latest = DATA_END - gap * (SESSIONS_PER_WORKSHOP - 1) - timedelta(days=3)
        day = _between(rng, first_from, min(first_until, latest)).date()
        if not consultative:
            day -= timedelta(days=(day.weekday() - rng.choice((1, 2, 3))) % 7)  # Tue to Thu
        start = datetime(day.year, day.month, day.day, hour, tzinfo=ZONE)
        starts = []
        for number in range(SESSIONS_PER_WORKSHOP):
            at = start + gap * number
            starts.append((at, at + timedelta(minutes=minutes), rng.random() < 0.01))
        gad = None
        if consultative:
            gad = process_gads[sum(w.consultative for w in workshops) % len(process_gads)]
        workshop = PlannedWorkshop(
            index=index,
            consultative=consultative,
            gad=gad,
            starts=starts,
            threshold=rng.choice((75, 75, 75, 60, 80)),
            hours=None,
            trainers=[t.pk for t in rng.sample(trainers, rng.choice((1, 1, 2)))],
        )
        if not consultative and rng.random() < 0.6:
            workshop.hours = workshop.session_hours
        workshops.append(workshop)
    return workshops


def _workshop_rows(rng, workshops: list[PlannedWorkshop], courses: list[Course]) -> None:
    from django.utils.text import slugify

    from lms.models import Province, Session, Workshop

    provinces = list(Province.objects.order_by("code"))
    objects, audiences, processes = [], {}, Counter()
    for w in workshops:
        first = w.starts[0][0]
        if w.consultative:
            name = w.gad.name
            processes[w.gad.pk] += 1
            phase = f" (fase {processes[w.gad.pk]})" if processes[w.gad.pk] > 1 else ""
            title = f"Proceso consultivo del PDOT: GAD de {name}{phase}"
            workshop = Workshop(
                title=title,
                kind=Workshop.Kind.CONSULTATIVE,
                gad_id=w.gad.pk,
                mode=rng.choice((Workshop.Mode.IN_PERSON, Workshop.Mode.HYBRID)),
                place=f"Sala de sesiones del GAD de {name}",
                agenda="1. Diagnóstico con datos de movilidad humana.\n2. Acuerdos.",
                minutes="Se revisaron las fuentes de datos disponibles.",
                agreements="- El equipo técnico completará la ficha de variables.",
            )
        else:
            topic = WORKSHOP_TOPICS[w.index % len(WORKSHOP_TOPICS)]
            edition = w.index // len(WORKSHOP_TOPICS) + 1
            workshop = Workshop(
                title=f"{topic} (edición {edition}, {first:%Y})",
                mode=Workshop.Mode.ONLINE,
                meeting_link=f"https://zoom.us/j/8{rng.randrange(10**10):010d}",
                registration_opens_at=first - timedelta(days=30),
                registration_closes_at=first - timedelta(hours=1),
                course_id=rng.choice(courses).pk if rng.random() < 0.3 else None,
                hours=w.hours,
            )
            if rng.random() < 0.2:
                workshop.audience = Workshop.Audience.PROVINCES
                audiences[w.index] = rng.sample(provinces, rng.randint(1, 3))
        workshop.slug = f"{slugify(workshop.title)[:60].strip('-')}-{w.index + 1}"
        workshop.description = f"{workshop.title}: sesiones de trabajo con los equipos de los GAD."
        workshop.status = Workshop.Status.PUBLISHED
        workshop.attendance_threshold = w.threshold
        workshop.created_at = workshop.updated_at = first - timedelta(days=45)
        objects.append(workshop)
    created = _bulk(Workshop, objects)
    Workshop.objects.bulk_update(created, ["created_at", "updated_at"], batch_size=BATCH)
    _bulk(
        Workshop.trainers.through,
        [
            Workshop.trainers.through(workshop_id=workshop.pk, user_id=trainer)
            for w, workshop in zip(workshops, created, strict=True)
            for trainer in w.trainers
        ],
    )
    _bulk(
        Workshop.provinces.through,
        [
            Workshop.provinces.through(workshop_id=created[index].pk, province_id=province.pk)
            for index, chosen in audiences.items()
            for province in chosen
        ],
    )
    sessions = []
    for w, workshop in zip(workshops, created, strict=True):
        w.pk, w.title = workshop.pk, workshop.title
        w.audience = [p.pk for p in audiences.get(w.index, ())]
        for number, (starts, ends, cancelled) in enumerate(w.starts, start=1):
            sessions.append(
                Session(
                    workshop_id=workshop.pk,
                    title=f"Sesión {number}",
                    starts_at=starts,
                    ends_at=ends,
                    cancelled=cancelled,
                    uid=uuid.UUID(int=rng.getrandbits(128), version=4),
                )
            )
    sessions = iter(_bulk(Session, sessions))
    for w in workshops:
        w.session_ids = [next(sessions).pk for _ in w.starts]


def _registrations(rng, plan, workshops, people, trainers) -> dict[int, set[int]]:
    """Registrations for every workshop; returns who is registered where (by person index)."""
    from lms.models import Registration

    consultative = [w for w in workshops if w.consultative]
    regular = [w for w in workshops if not w.consultative]
    for_processes = round(plan.registrations * SHARE_CONSULTATIVE_REGISTRATIONS)
    active = [p for p in people if p.takes_workshops]
    rows, registered = [], defaultdict(set)
    for w in consultative:
        first = w.starts[0][0]
        team = [p for p in people if p.gad.pk == w.gad.pk and p.created_at < first]
        chosen = _weighted_sample(rng, team, max(1, round(for_processes / len(consultative))))
        for person in chosen:
            at = first - timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 8))
            at = max(at, person.created_at + timedelta(hours=1))
            rows.append((w, person, "confirmed", at, None, rng.choice(w.trainers)))
    sizes = [rng.lognormvariate(0, 0.5) for _ in regular]
    scale = (plan.registrations - len(rows)) / sum(sizes)
    shortfall = 0
    # In start order: seats a workshop could not fill (few people had joined Aula by
    # then, or its provinces are small) go to the next one.
    for w, size in sorted(zip(regular, sizes, strict=True), key=lambda item: item[0].starts[0][0]):
        size = max(2, round(size * scale)) + shortfall
        first = w.starts[0][0]
        opens = first - timedelta(days=30)
        pool = [
            p
            for p in active
            if p.created_at < first - timedelta(days=1)
            and (not w.audience or p.gad.province_id in w.audience)
        ]
        chosen = _weighted_sample(rng, pool, size)
        shortfall = size - len(chosen)
        capacity = (
            None if rng.random() < 0.3 else max(1, round(len(chosen) * rng.uniform(0.75, 1.2)))
        )
        signups = sorted(
            (
                (_between(rng, max(opens, p.created_at), first - timedelta(hours=2)), p)
                for p in chosen
            ),
            key=lambda item: item[0],
        )
        seats = capacity if capacity is not None else len(signups)
        for at, person in signups:
            # People without a login cannot register themselves: a trainer adds them.
            by = None if person.has_account or person.anonymised_at else rng.choice(w.trainers)
            if rng.random() < 0.03:
                cancelled = _between(rng, at, first - timedelta(hours=1))
                rows.append((w, person, "cancelled", at, cancelled, by))
            elif seats > 0:
                seats -= 1
                rows.append((w, person, "confirmed", at, None, by))
            else:
                rows.append((w, person, "waitlisted", at, None, by))
    rows.sort(key=lambda row: (row[3], row[0].index, row[1].index))
    objects = []
    for w, person, status, at, cancelled, by in rows:
        registered[w.index].add(person.index)
        if status == "confirmed":
            w.confirmed.append(person)
        objects.append(
            Registration(
                workshop_id=w.pk,
                participant_id=person.pk,
                status=status,
                registered_at=at,
                confirmed_at=at if status == "confirmed" else None,
                cancelled_at=cancelled,
                added_by_id=by,
            )
        )
    _bulk(Registration, objects)
    return registered


def _attendance_status(rng, person: Person) -> str:
    if rng.random() < person.reliability:
        return "late" if rng.random() < 0.12 else "present"
    return "excused" if rng.random() < 0.3 else "absent"


def _attendance(rng, plan, workshops, people, registered, stage):
    """Every confirmed registrant on each session's roster; guests at consultative meetings.

    Returns, per (workshop index, person index), the sessions attended and the last start.
    """
    from lms.models import Attendance

    rows = []
    for w in workshops:
        for number in w.held:
            for person in w.confirmed:
                rows.append((w, number, person, _attendance_status(rng, person)))
    # Consultative meetings fill the rest of the programme's attendance with officials of the
    # process's province who came without being registered (the GAD's own first).
    processes = [w for w in workshops if w.consultative]
    meetings = [(w, n) for w in processes for n in w.held]
    missing = plan.attendance - len(rows)
    if missing > 0 and meetings:
        per_meeting = [
            missing // len(meetings) + (i < missing % len(meetings)) for i in range(len(meetings))
        ]
        most = max(per_meeting)
        pools = {}
        for w in processes:
            first = w.starts[0][0]
            nearby = [
                p
                for p in people
                if p.gad.province_id == w.gad.province_id
                and p.created_at < first
                and p.index not in registered[w.index]
            ]
            nearby.sort(key=lambda p: (p.gad.pk != w.gad.pk, -p.weight, p.index))
            pools[w.index] = nearby[: math.ceil(most * 1.3)]
        for (w, number), count in zip(meetings, per_meeting, strict=True):
            pool = pools[w.index]
            for person in rng.sample(pool, min(count, len(pool))):
                rows.append((w, number, person, "late" if rng.random() < 0.15 else "present"))
    rows.sort(key=lambda row: (row[0].starts[row[1]][0], row[0].index, row[2].index))
    attended: dict[tuple[int, int], list] = {}

    def records():
        for w, number, person, status in rows:
            starts, ends, _cancelled = w.starts[number]
            length = int((ends - starts).total_seconds() // 60)
            minutes = None
            if status == "present":
                minutes = length - rng.randint(0, 10)
            elif status == "late":
                minutes = length - rng.randint(16, 60)
            if w.consultative:
                source = (
                    "check_in" if status in ("present", "late") and rng.random() < 0.5 else "roster"
                )
            else:
                source = "import" if status in ("present", "late") else "roster"
            recorded_by = None if source == "check_in" else w.trainers[0]
            recorded_at = ends + timedelta(minutes=rng.randint(5, 3 * 24 * 60))
            if status in ("present", "late"):
                seen = attended.setdefault((w.index, person.index), [0, starts])
                seen[0] += 1
                seen[1] = max(seen[1], starts)
            yield (
                w.session_ids[number],
                person.pk,
                status,
                minutes,
                "",
                source,
                recorded_by,
                min(recorded_at, DATA_END),
            )

    fields = [
        "session_id", "participant_id", "status", "minutes", "note", "source", "recorded_by_id",
        "recorded_at",
    ]  # fmt: skip
    stage.count("attendance", _copy(Attendance, fields, records()))
    return attended


def _certificates(rng, plan, completions, workshops, attended, manager) -> int:
    """The newest course completions and whole workshops, as issuing them would have left them."""
    from django.conf import settings
    from django.utils import timezone, translation
    from django.utils.translation import gettext

    from lms.models import Certificate, CertificateTemplate
    from lms.services.certificates import CODE_BYTES, REFERENCE_ALPHABET, subject_key

    template = CertificateTemplate.objects.filter(is_default=True).values_list("pk", flat=True)
    template_id = template.first()
    with translation.override(settings.LANGUAGE_CODE):
        deleted_reason = gettext("Holder's data deleted")
        labels = {}

        def gad_name(person: Person) -> str:
            if person.gad.pk not in labels:
                labels[person.gad.pk] = str(person.gad.label)
            return labels[person.gad.pk]

        wanted_courses = min(len(completions), round(plan.certificates * SHARE_COURSE_CERTIFICATES))
        issued = []
        for completed, person, course in sorted(completions, key=lambda c: c[0], reverse=True):
            if len(issued) == wanted_courses:
                break
            issued.append(
                {
                    "participant": person,
                    "kind": "course",
                    "course_id": course.pk,
                    "subject_key": subject_key(kind="course", course=course),
                    "subject_title": course.title,
                    "hours": course.hours,
                    "achieved_on": timezone.localdate(completed, ZONE),
                    "issued_at": completed + timedelta(seconds=rng.randint(2, 90)),
                    "issued_by_id": None,
                    "gad_name": gad_name(person),
                }
            )
        # Trainers issue a workshop's certificates in one action after its last session.
        finished = sorted(
            (w for w in workshops if not w.consultative),
            key=lambda w: w.starts[-1][1],
            reverse=True,
        )
        for w in finished:
            if len(issued) >= plan.certificates:
                break
            held = len(w.held)
            issued_at = w.starts[-1][1] + timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 6))
            issued_at = min(issued_at, DATA_END)
            for person in sorted(w.confirmed, key=lambda p: p.index):
                count, last = attended.get((w.index, person.index), (0, None))
                if not held or count * 100 < w.threshold * held:
                    continue
                if len(issued) >= plan.certificates:
                    break
                issued.append(
                    {
                        "participant": person,
                        "kind": "workshop",
                        "workshop_id": w.pk,
                        "subject_key": f"workshop:{w.pk}",
                        "subject_title": w.title,
                        "hours": w.hours or w.session_hours,
                        "achieved_on": timezone.localdate(last, ZONE),
                        "issued_at": issued_at,
                        "issued_by_id": w.trainers[0],
                        "gad_name": gad_name(person),
                    }
                )
    issued.sort(key=lambda c: (c["issued_at"], c["subject_key"], c["participant"].index))
    references, objects = set(), []
    for values in issued:
        person = values.pop("participant")
        year = timezone.localtime(values["issued_at"], ZONE).year
        while True:
            chars = "".join(rng.choice(REFERENCE_ALPHABET) for _ in range(8))
            reference = f"AULA-{year}-{chars[:4]}-{chars[4:]}"
            if reference not in references:
                references.add(reference)
                break
        certificate = Certificate(
            participant_id=person.pk,
            code=base64.urlsafe_b64encode(rng.randbytes(CODE_BYTES)).rstrip(b"=").decode(),
            reference=reference,
            holder_name=person.full_name,
            template_id=template_id,
            pdf=f"certificados/{reference}.pdf",
            pdf_status=Certificate.Pdf.READY,
            **values,
        )
        if person.anonymised_at is not None:
            # As lms.services.certificates.anonymise_certificates leaves them.
            certificate.revoked_at = person.anonymised_at
            certificate.revoked_reason = deleted_reason
            certificate.holder_name = certificate.gad_name = certificate.pdf = ""
            certificate.pdf_status = Certificate.Pdf.PENDING
        elif rng.random() < SHARE_REVOKED:
            certificate.revoked_at = min(
                certificate.issued_at + timedelta(days=rng.randint(1, 60)), DATA_END
            )
            certificate.revoked_reason = rng.choice(REVOKING_REASONS)
            certificate.revoked_by_id = manager.pk
        objects.append(certificate)
    _bulk(Certificate, objects)
    return len(objects)


# ---------------------------------------------------------------------------
# The whole dataset.


def generate(scale: float = 1.0, stdout: TextIO = sys.stdout, seed: int = SEED) -> dict[str, int]:
    """Fill the configured database with the programme's data at `scale`; return row counts.

    The database must be migrated and hold no programme data yet (the GAD directory and
    the default certificate template come with the migrations).
    """
    from django.db import transaction

    from lms.models import Participant

    if Participant.objects.exists():
        raise RuntimeError("The database already holds participants: generate into an empty one.")
    plan = Plan.at(scale)
    rng = random.Random(seed)
    progress = Progress(stdout)
    stdout.write(
        f"Generating the national dataset at scale {scale:g} (seed {seed}): "
        f"{plan.participants:,} participants, {plan.courses} courses, "
        f"{plan.enrolments:,} enrolments, {plan.workshops} workshops, "
        f"{plan.registrations:,} registrations, {plan.attendance:,} attendance, "
        f"{plan.certificates:,} certificates\n"
    )
    with transaction.atomic():
        with progress.stage("staff accounts") as stage:
            trainers, manager = _accounts(rng)
            stage.count("staff", len(trainers) + 1)
        with progress.stage("courses and lessons (page tree)") as stage:
            courses = _courses(rng, plan.courses)
            stage.count("courses", len(courses))
            stage.count("lessons", sum(len(c.steps) for c in courses))
        with progress.stage("participants and users") as stage:
            people = _people(rng, plan.participants)
            _participants(rng, people, trainers)
            stage.count("participants", len(people))
            stage.count("users", sum(p.has_account for p in people))
        with progress.stage("enrolments and step progress") as stage:
            completions = _enrolments(rng, people, courses, plan.enrolments, trainers, stage)
        with progress.stage("workshops and sessions") as stage:
            workshops = _plan_workshops(rng, plan, people, trainers)
            _workshop_rows(rng, workshops, courses)
            stage.count("workshops", len(workshops))
            stage.count("sessions", sum(len(w.starts) for w in workshops))
        with progress.stage("registrations") as stage:
            registered = _registrations(rng, plan, workshops, people, trainers)
            stage.count("registrations", sum(len(v) for v in registered.values()))
        with progress.stage("attendance") as stage:
            attended = _attendance(rng, plan, workshops, people, registered, stage)
        with progress.stage("certificates") as stage:
            stage.count(
                "certificates",
                _certificates(rng, plan, completions, workshops, attended, manager),
            )
    stdout.write(f"  {'total':<36} {time.perf_counter() - progress.started:6.1f} s\n")
    return progress.counts


def summary() -> str:
    """The dataset's shape, read back from the database."""
    from django.db.models import Count, Q

    from lms.models import (
        GAD,
        Attendance,
        Certificate,
        Enrolment,
        Participant,
        Registration,
        Session,
        StepProgress,
        Workshop,
    )

    people = Participant.objects.aggregate(
        total=Count("pk"),
        female=Count("pk", filter=Q(sex="female")),
        accounts=Count("pk", filter=Q(user__isnull=False)),
        deleted=Count("pk", filter=Q(anonymised_at__isnull=False)),
        gads=Count("gad", distinct=True),
    )
    enrolments = Enrolment.objects.aggregate(
        total=Count("pk"), completed=Count("pk", filter=Q(completed_at__isnull=False))
    )
    registrations = Registration.objects.aggregate(
        total=Count("pk"), confirmed=Count("pk", filter=Q(status="confirmed"))
    )
    certificates = Certificate.objects.aggregate(
        total=Count("pk"), revoked=Count("pk", filter=Q(revoked_at__isnull=False))
    )

    def share(part: int, whole: int) -> str:
        return f"{100 * part / whole:.0f} %" if whole else "-"

    lines = [
        f"{'table':<16} {'rows':>9}  shape",
        f"{'participants':<16} {people['total']:>9,}  in {people['gads']:,} of "
        f"{GAD.objects.count():,} GADs; {share(people['female'], people['total'])} female, "
        f"{share(people['accounts'], people['total'])} with a login, "
        f"{people['deleted']} deleted",
        f"{'enrolments':<16} {enrolments['total']:>9,}  "
        f"{share(enrolments['completed'], enrolments['total'])} completed",
        f"{'step progress':<16} {StepProgress.objects.count():>9,}",
        f"{'workshops':<16} {Workshop.objects.count():>9,}  "
        f"{Workshop.objects.filter(kind='consultative').count()} consultative processes",
        f"{'sessions':<16} {Session.objects.count():>9,}",
        f"{'registrations':<16} {registrations['total']:>9,}  "
        f"{share(registrations['confirmed'], registrations['total'])} confirmed",
        f"{'attendance':<16} {Attendance.objects.count():>9,}",
        f"{'certificates':<16} {certificates['total']:>9,}  {certificates['revoked']} revoked",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# The database (command line only).


def database_url(url: str | None = None) -> str:
    return url or os.environ.get("BENCH_NATIONAL_DATABASE_URL") or DEFAULT_DATABASE_URL


def _connect(url: str, database: str = ""):
    """A connection to the URL's server: to `database`, or to the URL's own database."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("bench.national: the national dataset needs a PostgreSQL database")
    try:
        connection = psycopg.connect(
            dbname=database or config["NAME"],
            user=config["USER"] or None,
            password=config["PASSWORD"] or None,
            host=config["HOST"] or None,
            port=config["PORT"] or None,
            autocommit=True,
        )
    except psycopg.OperationalError as error:
        raise SystemExit(
            f"bench.national: no PostgreSQL at {config['HOST']}:{config['PORT']} ({error}); "
            "start it or set BENCH_NATIONAL_DATABASE_URL"
        ) from error
    return connection, config["NAME"]


def _server(url: str):
    """A connection to the server's maintenance database, and the database's name."""
    return _connect(url, "postgres")


def _participants_in(url: str) -> int | None:
    from psycopg import errors

    connection, _name = _connect(url)
    with connection:
        try:
            return connection.execute("SELECT count(*) FROM lms_participant").fetchone()[0]
        except errors.UndefinedTable:
            return None


def _comment(connection, name: str) -> str | None:
    row = connection.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
        [name],
    ).fetchone()
    return None if row is None else (row[0] or "")


def _set_comment(connection, name: str, text: str) -> None:
    from psycopg import sql

    connection.execute(
        sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(text))
    )


def prepare_database(url: str, scale: float, *, force: bool, stdout: TextIO) -> bool:
    """Make sure the database exists; whether it must be filled (False: it holds the data)."""
    from psycopg import sql

    expected = marker(scale)
    server, name = _server(url)
    with server:
        comment = _comment(server, name)
        complete = comment == f"{expected} complete" and not force
        if complete and _participants_in(url) == Plan.at(scale).participants:
            stdout.write(f"Database {name} already holds the dataset ({expected}): kept.\n")
            return False
        if comment is not None and (force or comment.startswith(MARKER)):
            stdout.write(f"Dropping database {name} ({comment or 'no marker'}).\n")
            server.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            comment = None
        if comment is None:
            server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            stdout.write(f"Created database {name}.\n")
        # Marked as ours before anything is written, so an interrupted run is rebuilt.
        _set_comment(server, name, f"{expected} incomplete")
    return True


def analyse(url: str) -> None:
    """Statistics and visibility maps, as autovacuum leaves a database that has been in use.

    Right after the load the planner knows nothing of the new rows and misjudges its plans.
    """
    connection, _name = _connect(url)
    with connection:
        connection.execute("VACUUM ANALYZE")


def mark_complete(url: str, scale: float) -> None:
    server, name = _server(url)
    with server:
        _set_comment(server, name, f"{marker(scale)} complete")


def configure(url: str) -> None:
    """Point Django at the database, with the production-like bench settings."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    # Throwaway keys when run on its own; bench.reports passes the ones of its run.
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(64))
    os.environ.setdefault(
        "CERTIFICATE_SIGNING_KEY", base64.b64encode(secrets.token_bytes(32)).decode()
    )
    os.environ.setdefault("LOG_LEVEL", "WARNING")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every count")
    parser.add_argument("--force", action="store_true", help="drop the database and rebuild it")
    parser.add_argument(
        "--database-url",
        default=None,
        help=f"default: $BENCH_NATIONAL_DATABASE_URL or {DEFAULT_DATABASE_URL}",
    )
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    url = database_url(args.database_url)
    started = time.perf_counter()
    fill = prepare_database(url, args.scale, force=args.force, stdout=sys.stdout)
    configure(url)
    import django

    django.setup()
    from django.core.management import call_command

    step = time.perf_counter()
    # Also on a database kept as it is: the code may have gained migrations since.
    call_command("migrate", interactive=False, verbosity=0)
    # For the database cache of the production settings (nothing to do with Redis).
    call_command("createcachetable", verbosity=0)
    print(f"  {'migrations':<36} {time.perf_counter() - step:6.1f} s")
    if not fill:
        return 0
    from lms.models import Participant

    if Participant.objects.exists():
        raise SystemExit(
            "bench.national: the database holds participants but no complete dataset; "
            "run again with --force to rebuild it"
        )
    generate(scale=args.scale)
    step = time.perf_counter()
    analyse(url)
    print(f"  {'vacuum and analyse':<36} {time.perf_counter() - step:6.1f} s")
    mark_complete(url, args.scale)
    print(summary())
    print(f"Dataset ready in {time.perf_counter() - started:.0f} s ({marker(args.scale)}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
