"""A GAD official's whole journey on a phone, on the demo course as seeded.

She signs up, enrols in the demo course, plays the H5P activity of its first lesson, passes
both quizzes, finishes every required step, downloads the certificate the completion issued
from "Mi aprendizaje" and opens the verification address printed on it: the public page,
seen by someone without an account, says the certificate is valid.
"""

import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.test_signup import confirmation_link

pytestmark = pytest.mark.browser

EMAIL = "ana.quishpe@zamora.gob.ec"
PASSWORD = "Zamora-Planifica-2026"
NAME = "Ana Lucía Quishpe Tene"
GAD = "GAD Municipal de Zamora (Zamora Chinchipe)"
COURSE_TITLE = "Movilidad humana en el PDOT: curso básico"
COURSE = "/cursos/movilidad-humana-en-el-pdot/"
WIDTH = 360
FRAME = "iframe.h5p-activity__frame"

# Each quiz question, recognised by a fragment of its prompt, and its full-marks answer:
# ("choose", [labels]) ticks options, ("type", text) fills the answer box, ("select",
# {label: option}) picks in each row of a matching or ordering question. The final quiz
# draws six of its eight questions and shuffles the options: the test answers what it gets.
ANSWERS = {
    "caso de retorno": (
        "choose",
        ["Un ecuatoriano que vuelve a Catamayo tras diez años en España"],
    ),
    "¿Qué normas asignan responsabilidades": (
        "choose",
        ["La Ley Orgánica de Movilidad Humana", "El COOTAD", "La Constitución de la República"],
    ),
    "puede ser considerada ilegal": ("choose", ["Falso"]),
    "¿Qué sigla usamos": ("type", "pdot"),
    "Relacione cada situación con su nombre": (
        "select",
        {
            "Llegar a un territorio para quedarse": "Inmigración",
            "Salir del propio territorio para vivir en otro": "Emigración",
            "Atravesar un territorio hacia otro destino": "Tránsito",
            "Volver después de haber vivido fuera": "Retorno",
        },
    ),
    "Ordene las partes del PDOT": (
        "select",
        {"Diagnóstico": "1", "Propuesta": "2", "Modelo de gestión": "3"},
    ),
    "población extranjera residente por parroquia": (
        "choose",
        ["El Censo de Población y Vivienda 2022"],
    ),
    "¿Qué elementos forman parte del modelo de gestión?": (
        "choose",
        [
            "Estrategias de articulación",
            "Sistema de seguimiento y evaluación",
            "Fuentes de financiamiento",
        ],
    ),
    "necesita una línea base": ("choose", ["Verdadero"]),
    "trabajar con cifras agregadas": ("choose", ["Verdadero"]),
    "¿Qué consejo cantonal coordina": ("type", "Consejo Cantonal de Protección de Derechos"),
    "Relacione cada parte del PDOT": (
        "select",
        {
            "Diagnóstico": "¿Cómo es hoy el territorio?",
            "Propuesta": "¿Qué queremos lograr?",
            "Modelo de gestión": "¿Cómo lo haremos y con quién?",
        },
    ),
    "Ordene los pasos para armar el diagnóstico": (
        "select",
        {
            "Reunir los datos disponibles": "1",
            "Escuchar a la comunidad": "2",
            "Mapear los servicios": "3",
            "Redactar los hallazgos": "4",
        },
    ),
    "indicador adecuado": ("choose", ["Número de emprendimientos participantes, por sexo"]),
}


def assert_fits(page):
    """Nothing pushes the page wider than the phone, once its styles have loaded."""
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, page.url


def sign_up(page, site, mail):
    page.goto(site + "/cuenta/signup/")
    page.get_by_label("Correo electrónico").fill(EMAIL)
    page.get_by_label("Nombre completo").fill(NAME)
    page.get_by_label("Su GAD").press_sequentially("zamora", delay=30)
    page.get_by_role("option", name=GAD).click()
    page.get_by_label("Cargo").fill("Técnica de Planificación")
    page.get_by_label("Mujer").check()
    page.get_by_label(re.compile("He leído y acepto")).check()
    page.get_by_label("Contraseña", exact=True).fill(PASSWORD)
    page.get_by_label("Contraseña (de nuevo)").fill(PASSWORD)
    page.get_by_role("button", name="Crear cuenta").click()
    page.wait_for_url("**/cuenta/confirm-email/")
    page.goto(confirmation_link(mail, site))
    page.get_by_role("button", name="Confirmar").click()
    page.wait_for_url("**/cuenta/perfil/")


def heading(page):
    return page.get_by_role("heading", level=1)


def tap(page, target):
    """Scroll `target` into view, let the screen settle, then click it.

    The H5P player is a sandboxed frame, drawn by another process. Clicked straight after the
    scroll that brings it into view, the lesson's button below the activity was seen to get
    nothing (no event reached the page); after two animation frames the click lands.
    """
    target.scroll_into_view_if_needed()
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    target.click()


def finish_lesson(page, title):
    expect(heading(page)).to_have_text(title)
    assert_fits(page)
    tap(page, page.get_by_role("button", name="Marcar como terminada"))


def answer_every_question(page):
    questions = page.locator(".quiz-question")
    expect(questions.first).to_be_visible()
    for index in range(questions.count()):
        question = questions.nth(index)
        prompt = question.locator(".quiz-question__prompt").inner_text()
        (kind, answer), *others = [
            answer for fragment, answer in ANSWERS.items() if fragment in prompt
        ]
        assert not others, f"more than one answer fits {prompt!r}"
        if kind == "choose":
            for label in answer:
                question.get_by_label(label, exact=True).check()
        elif kind == "type":
            question.get_by_label("Su respuesta").fill(answer)
        else:
            for item, option in answer.items():
                question.get_by_label(item, exact=True).select_option(label=option)


def pass_quiz(page, title):
    expect(heading(page)).to_have_text(title)
    assert_fits(page)
    page.get_by_role("button", name="Empezar").click()
    expect(heading(page)).to_have_text(title)
    answer_every_question(page)
    assert_fits(page)
    page.get_by_role("button", name="Enviar respuestas").click()
    expect(page.locator(".quiz-score__verdict")).to_contain_text("Aprobado")
    assert_fits(page)


def test_official_goes_from_sign_up_to_a_verified_certificate(phone, demo_server):
    site = demo_server.url
    sign_up(phone, site, demo_server.mail)

    phone.goto(site + COURSE)
    phone.get_by_role("button", name="Inscribirme").click()
    phone.get_by_role("link", name="Empezar el curso").click()

    # Lesson 1 holds the H5P activity: it loads as it comes into view, and her answer counts.
    expect(heading(phone)).to_have_text("Lección 1. Por qué la movilidad humana importa al PDOT")
    figure = phone.locator("figure[data-h5p-activity]")
    figure.scroll_into_view_if_needed()
    frame = figure.frame_locator(FRAME)
    frame.get_by_label("Retorno").check()
    frame.get_by_role("button", name="Comprobar").click()
    expect(frame.get_by_text("Correcto", exact=True)).to_be_visible()
    # "Your best result: 1 of 1. Passed.": the server stored it.
    expect(figure.locator("[data-h5p-status]")).to_have_text(re.compile(r"\b1\b\D+\b1\b"))
    finish_lesson(phone, "Lección 1. Por qué la movilidad humana importa al PDOT")

    finish_lesson(phone, "Lección 2. El marco normativo en la práctica")
    pass_quiz(phone, "Evaluación 1. Conceptos y normativa")
    phone.get_by_role("link", name=re.compile("^Siguiente paso:")).click()
    finish_lesson(phone, "Lección 3. Diagnóstico con enfoque de movilidad humana")
    finish_lesson(phone, "Lección 4. Propuesta: objetivos, metas y proyectos")
    # The complementary lesson is optional: she skips it.
    expect(heading(phone)).to_have_text("Lección complementaria. Experiencias de los GAD piloto")
    phone.locator("a.step-nav__next").click()
    finish_lesson(phone, "Lección 5. Modelo de gestión y seguimiento")
    pass_quiz(phone, "Evaluación final")

    phone.goto(site + "/aprendizaje/")
    assert_fits(phone)
    completed = phone.locator(
        "section", has=phone.get_by_role("heading", name="Cursos completados")
    )
    expect(completed.get_by_role("link", name=COURSE_TITLE)).to_be_visible()
    expect(completed.locator("progress").first).to_have_attribute("value", "100")
    activities = phone.locator(
        "section", has=phone.get_by_role("heading", name="Actividades interactivas")
    )
    expect(activities.get_by_role("row", name="¿Qué tipo de movilidad es?")).to_contain_text(
        "1 / 1"
    )

    # The certificate the completion issued, its PDF rendered by the task it queued.
    certificates = phone.locator("section", has=phone.get_by_role("heading", name="Certificados"))
    certificate = certificates.locator("li.learning-item", has_text=COURSE_TITLE)
    expect(certificate).to_contain_text("Finalización de curso")
    with phone.expect_download() as download_info:
        certificate.get_by_role("link", name="Descargar el PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    text = PdfReader(download.path()).pages[0].extract_text()
    assert NAME in " ".join(text.split())
    assert COURSE_TITLE in " ".join(text.split())
    # The address printed under the QR code may wrap anywhere; without line breaks it reads whole.
    printed = re.search(r"https?://\S+?/verificar/[\w-]+/", "".join(text.split())).group(0)
    shared = certificate.locator("a.share-link").get_attribute("href")
    assert printed == shared

    # Anyone opens it without an account: the printed address names the public host, which
    # this server stands in for.
    visitor = phone.context.browser.new_context(
        viewport={"width": WIDTH, "height": 740}, locale="es-EC"
    )
    try:
        check = visitor.new_page()
        check.goto(site + "/verificar/" + printed.split("/verificar/", 1)[1])
        expect(check.get_by_text("Válido", exact=True).first).to_be_visible()
        expect(check.get_by_text(NAME).first).to_be_visible()
        expect(check.get_by_text(COURSE_TITLE).first).to_be_visible()
        assert_fits(check)
    finally:
        visitor.close()
    assert phone.csp_violations == []
