"""Demo workshops: a national online series, a consultative process with each pilot GAD,
and sample video-call attendance reports a trainer can import (development only)."""

import csv
import io
from datetime import datetime, time, timedelta

from django.utils import timezone

WORKSHOP_SLUG = "taller-nacional-movilidad-pdot"
PILOTS = {"1103": "Catamayo", "1304": "El Carmen", "0707": "Huaquillas", "1317": "Pedernales",
          "1901": "Zamora"}  # fmt: skip
REPORTS_COLLECTION = "Reportes de asistencia de ejemplo"


def _at(days: int, hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def seed_workshops(*, trainer, course):
    """Idempotent: does nothing if the national workshop exists."""
    from lms.models import Participant, Workshop

    if Workshop.objects.filter(slug=WORKSHOP_SLUG).exists():
        return
    people = list(Participant.objects.active().select_related("gad", "user").order_by("pk"))
    workshop = _national_series(trainer, course, people)
    for code, name in PILOTS.items():
        _consultative_process(trainer, code, name, people)
    _sample_reports(workshop, people)
    _finished_workshop(trainer, people)


def _finished_workshop(trainer, people):
    """A two-session workshop held last month, its attendance taken and certificates issued."""
    from lms.models import Session, Workshop
    from lms.services.attendance import set_attendance
    from lms.services.certificates import issue_for_workshop
    from lms.services.workshops import register

    workshop = Workshop.objects.create(
        title="Arranque con los GAD piloto: herramientas para el diagnóstico",
        slug="arranque-gad-piloto",
        description=(
            "Dos sesiones en línea en las que los equipos de los cinco GAD piloto conocieron la "
            "caja de herramientas y planificaron su diagnóstico con datos de movilidad humana."
        ),
        mode=Workshop.Mode.ONLINE,
        meeting_link="https://zoom.us/j/84500011122",
        capacity=40,
        hours=4,
        status=Workshop.Status.PUBLISHED,
    )
    workshop.trainers.set([trainer])
    workshop.save()
    sessions = [
        Session.objects.create(
            workshop=workshop, title=title, starts_at=_at(days, 9), ends_at=_at(days, 11)
        )
        for title, days in (("La caja de herramientas", -35), ("Plan de diagnóstico", -28))
    ]
    attendees = people[:10]
    for index, person in enumerate(attendees):
        register(workshop=workshop, participant=person, added_by=trainer)
        for number, session in enumerate(sessions):
            # Two people missed the second session: below the threshold, no certificate.
            status = "absent" if index >= 8 and number == 1 else "present"
            set_attendance(session, person, status=status, source="roster", by=trainer)
    issue_for_workshop(workshop, by=trainer)


def _national_series(trainer, course, people):
    from lms.models import Session, Workshop
    from lms.services.attendance import set_attendance
    from lms.services.workshops import register

    workshop = Workshop.objects.create(
        title="Integrar la movilidad humana en el PDOT: taller nacional en línea",
        slug=WORKSHOP_SLUG,
        description=(
            "Cuatro sesiones en línea con la AME para equipos técnicos de los GAD: el diagnóstico "
            "con datos de movilidad humana, la propuesta con metas medibles y el modelo de "
            "gestión. Cada sesión dura dos horas; entre sesiones se avanza en el curso vinculado."
        ),
        mode=Workshop.Mode.ONLINE,
        meeting_link="https://zoom.us/j/84512345678",
        capacity=150,
        course=course,
        status=Workshop.Status.PUBLISHED,
    )
    workshop.trainers.set([trainer])
    workshop.save()
    titles = ["Diagnóstico", "Propuesta", "Modelo de gestión", "Presentación de avances"]
    sessions = [
        Session.objects.create(
            workshop=workshop,
            title=title,
            starts_at=_at(days, 9),
            ends_at=_at(days, 11),
        )
        for title, days in zip(titles, (-14, -7, 7, 14), strict=True)
    ]
    for person in people[:12]:
        register(workshop=workshop, participant=person, added_by=trainer)
    # The first session's attendance was taken on the roster; the second waits for the
    # sample reports (see _sample_reports).
    statuses = ["present"] * 7 + ["late", "late", "excused", "absent", "present"]
    for person, status in zip(people[:12], statuses, strict=True):
        set_attendance(sessions[0], person, status=status, source="roster", by=trainer)
    return workshop


def _consultative_process(trainer, code, name, people):
    from lms.models import GAD, Session, Workshop
    from lms.services.workshops import register

    gad = GAD.objects.get(code=code)
    process = Workshop.objects.create(
        title=f"Proceso consultivo del PDOT: GAD de {name}",
        slug=f"proceso-consultivo-{name.lower().replace(' ', '-')}",
        kind=Workshop.Kind.CONSULTATIVE,
        gad=gad,
        mode=Workshop.Mode.HYBRID,
        place=f"Sala de sesiones del GAD de {name}",
        meeting_link="https://meet.google.com/aula-demo",
        status=Workshop.Status.PUBLISHED,
        description=(
            f"Asistencia técnica al GAD de {name} para incorporar la movilidad humana en la "
            "actualización de su PDOT."
        ),
        agenda=(
            "1. Revisión del diagnóstico con datos de movilidad humana.\n"
            "2. Priorización de problemas y potencialidades.\n"
            "3. Acuerdos para la propuesta y el modelo de gestión."
        ),
        minutes=(
            "Se revisaron las fuentes de datos disponibles (censo, registros del GAD, "
            "organizaciones locales) y se identificaron vacíos de información."
        ),
        agreements=(
            "- El equipo técnico completará la ficha de variables de movilidad humana.\n"
            "- La AME enviará ejemplos de metas de otros GAD piloto."
        ),
    )
    process.trainers.set([trainer])
    process.save()
    Session.objects.create(
        workshop=process, title="Primera reunión", starts_at=_at(-10, 10), ends_at=_at(-10, 12)
    )
    Session.objects.create(
        workshop=process, title="Seguimiento", starts_at=_at(10, 10), ends_at=_at(10, 12)
    )
    for person in people:
        if person.gad_id == gad.pk:
            register(workshop=process, participant=person, added_by=trainer)


def _email(person) -> str:
    return person.email or (person.user.email if person.user else "")


def _zoom_time(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%m/%d/%Y %I:%M:%S %p")


def zoom_report(session, people) -> bytes:
    """A Zoom (2024 layout) participant report for the session, as Zoom exports it."""
    start, end = session.starts_at, session.ends_at
    rows = [("Capacitación AME", "capacitacion@ame.gob.ec", start - timedelta(minutes=5), end)]
    for index, person in enumerate(people[:9]):
        joined = start + timedelta(minutes=(2 if index % 3 else 25))
        left = end - timedelta(minutes=3)
        email = _email(person)
        name = person.full_name
        if index == 4:  # joined from a phone without signing in: only the name, no accents
            email, name = "", name.upper().replace("Í", "I").replace("É", "E")
        if index == 6:  # dropped out and came back
            rows.append((name, email, joined, start + timedelta(minutes=50)))
            joined = start + timedelta(minutes=55)
        if index == 8:  # looked in for ten minutes
            left = joined + timedelta(minutes=10)
        rows.append((name, email, joined, left))
    rows.append(("Invitado (Tablet)", "", start + timedelta(minutes=10), end))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        ["Topic", "ID", "Host", "Duration (minutes)", "Start time", "End time", "Participants"]
    )
    minutes = int((end - start).total_seconds() // 60) + 5
    writer.writerow(
        [
            session.workshop.title,
            "845 1234 5678",
            "Capacitación AME",
            minutes,
            _zoom_time(start - timedelta(minutes=5)),
            _zoom_time(end),
            len(rows),
        ]
    )
    writer.writerow([""] * 7)
    writer.writerow(
        ["Name (original name)", "Email", "Join time", "Leave time", "Duration (minutes)", "Guest"]
    )
    for name, email, joined, left in rows:
        duration = int((left - joined).total_seconds() // 60)
        guest = "No" if email else "Yes"
        writer.writerow([name, email, _zoom_time(joined), _zoom_time(left), duration, guest])
    return "\ufeff".encode() + out.getvalue().encode()


def teams_report(session, people) -> bytes:
    """A Microsoft Teams (2022+, Spanish) attendance report: UTF-16 with tabs."""

    def stamp(moment):
        local = timezone.localtime(moment)
        return f"{local.day}/{local.month}/{local:%y}, {local.hour}:{local:%M:%S}"

    start, end = session.starts_at, session.ends_at
    lines = [
        "1. Resumen",
        f"Título de la reunión\t{session.workshop.title}",
        f"Participantes asistentes\t{min(len(people), 6) + 1}",
        f"Hora de inicio\t{stamp(start)}",
        f"Hora de finalización\t{stamp(end)}",
        "Duración de la reunión\t2 h",
        "",
        "2. Participantes",
        "Nombre\tPrimera unión\tÚltima salida\tDuración en la reunión\tCorreo electrónico"
        "\tId. de participante (UPN)\tRol",
        f"Capacitación AME\t{stamp(start)}\t{stamp(end)}\t2 h\tcapacitacion@ame.gob.ec"
        "\tcapacitacion@ame.gob.ec\tOrganizador",
    ]
    for index, person in enumerate(people[:6]):
        joined = start + timedelta(minutes=3 + index)
        left = end - timedelta(minutes=2)
        email = _email(person)
        lines.append(
            f"{person.full_name}\t{stamp(joined)}\t{stamp(left)}\t1 h 50 min\t{email}\t{email}"
            "\tAsistente"
        )
    text = "\r\n".join(lines) + "\r\n"
    return text.encode("utf-16")  # with its byte-order mark, as Teams writes it


def _sample_reports(workshop, people):
    """Two reports for the second (past) session, kept as documents for the trainer."""
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model
    from wagtail.models import Collection

    Document = get_document_model()
    root = Collection.get_first_root_node()
    collection = root.get_children().filter(name=REPORTS_COLLECTION).first() or root.add_child(
        name=REPORTS_COLLECTION
    )
    session = workshop.sessions.order_by("starts_at")[1]
    registrants = [
        r.participant for r in workshop.registrations.select_related("participant__user")
    ]
    for title, filename, data in (
        ("Reporte de Zoom: sesión 2", "zoom-sesion-2.csv", zoom_report(session, registrants)),
        (
            "Reporte de Teams: sesión 2",
            "teams-sesion-2.csv",
            teams_report(session, registrants[6:]),
        ),
    ):
        if not Document.objects.filter(title=title).exists():
            Document.objects.create(
                title=title, file=ContentFile(data, name=filename), collection=collection
            )
