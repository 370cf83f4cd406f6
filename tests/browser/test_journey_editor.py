"""A content editor changes a quiz and a toolkit module in the admin; people see it at once.

The demo editor logs in with the second factor, rewrites a question of the demo course's
first quiz and publishes it: the demo participant, starting a new attempt on her phone, is
asked the new question. Then the editor rewrites the opening paragraph of a toolkit module
and publishes it: an anonymous visitor, whose copy of the page was being served from the
shared page cache, gets the new text on the next visit, as publishing drops that cache.
"""

import re
import sqlite3
from contextlib import closing

import pytest
from playwright.sync_api import expect

from lms.demo import DEMO_PARTICIPANT_EMAIL
from tests.browser.test_workshops import log_in, second_factor_code

pytestmark = pytest.mark.browser

EDITOR_EMAIL = "editora@aula.example.org"

QUIZ_PATH = "/cursos/movilidad-humana-en-el-pdot/evaluacion-conceptos/"
QUIZ_TITLE = "Evaluación 1. Conceptos y normativa"
OLD_QUESTION = (
    "Según la Constitución, una persona puede ser considerada ilegal por su condición migratoria."
)
# The same question, made more precise: its answer ("Falso") does not change, so other
# journeys on the same demo server still pass the quiz.
NEW_QUESTION = (
    "Según la Constitución de 2008, una persona puede ser considerada ilegal por su "
    "condición migratoria."
)

MODULE_PATH = "/caja-de-herramientas/modelo-de-gestion/"
MODULE_TITLE = "Módulo 5. Modelo de gestión: articulación, seguimiento y financiamiento"
OLD_PARAGRAPH = "El modelo de gestión define las estrategias de articulación"
NEW_PARAGRAPH = (
    "El modelo de gestión dice quién coordina cada proyecto con el Consejo Cantonal de "
    "Protección de Derechos, con qué recursos y cómo se informa a la ciudadanía del avance."
)


class StreamFieldNotLoadedError(AssertionError):
    """The admin could not build a StreamField's editor, so the field cannot be edited."""


@pytest.fixture
def desk(browser):
    """A laptop screen: editors write at a desk."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-EC")
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: (
            page.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    yield page
    context.close()


@pytest.fixture
def open_context(browser):
    """Opens browser contexts (each with its own cookies), closed after the test."""
    contexts = []

    def open_one(**options):
        context = browser.new_context(locale="es-EC", **options)
        contexts.append(context)
        return context.new_page()

    yield open_one
    for context in contexts:
        context.close()


def page_id(database, url_path):
    with closing(sqlite3.connect(database)) as db:
        ((found,),) = db.execute(
            "SELECT id FROM wagtailcore_page WHERE url_path = ?", ("/inicio" + url_path,)
        ).fetchall()
    return found


def log_editor_in(page, demo_server):
    """Password, then the authenticator code, as staff always do."""
    site = demo_server.url
    log_in(page, site, EDITOR_EMAIL, "/cuenta/dos-pasos/?next=/admin/")
    page.wait_for_url("**/cuenta/dos-pasos/**")
    code = second_factor_code(page, demo_server.database, EDITOR_EMAIL)
    page.get_by_label("Código de 6 dígitos de su aplicación").fill(code)
    page.get_by_role("button", name="Confirmar", exact=True).click()
    page.wait_for_url(site + "/admin/")


def rewrite(page, old_text, new_text):
    """Replace the whole text of the rich text editor that holds `old_text`.

    The editor keeps what is typed in a hidden field of the form, a moment after the last
    key: the change is made once that field holds the new text.
    """
    editors = page.locator('[contenteditable="true"]')
    editor = editors.filter(has_text=old_text)
    try:
        expect(editor).to_have_count(1)
    except AssertionError:
        for text in page.console_errors:
            if "telepath" in text:
                raise StreamFieldNotLoadedError(text.split("Error: ", 1)[-1]) from None
        raise
    field = editor.locator("xpath=ancestor::*[@data-streamfield-widget][1]/input[@type='hidden']")
    stored = page.locator("#" + field.get_attribute("id"))
    editor.click()
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type(new_text)
    expect(editors.filter(has_text=new_text)).to_have_count(1)
    expect(editors.filter(has_text=old_text)).to_have_count(0)
    expect(stored).to_have_value(re.compile(re.escape(new_text)))


def publish(page, title):
    page.get_by_role("button", name="Más acciones").click()
    page.get_by_role("button", name="Publicar").click()
    # Back in the page explorer, which says so: "Página '…' ha sido publicada."
    expect(page.locator(".messages")).to_contain_text(f"'{title}' ha sido publicada")


def test_editor_changes_a_quiz_and_a_module_and_people_see_the_changes(
    desk, open_context, demo_server
):
    site, database = demo_server.url, demo_server.database
    editor = desk
    log_editor_in(editor, demo_server)

    # 1. A question of the first quiz, reworded and published.
    editor.goto(f"{site}/admin/pages/{page_id(database, QUIZ_PATH)}/edit/")
    expect(editor.get_by_role("heading", level=1)).to_contain_text(QUIZ_TITLE)
    rewrite(editor, OLD_QUESTION, NEW_QUESTION)
    publish(editor, QUIZ_TITLE)

    # The demo participant starts a new attempt on her phone: she is asked the new wording.
    participant = open_context(viewport={"width": 360, "height": 740})
    log_in(participant, site, DEMO_PARTICIPANT_EMAIL, QUIZ_PATH)
    participant.wait_for_url(site + QUIZ_PATH)
    participant.get_by_role("button", name=re.compile("^(Empezar|Intentar de nuevo)$")).click()
    prompts = participant.locator(".quiz-question__prompt")
    expect(prompts.filter(has_text=NEW_QUESTION)).to_have_count(1)
    expect(prompts.filter(has_text=OLD_QUESTION)).to_have_count(0)

    # 2. A toolkit module an anonymous visitor is reading, served from the page cache.
    visitor = open_context(viewport={"width": 360, "height": 740})
    visitor.goto(site + MODULE_PATH)
    again = visitor.goto(site + MODULE_PATH)
    assert again.headers.get("x-page-cache") == "hit"
    expect(visitor.locator("main")).to_contain_text(OLD_PARAGRAPH)

    editor.goto(f"{site}/admin/pages/{page_id(database, MODULE_PATH)}/edit/")
    expect(editor.get_by_role("heading", level=1)).to_contain_text(MODULE_TITLE)
    rewrite(editor, OLD_PARAGRAPH, NEW_PARAGRAPH)
    publish(editor, MODULE_TITLE)

    fresh = visitor.goto(site + MODULE_PATH)
    assert fresh.headers.get("x-page-cache") == "miss"
    expect(visitor.locator("main")).to_contain_text(NEW_PARAGRAPH)
    expect(visitor.locator("main")).not_to_contain_text(OLD_PARAGRAPH)
