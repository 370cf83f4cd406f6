"""A new official on a phone takes a course end to end, losing the connection mid-quiz."""

import io
import re
import subprocess
import sys

import pytest
from pypdf import PdfReader

from tests.browser.conftest import ROOT
from tests.browser.test_signup import confirmation_link

pytestmark = pytest.mark.browser

EMAIL = "nuevo.tecnico@catamayo.gob.ec"
PASSWORD = "Planificacion-Local-2026"
COURSE = "/cursos/curso-breve/"


@pytest.fixture(scope="module")
def short_course(demo_server):
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from tests.browser.short_course import build; build()",
        ],
        cwd=ROOT,
        env=demo_server.env,
        check=True,
        capture_output=True,
    )
    return demo_server.url + COURSE


def sign_up(phone, site, mail, email=EMAIL):
    phone.goto(site + "/cuenta/signup/")
    phone.get_by_label("Correo electrónico").fill(email)
    phone.get_by_label("Nombre completo").fill("Luis Armijos Jaramillo")
    phone.get_by_label("Su GAD").press_sequentially("catamayo", delay=30)
    phone.get_by_role("option", name="GAD Municipal de Catamayo (Loja)").click()
    phone.get_by_label("Hombre").check()
    phone.get_by_label(re.compile("He leído y acepto")).check()
    phone.get_by_label("Contraseña", exact=True).fill(PASSWORD)
    phone.get_by_label("Contraseña (de nuevo)").fill(PASSWORD)
    phone.get_by_role("button", name="Crear cuenta").click()
    phone.wait_for_url("**/cuenta/confirm-email/")
    phone.goto(confirmation_link(mail, site))
    phone.get_by_role("button", name="Confirmar").click()


def answer_wrongly(phone):
    phone.get_by_label("Una familia venezolana que se instala en Huaquillas").check()


def answer_correctly(phone):
    phone.get_by_label("Un ecuatoriano que vuelve a Catamayo tras diez años en España").check()
    for text in (
        "La Ley Orgánica de Movilidad Humana",
        "El COOTAD",
        "La Constitución de la República",
    ):
        phone.get_by_label(text).check()
    phone.get_by_label("Falso").check()
    phone.get_by_label("Su respuesta").fill("  pdot ")
    matches = {
        "Llegar a un territorio para quedarse": "Inmigración",
        "Salir del propio territorio para vivir en otro": "Emigración",
        "Atravesar un territorio hacia otro destino": "Tránsito",
        "Volver después de haber vivido fuera": "Retorno",
    }
    for item, answer in matches.items():
        phone.get_by_label(item, exact=True).select_option(label=answer)
    for position, item in enumerate(("Diagnóstico", "Propuesta", "Modelo de gestión"), start=1):
        phone.get_by_label(item, exact=True).select_option(label=str(position))


def test_new_official_completes_a_course_despite_a_dropped_connection(
    phone, demo_server, short_course
):
    site = demo_server.url
    sign_up(phone, site, demo_server.mail)

    phone.goto(short_course)
    phone.get_by_role("button", name="Inscribirme").click()
    phone.get_by_role("link", name="Empezar el curso").click()
    assert phone.get_by_role("heading", level=1).inner_text() == "Primera lección"
    phone.get_by_role("button", name="Marcar como terminada").click()
    assert phone.get_by_role("heading", level=1).inner_text() == "Segunda lección"
    phone.get_by_role("button", name="Marcar como terminada").click()
    assert phone.get_by_role("heading", level=1).inner_text() == "Evaluación del curso breve"

    phone.get_by_role("button", name="Empezar").click()
    answer_wrongly(phone)
    phone.wait_for_timeout(1500)  # the autosave's debounce
    phone.context.set_offline(True)
    phone.get_by_label("Verdadero").check()
    phone.get_by_text(re.compile("Sin conexión")).wait_for()
    attempt_url = phone.url
    phone.context.set_offline(False)
    # Back online, the page sends what was kept on the phone by itself.
    phone.locator("[data-quiz-status]").get_by_text("Guardado", exact=True).wait_for()

    phone.goto(attempt_url)  # coming back later: nothing typed offline is lost
    assert phone.get_by_label("Verdadero").is_checked()
    assert phone.get_by_label("Una familia venezolana que se instala en Huaquillas").is_checked()
    phone.get_by_role("button", name="Enviar respuestas").click()
    assert phone.get_by_text("No aprobado").first.is_visible()

    phone.get_by_role("button", name="Intentar de nuevo").click()
    answer_correctly(phone)
    phone.get_by_role("button", name="Enviar respuestas").click()
    assert phone.get_by_text("Aprobado", exact=True).first.is_visible()

    phone.goto(site + "/aprendizaje/")
    completed = phone.locator(
        "section", has=phone.get_by_role("heading", name="Cursos completados")
    )
    assert completed.get_by_text("Curso breve").is_visible()
    assert completed.locator("progress").first.get_attribute("value") == "100"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    # The course's certificate: its PDF prints the address its QR code holds, which
    # opens the public verification page; after a trainer revokes it, the page says so.
    download = phone.get_by_role("link", name="Descargar el PDF").first
    pdf = phone.context.request.get(site + download.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text()
    assert "Luis Armijos Jaramillo" in text
    # The printed address may wrap anywhere; without the line breaks it reads whole.
    code = re.search(r"/verificar/([\w-]+)/", "".join(text.split())).group(1)
    phone.goto(f"{site}/verificar/{code}/")
    assert phone.get_by_text("Válido", exact=True).first.is_visible()
    assert phone.get_by_text("Luis Armijos Jaramillo").first.is_visible()
    revoke = (
        "from lms.models import Certificate, User\n"
        "from lms.services.certificates import revoke\n"
        f"revoke(Certificate.objects.get(code={code!r}), "
        "by=User.objects.get(email='capacitador@aula.example.org'), reason='Prueba')"
    )
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", revoke],
        cwd=ROOT,
        env=demo_server.env,
        check=True,
        capture_output=True,
    )
    phone.reload()
    assert phone.get_by_text(re.compile("revocado", re.IGNORECASE)).first.is_visible()
    assert phone.csp_violations == []
