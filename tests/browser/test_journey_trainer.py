"""A trainer's whole journey, from scheduling a workshop to its participants' certificates.

test_workshops.py already runs the first part on phones: the trainer schedules a weekly
series of four sessions in the admin, the demo participant registers, the trainer takes
attendance on the roster and shows the check-in code, and imports a Zoom and a Teams
report. This journey runs that part as it is, then goes on to the end: the trainer takes
attendance at sessions 2 and 3 on their rosters (Jorge misses the third), sees who reached
the threshold on the workshop's overview, issues the workshop's certificates in the admin,
and the demo participant finds hers, with its PDF, in "Mi aprendizaje".

The journey runs against its own copy of the demo server: the first part remembers how a
participant's phone appears in video-call reports, and test_workshops.py expects to meet
that name for the first time on the shared server.
"""

import io
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.request
from contextlib import closing
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser import test_workshops as workshop_journey
from tests.browser import workshop_helpers as helpers
from tests.browser.conftest import ROOT, _free_port
from tests.browser.test_workshops import assert_fits, query

pytestmark = pytest.mark.browser

TITLE = workshop_journey.TITLE
SLUG = workshop_journey.SLUG
PARTICIPANT_NAME = workshop_journey.PARTICIPANT_NAME
JORGE, MARIA, CARLOS, LUCIA = helpers.OTHERS
REGISTRANTS = (PARTICIPANT_NAME, *helpers.OTHERS)


class OverviewOverflowsError(AssertionError):
    """The workshop's attendance overview is wider than the phone.

    Seen when the attendance table is wider than the screen and its column headers' visually
    hidden text ("Sesión del", absolutely positioned) escapes a `.table-scroll` that is not
    itself positioned: the text stretches the page instead of scrolling with the table.
    """


@pytest.fixture
def workshop_server(demo_server, tmp_path_factory):
    """A second demo server on a copy of the shared one's database and media."""
    workdir = tmp_path_factory.mktemp("workshop-journey")
    database = workdir / "demo.sqlite3"
    # The backup API copies a consistent snapshot while the shared server keeps running.
    with (
        closing(sqlite3.connect(demo_server.database)) as source,
        closing(sqlite3.connect(database)) as copy,
    ):
        source.backup(copy)
    media = workdir / "media"
    shutil.copytree(demo_server.env["MEDIA_ROOT"], media, dirs_exist_ok=True)
    env = {
        **demo_server.env,
        "DATABASE_URL": f"sqlite:///{database}",
        "MEDIA_ROOT": str(media),
        "EMAIL_FILE_PATH": str(workdir / "mail"),
    }
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the copy of the demo server did not start")
        yield SimpleNamespace(url=url, database=database, mail=workdir / "mail", env=env)
    finally:
        server.terminate()
        server.wait(timeout=10)


# The workshop journey's phone fixture, for this module's tests.
open_phone = workshop_journey.open_phone


class SettledPage:
    """A page whose `evaluate` waits until the page has loaded.

    The workshop journey measures a page's width as soon as its heading shows. On a busy
    machine the stylesheet may not apply yet at that moment, and an unstyled page is wider
    than a phone: measuring once the page has loaded keeps the check about the layout.
    """

    def __init__(self, page):
        self._page = page

    def __getattr__(self, name):
        return getattr(self._page, name)

    def evaluate(self, *args, **kwargs):
        self._page.wait_for_load_state()
        return self._page.evaluate(*args, **kwargs)


@pytest.fixture
def phones(open_phone):
    """The workshop journey's phones, kept so that this journey can go on with them."""
    opened = []

    def open_one():
        page = SettledPage(open_phone())
        opened.append(page)
        return page

    open_one.opened = opened
    return open_one


def attended_sessions(database, workshop_id):
    """{participant's name: sessions attended (present or late)} for the workshop."""
    rows = query(
        database,
        "SELECT p.full_name, COUNT(*) FROM lms_attendance a "
        "JOIN lms_participant p ON p.id = a.participant_id "
        "JOIN lms_session s ON s.id = a.session_id "
        "WHERE s.workshop_id = ? AND a.status IN ('present', 'late') GROUP BY p.full_name",
        (workshop_id,),
    )
    return dict(rows)


def take_attendance(trainer, site, workshop_id, position, session_id):
    """On the workshop's overview, open a session's roster and mark everyone present."""
    trainer.goto(f"{site}/capacitacion/talleres/{workshop_id}/")
    trainer.locator("li.attendance-session").nth(position).get_by_role("link", name="Lista").click()
    trainer.wait_for_url(f"**/capacitacion/sesiones/{session_id}/asistencia/")
    expect(trainer.get_by_role("heading", level=1)).to_have_text("Lista")
    assert_fits(trainer)
    trainer.get_by_role(
        "button", name=f"Marcar presentes a las {len(REGISTRANTS)} personas sin estado"
    ).click()
    trainer.wait_for_url(f"**/capacitacion/sesiones/{session_id}/asistencia/")
    expect(trainer.locator('[data-count="present"]')).to_have_text(str(len(REGISTRANTS)))


def test_trainer_runs_a_workshop_through_to_its_certificates(phones, workshop_server, tmp_path):
    site, database = workshop_server.url, workshop_server.database

    # 1-5. Scheduling, registration, roster and check-in, and both reports (test_workshops.py).
    workshop_journey.test_trainer_and_participant_run_a_workshop_on_phones(
        phones, workshop_server, tmp_path
    )
    trainer, participant = phones.opened
    ((workshop_id,),) = query(database, "SELECT id FROM lms_workshop WHERE slug = ?", (SLUG,))
    sessions = [
        row[0]
        for row in query(
            database,
            "SELECT id FROM lms_session WHERE workshop_id = ? ORDER BY starts_at",
            (workshop_id,),
        )
    ]
    assert attended_sessions(database, workshop_id) == dict.fromkeys(REGISTRANTS, 1)

    # 6. Weeks later, sessions 2 and 3 on their rosters: everyone came; Jorge missed the third.
    take_attendance(trainer, site, workshop_id, 1, sessions[1])
    take_attendance(trainer, site, workshop_id, 2, sessions[2])
    jorge = trainer.get_by_role("group", name=JORGE)
    jorge.get_by_role("button", name="Ausente").click()
    expect(jorge.get_by_role("button", name="Ausente")).to_have_attribute("aria-pressed", "true")
    expect(trainer.locator('[data-count="absent"]')).to_have_text("1")
    workshop_journey.wait_until(
        trainer,
        lambda: attended_sessions(database, workshop_id).get(JORGE) == 2,
        message="Jorge's absence was not recorded",
    )

    # 7. The overview: three of the four sessions reach the 75 % threshold; Jorge has two.
    trainer.goto(f"{site}/capacitacion/talleres/{workshop_id}/")
    expect(trainer.get_by_text("4 de 5 personas alcanzaron el umbral.")).to_be_visible()
    for name in REGISTRANTS:
        row = trainer.get_by_role("row", name=re.compile(f"^{re.escape(name)}"))
        expect(row).to_contain_text("Aún no" if name == JORGE else "Alcanzado")

    # 8. The workshop's certificates, issued in the admin in one action.
    trainer.get_by_role("link", name="Emitir los certificados del taller").click()
    trainer.wait_for_url(f"**/admin/certificados/emitir-taller/?workshop={workshop_id}")
    expect(trainer.get_by_role("heading", level=1)).to_contain_text(
        "Emitir los certificados de un taller"
    )
    expect(trainer.get_by_label("Taller")).to_have_value(str(workshop_id))
    trainer.get_by_role("button", name="Emitir los certificados").click()
    trainer.wait_for_url("**/admin/certificados/")
    expect(
        trainer.get_by_text(
            f"«{TITLE}»: 4 certificados emitidos; 0 personas ya tenían uno; "
            "1 persona no alcanzó el umbral de asistencia."
        )
    ).to_be_visible()
    issued = dict(
        query(
            database,
            "SELECT p.full_name, c.pdf_status FROM lms_certificate c "
            "JOIN lms_participant p ON p.id = c.participant_id "
            "WHERE c.workshop_id = ? AND c.revoked_at IS NULL",
            (workshop_id,),
        )
    )
    assert issued == dict.fromkeys((PARTICIPANT_NAME, MARIA, CARLOS, LUCIA), "ready")

    # 9. The demo participant has hers in "Mi aprendizaje", ready to download.
    participant.goto(site + "/aprendizaje/")
    certificates = participant.locator(
        "section", has=participant.get_by_role("heading", name="Certificados")
    )
    mine = certificates.locator("li.learning-item", has_text=TITLE)
    expect(mine).to_contain_text("Participación en taller")
    assert_fits(participant)
    pdf = participant.context.request.get(
        site + mine.get_by_role("link", name="Descargar el PDF").get_attribute("href")
    )
    assert pdf.ok
    assert pdf.headers["content-type"] == "application/pdf"
    text = " ".join(PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text().split())
    assert PARTICIPANT_NAME in text
    assert TITLE in text
    assert trainer.csp_violations == []
    assert participant.csp_violations == []

    # 10. Back on the overview, the trainer reads everyone's attendance on his phone.
    trainer.goto(f"{site}/capacitacion/talleres/{workshop_id}/")
    expect(trainer.get_by_text("4 de 5 personas alcanzaron el umbral.")).to_be_visible()
    try:
        assert_fits(trainer)
    except AssertionError as error:
        raise OverviewOverflowsError(str(error)) from None
