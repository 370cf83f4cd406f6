"""An official on a phone: sign up, confirm, log in, edit, download, delete (LOPDP)."""

import json
import re
import sqlite3

import pytest

pytestmark = pytest.mark.browser

EMAIL = "rosa.navarrete@pedernales.gob.ec"
PASSWORD = "Movilidad-Humana-2026"
NAME = "Rosa Navarrete Cedeño"


def counts_by_gad_and_sex(database):
    with sqlite3.connect(database) as db:
        return db.execute(
            "SELECT g.code, p.sex, COUNT(*) FROM lms_participant p JOIN lms_gad g ON g.id = p.gad_id "
            "GROUP BY g.code, p.sex ORDER BY g.code, p.sex"
        ).fetchall()


def names(database):
    with sqlite3.connect(database) as db:
        return {row[0] for row in db.execute("SELECT full_name FROM lms_participant")}


def confirmation_link(mail_dir, base_url):
    messages = sorted(mail_dir.glob("*.log"), key=lambda path: path.stat().st_mtime)
    text = "".join(path.read_text() for path in messages)
    links = re.findall(r"https?://[^\s]+/cuenta/confirm-email/[^\s]+/", text)
    assert links, "no confirmation email was sent"
    # The email names the public host; the test server listens here.
    return base_url + links[-1].split("/cuenta/", 1)[1].join(["/cuenta/", ""])


def test_official_signs_up_on_a_phone_and_later_deletes_the_account(phone, demo_server):
    site = demo_server.url
    phone.goto(site + "/cuenta/signup/")
    phone.get_by_label("Correo electrónico").fill(EMAIL)
    phone.get_by_label("Nombre completo").fill(NAME)
    phone.get_by_label("Su GAD").press_sequentially("pederna", delay=30)
    phone.get_by_role("option", name="GAD Municipal de Pedernales (Manabí)").click()
    phone.get_by_label("Cargo").fill("Técnica de Planificación")
    phone.get_by_label("Mujer").check()
    phone.get_by_label(re.compile("He leído y acepto")).check()
    phone.get_by_label("Contraseña", exact=True).fill(PASSWORD)
    phone.get_by_label("Contraseña (de nuevo)").fill(PASSWORD)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.get_by_role("button", name="Crear cuenta").click()
    phone.wait_for_url("**/cuenta/confirm-email/")

    phone.goto(confirmation_link(demo_server.mail, site))
    phone.get_by_role("button", name="Confirmar").click()
    phone.get_by_role("button", name="Salir").click()

    phone.goto(site + "/cuenta/login/")
    phone.get_by_label("Correo electrónico").fill(EMAIL)
    phone.get_by_label("Contraseña").fill(PASSWORD)
    phone.get_by_role("button", name="Ingresar").click()
    phone.wait_for_url("**/cuenta/perfil/")
    assert phone.get_by_label("Su GAD").input_value() == "GAD Municipal de Pedernales (Manabí)"

    phone.get_by_label("Cargo").fill("Directora de Planificación")
    phone.get_by_role("button", name="Guardar perfil").click()
    assert phone.get_by_text("Se guardó su perfil.").is_visible()

    phone.get_by_role("link", name="Mis datos").click()
    with phone.expect_download() as download:
        phone.get_by_role("link", name=re.compile("JSON")).click()
    data = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert NAME in json.dumps(data, ensure_ascii=False)
    assert "Directora de Planificación" in json.dumps(data, ensure_ascii=False)

    before = counts_by_gad_and_sex(demo_server.database)
    assert NAME in names(demo_server.database)
    phone.goto(site + "/cuenta/eliminar/")
    phone.get_by_label("Su contraseña actual").fill(PASSWORD)
    phone.get_by_label(re.compile("Entiendo que")).check()
    phone.get_by_role("button", name=re.compile("Eliminar mi cuenta")).click()
    phone.wait_for_url(site + "/")

    assert counts_by_gad_and_sex(demo_server.database) == before
    assert NAME not in names(demo_server.database)
    phone.goto(site + "/cuenta/perfil/")
    assert "/cuenta/login/" in phone.url
    assert phone.csp_violations == []
