"""A workshop run from phones, from scheduling to the video-call reports.

A trainer schedules a weekly series of four sessions in the admin, the first one under
way; the demo participant registers and receives the calendar invite; the trainer takes
attendance on the roster and shows the check-in code, which the participant enters; then
the trainer imports a Zoom and a Teams report of the session, saying who an unknown name
in the first one is. Whatever the time of day, the first session has started about ten
minutes before (at midnight in Guayaquil, just now), so its check-in is open.
"""

import email
import email.policy
import json
import re
import sqlite3
import subprocess
import sys
import time
import uuid
from base64 import b32decode
from contextlib import closing
from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from lms.attendance_reports.values import normalise_name
from lms.demo import DEMO_PARTICIPANT_EMAIL, DEMO_PASSWORD
from lms.demo_two_factor import DEMO_TOTP_SECRET
from tests.browser import workshop_helpers as helpers
from tests.browser.conftest import ROOT

pytestmark = pytest.mark.browser

# A 390 × 844 phone (as Playwright's "iPhone 12"): the browser's bars leave 664 px for the page.
WIDTH, HEIGHT = 390, 664
GUAYAQUIL = ZoneInfo("America/Guayaquil")
TRAINER_EMAIL = helpers.TRAINER_EMAIL
TRAINER_NAME = "Diego Villacís"
PARTICIPANT_NAME = "Rosa Elena Mero Zambrano"
JORGE, MARIA, CARLOS, LUCIA = helpers.OTHERS

TITLE = "Datos de movilidad humana para el PDOT: serie semanal"
SLUG = "serie-semanal-datos-movilidad"
MEETING_LINK = "https://zoom.us/j/86012345678"
CAPACITY = 30
LENGTH = 120  # minutes
SESSIONS = 4
LATE_AFTER = timedelta(minutes=15)  # the workshop's default "late after"


# ---------------------------------------------------------------------------
# Helpers.


@pytest.fixture
def open_phone(browser):
    """Opens phones, each with its own cookies; their CSP complaints are kept."""
    contexts = []

    def open_one():
        context = browser.new_context(
            viewport={"width": WIDTH, "height": HEIGHT},
            screen={"width": WIDTH, "height": 844},
            device_scale_factor=3,
            is_mobile=True,
            has_touch=True,
            locale="es-EC",
        )
        contexts.append(context)
        page = context.new_page()
        page.csp_violations = []
        page.on(
            "console",
            lambda message: (
                page.csp_violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        return page

    yield open_one
    for context in contexts:
        context.close()


def query(database, sql, params=()):
    with closing(sqlite3.connect(database)) as db:
        return db.execute(sql, params).fetchall()


def wait_until(page, condition, *, timeout=15, message="the condition was not met"):
    """Poll `condition` while Playwright keeps handling the page's events."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(message)
        page.wait_for_timeout(100)


def run_on_server(demo_server, function, *args):
    """Run a function of workshop_helpers in the demo server's environment; return its JSON."""
    call = f"from tests.browser.workshop_helpers import {function}; {function}(*{list(args)!r})"
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", call],
        cwd=ROOT,
        env=demo_server.env,
        check=True,
        capture_output=True,
        text=True,
    )
    line = next(line for line in done.stdout.splitlines() if line.startswith(helpers.MARKER))
    return json.loads(line.removeprefix(helpers.MARKER))


def assert_fits(page):
    """The page is laid out for the phone's width and nothing pushes it wider."""
    # Measured once the page has loaded: half-loaded, its tables are not laid out yet.
    page.wait_for_load_state()
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert inner_width == WIDTH, f"{page.url} is laid out {inner_width} px wide"
    assert scroll_width <= WIDTH, f"{page.url} overflows sideways: {scroll_width} px"


def stored_time(text: str) -> datetime:
    """A datetime as Django keeps it in SQLite: UTC, without the offset."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def first_start(now: datetime) -> datetime:
    """About ten minutes ago in Guayaquil, to the minute; just after midnight, now."""
    local = now.astimezone(GUAYAQUIL).replace(second=0, microsecond=0)
    start = local - timedelta(minutes=10)
    return start if start.date() == local.date() else local


def log_in(page, site, email_address, next_url):
    page.goto(f"{site}/cuenta/login/?next={quote(next_url)}")
    page.get_by_label("Correo electrónico").fill(email_address)
    page.get_by_label("Contraseña").fill(DEMO_PASSWORD)
    page.locator("main").get_by_role("button", name="Ingresar").click()
    page.wait_for_url(lambda url: "/cuenta/login/" not in url)


def second_factor_code(page, database, email_address):
    """The demo key's current code, once later than the last code the account used."""
    used = query(
        database,
        "SELECT d.last_t FROM otp_totp_totpdevice d JOIN lms_user u ON u.id = d.user_id "
        "WHERE u.email = ? AND d.confirmed",
        (email_address,),
    )
    last_t = max((row[0] for row in used), default=-1)
    # django-otp refuses a code twice: wait for the next one if this one was used.
    wait_until(page, lambda: int(time.time()) // 30 > last_t, timeout=35)
    return f"{totp(b32decode(DEMO_TOTP_SECRET)):06d}"


def log_trainer_in(page, demo_server):
    """Password, then the authenticator code on the verification page.

    cms.settings.dev only asks for the code when STAFF_TWO_FACTOR_REQUIRED is set, so the
    login goes to the verification page itself: the journey confirms the second factor
    either way, as staff do in production.
    """
    site = demo_server.url
    log_in(page, site, TRAINER_EMAIL, "/cuenta/dos-pasos/?next=/admin/workshops/")
    page.wait_for_url("**/cuenta/dos-pasos/**")
    assert_fits(page)
    code = second_factor_code(page, demo_server.database, TRAINER_EMAIL)
    page.get_by_label("Código de 6 dígitos de su aplicación").fill(code)
    page.get_by_role("button", name="Confirmar", exact=True).click()
    page.wait_for_url(site + "/admin/workshops/")


def calendar_invites(mail_dir, recipient):
    """(message, calendar part, unfolded text) for each calendar sent to `recipient`."""
    found = []
    for path in sorted(mail_dir.glob("*.log")):
        # The file backend writes each message followed by a line of 79 dashes.
        for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if not raw.strip():
                continue
            message = email.message_from_bytes(raw, policy=email.policy.default)
            if recipient not in str(message["To"] or ""):
                continue
            for part in message.walk():
                if part.get_content_type() == "text/calendar":
                    # Unfold the lines the iCalendar format folds at 75 octets.
                    text = part.get_content().replace("\r\n ", "").replace("\n ", "")
                    found.append((message, part, text))
    return found


def attendance(database, session_id):
    """{participant's name: (status, source, minutes)} for the session."""
    rows = query(
        database,
        "SELECT p.full_name, a.status, a.source, a.minutes FROM lms_attendance a "
        "JOIN lms_participant p ON p.id = a.participant_id WHERE a.session_id = ?",
        (session_id,),
    )
    return {name: (status, source, minutes) for name, status, source, minutes in rows}


def import_state(database, session_id):
    """Everything an import may write for the session, to compare before and after."""
    return {
        "attendance": query(
            database,
            "SELECT participant_id, status, source, minutes, recorded_at FROM lms_attendance "
            "WHERE session_id = ? ORDER BY participant_id",
            (session_id,),
        ),
        "changes": query(
            database,
            "SELECT COUNT(*) FROM lms_attendancechange WHERE session_id = ?",
            (session_id,),
        ),
        "imports": query(
            database,
            "SELECT id, filename, sha256 FROM lms_attendanceimport WHERE session_id = ? "
            "ORDER BY id",
            (session_id,),
        ),
        "aliases": query(database, "SELECT alias, participant_id FROM lms_reportalias ORDER BY id"),
        "registrations": query(
            database,
            "SELECT r.participant_id, r.status FROM lms_registration r "
            "JOIN lms_session s ON s.workshop_id = r.workshop_id WHERE s.id = ? "
            "ORDER BY r.participant_id",
            (session_id,),
        ),
    }


def upload_report(page, path):
    page.get_by_role("link", name="Importar un reporte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importar un reporte")
    assert_fits(page)
    page.get_by_label("Reporte de asistencia").set_input_files(path)
    page.get_by_role("button", name="Subir y revisar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revisar el reporte")
    assert_fits(page)


def review_section(page, heading):
    return page.locator("section", has=page.get_by_role("heading", name=heading, exact=True))


def report_row(section, name):
    return section.locator("li.import-row").filter(
        has=section.page.locator("strong", has_text=re.compile(f"^{re.escape(name)}$"))
    )


# ---------------------------------------------------------------------------
# The journey.


def test_trainer_and_participant_run_a_workshop_on_phones(open_phone, demo_server, tmp_path):
    site, database = demo_server.url, demo_server.database
    trainer = open_phone()
    participant = open_phone()

    # 1. The trainer schedules the workshop and a weekly series whose first session is on.
    log_trainer_in(trainer, demo_server)
    assert_fits(trainer)
    trainer.get_by_role("link", name="Añadir taller").click()
    trainer.wait_for_url("**/admin/workshops/new/")
    assert_fits(trainer)
    trainer.locator("#id_title").fill(TITLE)
    trainer.locator("#id_slug").fill(SLUG)
    trainer.locator("#id_description").fill(
        "Cuatro sesiones semanales en línea para usar los datos de movilidad humana."
    )
    trainer.locator("#id_kind").select_option(label="Taller")
    trainer.locator("#id_mode").select_option(label="En línea")
    trainer.locator("#id_status").select_option(label="Publicado")
    trainer.locator("#id_meeting_link").fill(MEETING_LINK)
    trainer.locator("#id_capacity").fill(str(CAPACITY))
    trainer.locator("#id_trainers").select_option(label=TRAINER_NAME)
    trainer.get_by_role("button", name="Crear", exact=True).click()
    trainer.wait_for_url(site + "/admin/workshops/")
    assert_fits(trainer)
    ((workshop_id, status, capacity, link),) = query(
        database,
        "SELECT id, status, capacity, meeting_link FROM lms_workshop WHERE slug = ?",
        (SLUG,),
    )
    assert (status, capacity, link) == ("published", CAPACITY, MEETING_LINK)
    assert query(
        database,
        "SELECT u.email FROM lms_workshop_trainers t JOIN lms_user u ON u.id = t.user_id "
        "WHERE t.workshop_id = ?",
        (workshop_id,),
    ) == [(TRAINER_EMAIL,)]

    trainer.get_by_role("link", name=TITLE, exact=True).click()
    trainer.wait_for_url(f"**/admin/workshops/edit/{workshop_id}/")
    assert_fits(trainer)
    trainer.get_by_role("link", name="Agregar una serie de sesiones").click()
    trainer.wait_for_url(f"**/admin/workshops/{workshop_id}/serie/")
    assert_fits(trainer)
    start = first_start(datetime.now(UTC))
    trainer.get_by_label("Primera sesión").fill(start.date().isoformat())
    trainer.get_by_label("Empieza a las").fill(start.strftime("%H:%M"))
    trainer.get_by_label("Duración (minutos)").fill(str(LENGTH))
    trainer.get_by_label("Número de sesiones").fill(str(SESSIONS))
    trainer.get_by_label("Cada (días)").fill("7")
    trainer.get_by_role("button", name="Agregar las sesiones").click()
    trainer.wait_for_url(f"**/admin/workshops/edit/{workshop_id}/")
    expect(trainer.get_by_text(f"Se agregaron {SESSIONS} sesiones a «{TITLE}».")).to_be_visible()
    assert_fits(trainer)

    sessions = query(
        database,
        "SELECT id, starts_at, ends_at, uid, cancelled FROM lms_session "
        "WHERE workshop_id = ? ORDER BY starts_at",
        (workshop_id,),
    )
    starts = [stored_time(row[1]) for row in sessions]
    assert starts == [start + timedelta(days=7 * week) for week in range(SESSIONS)]
    assert [stored_time(row[2]) - stored_time(row[1]) for row in sessions] == [
        timedelta(minutes=LENGTH)
    ] * SESSIONS
    # Weekly at the same time of day in Guayaquil (which keeps UTC-05:00 all year).
    assert {moment.astimezone(GUAYAQUIL).strftime("%A %H:%M") for moment in starts} == {
        start.strftime("%A %H:%M")
    }
    assert not any(row[4] for row in sessions)
    session_id = sessions[0][0]
    uids = [str(uuid.UUID(row[3])) for row in sessions]

    # 2. The demo participant finds the workshop, logs in, registers and gets the invite.
    participant.goto(site + "/talleres/")
    assert_fits(participant)
    participant.get_by_role("link", name=TITLE).click()
    expect(participant.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert_fits(participant)
    participant.get_by_role("link", name="Inicie sesión para inscribirse").click()
    participant.get_by_label("Correo electrónico").fill(DEMO_PARTICIPANT_EMAIL)
    participant.get_by_label("Contraseña").fill(DEMO_PASSWORD)
    participant.locator("main").get_by_role("button", name="Ingresar").click()
    participant.wait_for_url(f"{site}/talleres/{SLUG}/")
    assert_fits(participant)
    expect(participant.get_by_text(f"Quedan {CAPACITY} cupos")).to_be_visible()
    participant.get_by_role("button", name="Inscribirme").click()
    expect(
        participant.get_by_text("Su inscripción está confirmada. Le enviamos un correo")
    ).to_be_visible()
    expect(participant.get_by_role("link", name=MEETING_LINK)).to_be_visible()
    assert_fits(participant)

    def invite_for_this_workshop():
        for message, part, text in calendar_invites(demo_server.mail, DEMO_PARTICIPANT_EMAIL):
            if f"UID:{uids[0]}@aula" in text:
                return message, part, text
        return None

    message, part, ics = wait_until(
        participant, invite_for_this_workshop, message="no invite reached the participant"
    )
    # Folded after "Subject:", the header reads back with a leading space.
    subject = str(message["Subject"]).strip()
    assert subject == f"Aula: Su cupo en «{TITLE}» está confirmado"
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == "invitacion.ics"
    assert ics.startswith("BEGIN:VCALENDAR")
    assert "METHOD:REQUEST" in ics
    assert "TZID:America/Guayaquil" in ics
    for uid, moment in zip(uids, starts, strict=True):
        assert f"UID:{uid}@aula" in ics
        local = moment.astimezone(GUAYAQUIL)
        assert f"DTSTART;TZID=America/Guayaquil:{local:%Y%m%dT%H%M%S}" in ics
    assert ics.count("BEGIN:VEVENT") == SESSIONS
    assert MEETING_LINK in ics  # she has a seat: the link is hers
    assert query(
        database,
        "SELECT r.status FROM lms_registration r JOIN lms_participant p ON p.id = r.participant_id "
        "WHERE r.workshop_id = ? AND p.full_name = ?",
        (workshop_id, PARTICIPANT_NAME),
    ) == [("confirmed",)]

    # 3. More people registered by the trainer; on the roster, one tap marks Jorge present.
    ids = run_on_server(demo_server, "register_others", SLUG)
    trainer.goto(site + "/capacitacion/")
    assert_fits(trainer)
    trainer.get_by_role("link", name=TITLE).click()
    expect(trainer.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert_fits(trainer)
    trainer.locator("li.attendance-session").first.get_by_role("link", name="Lista").click()
    trainer.wait_for_url(f"**/capacitacion/sesiones/{session_id}/asistencia/")
    expect(trainer.get_by_role("heading", level=1)).to_have_text("Lista")
    expect(trainer.locator("li.roster-row")).to_have_count(1 + len(helpers.OTHERS))
    assert_fits(trainer)
    jorge_row = trainer.get_by_role("group", name=JORGE)
    jorge_row.get_by_role("button", name="Presente").click()
    expect(jorge_row.get_by_role("button", name="Presente")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(trainer.locator('[data-count="present"]')).to_have_text("1")
    wait_until(
        trainer,
        lambda: (
            attendance(database, session_id).get(JORGE, (None, None))[:2] == ("present", "roster")
        ),
        message="the roster's tap was not recorded",
    )
    assert_fits(trainer)

    # 4. The trainer shows the check-in code; the participant enters it on her phone.
    trainer.get_by_role("link", name="Código de asistencia").click()
    expect(trainer.get_by_role("heading", level=1)).to_have_text("Código de asistencia")
    assert_fits(trainer)
    code = re.sub(r"\D", "", trainer.locator(".check-in-code__digits").inner_text())
    assert re.fullmatch(r"\d{6}", code), code
    assert query(database, "SELECT check_in_code FROM lms_session WHERE id = ?", (session_id,)) == [
        (code,)
    ]

    participant.goto(f"{site}/talleres/{SLUG}/")
    participant.get_by_role("link", name="Registrar asistencia con el código de la sesión").click()
    expect(participant.get_by_role("heading", level=1)).to_have_text("Registrar asistencia")
    assert_fits(participant)
    participant.get_by_label("Código de asistencia").fill(code)
    participant.get_by_role("button", name="Registrar asistencia").click()
    expect(
        participant.get_by_text(re.compile(r"^Su asistencia quedó registrada: (presente|tarde)\."))
    ).to_be_visible()
    assert_fits(participant)
    ((checked_status, checked_source, recorded_at),) = wait_until(
        participant,
        lambda: query(
            database,
            "SELECT a.status, a.source, a.recorded_at FROM lms_attendance a "
            "JOIN lms_participant p ON p.id = a.participant_id "
            "WHERE a.session_id = ? AND p.full_name = ?",
            (session_id, PARTICIPANT_NAME),
        ),
        message="the check-in was not recorded",
    )
    assert checked_source == "check_in"
    # Late only when checking in more than "late after" minutes after the start.
    assert checked_status == (
        "late" if stored_time(recorded_at) > start + LATE_AFTER else "present"
    )

    # 5. The trainer imports the Zoom report; Carlos joined from his phone under another name.
    reports = run_on_server(demo_server, "write_reports", SLUG, str(tmp_path))
    upload_report(trainer, reports["zoom"])
    found = review_section(trainer, "Encontradas (3)")
    not_found = review_section(trainer, "No encontradas (3)")
    for name in (PARTICIPANT_NAME, JORGE, MARIA):
        expect(report_row(found, name)).to_have_count(1)
    for name in ("Capacitación AME", helpers.PHONE_NAME, "Invitado"):
        expect(report_row(not_found, name)).to_have_count(1)
    phone_row = report_row(not_found, helpers.PHONE_NAME)
    phone_row.get_by_label("¿Quién es?").select_option(str(ids[CARLOS]))
    trainer.get_by_label("Recordar los nombres que elegí para los próximos reportes").check()
    trainer.get_by_role("button", name="Aplicar el reporte").click()
    trainer.wait_for_url(f"**/capacitacion/sesiones/{session_id}/asistencia/")
    expect(
        trainer.get_by_text(
            "Reporte aplicado. Nuevos: 2; actualizados: 2; sin cambios: 0; excluidos: 2."
        )
    ).to_be_visible()
    assert_fits(trainer)

    after_zoom = attendance(database, session_id)
    assert set(after_zoom) == {PARTICIPANT_NAME, JORGE, MARIA, CARLOS}
    assert {name: row[1] for name, row in after_zoom.items()} == dict.fromkeys(after_zoom, "import")
    assert after_zoom[PARTICIPANT_NAME][0] == checked_status  # statuses only improve
    assert after_zoom[JORGE][0] == "present"
    assert after_zoom[MARIA][0] == "present"
    assert after_zoom[CARLOS][0] == "late"  # joined 25 minutes after the start
    # The resolved name is remembered as Carlos (the row had no email to remember).
    assert query(
        database, "SELECT alias FROM lms_reportalias WHERE participant_id = ?", (ids[CARLOS],)
    ) == [(normalise_name(helpers.PHONE_NAME),)]
    # Each write is in the session's history, with its source.
    assert {
        row[0]
        for row in query(
            database, "SELECT source FROM lms_attendancechange WHERE session_id = ?", (session_id,)
        )
    } == {"roster", "check_in", "import"}

    # Then the Teams report: the remembered name now finds Carlos by itself.
    upload_report(trainer, reports["teams"])
    found = review_section(trainer, "Encontradas (3)")
    for name in (LUCIA, MARIA, helpers.PHONE_NAME):
        expect(report_row(found, name)).to_have_count(1)
    expect(report_row(found, helpers.PHONE_NAME).get_by_label("Participante")).to_have_value(
        str(ids[CARLOS])
    )
    expect(
        report_row(review_section(trainer, "No encontrada (1)"), "Capacitación AME")
    ).to_have_count(1)
    trainer.get_by_role("button", name="Aplicar el reporte").click()
    trainer.wait_for_url(f"**/capacitacion/sesiones/{session_id}/asistencia/")
    expect(
        trainer.get_by_text(
            "Reporte aplicado. Nuevos: 1; actualizados: 1; sin cambios: 1; excluidos: 1."
        )
    ).to_be_visible()

    after_teams = attendance(database, session_id)
    assert set(after_teams) == {PARTICIPANT_NAME, JORGE, MARIA, CARLOS, LUCIA}
    assert {row[1] for row in after_teams.values()} == {"import"}
    assert after_teams[LUCIA][0] == "present"
    assert after_teams[CARLOS][0] == "present"  # on time in the second report: it improves
    assert after_teams[MARIA] == after_zoom[MARIA]
    imports = query(
        database,
        "SELECT filename FROM lms_attendanceimport WHERE session_id = ? ORDER BY id",
        (session_id,),
    )
    assert imports == [(helpers.ZOOM_FILE,), (helpers.TEAMS_FILE,)]

    # The same Zoom file again: the review says so, and applying it changes nothing.
    before = import_state(database, session_id)
    upload_report(trainer, reports["zoom"])
    expect(trainer.get_by_text(re.compile(r"^Este reporte ya se aplicó el "))).to_be_visible()
    expect(
        report_row(review_section(trainer, "Encontradas (4)"), helpers.PHONE_NAME)
    ).to_have_count(1)
    trainer.get_by_role("button", name="Aplicar el reporte").click()
    trainer.wait_for_url(f"**/capacitacion/sesiones/{session_id}/asistencia/")
    expect(trainer.get_by_text("Este reporte ya se había aplicado: nada cambió.")).to_be_visible()
    assert import_state(database, session_id) == before
    trainer.get_by_role("link", name="Importar un reporte").click()
    applied = trainer.locator(
        "section", has=trainer.get_by_role("heading", name="Reportes ya aplicados a esta sesión")
    )
    expect(applied.get_by_role("listitem")).to_have_count(2)
    assert_fits(trainer)

    assert participant.csp_violations == []
    assert trainer.csp_violations == []
