"""H5P activities on a phone: the demo activity counts, a hostile package gets nothing.

The player runs package code in a sandboxed frame (an opaque origin). These
tests play the demo activity as the demo participant, install a package that
tries to break out and forge a score, and open the package files directly.
"""

import json
import re
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT
from tests.browser.hostile_h5p import FORGED_SCORE, PROBE_KEY, SESSION_PROBE

pytestmark = pytest.mark.browser

EMAIL = "participante@aula.example.org"
PASSWORD = "aula-demo-2026"
COURSE = "/cursos/movilidad-humana-en-el-pdot/"
LESSON_1 = COURSE + "por-que-importa/"
LESSON_2 = COURSE + "marco-normativo/"
# A 390 × 844 phone (as Playwright's "iPhone 12"): the browser's bars leave 664 px for the page.
WIDTH, HEIGHT = 390, 664
FRAME = "iframe.h5p-activity__frame"
OPEN_BUTTON = re.compile(r"^(Abrir (la )?actividad|Open the activity)$")


@pytest.fixture
def page(browser):
    """A 390 × 844 phone whose console messages, from every frame, are kept."""
    context = browser.new_context(
        viewport={"width": WIDTH, "height": HEIGHT},
        screen={"width": WIDTH, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        locale="es-EC",
    )
    page = context.new_page()
    page.console_messages = []
    page.on("console", lambda message: page.console_messages.append(message.text))
    yield page
    context.close()


def log_in(page, site):
    page.goto(site + "/cuenta/login/")
    page.get_by_label("Correo electrónico").fill(EMAIL)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Ingresar").click()
    page.wait_for_url(lambda url: "/cuenta/login/" not in url)


def query(database, sql, params=()):
    with sqlite3.connect(database) as db:
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


PARTICIPANT_ROWS = (
    "SELECT {columns} FROM {table} r "
    "JOIN lms_participant p ON p.id = r.participant_id "
    "JOIN lms_user u ON u.id = p.user_id "
    "WHERE u.email = ? AND r.activity_id = ?"
)


def test_participant_plays_the_demo_activity_on_a_phone(page, demo_server):
    site = demo_server.url
    log_in(page, site)
    player_requests = []
    page.on("request", lambda request: player_requests.append(request.url))
    page.goto(site + LESSON_1)

    figure = page.locator("figure[data-h5p-activity]")
    expect(figure).to_have_count(1)
    activity_id = int(figure.get_attribute("data-h5p-activity"))
    frame_element = figure.locator(FRAME)
    # Loaded only when it comes near the screen (200 px ahead): further down, nothing yet.
    assert figure.bounding_box()["y"] > HEIGHT + 200, "the activity is not below the fold"
    expect(figure.get_by_role("button", name=OPEN_BUTTON)).to_be_visible()
    # Intersection observers report at the next rendering: two frames later they have.
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    expect(frame_element).to_have_count(0)
    assert not [url for url in player_requests if "/h5p/" in url]

    figure.scroll_into_view_if_needed()
    expect(frame_element).to_have_count(1)
    expect(figure.get_by_role("button", name=OPEN_BUTTON)).to_be_hidden()
    sandbox = frame_element.get_attribute("sandbox")
    assert sandbox is not None
    assert "allow-scripts" in sandbox.split()
    assert "allow-same-origin" not in sandbox.split()

    frame = figure.frame_locator(FRAME)
    frame.get_by_label("Retorno").check()
    frame.get_by_role("button", name="Comprobar").click()
    expect(frame.get_by_text("Correcto", exact=True)).to_be_visible()
    # "Your best result: 1 of 1. Passed." in whichever language.
    expect(figure.locator("[data-h5p-status]")).to_have_text(re.compile(r"\b1\b\D+\b1\b"))

    results = wait_until(
        page,
        lambda: query(
            demo_server.database,
            PARTICIPANT_ROWS.format(
                columns="r.raw_score, r.max_score, r.passed, r.completed", table="lms_h5presult"
            ),
            (EMAIL, activity_id),
        ),
        message="no H5P result was stored",
    )
    assert results == [(1, 1, 1, 1)]
    statements = query(
        demo_server.database,
        PARTICIPANT_ROWS.format(
            columns="r.verb, r.raw_score, r.max_score, r.success", table="lms_h5pstatement"
        ),
        (EMAIL, activity_id),
    )
    assert ("answered", 1, 1, 1) in statements
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    assert [text for text in page.console_messages if "Content Security Policy" in text] == []


@pytest.fixture(scope="module")
def hostile(demo_server):
    """The hostile activity, at the end of lesson 2 of the demo course."""
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from tests.browser.hostile_h5p import install; install()",
        ],
        cwd=ROOT,
        env=demo_server.env,
        check=True,
        capture_output=True,
        text=True,
    )
    line = next(line for line in done.stdout.splitlines() if line.startswith("HOSTILE-INSTALLED "))
    return json.loads(line.split(" ", 1)[1])


def hostile_findings(page):
    for text in page.console_messages:
        if text.startswith("HOSTILE "):
            return json.loads(text.split(" ", 1)[1])
    return None


def test_a_hostile_package_gets_nothing_and_its_forged_score_is_refused(page, demo_server, hostile):
    site = demo_server.url
    results_path = (
        f"/aprendizaje/cursos/{hostile['course']}/pasos/{hostile['step']}"
        f"/h5p/{hostile['activity']}/resultados/"
    )
    sent = []  # the results requests and where they came from
    probes = []  # the package's requests for a signed-in page
    page.on(
        "response",
        lambda response: (
            sent.append((response, response.frame == page.main_frame))
            if response.url.endswith(results_path)
            else probes.append(response)
            if response.url.endswith(SESSION_PROBE)
            else None
        ),
    )
    log_in(page, site)
    # The site's own storage holds something the package must not see.
    page.evaluate("key => localStorage.setItem(key, 'secreto')", PROBE_KEY)

    page.goto(site + LESSON_2)
    figure = page.locator(f'figure[data-h5p-activity="{hostile["activity"]}"]')
    with page.expect_console_message(
        lambda message: message.text.startswith("HOSTILE "), timeout=30_000
    ):
        figure.scroll_into_view_if_needed()
    findings = hostile_findings(page)
    expect(figure.locator(FRAME)).to_have_attribute("sandbox", re.compile("allow-scripts"))
    assert "allow-same-origin" not in figure.locator(FRAME).get_attribute("sandbox")

    assert findings["origin"] == "null"
    cookie = findings["cookie"]
    assert (not cookie["ok"] and cookie["error"] == "SecurityError") or cookie["value"] == ""
    for name in ("topBody", "parentDocument", "csrfParent", "playersParent", "topLocalStorage"):
        assert findings[name]["ok"] is False, (name, findings[name])
        assert findings[name]["error"] == "SecurityError", (name, findings[name])
    assert findings["csrfOwn"] == {"ok": True, "value": None}
    for name in ("localStorage", "sessionStorage"):
        storage = findings[name]
        assert storage["ok"], (name, storage)
        assert storage["value"]["isRealStorage"] is False
        assert storage["value"]["probe"] is None
        assert not any(key.startswith("aula-h5p-queue:") for key in storage["value"]["keys"])
    # Straight to the server: refused by the browser (CORS) or by the server, never stored.
    fetch_json = findings["fetchJson"]
    assert not fetch_json["ok"] or fetch_json["status"] != 200, fetch_json
    assert findings["fetchForm"]["ok"] is False or findings["fetchForm"]["status"] in (0, 403)
    assert findings["dispatcher"] == {"ok": True, "value": "triggered"}
    assert findings["postMessage"] == {"ok": True, "value": "posted"}

    # Through the lesson page, the two forged statements reach the server, which refuses them.
    def rejected():
        total = 0
        for response, from_lesson in sent:
            if from_lesson and response.status in (200, 400):
                total += response.json().get("rejected", 0)
        return total >= 2

    wait_until(page, rejected, message="the forged statements were not sent and refused")
    expect(figure.locator("[data-h5p-status]")).not_to_contain_text(str(FORGED_SCORE))
    from_lesson = [response for response, lesson in sent if lesson]
    assert all(response.status == 400 for response in from_lesson)
    # The package's own form POST reached the server, which turned it away (no CSRF token).
    from_package = [response.status for response, lesson in sent if not lesson]
    assert from_package and all(status == 403 for status in from_package), from_package
    # And it came without the session: a signed-in page sends it to the login form.
    assert [response.status for response in probes] == [302]
    assert "/cuenta/login/" in probes[0].headers["location"]

    for table in ("lms_h5presult", "lms_h5pstatement"):
        forged = query(
            demo_server.database,
            f"SELECT id FROM {table} WHERE raw_score >= ? OR max_score >= ?",  # noqa: S608
            (FORGED_SCORE, FORGED_SCORE),
        )
        assert forged == [], table
        assert (
            query(
                demo_server.database,
                f"SELECT id FROM {table} WHERE activity_id = ?",  # noqa: S608
                (hostile["activity"],),
            )
            == []
        ), table
    assert query(
        demo_server.database,
        "SELECT max_score FROM courses_h5pactivity WHERE id = ?",
        (hostile["activity"],),
    ) == [(1,)]


def test_h5p_files_carry_the_sandbox_policy_even_when_opened_directly(page, demo_server):
    site = demo_server.url
    log_in(page, site)
    page.goto(site + LESSON_1)
    players = json.loads(page.locator("#h5p-players").text_content())
    (player,) = [activity["player"] for activity in players["activities"].values()]
    assert player.startswith(site + "/h5p/")
    script = player + "archivos/Aula.Question-1.0/question.js"

    for url, content_type in (
        (player, "text/html"),
        (player + "archivos/h5p.json", "application/json"),
        (script, "text/javascript"),
    ):
        with urllib.request.urlopen(url, timeout=10) as response:
            headers = response.headers
        policy = headers["Content-Security-Policy"]
        assert policy.startswith("sandbox"), (url, policy)
        sandbox = policy.split(";", 1)[0].split()
        assert "allow-scripts" in sandbox
        assert "allow-same-origin" not in sandbox
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Content-Type"].startswith(content_type), (url, headers["Content-Type"])

    # A package file opened as a page of its own still runs in an opaque origin.
    page.goto(script)
    assert page.evaluate("() => self.origin") == "null"
    cookie = page.evaluate(
        "() => { try { return document.cookie } catch (e) { return 'blocked' } }"
    )
    assert cookie in ("", "blocked")
