"""Demo accounts, one per role, with passwords printed by `seed_demo` (development only)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from lms import roles

DEMO_PASSWORD = "aula-demo-2026"  # noqa: S105 - printed for the local demo; never used in production  # nosec B105

# (full name, sex, age band, position, GAD code): officials of the five pilot GADs
# and of other GADs reached by the online training, across the country.
DEMO_PEOPLE = [
    ("Rosa Elena Mero Zambrano", "female", "30-44", "Directora de Planificación", "1317"),
    ("Jorge Luis Cedeño Vera", "male", "45-59", "Técnico de Ordenamiento Territorial", "1317"),
    ("María Fernanda Jaramillo Ochoa", "female", "30-44", "Jefa de Desarrollo Social", "1103"),
    ("Carlos Andrés Torres Cueva", "male", "18-29", "Analista de Planificación", "1103"),
    ("Lucía Vanessa Moreira Loor", "female", "45-59", "Concejala", "1304"),
    ("Pedro Javier Alcívar Intriago", "male", "30-44", "Director de Gestión de Riesgos", "1304"),
    ("Diana Carolina Aguilar Romero", "female", "18-29", "Técnica de Movilidad Humana", "0707"),
    ("Marco Vinicio Espinoza Pineda", "male", "45-59", "Director de Planificación", "0707"),
    (
        "Ximena Alexandra Jiménez Torres",
        "female",
        "30-44",
        "Coordinadora de Participación Ciudadana",
        "1901",
    ),
    ("Luis Alberto Sarango Guamán", "male", "60+", "Presidente de la Junta Parroquial", "190153"),
    ("Gabriela Estefanía Andrade Cisneros", "female", "30-44", "Analista de Proyectos", "0101"),
    ("Santiago Patricio Villacrés Mena", "male", "30-44", "Técnico de Planificación", "1701"),
    (
        "Verónica Paola Cevallos Bravo",
        "female",
        "45-59",
        "Secretaria del Consejo Cantonal de Protección de Derechos",
        "0901",
    ),
    (
        "Wilson Fabián Quishpe Toapanta",
        "male",
        "30-44",
        "Técnico de Desarrollo Comunitario",
        "0501",
    ),
    ("Ana Belén Castillo Reyes", "female", "18-29", "Promotora Social", "0801"),
    ("Fernando José Calderón Vásquez", "male", "45-59", "Director de Obras Públicas", "1101"),
    ("Silvia Marlene Chicaiza Pilataxi", "female", "30-44", "Técnica de Planificación", "10"),
    ("Kléber Iván Tapia Yánez", "other", "30-44", "Analista de Información", "2101"),
    ("Nancy Patricia Gualán Tene", "female", "45-59", "Vocal de la Junta Parroquial", "110351"),
    ("Andrés Sebastián Ponce Macías", "undisclosed", "", "Asesor Jurídico", "13"),
]
DEMO_PARTICIPANT_EMAIL = "participante@aula.example.org"

DEMO_ACCOUNTS = [
    # email, first name, last name, role (None: superuser)
    ("admin@aula.example.org", "Andrea", "Salazar", None),
    ("editora@aula.example.org", "Lucía", "Andrade", roles.EDITOR),
    ("capacitador@aula.example.org", "Diego", "Villacís", roles.TRAINER),
    ("gestora@aula.example.org", "Gabriela", "Espinoza", roles.MANAGER),
]


def seed_accounts():
    """Create the demo accounts that are missing; return (email, role) pairs."""
    from allauth.account.models import EmailAddress

    User = get_user_model()
    created = []
    for email, first_name, last_name, group_name in DEMO_ACCOUNTS:
        user, was_created = User.objects.get_or_create(
            email=email, defaults={"first_name": first_name, "last_name": last_name}
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            if group_name is None:
                user.is_superuser = True
                user.is_staff = True
            user.save()
            if group_name:
                user.groups.add(Group.objects.get(name=group_name))
        # Staff log in by email like everyone: their address counts as confirmed.
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        created.append((email, group_name or "superusuario"))
    return created


def seed_people(added_by):
    """Participants across provinces and all five pilot GADs; the first one has an account."""
    from allauth.account.models import EmailAddress

    from lms.models import GAD, Participant
    from lms.services.people import add_participant, current_privacy_version, register_participant

    User = get_user_model()
    gads = {gad.code: gad for gad in GAD.objects.filter(code__in=[p[4] for p in DEMO_PEOPLE])}
    for index, (full_name, sex, age_band, position, code) in enumerate(DEMO_PEOPLE):
        if Participant.objects.filter(full_name=full_name).exists():
            continue
        fields = {
            "full_name": full_name,
            "gad": gads[code],
            "sex": sex,
            "age_band": age_band,
            "position": position,
        }
        if index == 0:
            user, created = User.objects.get_or_create(
                email=DEMO_PARTICIPANT_EMAIL, defaults={"first_name": full_name}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            EmailAddress.objects.get_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )
            register_participant(user=user, consent_version=current_privacy_version(), **fields)
        else:
            email = f"demo{index:02d}@{gads[code].name.lower().replace(' ', '')}.gob.ec"
            email = "".join(c for c in email if c.isascii())
            add_participant(email=email, added_by=added_by, **fields)


# How far each demo participant (by position in DEMO_PEOPLE) has gone in the demo course:
# the number of steps done in course order, and whether they end with the course complete.
DEMO_PROGRESS = {0: 2, 1: 0, 2: "all", 3: 1, 4: 4, 5: "all", 6: 3, 8: 1, 10: 5}


def seed_learning(course):
    """Enrol demo participants in the demo course at different stages (idempotent)."""
    from courses.demo import correct_answer
    from courses.models import QuizPage
    from lms.models import Participant, QuizAttempt
    from lms.services.learning import complete_step, enrol, start_attempt, submit_attempt

    people = {
        p.full_name: p
        for p in Participant.objects.filter(full_name__in=[row[0] for row in DEMO_PEOPLE])
    }
    steps = list(course.steps())
    for index, done in DEMO_PROGRESS.items():
        participant = people.get(DEMO_PEOPLE[index][0])
        if participant is None:
            continue
        enrolment = enrol(participant=participant, course=course)
        todo = steps if done == "all" else steps[:done]
        for step in todo:
            if isinstance(step, QuizPage):
                if QuizAttempt.objects.filter(enrolment=enrolment, quiz=step).exists():
                    continue
                attempt = start_attempt(enrolment=enrolment, quiz=step)
                answers = {q["id"]: correct_answer(q) for q in attempt.questions}
                submit_attempt(attempt=attempt, answers=answers)
            else:
                complete_step(enrolment=enrolment, step=step)
