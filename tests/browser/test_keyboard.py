"""An official who uses only the keyboard takes the first steps of the demo course.

From the home page: the skip link, back into the main menu with Shift+Tab, the course
catalogue, the demo course, the login form, enrolment, the first lesson (through its H5P
activity and out again) and the second, then the first quiz: one answer chosen with the
arrow keys, submitted with Enter. Only `page.keyboard` drives the pages. At every stop of
the Tab key the focused element must show a focus indicator (an outline or a ring) with a
contrast of at least 3:1 against what surrounds it (WCAG 2.2, 1.4.11 and 2.4.7).

The account is made beforehand in the demo server's environment (`make_account`): the
sign-up form, its email confirmation included, has its own journey in test_signup.py.
"""

import json
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from lms.demo import DEMO_PARTICIPANT_EMAIL, DEMO_PASSWORD
from tests.browser.conftest import ROOT
from tests.browser.test_workshops import log_in

pytestmark = pytest.mark.browser

MARKER = "KEYBOARD-ACCOUNT "
EMAIL = "teclado.planificacion@loja.gob.ec"
NAME = "Tamara Cueva Ordóñez"
COURSE_TITLE = "Movilidad humana en el PDOT: curso básico"
COURSE = "/cursos/movilidad-humana-en-el-pdot/"
LESSON_1 = COURSE + "por-que-importa/"
LESSON_2 = COURSE + "marco-normativo/"
QUIZ = COURSE + "evaluacion-conceptos/"
RIGHT_ANSWER = "Un ecuatoriano que vuelve a Catamayo tras diez años en España"
MAX_TABS = 80
ACTIVITY = "figure[data-h5p-activity]"

# What has the focus, whether it matches `selector`, and how well its indicator shows: the
# best contrast of its outline or ring colours against the first opaque background behind it.
FOCUS = """(selector) => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const style = getComputedStyle(el);
  const parse = (text) => {
    const m = text && text.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const luminance = ({ r, g, b }) => {
    const f = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const contrast = (x, y) => {
    const [hi, lo] = [luminance(x), luminance(y)].sort((p, q) => q - p);
    return (hi + 0.05) / (lo + 0.05);
  };
  let behind = { r: 255, g: 255, b: 255, a: 1 };
  for (let node = el.parentElement; node; node = node.parentElement) {
    const colour = parse(getComputedStyle(node).backgroundColor);
    if (colour && colour.a === 1) { behind = colour; break; }
  }
  const colours = [];
  if (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2) {
    colours.push(parse(style.outlineColor));
  }
  if (style.boxShadow !== "none") {
    for (const m of style.boxShadow.matchAll(/rgba?\\([^)]+\\)/g)) colours.push(parse(m[0]));
  }
  const shown = colours.filter((c) => c && c.a > 0);
  const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
  return {
    tag: el.tagName,
    id: el.id,
    text: (label || el.innerText || el.value || el.getAttribute("aria-label") || "").trim(),
    checked: !!el.checked,
    matches: !!selector && el.matches(selector),
    indicator: `outline: ${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}; box-shadow: ${style.boxShadow}`,
    contrast: shown.length ? Math.max(...shown.map((c) => contrast(c, behind))) : 0,
  };
}"""


def make_account() -> None:
    """A confirmed account with a participant profile, not enrolled in anything."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    from lms.models import GAD, Participant
    from lms.services.people import current_privacy_version, register_participant

    user, created = get_user_model().objects.get_or_create(email=EMAIL)
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    EmailAddress.objects.get_or_create(
        user=user, email=EMAIL, defaults={"verified": True, "primary": True}
    )
    if not Participant.objects.filter(user=user).exists():
        register_participant(
            user=user,
            full_name=NAME,
            gad=GAD.objects.get(code="1101"),  # GAD Municipal de Loja
            sex="female",
            position="Técnica de Planificación",
            consent_version=current_privacy_version(),
        )
    sys.stdout.write(MARKER + json.dumps({"email": EMAIL}) + "\n")


@pytest.fixture
def account(demo_server):
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from tests.browser.test_keyboard import make_account; make_account()",
        ],
        cwd=ROOT,
        env=demo_server.env,
        check=True,
        capture_output=True,
        text=True,
    )
    assert MARKER in done.stdout
    return EMAIL


@pytest.fixture
def laptop(browser):
    """A laptop screen: people who cannot use a pointer work with a keyboard at a desk."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="es-EC")
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
    yield page
    context.close()


def focused(page, selector=None):
    return page.evaluate(FOCUS, selector)


def assert_focus_shows(page, state):
    assert state["contrast"] >= 3, (
        f"{page.url}: the focus on {state['tag']} «{state['text'][:60]}» barely shows "
        f"({state['indicator']}; contrast {state['contrast']:.2f}:1)"
    )


def press_until(page, selector, *, text=None, key="Tab", limit=MAX_TABS):
    """Press `key` until the focus is on `selector` (whose text contains `text`).

    Every element the focus stops at on the way must show it. Returns the element's state,
    the number of presses and how many of them stopped inside a frame: there the page only
    sees the frame element (the H5P player's own document draws that focus).
    """
    frames = 0
    for presses in range(1, limit + 1):
        page.keyboard.press(key)
        state = focused(page, selector)
        if state is None:
            continue
        if state["tag"] == "IFRAME":
            frames += 1
        else:
            assert_focus_shows(page, state)
        if state["matches"] and (text is None or text in state["text"]):
            return {**state, "presses": presses, "frames": frames}
    pytest.fail(f"{page.url}: {limit} × {key} never reached {selector} «{text or ''}»")


def focus_in_activity(page):
    return page.evaluate("() => !!document.activeElement.closest('figure[data-h5p-activity]')")


def reach_the_activity(page):
    """Tab to the H5P activity and wait for it; the focus must still be on it then.

    Further down the page the activity loads when the focus brings its "open" button into
    view, and that button then makes way for the player.
    """
    press_until(page, f"{ACTIVITY} :is([data-h5p-open], [data-h5p-slot], iframe)")
    page.frame_locator(f"{ACTIVITY} iframe").get_by_role("radio").first.wait_for()
    assert focus_in_activity(page), f"{page.url}: the focus left the activity as it loaded"
    page.keyboard.press("Tab")
    # The player takes the focus from its "open" button as it loads; depending on when
    # it arrives, the next Tab enters the frame or passes it. Either way the frame must
    # be right there: a step or two back at most.
    for _ in range(3):
        if focused(page)["tag"] == "IFRAME":
            break
        page.keyboard.press("Shift+Tab")
    assert focused(page)["tag"] == "IFRAME", "the activity cannot be reached with Tab"


def activate(page, key, url_pattern):
    """Press Enter or Space on the focused element and wait for the page it opens."""
    with page.expect_navigation(url=url_pattern):
        page.keyboard.press(key)


def assert_skip_link_first(page):
    """On a new page, the first Tab reaches the skip link."""
    state = press_until(page, "a.skip-link", limit=1)
    assert state["text"] == "Saltar al contenido"


def test_keyboard_only_official_enrols_reads_and_answers_a_quiz(laptop, demo_server, account):
    page, site = laptop, demo_server.url
    page.goto(site + "/")

    # The skip link is the first stop and takes the focus to the content.
    assert_skip_link_first(page)
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"

    # Back into the main menu, just above the content: "Cursos" is two stops up.
    menu = press_until(page, ".main-nav a", text="Cursos", key="Shift+Tab", limit=4)
    assert menu["presses"] <= 2
    activate(page, "Enter", f"{site}/cursos/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cursos")

    # The catalogue, then the course.
    assert_skip_link_first(page)
    press_until(page, ".cards a", text=COURSE_TITLE)
    activate(page, "Enter", site + COURSE)
    expect(page.get_by_role("heading", level=1)).to_have_text(COURSE_TITLE)

    # Logging in from the course brings her back to it.
    press_until(page, ".enrolment-panel a.button", text="Ingresar")
    activate(page, "Enter", re.compile(r"/cuenta/login/\?next="))
    press_until(page, "#id_login")
    page.keyboard.type(account)
    press_until(page, "#id_password", limit=1)
    page.keyboard.type(DEMO_PASSWORD)
    activate(page, "Enter", site + COURSE)

    # Enrol with the space bar; the course then offers to start.
    press_until(page, ".enrolment-panel button", text="Inscribirme")
    activate(page, "Space", site + COURSE)
    expect(page.locator(".enrolment-panel progress")).to_have_count(1)
    press_until(page, ".enrolment-panel a.button", text="Empezar el curso")
    activate(page, "Enter", site + LESSON_1)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lección 1")

    # The first lesson: into its H5P activity and out of it again (no keyboard trap).
    reach_the_activity(page)
    press_until(page, ".lesson-footer button", text="Marcar como terminada")
    activate(page, "Enter", site + LESSON_2)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lección 2")

    # The second lesson, with the space bar; the quiz comes next.
    press_until(page, ".lesson-footer button", text="Marcar como terminada")
    activate(page, "Space", site + QUIZ)
    expect(page.get_by_role("heading", level=1)).to_have_text("Evaluación 1. Conceptos y normativa")

    press_until(page, ".quiz-take button", text="Empezar")
    activate(page, "Enter", "**/aprendizaje/cuestionario/*/")

    # The first question: Tab reaches its first option (options come in a shuffled order);
    # the arrow keys move through them, choosing each, and Space chooses the one focused.
    option = press_until(page, "input[type=radio]")
    assert not option["checked"]
    for _ in range(3):
        if option["text"] == RIGHT_ANSWER:
            break
        page.keyboard.press("ArrowDown")
        option = focused(page, "input[type=radio]")
        assert option["matches"] and option["checked"], "the arrow key did not choose an option"
        assert_focus_shows(page, option)
    assert option["text"] == RIGHT_ANSWER
    page.keyboard.press("Space")
    expect(page.get_by_label(RIGHT_ANSWER)).to_be_checked()

    # On to the submit button, past the other questions, and Enter.
    press_until(page, ".quiz-actions button", text="Enviar respuestas")
    activate(page, "Enter", "**/aprendizaje/cuestionario/*/resultado/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Resultado del intento 1")
    expect(page.locator(".quiz-score__verdict")).to_contain_text("No aprobado")
    # The answer given with the keyboard is the one recorded, and it was right.
    expect(page.locator(".quiz-review__question").first.get_by_role("heading")).to_contain_text(
        "Correcta"
    )
    assert_skip_link_first(page)
    assert page.csp_violations == []


def test_tabbing_to_an_activity_below_the_fold_keeps_the_focus_on_it(browser, demo_server):
    """On a phone the activity is far below the fold: Tab reaches its "open" button first."""
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="es-EC")
    try:
        page = context.new_page()
        log_in(page, demo_server.url, DEMO_PARTICIPANT_EMAIL, LESSON_1)
        page.wait_for_url(demo_server.url + LESSON_1)
        expect(page.locator(f"{ACTIVITY} iframe")).to_have_count(0)
        button = press_until(page, f"{ACTIVITY} :is([data-h5p-open], [data-h5p-slot])")
        assert button["frames"] == 0
        page.frame_locator(f"{ACTIVITY} iframe").get_by_role("radio").first.wait_for()
        assert focus_in_activity(page), "the focus fell to the page when the activity loaded"
        assert_focus_shows(page, focused(page))
        page.keyboard.press("Tab")
        assert focused(page)["tag"] == "IFRAME", "Tab skipped the activity"
        press_until(page, ".step-nav a")  # and out again
    finally:
        context.close()
