"""The programme's reach in the demo: the national online training with the AME (development only).

Two cohorts of four online sessions trained about 300 officials from exactly 120 of the
221 municipal GADs (the five pilots among them, every province but Galápagos), with a
few from provincial and rural parish GADs; about 40 % of them then took the self-paced
course. The reports dashboard then reads as the programme did: "120 de 221 GAD
municipales".

The cohorts took place months ago, so their records are written in bulk, as an import
of a past training would write them: registrations, attendance (with its change log),
enrolments with their step progress and quiz attempts, and certificates, each dated
when it happened. Going through the services one person at a time would send hundreds
of confirmation emails for sessions long past, date everything today, and render a PDF
per certificate with WeasyPrint (about 0.15 s each). Certificates carry the snapshot
`lms.services.certificates` takes and its codes and references; their PDFs stay
pending: these holders have no account to download them from.

Seeded `random.Random`: the same people, GADs and figures every time (dates follow
today, as in the rest of the demo). Does nothing once the first cohort exists.
"""

import random
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from lms.models.gads import normalise

COHORT_SLUGS = ("taller-nacional-ame-cohorte-1", "taller-nacional-ame-cohorte-2")
MUNICIPAL_GADS_REACHED = 120
# Galápagos' three municipalities did not take part in the online training.
PROVINCES_LEFT_OUT = {"20"}
OFFICIALS = 290  # municipal officials, plus OTHER_LEVELS
OTHER_LEVELS = {"provincial": 4, "parish": 8}
SEXES = {"female": 0.55, "male": 0.40, "other": 0.02}  # the rest preferred not to say
AGE_BANDS = {"18-29": 0.20, "30-44": 0.41, "45-59": 0.28, "60+": 0.06}  # the rest left it blank
# How many of a cohort's four sessions a person attended (present or late), by share of people.
ATTENDED_SESSIONS = {4: 0.55, 3: 0.20, 2: 0.12, 1: 0.08, 0: 0.05}
COURSE_UPTAKE = 0.40
COURSE_COMPLETION = 0.35
# Required steps done by those who have not finished the course, and how often.
STEPS_DONE = [(0, 10), (1, 12), (2, 10), (3, 12), (4, 8), (5, 7), (6, 6)]
SESSION_TITLES = (
    "El diagnóstico con datos de movilidad humana",
    "La propuesta: objetivos, metas e indicadores",
    "El modelo de gestión y la articulación con otros niveles de gobierno",
    "Presentación de avances de los GAD",
)
EXCUSES = (
    "Justificó: comisión de servicios.",
    "Justificó: sesión ordinaria del concejo municipal.",
    "Justificó: atención de la emergencia por lluvias.",
    "Justificó: cita médica.",
)

FEMALE_NAMES = (
    "María", "Ana", "Carmen", "Gabriela", "Jessica", "Johanna", "Katherine", "Verónica",
    "Paola", "Mayra", "Diana", "Andrea", "Mónica", "Sandra", "Patricia", "Silvia", "Lorena",
    "Fernanda", "Daniela", "Karina", "Tatiana", "Nathaly", "Estefanía", "Jenny", "Gloria",
    "Rocío", "Martha", "Elizabeth", "Cristina", "Lucía", "Sofía", "Valeria", "Ximena",
    "Janeth", "Mercedes", "Blanca", "Nelly", "Maribel", "Evelyn", "Viviana", "Pamela",
    "Karla", "Doris", "Narcisa", "Alexandra", "Marisol", "Yadira", "Erika", "Gissela",
)  # fmt: skip
MALE_NAMES = (
    "Juan", "Luis", "José", "Carlos", "Jorge", "Diego", "Fernando", "Marco", "Edison",
    "Wilson", "Byron", "Darwin", "Klever", "Fabián", "Patricio", "Santiago", "Andrés",
    "Pablo", "Xavier", "Javier", "Mauricio", "Raúl", "Milton", "Hugo", "Édgar", "Geovanny",
    "Fausto", "Segundo", "Ángel", "Víctor", "Manuel", "Ramiro", "Galo", "Iván", "Rubén",
    "Washington", "Holger", "Franklin", "Cristian", "Alexis", "Danilo", "Ricardo", "Germán",
    "Oswaldo", "Jaime", "Gustavo", "René", "Leonardo", "Mario",
)  # fmt: skip
SURNAMES = (
    "Zambrano", "Mero", "Cedeño", "Vera", "Moreira", "Loor", "Alcívar", "Intriago", "Macías",
    "Bravo", "Pincay", "Chávez", "Quiñónez", "Cortez", "Jaramillo", "Ochoa", "Torres", "Cueva",
    "Sarango", "Guamán", "Espinoza", "Pineda", "Aguilar", "Romero", "Andrade", "Cisneros",
    "Villacrés", "Mena", "Cevallos", "Quishpe", "Toapanta", "Chicaiza", "Pilataxi", "Tapia",
    "Yánez", "Gualán", "Tene", "Ponce", "Morales", "Herrera", "Vásquez", "Castillo", "Reyes",
    "Calderón", "Ortiz", "Salazar", "Suárez", "Paredes", "Guerrero", "Naranjo", "Benítez",
    "León", "Carrión", "Valarezo", "Ordóñez", "Córdova", "Armijos", "Zhunio", "Tenesaca",
    "Criollo", "Caiza", "Yépez", "Arévalo", "Montalvo", "Rivadeneira", "Burbano", "Narváez",
    "Lema", "Chimbo", "Tituaña", "Grefa", "Shiguango", "Tanguila", "Jimbo", "Ayala", "Mora",
    "Ruiz", "Sánchez", "Rodríguez", "García", "López", "Pérez", "Gómez", "Hidalgo", "Velasco",
    "Villavicencio", "Solórzano", "Anchundia", "Delgado", "Arteaga", "Mendoza", "Valencia",
    "Caicedo", "Angulo", "Estupiñán", "Cuero", "Preciado", "Montaño", "Carvajal", "Lozada",
)  # fmt: skip
# (female, male, either) forms, and how often each position comes up.
MUNICIPAL_POSITIONS = (
    (("Técnica de planificación", "Técnico de planificación", "Técnico/a de planificación"), 9),
    (("Directora de planificación", "Director de planificación", "Director/a de planificación"), 4),
    (("Analista de gestión de riesgos",) * 3, 3),
    (("Concejala", "Concejal", "Concejal/a"), 3),
    (("Técnica de ordenamiento territorial", "Técnico de ordenamiento territorial",
      "Técnico/a de ordenamiento territorial"), 3),
    (("Jefa de desarrollo social", "Jefe de desarrollo social", "Jefe/a de desarrollo social"), 2),
    (("Analista de participación ciudadana",) * 3, 2),
    (("Secretaria técnica del Consejo Cantonal de Protección de Derechos",
      "Secretario técnico del Consejo Cantonal de Protección de Derechos",
      "Secretario/a técnico/a del Consejo Cantonal de Protección de Derechos"), 2),
    (("Coordinadora de cooperación internacional", "Coordinador de cooperación internacional",
      "Coordinador/a de cooperación internacional"), 1),
    (("Analista de proyectos",) * 3, 2),
)  # fmt: skip
PARISH_POSITIONS = (
    (("Presidenta de la junta parroquial", "Presidente de la junta parroquial",
      "Presidente/a de la junta parroquial"), 2),
    (("Vocal de la junta parroquial",) * 3, 2),
    (("Secretaria-tesorera", "Secretario-tesorero", "Secretario/a-tesorero/a"), 1),
)  # fmt: skip
PROVINCIAL_POSITIONS = (
    (("Técnica de planificación provincial", "Técnico de planificación provincial",
      "Técnico/a de planificación provincial"), 2),
    (("Analista de cooperación internacional",) * 3, 1),
)  # fmt: skip

# Positions a GAD has one of (the "either" form).
ONE_PER_GAD = {
    "Director/a de planificación",
    "Jefe/a de desarrollo social",
    "Secretario/a técnico/a del Consejo Cantonal de Protección de Derechos",
    "Coordinador/a de cooperación internacional",
    "Presidente/a de la junta parroquial",
    "Secretario/a-tesorero/a",
}


@dataclass(frozen=True)
class Reach:
    officials: int
    municipal_gads: int
    municipal_total: int


@dataclass(frozen=True)
class Cohort:
    workshop: object
    sessions: list


@dataclass
class Official:
    full_name: str
    email: str
    gad: object
    sex: str
    age_band: str
    position: str
    anchor: bool  # the first of their municipal GAD: attends at least once, whatever happens
    participant: object = None
    cohort: int = 0
    attended: int = 0  # sessions attended (present or late)
    last_attended: object = None  # the last session attended


def seed_programme_reach(*, trainer, course) -> Reach:
    """Idempotent: writes nothing if the first cohort exists; returns the training's reach."""
    from lms.models import Workshop

    if not Workshop.objects.filter(slug=COHORT_SLUGS[0]).exists():
        with transaction.atomic():
            _seed(trainer, course, random.Random("aula-demo-alcance-nacional"))  # noqa: S311 - repeatable demo data  # nosec B311
    return reach()


def reach() -> Reach:
    """Officials registered in the cohorts, and the municipal GADs they come from."""
    from lms.models import GAD, Registration

    registrations = Registration.objects.active().filter(workshop__slug__in=COHORT_SLUGS)
    return Reach(
        officials=registrations.values("participant").distinct().count(),
        municipal_gads=registrations.filter(participant__gad__level=GAD.Level.MUNICIPAL)
        .values("participant__gad")
        .distinct()
        .count(),
        municipal_total=GAD.objects.municipal().count(),
    )


def _seed(trainer, course, rng: random.Random) -> None:
    officials = _officials(rng)
    cohorts = _cohorts(trainer, course)
    _register_and_attend(officials, cohorts, trainer, rng)
    completed = _course_uptake(officials, cohorts, course, trainer, rng)
    _certificates(officials, cohorts, completed, course, trainer)


# ---------------------------------------------------------------------------
# Who: 120 municipal GADs and their officials.


def _municipal_gads(rng: random.Random) -> list:
    """The pilots and every municipal GAD the demo already has people in, then one GAD in
    each province still missing and others at random, up to MUNICIPAL_GADS_REACHED."""
    from lms.models import GAD, Participant

    municipal = list(GAD.objects.municipal().select_related("province").order_by("code"))
    already = set(
        Participant.objects.filter(gad__level=GAD.Level.MUNICIPAL).values_list("gad_id", flat=True)
    )
    chosen = [gad for gad in municipal if gad.is_pilot or gad.pk in already]
    candidates = [
        gad
        for gad in municipal
        if gad not in chosen and gad.province.code not in PROVINCES_LEFT_OUT
    ]
    covered = {gad.province_id for gad in chosen}
    for province_id in sorted({gad.province_id for gad in candidates} - covered):
        chosen.append(rng.choice([gad for gad in candidates if gad.province_id == province_id]))
    candidates = [gad for gad in candidates if gad not in chosen]
    chosen += rng.sample(candidates, MUNICIPAL_GADS_REACHED - len(chosen))
    return chosen


def _other_gads(municipal: list, rng: random.Random) -> list:
    """A few provincial and rural parish GADs, in provinces the training reached."""
    from lms.models import GAD

    provinces = sorted({gad.province_id for gad in municipal})
    gads = []
    for level, count in OTHER_LEVELS.items():
        pool = list(
            GAD.objects.filter(level=level, province_id__in=provinces)
            .select_related("province")
            .order_by("code")
        )
        gads += rng.sample(pool, count)
    return gads


def _quota(shares: dict, total: int, rest: str, rng: random.Random) -> list[str]:
    """Exactly round(share × total) of each value, the rest as `rest`, shuffled."""
    values = [value for value, share in shares.items() for _ in range(round(share * total))]
    values += [rest] * (total - len(values))
    rng.shuffle(values)
    return values


def _pick(weighted, rng: random.Random):
    return rng.choices([item for item, _ in weighted], weights=[w for _, w in weighted])[0]


def _domain(gad) -> str:
    slug = re.sub(r"\(.*?\)", "", normalise(gad.name)).replace("distrito metropolitano de", "")
    slug = re.sub(r"[^a-z0-9]", "", slug)
    if gad.level == "parish":
        return f"gadpr{slug}.gob.ec"
    if gad.level == "provincial":
        return f"gobierno{slug}.gob.ec"
    return f"{slug}.gob.ec"


def _ascii(text: str) -> str:
    return re.sub(r"[^a-z]", "", normalise(text))


def _officials(rng: random.Random) -> list[Official]:
    """About 300 people with names, emails, sexes, ages and positions; saved in bulk."""
    from lms.demo import DEMO_PEOPLE
    from lms.models import Participant

    municipal = _municipal_gads(rng)
    seats = dict.fromkeys(municipal, 1)
    pilots = [gad for gad in municipal if gad.is_pilot]
    for gad in pilots:  # the pilots' whole planning teams took part
        seats[gad] += 4
    others = [gad for gad in municipal if not gad.is_pilot]
    while sum(seats.values()) < OFFICIALS:
        gad = rng.choice(others)
        if seats[gad] < 5:
            seats[gad] += 1
    places = [(gad, index == 0) for gad in municipal for index in range(seats[gad])]
    places += [(gad, False) for gad in _other_gads(municipal, rng)]

    total = len(places)
    sexes = _quota(SEXES, total, "undisclosed", rng)
    ages = _quota(AGE_BANDS, total, "", rng)
    taken_names = {row[0] for row in DEMO_PEOPLE}
    taken_emails = {email.lower() for email in Participant.objects.values_list("email", flat=True)}
    # A GAD's director (and other one-of posts) already in the demo keeps the post.
    forms = {
        form.lower(): variants[2]
        for variants, _weight in (*MUNICIPAL_POSITIONS, *PARISH_POSITIONS)
        for form in variants
        if variants[2] in ONE_PER_GAD
    }
    filled = {
        (gad_id, forms[position.lower()])
        for gad_id, position in Participant.objects.values_list("gad_id", "position")
        if position.lower() in forms
    }
    officials = []
    for (gad, anchor), sex, age_band in zip(places, sexes, ages, strict=True):
        names = {"female": FEMALE_NAMES, "male": MALE_NAMES}.get(
            sex, rng.choice((FEMALE_NAMES, MALE_NAMES))
        )
        while True:
            first, second = rng.sample(names, 2)
            surname, mother = rng.sample(SURNAMES, 2)
            given = first if rng.random() < 0.25 else f"{first} {second}"
            full_name = f"{given} {surname} {mother}"
            if full_name not in taken_names:
                break
        taken_names.add(full_name)
        local, domain = f"{_ascii(first)}.{_ascii(surname)}", _domain(gad)
        tries = [local, f"{local}{_ascii(mother)[0]}", f"{local}.{_ascii(mother)}"]
        tries += [f"{local}{number}" for number in range(2, 100)]
        email = next(f"{t}@{domain}" for t in tries if f"{t}@{domain}" not in taken_emails)
        taken_emails.add(email)
        positions = {"parish": PARISH_POSITIONS, "provincial": PROVINCIAL_POSITIONS}.get(
            gad.level, MUNICIPAL_POSITIONS
        )
        female, male, either = _pick(positions, rng)
        while (gad.pk, either) in filled:
            female, male, either = _pick(positions, rng)
        if either in ONE_PER_GAD:
            filled.add((gad.pk, either))
        position = {"female": female, "male": male}.get(sex, either)
        officials.append(Official(full_name, email, gad, sex, age_band, position, anchor=anchor))
    return officials


def _save_people(officials: list[Official], trainer) -> None:
    from lms.models import Participant

    people = Participant.objects.bulk_create(
        Participant(
            full_name=official.full_name,
            email=official.email,
            gad=official.gad,
            sex=official.sex,
            age_band=official.age_band,
            position=official.position,
            added_by=trainer,
        )
        for official in officials
    )
    for official, person in zip(officials, people, strict=True):
        official.participant = person


# ---------------------------------------------------------------------------
# The two cohorts, their registrations and attendance.


def _tuesday(days_ago: int) -> date:
    day = timezone.localdate() - timedelta(days=days_ago)
    return day - timedelta(days=(day.weekday() - 1) % 7)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _cohorts(trainer, course) -> list[Cohort]:
    """Two cohorts of four weekly two-hour sessions, some nine and four months ago."""
    from lms.models import Session, Workshop

    cohorts = []
    for number, (slug, days_ago) in enumerate(zip(COHORT_SLUGS, (270, 130), strict=True), 1):
        first = _tuesday(days_ago)
        workshop = Workshop.objects.create(
            title=(
                f"Movilidad humana en los PDOT: formación nacional con la AME, "
                f"cohorte {number} ({first.year})"
            ),
            slug=slug,
            description=(
                "Cuatro sesiones en línea organizadas con la Asociación de Municipalidades "
                "Ecuatorianas para equipos técnicos y autoridades de los GAD: el diagnóstico "
                "con datos de movilidad humana, la propuesta con metas medibles, el modelo de "
                "gestión y la presentación de avances. Entre sesiones, los participantes "
                "avanzan en el curso vinculado."
            ),
            mode=Workshop.Mode.ONLINE,
            meeting_link=f"https://zoom.us/j/8451200{number:04d}",
            capacity=160,
            registration_opens_at=_at(first - timedelta(days=30), 8),
            registration_closes_at=_at(first - timedelta(days=1), 18),
            course=course,
            hours=8,
            status=Workshop.Status.PUBLISHED,
        )
        workshop.trainers.set([trainer])
        workshop.save()
        sessions = [
            Session.objects.create(
                workshop=workshop,
                title=title,
                starts_at=_at(first + timedelta(weeks=week), 9),
                ends_at=_at(first + timedelta(weeks=week), 11),
            )
            for week, title in enumerate(SESSION_TITLES)
        ]
        cohorts.append(Cohort(workshop, sessions))
    return cohorts


def _register_and_attend(officials, cohorts, trainer, rng: random.Random) -> None:
    from lms.models import Attendance, AttendanceChange, Registration

    _save_people(officials, trainer)
    order = list(range(len(officials)))
    rng.shuffle(order)
    for position, index in enumerate(order):
        officials[index].cohort = position * len(cohorts) // len(officials)

    registrations, rows = [], []
    for official in officials:
        workshop, sessions = cohorts[official.cohort].workshop, cohorts[official.cohort].sessions
        registered = _at(
            sessions[0].starts_at.date() - timedelta(days=rng.randint(3, 25)),
            rng.randint(8, 17),
            rng.randint(0, 59),
        )
        registrations.append(
            Registration(
                workshop=workshop,
                participant=official.participant,
                status=Registration.Status.CONFIRMED,
                registered_at=registered,
                confirmed_at=registered,
                added_by=trainer,
            )
        )
        attended = _pick(list(ATTENDED_SESSIONS.items()), rng)
        if official.anchor:
            attended = max(attended, 1)
        official.attended = attended
        kept = _sessions_attended(len(sessions), attended, rng)
        for number, session in enumerate(sessions):
            rows.append(_attendance_row(official, session, number in kept, trainer, rng))
            if number in kept:
                official.last_attended = session
    Registration.objects.bulk_create(registrations)
    Attendance.objects.bulk_create(rows)
    AttendanceChange.objects.bulk_create(
        AttendanceChange(
            session=row.session,
            participant=row.participant,
            status=row.status,
            previous_status="",
            minutes=row.minutes,
            source=row.source,
            changed_by=trainer,
            changed_at=row.recorded_at,
        )
        for row in rows
    )


def _sessions_attended(held: int, attended: int, rng: random.Random) -> set[int]:
    """Which sessions: people who drop out mostly miss the later ones."""
    left, kept = list(range(held)), set()
    while len(kept) < attended:
        number = rng.choices(left, weights=[held - n for n in left])[0]
        left.remove(number)
        kept.add(number)
    return kept


def _attendance_row(official, session, attended: bool, trainer, rng: random.Random):
    """Minutes as a video-call report gives them: present from 90 of the 120 (the 75 %
    threshold), late when joining after the first 15."""
    from lms.models import Attendance

    Status, Source = Attendance.Status, Attendance.Source
    note, minutes, source = "", None, Source.IMPORT
    if attended and rng.random() < 0.12:
        status, minutes = Status.LATE, 120 - rng.randint(16, 28) - rng.randint(0, 2)
    elif attended:
        status, minutes = Status.PRESENT, 120 - rng.choice((0, 0, 0, 2, 5, 8, 12, 20))
    elif rng.random() < 0.15:
        status, source, note = Status.EXCUSED, Source.ROSTER, rng.choice(EXCUSES)
    elif rng.random() < 0.3:  # looked in for a while
        status, minutes = Status.ABSENT, rng.randint(5, 45)
    else:
        status, source = Status.ABSENT, Source.ROSTER
    return Attendance(
        session=session,
        participant=official.participant,
        status=status,
        minutes=minutes,
        note=note,
        source=source,
        recorded_by=trainer,
        recorded_at=session.ends_at + timedelta(hours=rng.randint(2, 30)),
    )


# ---------------------------------------------------------------------------
# The self-paced course.


def _course_uptake(officials, cohorts, course, trainer, rng: random.Random) -> list:
    """Enrol about 40 %, those who attended more more often; returns the completed enrolments.

    Each enrolment's figures are those `refresh_progress` would compute from its steps.
    """
    from lms.models import Enrolment, QuizAttempt, StepProgress

    # Weighted sampling without replacement (Efraimidis-Spirakis): key = u^(1/weight).
    ranked = sorted(officials, key=lambda o: rng.random() ** (1 / (1 + o.attended)), reverse=True)
    steps = list(course.steps())
    required = [step for step in steps if step.required]
    now = timezone.now()
    completion = (
        "required_steps+workshop" if course.requires_workshop_attendance else "required_steps"
    )

    plans = []
    for official in ranked[: round(COURSE_UPTAKE * len(officials))]:
        if rng.random() < COURSE_COMPLETION:
            done = len(required)
        else:
            done = min(_pick(STEPS_DONE, rng), len(required) - 1)
        if course.requires_workshop_attendance and official.attended < 3:
            done = min(done, len(required) - 1)  # not complete without the linked workshop
        moment = cohorts[official.cohort].sessions[0].starts_at + timedelta(
            days=rng.randint(0, 10), hours=rng.randint(1, 9)
        )
        enrolled, timeline, count = moment, [], 0
        for step in steps:
            if count >= done:
                break
            if not step.required and rng.random() < 0.5:
                continue  # the optional lesson: about half skip it
            moment = min(moment + timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 8)), now)
            timeline.append((step, moment))
            count += step.required
        next_step = required[count] if count < len(required) else None
        opened = None
        if next_step is not None and rng.random() < 0.5:
            opened = moment + timedelta(days=rng.randint(1, 5), hours=rng.randint(0, 8))
            opened = opened if opened < now else None
        enrolment = Enrolment(
            participant=official.participant,
            course=course,
            enrolled_at=enrolled,
            enrolled_by=trainer,
            required_steps=len(required),
            completed_steps=count,
            progress_percent=100 * count // len(required) if required else 0,
            next_step=next_step,
            last_activity_at=opened or moment,
            completed_at=moment if next_step is None and required else None,
            completion_reason=completion if next_step is None and required else "",
        )
        plans.append((enrolment, timeline, next_step, opened))
    Enrolment.objects.bulk_create([plan[0] for plan in plans])

    progress, attempts, banks = [], [], {}
    for enrolment, timeline, next_step, opened in plans:
        for step, moment in timeline:
            tries = _attempts(enrolment, step, moment, banks, rng, passed=True)
            progress.append(_step_row(enrolment, step, moment, tries, rng, completed=True))
            attempts += tries
        if opened is not None:
            tries = _attempts(enrolment, next_step, opened, banks, rng, passed=False)
            progress.append(_step_row(enrolment, next_step, opened, tries, rng, completed=False))
            attempts += tries
    StepProgress.objects.bulk_create(progress)
    QuizAttempt.objects.bulk_create(attempts)
    return [plan[0] for plan in plans if plan[0].completed_at is not None]


def _step_row(enrolment, step, moment, attempts, rng: random.Random, *, completed: bool):
    """The step's progress: opened before its first quiz attempt, if any."""
    from lms.models import StepProgress

    opened = min([moment, *(attempt.started_at for attempt in attempts)])
    return StepProgress(
        enrolment=enrolment,
        step_id=step.pk,
        first_viewed_at=opened - timedelta(minutes=rng.randint(2, 40)),
        last_viewed_at=moment,
        views=len(attempts) + rng.randint(1, 2),
        completed_at=moment if completed else None,
    )


def _score(bank: list, answers: dict) -> Decimal:
    from courses.grading import grade

    points = sum(grade(question, answers.get(question["id"])) for question in bank)
    return (Decimal(points) * 100 / (len(bank) or 1)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def _attempts(enrolment, quiz, moment, banks, rng: random.Random, *, passed: bool) -> list:
    """A quiz's passed attempt (sometimes after a failed one), or a failed one, graded as
    `submit_attempt` grades them; none for a lesson."""
    from courses.demo import correct_answer
    from courses.models import QuizPage
    from lms.models import QuizAttempt

    if not isinstance(quiz, QuizPage):
        return []
    if quiz.pk not in banks:
        banks[quiz.pk] = quiz.question_bank()
    outcomes = [passed]
    if passed and rng.random() < 0.25 and quiz.max_attempts != 1:
        outcomes = [False, True]
    attempts = []
    for number, passes in enumerate(outcomes, 1):
        seed = f"{rng.getrandbits(64):016x}"
        bank = banks[quiz.pk]
        if quiz.questions_per_attempt and quiz.questions_per_attempt < len(bank):
            drawn = {q["id"] for q in random.Random(seed).sample(bank, quiz.questions_per_attempt)}  # noqa: S311 - repeatable demo data  # nosec B311
            bank = [question for question in bank if question["id"] in drawn]
        answers = {question["id"]: correct_answer(question) for question in bank}
        wrong = list(answers)
        rng.shuffle(wrong)
        if passes:  # one slip, where the pass mark allows it
            trial = {key: value for key, value in answers.items() if key != wrong[0]}
            if _score(bank, trial) >= quiz.pass_mark and rng.random() < 0.5:
                answers = trial
        else:
            while wrong and _score(bank, answers) >= quiz.pass_mark:
                answers.pop(wrong.pop())
        # A failed try the evening before: steps are at least a day apart.
        submitted = moment - (len(outcomes) - number) * timedelta(hours=rng.randint(3, 20))
        score = _score(bank, answers)
        attempts.append(
            QuizAttempt(
                enrolment=enrolment,
                quiz_id=quiz.pk,
                number=number,
                status=QuizAttempt.Status.SUBMITTED,
                seed=seed,
                questions=bank,
                answers=answers,
                pass_mark=quiz.pass_mark,
                started_at=submitted - timedelta(minutes=rng.randint(8, 25)),
                saved_at=submitted,
                submitted_at=submitted,
                score=score,
                passed=score >= quiz.pass_mark,
            )
        )
    return attempts


# ---------------------------------------------------------------------------
# Certificates.


def _certificates(officials, cohorts, completed, course, trainer) -> None:
    """Workshop certificates for those present or late in at least the threshold share of
    the sessions (issued by the trainer after the last session), course certificates at
    completion: the snapshot, codes and references `issue()` would give them."""
    from lms.models import Certificate, CertificateTemplate
    from lms.services.certificates import new_code, new_reference, subject_key

    default_template = (
        CertificateTemplate.objects.filter(is_default=True).values_list("pk", flat=True).first()
    )
    taken = set(Certificate.objects.values_list("reference", flat=True))
    with translation.override(settings.LANGUAGE_CODE):
        labels = {official.gad.pk: str(official.gad.label) for official in officials}

    def certificate(participant, *, issued_at, by, **fields) -> Certificate:
        reference = new_reference(timezone.localtime(issued_at).year)
        while reference in taken:
            reference = new_reference(timezone.localtime(issued_at).year)
        taken.add(reference)
        return Certificate(
            participant=participant,
            code=new_code(),
            reference=reference,
            holder_name=participant.full_name,
            gad_name=labels[participant.gad_id],
            issued_at=issued_at,
            issued_by=by,
            **fields,
        )

    rows = []
    for official in officials:
        workshop, sessions = cohorts[official.cohort].workshop, cohorts[official.cohort].sessions
        if official.attended * 100 < workshop.attendance_threshold * len(sessions):
            continue
        rows.append(
            certificate(
                official.participant,
                issued_at=sessions[-1].ends_at + timedelta(days=3, hours=5),
                by=trainer,
                kind=Certificate.Kind.WORKSHOP,
                workshop=workshop,
                subject_key=subject_key(kind=Certificate.Kind.WORKSHOP, workshop=workshop),
                subject_title=workshop.title,
                hours=workshop.hours,
                achieved_on=timezone.localdate(official.last_attended.starts_at),
                template_id=workshop.certificate_template_id or default_template,
            )
        )
    for enrolment in completed:
        rows.append(
            certificate(
                enrolment.participant,
                issued_at=enrolment.completed_at + timedelta(seconds=1),
                by=None,
                kind=Certificate.Kind.COURSE,
                course=course,
                subject_key=subject_key(kind=Certificate.Kind.COURSE, course=course),
                subject_title=course.title,
                hours=course.estimated_hours or 0,
                achieved_on=timezone.localdate(enrolment.completed_at),
                template_id=course.certificate_template_id or default_template,
            )
        )
    Certificate.objects.bulk_create(rows)
