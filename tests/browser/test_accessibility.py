"""axe-core in Chromium on the pages people use most, at a phone's width and at a desk.

Each page must have no violation that axe-core rates serious or critical: its WCAG 2.x A/AA
and best-practice rules, plus WCAG 2.2's 24 px target size, which axe leaves off by default
and officials tapping on phones need. Moderate and minor findings are reported as warnings
(`AccessibilityNotice`) without failing. The H5P player's frame is its own document, so it is
checked on its own. The public site must also load without a Content Security Policy
complaint in the console.

Participant pages use the demo participant, who submits an empty attempt of the first quiz
on each screen to show its result page. The check-in page needs a session under way, so
`prepare` (run in the demo server's environment) adds a small workshop whose only session
started ten minutes ago, with her registered. Trainers and managers log in once per module,
second factor included, and both screens reuse the cookies.
"""

import json
import subprocess
import sys
import warnings

import pytest
from axe_playwright_python.sync_playwright import Axe

from lms.demo import DEMO_PARTICIPANT_EMAIL
from tests.browser.conftest import ROOT
from tests.browser.test_workshops import log_in, second_factor_code

pytestmark = pytest.mark.browser

MARKER = "A11Y-SCENE "
TRAINER_EMAIL = "capacitador@aula.example.org"
MANAGER_EMAIL = "gestora@aula.example.org"
OPEN_WORKSHOP = "accesibilidad-sesion-en-curso"

COURSE = "/cursos/movilidad-humana-en-el-pdot/"
LESSON_WITH_H5P = COURSE + "por-que-importa/"
QUIZ = COURSE + "evaluacion-conceptos/"
TOOLKIT_PAGE = "/caja-de-herramientas/diagnostico-movilidad-humana-en-el-territorio/"
WORKSHOP = "/talleres/taller-nacional-movilidad-pdot/"

SCREENS = {
    "phone": {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2},
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}
FAILING = {"serious", "critical"}
# The top document is checked without its frames: they are checked one by one below.
PAGE_OPTIONS = {
    "resultTypes": ["violations"],
    "iframes": False,
    "rules": {"target-size": {"enabled": True}},
}
# An H5P activity is a part of the lesson: the page-level rules belong to the lesson page.
FRAME_OPTIONS = {
    "resultTypes": ["violations"],
    "rules": {
        "target-size": {"enabled": True},
        "landmark-one-main": {"enabled": False},
        "page-has-heading-one": {"enabled": False},
        "region": {"enabled": False},
    },
}

AXE = Axe()


class AccessibilityNotice(UserWarning):
    """A moderate or minor axe-core finding: reported, not failing."""


# ---------------------------------------------------------------------------
# Run in the demo server's environment (see `scene`).


def prepare() -> None:
    """A session under way with the demo participant registered; prints what the tests visit."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from lms.demo_workshops import WORKSHOP_SLUG
    from lms.models import Certificate, Participant, Session, Workshop
    from lms.services.workshops import register

    trainer = get_user_model().objects.get(email=TRAINER_EMAIL)
    workshop, created = Workshop.objects.get_or_create(
        slug=OPEN_WORKSHOP,
        defaults={
            "title": "Accesibilidad: sesión en curso",
            "description": "Una sesión en línea que empezó hace diez minutos.",
            "status": Workshop.Status.PUBLISHED,
            "meeting_link": "https://zoom.us/j/84599988877",
            "capacity": 20,
        },
    )
    if created:
        workshop.trainers.set([trainer])
        workshop.save()  # a parental many-to-many is written on save
        now = timezone.now()
        Session.objects.create(
            workshop=workshop,
            title="Sesión única",
            starts_at=now - timedelta(minutes=10),
            ends_at=now + timedelta(minutes=110),
        )
    me = Participant.objects.get(user__email=DEMO_PARTICIPANT_EMAIL)
    register(workshop=workshop, participant=me, added_by=trainer)
    national = Workshop.objects.get(slug=WORKSHOP_SLUG)
    certificate = Certificate.objects.filter(revoked_at__isnull=True).order_by("pk").first()
    scene = {
        "certificate": certificate.code,
        "workshop": national.pk,
        "roster": national.sessions.order_by("starts_at").first().pk,
        "open_session": workshop.sessions.get().pk,
    }
    sys.stdout.write(MARKER + json.dumps(scene) + "\n")


# ---------------------------------------------------------------------------
# Fixtures and helpers.


@pytest.fixture(scope="module")
def scene(demo_server):
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from tests.browser.test_accessibility import prepare; prepare()",
        ],
        cwd=ROOT,
        env=demo_server.env,
        check=True,
        capture_output=True,
        text=True,
    )
    line = next(line for line in done.stdout.splitlines() if line.startswith(MARKER))
    return json.loads(line.removeprefix(MARKER))


def _logged_in_state(browser, sign_in):
    """Cookies of one login, shared by the phone and the desktop (a second factor is slow)."""
    context = browser.new_context(locale="es-EC")
    page = context.new_page()
    sign_in(page)
    state = context.storage_state()
    context.close()
    return state


def _staff_sign_in(demo_server, email, next_url):
    def sign_in(page):
        log_in(page, demo_server.url, email, f"/cuenta/dos-pasos/?next={next_url}")
        page.wait_for_url("**/cuenta/dos-pasos/**")
        code = second_factor_code(page, demo_server.database, email)
        page.get_by_label("Código de 6 dígitos de su aplicación").fill(code)
        page.get_by_role("button", name="Confirmar", exact=True).click()
        page.wait_for_url(demo_server.url + next_url)

    return sign_in


@pytest.fixture(scope="module")
def participant_state(browser, demo_server):
    return _logged_in_state(
        browser, lambda page: log_in(page, demo_server.url, DEMO_PARTICIPANT_EMAIL, "/aprendizaje/")
    )


@pytest.fixture(scope="module")
def trainer_state(browser, demo_server):
    return _logged_in_state(browser, _staff_sign_in(demo_server, TRAINER_EMAIL, "/capacitacion/"))


@pytest.fixture
def open_screen(browser):
    """Opens a page of the given screen size; its CSP complaints are kept."""
    contexts = []

    def open_one(screen, storage_state=None):
        context = browser.new_context(
            **SCREENS[screen], locale="es-EC", storage_state=storage_state
        )
        contexts.append(context)
        page = context.new_page()
        page.csp_violations = []
        page.on(
            "console",
            lambda message: (
                page.csp_violations.append(f"{page.url}: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )
        return page

    yield open_one
    for context in contexts:
        context.close()


def _describe(where, violation):
    targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
    more = len(violation["nodes"]) - 5
    return (
        f"{where}: {violation['id']} ({violation['impact']}) {violation['help']} "
        f"[{targets}{f'; and {more} more' if more > 0 else ''}]"
    )


def audit(page, where, *, known=()):
    """axe-core's serious and critical violations on the page and in each of its frames.

    Moderate and minor ones are reported as warnings; so are those in `known`, pairs of a
    rule and a CSS selector, for violations in files this suite does not own.
    """
    found = [(where, AXE.run(page, options=PAGE_OPTIONS).response["violations"])]
    for frame in page.frames[1:]:
        frame.evaluate(AXE.axe_script)
        violations = frame.evaluate(
            f"axe.run(document, {json.dumps(FRAME_OPTIONS)}).then(r => r.violations)"
        )
        found.append((f"{where} (frame {frame.url.split('?')[0]})", violations))
    failures = []
    # WCAG 1.4.10 (reflow), which axe does not check: nothing scrolls sideways on a phone.
    width, screen_width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    if screen_width < 400 and width > screen_width:
        failures.append(
            f"{where}: reflow, the page is {width} px wide on a {screen_width} px screen"
        )
    for place, violations in found:
        for violation in violations:
            line = _describe(place, violation)
            is_known = any(
                violation["id"] == rule
                and all(selector in node["target"][-1] for node in violation["nodes"])
                for rule, selector in known
            )
            if violation["impact"] in FAILING and not is_known:
                failures.append(line)
            else:
                warnings.warn(AccessibilityNotice(line), stacklevel=2)
    return failures


def visit(page, site, path):
    response = page.goto(site + path)
    assert response.ok, f"{path} answered {response.status}"
    return page


def show_the_h5p_activity(page):
    """The player loads when the activity comes near the screen; wait for its question."""
    figure = page.locator("figure[data-h5p-activity]")
    figure.scroll_into_view_if_needed()
    page.frame_locator("iframe.h5p-activity__frame").get_by_role("radio").first.wait_for()


def failures_report(failures):
    return "serious or critical accessibility violations:\n" + "\n".join(failures)


# ---------------------------------------------------------------------------
# The pages.


@pytest.mark.parametrize("screen", SCREENS)
def test_public_pages_have_no_serious_violation_nor_csp_complaint(
    open_screen, demo_server, scene, screen
):
    site = demo_server.url
    page = open_screen(screen)
    failures = []
    for name, path in (
        ("home", "/"),
        ("toolkit page", TOOLKIT_PAGE),
        ("course", COURSE),
        ("workshop", WORKSHOP),
        ("sign-up", "/cuenta/signup/"),
        ("certificate verification", f"/verificar/{scene['certificate']}/"),
    ):
        visit(page, site, path)
        failures += audit(page, f"{screen} {name} {path}")

    # The sign-up form as people meet it: its errors shown, the GAD list open.
    visit(page, site, "/cuenta/signup/")
    page.get_by_role("button", name="Crear cuenta").click()
    page.get_by_label("Su GAD").press_sequentially("pederna", delay=30)
    page.get_by_role("option", name="GAD Municipal de Pedernales (Manabí)").wait_for()
    failures += audit(page, f"{screen} sign-up with errors and the GAD list open")

    assert not failures, failures_report(failures)
    assert page.csp_violations == []


@pytest.mark.parametrize("screen", SCREENS)
def test_participant_pages_have_no_serious_violation_nor_csp_complaint(
    open_screen, demo_server, scene, participant_state, screen
):
    site = demo_server.url
    page = open_screen(screen, participant_state)
    failures = []

    visit(page, site, COURSE)
    assert page.get_by_role("progressbar").count() == 1, "the demo participant is not enrolled"
    failures += audit(page, f"{screen} course, enrolled {COURSE}")
    # Downloading it for offline reading: the size shown, the choice to go on.
    panel = page.locator("[data-offline-download]")
    panel.get_by_role("button", name="Descargar para leer sin conexión").click()
    panel.get_by_role("button", name="Descargar", exact=True).wait_for()
    failures += audit(page, f"{screen} course download, its size shown")
    visit(page, site, "/sin-conexion/")
    failures += audit(page, f"{screen} offline page /sin-conexion/")

    visit(page, site, LESSON_WITH_H5P)
    show_the_h5p_activity(page)
    failures += audit(page, f"{screen} lesson with H5P {LESSON_WITH_H5P}")

    # A new attempt (the first, or a new try after the other screen's).
    visit(page, site, QUIZ)
    page.locator(".quiz-take form").get_by_role("button").click()
    page.wait_for_url("**/aprendizaje/cuestionario/*/")
    failures += audit(page, f"{screen} quiz attempt {page.url.removeprefix(site)}")
    # Submitted unanswered: the result, with the review of every answer.
    page.get_by_role("button", name="Enviar respuestas").click()
    page.wait_for_url("**/aprendizaje/cuestionario/*/resultado/")
    failures += audit(page, f"{screen} quiz result {page.url.removeprefix(site)}")

    check_in = f"/talleres/{OPEN_WORKSHOP}/asistencia/"
    visit(page, site, check_in)
    assert page.get_by_label("Código de asistencia").is_visible(), "no session open for check-in"
    failures += audit(page, f"{screen} check-in {check_in}")

    visit(page, site, "/aprendizaje/")
    failures += audit(page, f"{screen} Mi aprendizaje /aprendizaje/")

    assert not failures, failures_report(failures)
    assert page.csp_violations == []


@pytest.mark.parametrize("screen", SCREENS)
def test_trainer_pages_have_no_serious_violation_nor_csp_complaint(
    open_screen, demo_server, scene, trainer_state, screen
):
    site = demo_server.url
    page = open_screen(screen, trainer_state)
    failures = []
    for name, path in (
        ("trainer's workshops", "/capacitacion/"),
        ("workshop attendance", f"/capacitacion/talleres/{scene['workshop']}/"),
        ("roster", f"/capacitacion/sesiones/{scene['roster']}/asistencia/"),
        ("check-in code", f"/capacitacion/sesiones/{scene['open_session']}/codigo/"),
    ):
        visit(page, site, path)
        failures += audit(page, f"{screen} {name} {path}")
    assert not failures, failures_report(failures)
    assert page.csp_violations == []


def test_reports_dashboard_has_no_serious_violation(browser, demo_server):
    context = browser.new_context(**SCREENS["desktop"], locale="es-EC")
    try:
        page = context.new_page()
        _staff_sign_in(demo_server, MANAGER_EMAIL, "/admin/informes/")(page)
        failures = audit(page, "desktop reports dashboard /admin/informes/")
    finally:
        context.close()
    assert not failures, failures_report(failures)
