"""Learning without a connection, in Chromium on a phone: download the demo course, lose the
connection, read, mark lessons done and answer a quiz, then reconnect and find it all recorded.

The site runs in its own server process here, over a copy of the demo database, so
that the test can stop it: with the server gone the connection really is down for the
page and the service worker alike (as well as `navigator.onLine` being false).
"""

import re
import shutil
import subprocess
import sys
import time
import urllib.request
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, _free_port
from tests.browser.test_learning import answer_correctly, sign_up

pytestmark = pytest.mark.browser

COURSE = "/cursos/movilidad-humana-en-el-pdot/"
LESSON_1 = "Lección 1. Por qué la movilidad humana importa al PDOT"
LESSON_2 = "Lección 2. El marco normativo en la práctica"
QUIZ = "Evaluación 1. Conceptos y normativa"


class Server:
    """The demo site on a fixed port, which the test can take down and bring back."""

    def __init__(self, env, port):
        self.env = env
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(150):
            try:
                urllib.request.urlopen(self.url + "/sin-conexion/", timeout=2)
                return
            except OSError:
                time.sleep(0.2)
        pytest.fail("the offline test server did not start")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def shell(self, code: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def site(demo_server, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("offline")
    shutil.copy(demo_server.database, workdir / "demo.sqlite3")
    shutil.copytree(demo_server.env["MEDIA_ROOT"], workdir / "media")
    env = {
        **demo_server.env,
        "DATABASE_URL": f"sqlite:///{workdir / 'demo.sqlite3'}",
        "MEDIA_ROOT": str(workdir / "media"),
        "EMAIL_FILE_PATH": str(workdir / "mail"),
    }
    server = Server(env, _free_port())
    server.start()
    try:
        yield SimpleNamespace(server=server, url=server.url, mail=workdir / "mail")
    finally:
        server.stop()


def go_offline(phone, site):
    site.server.stop()
    phone.context.set_offline(True)


def go_online(phone, site):
    site.server.start()
    phone.context.set_offline(False)


def wait_for_worker(phone):
    """The page is controlled by the service worker (it claims pages as it activates)."""
    phone.wait_for_function(
        "navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=20000
    )


def enrolled_official(phone, site, email: str) -> None:
    """A new official signs up and enrolls in the demo course; the worker looks after the page."""
    sign_up(phone, site.url, site.mail, email=email)
    phone.goto(site.url + COURSE)
    phone.get_by_role("button", name="Inscribirme").click()
    wait_for_worker(phone)


def shows(phone, title: str) -> None:
    expect(phone.get_by_role("heading", level=1)).to_have_text(title)


def test_a_new_official_learns_a_downloaded_course_offline_and_it_all_arrives(phone, site):
    email = "tecnica.offline@zamora.gob.ec"
    enrolled_official(phone, site, email)

    # The size first, then the download with its progress bar.
    panel = phone.locator("[data-offline-download]")
    panel.get_by_role("button", name="Descargar para leer sin conexión").click()
    size = panel.get_by_text(re.compile(r"ocupa unos [\d,]+ (KB|MB)"))
    size.wait_for()
    panel.get_by_role("button", name="Descargar", exact=True).click()
    panel.get_by_text(re.compile("Descargado el")).wait_for(timeout=60000)

    go_offline(phone, site)
    phone.goto(site.url + COURSE + "por-que-importa/")
    shows(phone, LESSON_1)
    banner = phone.locator("[data-offline-banner]")
    banner.get_by_text(re.compile("Sin conexión")).wait_for()
    # Its H5P activity plays from the phone, and the result waits to be sent.
    figure = phone.locator("figure[data-h5p-activity]")
    figure.scroll_into_view_if_needed()
    frame = figure.frame_locator("iframe.h5p-activity__frame")
    frame.get_by_label("Retorno").check()
    frame.get_by_role("button", name="Comprobar").click()
    frame.get_by_text("Correcto", exact=True).wait_for()
    banner.get_by_text("1 cambio espera ser enviado.").wait_for()
    # The activity's frame may still be settling its height: the keyboard needs no position.
    phone.get_by_role("button", name="Marcar como terminada").press("Enter")
    shows(phone, LESSON_2)  # the next lesson, from the phone
    phone.get_by_role("button", name="Marcar como terminada").click()
    shows(phone, QUIZ)
    banner.get_by_text("3 cambios esperan ser enviados.").wait_for()

    # The quiz's attempt was prepared by the download.
    phone.get_by_role("button", name="Continuar intento").click()
    answer_correctly(phone)
    phone.get_by_role("button", name="Enviar respuestas").click()
    shows(phone, "Sin conexión")
    # The page kept for everyone does not offer to log in to someone signed in.
    expect(phone.locator(".account-nav")).to_be_hidden()
    pending = phone.locator("[data-offline-pending]")
    pending.get_by_text(f"Cuestionario «{QUIZ}» enviado").wait_for()
    assert pending.get_by_text(f"Lección «{LESSON_1}» marcada como terminada").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    # Nothing reached the server while it was down.
    assert site.server.shell(_progress_query(email)) == "0 0 0"

    go_online(phone, site)
    synced = phone.locator("[data-offline-synced]")
    synced.get_by_text(re.compile("calificado: ver el resultado")).wait_for(timeout=30000)
    # Two lessons and the quiz done, the quiz graded, the activity's result recorded.
    assert site.server.shell(_progress_query(email)) == "3 1 1"

    synced.get_by_role("link", name=re.compile(QUIZ)).click()
    assert phone.get_by_text("Aprobado", exact=True).first.is_visible()
    phone.goto(site.url + COURSE)
    done = phone.locator(".course-outline__step.is-done")
    assert done.count() == 3
    assert phone.csp_violations == []


def _progress_query(email: str) -> str:
    return (
        "from lms.models import StepProgress, QuizAttempt\n"
        f"steps = StepProgress.objects.filter(enrolment__participant__user__email={email!r}, "
        "completed_at__isnull=False).count()\n"
        f"graded = QuizAttempt.objects.filter(enrolment__participant__user__email={email!r}, "
        "passed=True).count()\n"
        "from lms.models import H5PResult\n"
        f"h5p = H5PResult.objects.filter(participant__user__email={email!r}, passed=True).count()\n"
        "print(steps, graded, h5p)"
    )


def test_logging_out_on_a_shared_phone_removes_the_persons_pages(phone, site):
    email = "tecnico.compartido@zamora.gob.ec"
    enrolled_official(phone, site, email)
    phone.goto(site.url + COURSE + "por-que-importa/")
    shows(phone, LESSON_1)
    names = phone.evaluate("caches.keys()")
    assert any(name.startswith("aula-user-") for name in names)

    phone.goto(site.url + "/cuenta/perfil/")
    phone.get_by_role("button", name="Salir").click()
    phone.wait_for_url(site.url + "/")

    assert not any(name.startswith("aula-user-") for name in phone.evaluate("caches.keys()"))
    go_offline(phone, site)
    try:
        phone.goto(site.url + COURSE + "por-que-importa/")
        shows(phone, "Sin conexión")  # the person's lesson is gone from the phone
    finally:
        go_online(phone, site)


def test_a_new_release_cleans_old_caches_and_keeps_downloads(phone, site):
    enrolled_official(phone, site, "tecnica.version@zamora.gob.ec")
    panel = phone.locator("[data-offline-download]")
    panel.get_by_role("button", name="Descargar para leer sin conexión").click()
    panel.get_by_role("button", name="Descargar", exact=True).click()
    panel.get_by_text(re.compile("Descargado el")).wait_for(timeout=60000)
    phone.goto(site.url + COURSE + "por-que-importa/")
    before = phone.evaluate("caches.keys()")
    old = next(
        name.removeprefix("aula-shell-") for name in before if name.startswith("aula-shell-")
    )
    assert any(name.endswith("-visited-" + old) for name in before)

    # A deployment: the worker's script changes, the browser installs it, it takes over.
    site.server.stop()
    site.server.env = {**site.server.env, "AULA_RELEASE": "v2"}
    site.server.start()
    phone.evaluate(
        """() => new Promise(resolve => {
            navigator.serviceWorker.addEventListener("controllerchange", resolve);
            navigator.serviceWorker.getRegistration().then(r => r.update());
        })"""
    )
    # The new worker deletes the old caches as it activates (just after it takes over).
    for _ in range(100):
        after = phone.evaluate("caches.keys()")
        if not any(old in name for name in after):
            break
        phone.wait_for_timeout(100)

    assert any(name.startswith("aula-shell-") for name in after)
    assert not any(old in name for name in after), (old, after)
    assert any("-course-" in name for name in after)  # the download stays
    go_offline(phone, site)
    try:
        phone.goto(site.url + COURSE + "marco-normativo/")
        shows(phone, LESSON_2)
        # Styled by the current release's files, though the page names older ones.
        assert phone.evaluate(
            "getComputedStyle(document.querySelector('.site-header')).backgroundColor"
        ) not in ("", "rgba(0, 0, 0, 0)")
    finally:
        go_online(phone, site)
