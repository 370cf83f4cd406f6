"""Smoke test of the production layout: two app servers behind nginx, on loopback.

Run from the project root (`make smoke-prod`):

    .venv/bin/python -m bench.smoke_prod

It brings up bench.stack (PostgreSQL, two gunicorn instances with production settings,
the task worker, Debian's nginx with deploy/nginx/ and TLS), then, through nginx only:

1. a participant's journey that moves between the two app servers on purpose: signs in on
   one and carries on with the session on the other; the home page, a toolkit page (a
   page cached by one server is a hit on the other), the course, a lesson, the H5P player
   and a package file from the cookie-less H5P host, an H5P result, a quiz started,
   saved, submitted and graded across both, a workshop registration whose email the task
   worker sends, the certificate PDF the worker rendered;
2. a rate limit counted across both servers, per client address (clients on 127.0.0.3
   and 127.0.0.4);
3. the security headers of every kind of response: an HTML page, JSON, file downloads,
   the H5P player and a package file, static files, a media image, a 404 page, redirects,
   a refusal; and that nginx refuses direct access to private media.

It prints a table of every check, exits 1 if any failed (2 if the stack did not come up),
and always tears the stack down.
"""

import http.client
import json
import re
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from bench.stack import (
    H5P_NAME,
    HOST,
    PIN_HEADER,
    SITE_NAME,
    Stack,
    StackError,
    leftovers,
    production_stack,
)

PARTICIPANT_EMAIL = "participante@aula.example.org"
PARTICIPANT_NAME = "Rosa Elena Mero Zambrano"
PARTICIPANT_PASSWORD = "aula-demo-2026"  # noqa: S105 - the demo account of a throwaway database
LOGIN_PATH = "/cuenta/login/"
PROFILE_PATH = "/cuenta/perfil/"
LOOKUP_LIMIT = 6  # CERTIFICATE_LOOKUPS_PER_MINUTE for the run
LIMITED_CLIENT, OTHER_CLIENT = "127.0.0.3", "127.0.0.4"
TASK_TIMEOUT = 90
REQUEST_TIMEOUT = 30
HSTS_MIN_SECONDS = 31_536_000

# Run with `manage.py shell -c` once the stack is up: what the journey needs to know, and a
# workshop open for registration that the demo participant has not joined.
FACTS = f"""
import json
from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from cms.models import ToolkitPage
from courses.blocks import h5p_requirements
from courses.models import CoursePage, H5PActivity, LessonPage, QuizPage
from lms.models import Certificate, Participant, Session, Workshop
from lms.services.h5p import activity_iri

participant = Participant.objects.get(user__email="{PARTICIPANT_EMAIL}")
course = CoursePage.objects.live().order_by("path").first()
lesson = next(
    lesson for lesson in LessonPage.objects.child_of(course).live().order_by("path")
    if h5p_requirements(lesson.body)
)
activity = H5PActivity.objects.get(pk=h5p_requirements(lesson.body)[0][0])
quiz = QuizPage.objects.child_of(course).live().order_by("path").first()
certificate = Certificate.objects.valid().filter(participant=participant).order_by("pk").first()
workshop = Workshop.objects.create(
    title="Prueba de humo: taller abierto",
    slug="prueba-de-humo",
    description="Un taller para la prueba de humo.",
    mode=Workshop.Mode.ONLINE,
    meeting_link="https://meet.example.org/prueba",
    capacity=30,
    status=Workshop.Status.PUBLISHED,
)
start = timezone.now() + timedelta(days=10)
Session.objects.create(workshop=workshop, title="Única", starts_at=start,
                       ends_at=start + timedelta(hours=2))
document = get_document_model().objects.order_by("pk").first()
image = get_image_model().objects.order_by("pk").first()
rendition = image.get_rendition("width-400")
print("FACTS=" + json.dumps({{
    "toolkit": ToolkitPage.objects.live().order_by("path").first().url,
    "course": course.url,
    "lesson": lesson.url,
    "quiz_start": reverse("lms:quiz_start", args=[quiz.pk]),
    "certificate_pk": certificate.pk,
    "certificate_code": certificate.code,
    "certificate_pdf": reverse("lms:certificate_pdf", args=[certificate.pk]),
    "workshop": reverse("lms:workshop_detail", args=[workshop.slug]),
    "workshop_register": reverse("lms:workshop_register", args=[workshop.slug]),
    "workshop_id": workshop.pk,
    "participant_id": participant.pk,
    "document": document.url,
    "document_file": document.file.name,
    "image": rendition.url,
    "h5p_key": activity.key,
    "h5p_iri": activity_iri(activity.pk),
    "session_cookie": settings.SESSION_COOKIE_NAME,
    "csrf_cookie": settings.CSRF_COOKIE_NAME,
}}))
"""


# --- A visitor --------------------------------------------------------------------


@dataclass
class Response:
    method: str
    host: str
    path: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def all(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]

    def header(self, name: str) -> str:
        found = self.all(name)
        return found[0] if found else ""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class _LoopbackHTTPS(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1 for a host name that resolves to nothing: SNI and Host carry it."""

    def connect(self):
        raw = socket.create_connection(
            (HOST, self.port), self.timeout, source_address=self.source_address
        )
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


class Visitor:
    """One person with one browser: an address of their own, cookies kept per host name
    (as host-only cookies are), the CSRF token sent back as a browser's form or script does
    (from the cookie the settings name, given by `csrf_cookie`).
    """

    def __init__(self, stack: Stack, address: str = HOST, *, csrf_cookie: str = ""):
        self.stack = stack
        self.address = address
        self.csrf_cookie = csrf_cookie
        self.cookies: dict[str, dict[str, str]] = {}
        self.cookie_flags: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        *,
        host: str = SITE_NAME,
        backend: int | None = None,
        form: dict | None = None,
        json_body: dict | None = None,
        plain_http: bool = False,
    ) -> Response:
        headers = {"User-Agent": "aula-smoke", "Accept-Language": "es"}
        if backend is not None:
            headers[PIN_HEADER] = str(backend)
        jar = self.cookies.setdefault(host, {})
        if jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        body = None
        if method == "POST":
            origin = f"https://{host}:{self.stack.https_port}"
            headers.update(Origin=origin, Referer=origin + "/")
            token = jar.get(self.csrf_cookie, "")
            if json_body is not None:
                body = json.dumps(json_body).encode()
                headers.update({"Content-Type": "application/json", "X-CSRFToken": token})
            else:
                body = urlencode({"csrfmiddlewaretoken": token, **(form or {})}, doseq=True)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
        source = (self.address, 0)
        if plain_http:
            connection = http.client.HTTPConnection(
                HOST, self.stack.http_port, timeout=REQUEST_TIMEOUT, source_address=source
            )
            headers["Host"] = f"{host}:{self.stack.http_port}"
        else:
            connection = _LoopbackHTTPS(
                host,
                self.stack.https_port,
                timeout=REQUEST_TIMEOUT,
                context=self.stack.ssl_context(),
                source_address=source,
            )
        try:
            connection.request(method, path, body=body, headers=headers)
            raw = connection.getresponse()
            response = Response(method, host, path, raw.status, raw.getheaders(), raw.read())
        finally:
            connection.close()
        for header in response.all("Set-Cookie"):
            self._keep(jar, header)
        return response

    def _keep(self, jar: dict[str, str], header: str) -> None:
        for name, morsel in SimpleCookie(header).items():
            self.cookie_flags[name] = header
            if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                jar.pop(name, None)
            else:
                jar[name] = morsel.value


# --- Checks -------------------------------------------------------------------------


@dataclass
class Check:
    section: str
    name: str
    ok: bool
    detail: str = ""
    backend: str = ""
    status: str = ""


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    header_rows: list[tuple[str, Response, dict[str, str]]] = field(default_factory=list)

    def add(self, section, name, ok, detail="", *, backend=None, response=None) -> bool:
        self.checks.append(
            Check(
                section,
                name,
                bool(ok),
                detail,
                "" if backend is None else str(backend),
                str(response.status) if response is not None else "",
            )
        )
        return bool(ok)

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]


def expect(
    report: Report,
    name: str,
    response: Response,
    status: int,
    *,
    backend=None,
    also=True,
    detail: str = "",
) -> bool:
    ok = response.status == status and also
    why = detail if response.status == status else f"expected {status}"
    return report.add("journey", name, ok, why, backend=backend, response=response)


def location(response: Response) -> str:
    return urlsplit(response.header("Location")).path


# --- Security headers -------------------------------------------------------------

HEADER_COLUMNS = ("HSTS", "CSP", "nosniff", "Referrer", "Frame", "COOP", "Server")


def judge_headers(response: Response, *, https: bool = True, sandboxed: bool = False) -> dict:
    """One verdict per column: "ok" or what is wrong."""

    def once(name: str) -> str | None:
        found = response.all(name)
        if not found:
            return None
        return found[0] if len(found) == 1 else "TWICE"

    verdicts = {}
    hsts = once("Strict-Transport-Security")
    if not https:
        verdicts["HSTS"] = "ok" if hsts is None else "sent over HTTP"
    else:
        seconds = re.search(r"max-age=(\d+)", hsts or "")
        verdicts["HSTS"] = (
            "ok"
            if hsts not in (None, "TWICE") and seconds and int(seconds.group(1)) >= HSTS_MIN_SECONDS
            else (hsts or "missing")
        )
    csp = once("Content-Security-Policy")
    if csp is None or csp == "TWICE":
        verdicts["CSP"] = csp or "missing"
    elif sandboxed:
        sandbox = csp.split(";")[0].split()
        verdicts["CSP"] = (
            "ok"
            if sandbox[:1] == ["sandbox"] and "allow-same-origin" not in sandbox
            else "not sandboxed"
        )
    else:
        verdicts["CSP"] = "ok" if "default-src" in csp else "no default-src"
    verdicts["nosniff"] = "ok" if once("X-Content-Type-Options") == "nosniff" else "missing"
    verdicts["Referrer"] = "ok" if once("Referrer-Policy") not in (None, "TWICE") else "missing"
    frame = once("X-Frame-Options")
    verdicts["Frame"] = (
        "ok" if frame in ("DENY", "SAMEORIGIN") or "frame-ancestors" in (csp or "") else "missing"
    )
    verdicts["COOP"] = "ok" if once("Cross-Origin-Opener-Policy") == "same-origin" else "missing"
    server = response.all("Server")
    verdicts["Server"] = (
        "ok" if server == ["nginx"] and not response.all("X-Powered-By") else f"leaks {server}"
    )
    if not https:
        # Over plain HTTP only the redirect matters: no page, nothing to frame.
        for column in ("CSP", "Frame", "COOP"):
            verdicts[column] = "ok" if verdicts[column] == "ok" else "n/a"
    if sandboxed and response.all("Set-Cookie"):
        verdicts["CSP"] += " (sets a cookie)"
    return verdicts


def headers_check(
    report: Report,
    kind: str,
    response: Response,
    *,
    expect_status: int,
    https: bool = True,
    sandboxed: bool = False,
) -> None:
    verdicts = judge_headers(response, https=https, sandboxed=sandboxed)
    report.header_rows.append((kind, response, verdicts))
    bad = [
        f"{column}: {verdict}"
        for column, verdict in verdicts.items()
        if verdict not in ("ok", "n/a")
    ]
    if response.status != expect_status:
        bad.insert(0, f"status {response.status}, expected {expect_status}")
    report.add("headers", kind, not bad, "; ".join(bad), response=response)


# --- The journey --------------------------------------------------------------------


def facts_of(stack: Stack) -> dict:
    output = stack.manage("shell", "-c", FACTS)
    found = re.search(r"^FACTS=(.*)$", output, re.MULTILINE)
    if not found:
        raise StackError(f"the journey's facts were not found:\n{output}")
    return json.loads(found.group(1))


def wait_until(predicate, timeout: float = TASK_TIMEOUT, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def journey(stack: Stack, facts: dict, report: Report, kinds: dict[str, Response]) -> None:
    """The demo participant, moving between the two app servers on purpose."""
    person = Visitor(stack, csrf_cookie=facts["csrf_cookie"])

    home = person.request("GET", "/", backend=1)
    expect(report, "home page", home, 200, backend=1)
    kinds["HTML page"] = home

    first = person.request("GET", facts["toolkit"], backend=1)
    expect(report, "toolkit page", first, 200, backend=1)
    second = person.request("GET", facts["toolkit"], backend=2)
    hit = second.header("X-Page-Cache") == "hit"
    expect(
        report,
        "same page from the shared page cache",
        second,
        200,
        backend=2,
        also=hit,
        detail=f"X-Page-Cache: {second.header('X-Page-Cache') or 'none'}",
    )

    login_page = person.request("GET", LOGIN_PATH, backend=1)
    expect(
        report,
        "login page",
        login_page,
        200,
        backend=1,
        also=facts["csrf_cookie"] in person.cookies.get(SITE_NAME, {}),
    )
    login = person.request(
        "POST",
        LOGIN_PATH,
        backend=2,
        form={"login": PARTICIPANT_EMAIL, "password": PARTICIPANT_PASSWORD},
    )
    session_cookie = person.cookie_flags.get(facts["session_cookie"], "")
    session_flags = [flag.strip().lower() for flag in session_cookie.split(";")[1:]]
    # __Host-: a browser keeps it only if it is Secure, for the path / and with no Domain.
    secure = (
        facts["session_cookie"].startswith("__Host-")
        and {"secure", "httponly", "path=/"} <= set(session_flags)
        and not any(flag.startswith("domain=") for flag in session_flags)
    )
    expect(
        report,
        "log in (CSRF token from server 1)",
        login,
        302,
        backend=2,
        also=secure,
        detail="session cookie __Host-, Secure, HttpOnly"
        if secure
        else f"cookie: {session_cookie}",
    )

    profile = person.request("GET", PROFILE_PATH, backend=1)
    expect(
        report,
        "session continues on server 1",
        profile,
        200,
        backend=1,
        also=PARTICIPANT_NAME in profile.text,
        detail=PARTICIPANT_NAME,
    )

    course = person.request("GET", facts["course"], backend=2)
    expect(report, "course page", course, 200, backend=2)
    lesson = person.request("GET", facts["lesson"], backend=1)
    expect(report, "lesson with an H5P activity", lesson, 200, backend=1)
    kinds["HTML page, signed in"] = lesson

    players = re.search(
        r'<script id="h5p-players" type="application/json">(.*?)</script>', lesson.text, re.S
    )
    activity = next(iter(json.loads(players.group(1))["activities"].values())) if players else None
    report.add(
        "journey",
        "lesson frames the player from the H5P host",
        activity and activity["player"].startswith(stack.h5p_origin),
        activity["player"][:60] if activity else "no players",
    )
    if activity:
        player_path = urlsplit(activity["player"]).path
        h5p_visitor = Visitor(stack)  # the sandboxed frame: no cookies of the site
        player = h5p_visitor.request("GET", player_path, host=H5P_NAME, backend=2)
        expect(
            report,
            "H5P player (cookie-less host)",
            player,
            200,
            backend=2,
            also=not player.all("Set-Cookie"),
        )
        kinds["H5P player"] = player
        package_file = h5p_visitor.request(
            "GET", player_path + "archivos/h5p.json", host=H5P_NAME, backend=1
        )
        expect(
            report,
            "H5P package file",
            package_file,
            200,
            backend=1,
            also=package_file.header("Content-Type").startswith("application/json"),
        )
        kinds["H5P package file"] = package_file
        refused = h5p_visitor.request("POST", player_path, host=H5P_NAME, json_body={})
        report.add(
            "journey", "H5P host refuses anything but GET", refused.status == 403, response=refused
        )
        other = h5p_visitor.request("GET", "/", host=H5P_NAME)
        report.add(
            "journey", "H5P host serves nothing of the site", other.status == 404, response=other
        )
        kinds["404 (H5P host, nginx)"] = other

        result = person.request(
            "POST",
            activity["results"],
            backend=2,
            json_body={"statements": [h5p_statement(facts["h5p_iri"])]},
        )
        accepted = result.status == 200 and json.loads(result.body or b"{}").get("accepted") == 1
        expect(
            report,
            "H5P result recorded",
            result,
            200,
            backend=2,
            also=accepted,
            detail=result.text[:60],
        )

    start = person.request("POST", facts["quiz_start"], backend=1)
    attempt_path = location(start)
    expect(report, "quiz started", start, 302, backend=1, also="/cuestionario/" in attempt_path)
    attempt = person.request("GET", attempt_path, backend=2)
    expect(report, "quiz attempt page", attempt, 200, backend=2)
    choice = re.search(
        r'<input type="(?:radio|checkbox)" name="(q-[^"]+)" value="([^"]+)"', attempt.text
    )
    save_path = attempt_path + "guardar/"
    saved = person.request(
        "POST",
        save_path,
        backend=1,
        json_body={"fields": {choice.group(1): [choice.group(2)]} if choice else {}},
    )
    expect(
        report, "quiz answer saved (JSON)", saved, 200, backend=1, also=b"saved_at" in saved.body
    )
    kinds["JSON"] = saved
    submitted = person.request("POST", attempt_path + "enviar/", backend=2)
    result_path = location(submitted)
    expect(report, "quiz submitted", submitted, 302, backend=2, also="resultado" in result_path)
    graded = person.request("GET", result_path, backend=1)
    expect(report, "quiz result", graded, 200, backend=1)

    workshop = person.request("GET", facts["workshop"], backend=2)
    expect(
        report,
        "workshop page",
        workshop,
        200,
        backend=2,
        also=facts["workshop_register"] in workshop.text,
    )
    registered_at = time.time()
    register = person.request("POST", facts["workshop_register"], backend=1)
    expect(report, "register for the workshop", register, 302, backend=1)
    status = stack.sql(
        "SELECT status FROM lms_registration WHERE workshop_id = %s AND participant_id = %s",
        (facts["workshop_id"], facts["participant_id"]),
    )
    report.add(
        "journey", "registration confirmed in the database", status == [("confirmed",)], str(status)
    )

    task_table = stack.sql(
        "SELECT tablename FROM pg_tables WHERE tablename LIKE %s", ("%dbtaskresult",)
    )[0][0]
    done = wait_until(
        lambda: stack.sql(
            f"SELECT status, worker_ids FROM {task_table} "  # noqa: S608 - a table name from the catalogue
            "WHERE task_path LIKE %s AND args_kwargs::text LIKE %s AND status = 'SUCCESSFUL'",
            ("%send_registration_email", "%confirmed%"),
        )
    )
    mail = wait_until(
        lambda: [
            path
            for path in stack.mail_dir.glob("*")
            if path.stat().st_mtime >= registered_at - 1
            and PARTICIPANT_EMAIL in path.read_text(errors="replace")
        ],
        timeout=10,
    )
    report.add(
        "journey",
        "confirmation email sent by the task worker",
        bool(done and mail),
        f"task by worker {done[0][1][0][:24]}, {len(mail)} mail file(s)"
        if done and mail
        else f"task: {done or 'not run'}; mail files: {len(mail or [])}",
    )

    ready = wait_until(
        lambda: stack.sql(
            "SELECT pdf FROM lms_certificate WHERE id = %s AND pdf_status = 'ready'",
            (facts["certificate_pk"],),
        )
    )
    report.add(
        "journey",
        "certificate PDF rendered by the task worker",
        bool(ready),
        ready[0][0] if ready else "not ready",
    )
    pdf = person.request("GET", facts["certificate_pdf"], backend=2)
    expect(
        report,
        "certificate PDF download",
        pdf,
        200,
        backend=2,
        also=pdf.body.startswith(b"%PDF") and "attachment" in pdf.header("Content-Disposition"),
    )
    kinds["file download: certificate PDF"] = pdf
    facts["certificate_file"] = ready[0][0] if ready else ""

    document = person.request("GET", facts["document"], backend=1)
    expect(report, "document through Wagtail's view", document, 200, backend=1)
    kinds["file download: document"] = document

    missing = person.request("GET", "/no-existe-esta-pagina/", backend=2)
    expect(report, "unknown page", missing, 404, backend=2)
    kinds["404 page"] = missing


def h5p_statement(iri: str) -> dict:
    """One correct answer to the demo activity, as the player reports it."""
    return {
        "actor": {"name": "Participante", "mbox": f"mailto:{PARTICIPANT_EMAIL}"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
        "object": {"id": iri, "objectType": "Activity"},
        "result": {
            "score": {"min": 0, "raw": 1, "max": 1, "scaled": 1},
            "completion": True,
            "success": True,
        },
    }


def rate_limit(stack: Stack, facts: dict, report: Report) -> None:
    """Certificate lookups per client address, counted in the shared cache by both servers."""
    path = f"/verificar/{facts['certificate_code']}/"
    for _attempt in range(2):  # again if the minute's window turned during the burst
        window = int(time.time() // 60)
        limited = Visitor(stack, LIMITED_CLIENT)
        statuses = [
            limited.request("GET", path, backend=1 + n % 2).status for n in range(LOOKUP_LIMIT + 2)
        ]
        other = Visitor(stack, OTHER_CLIENT).request("GET", path, backend=1)
        if int(time.time() // 60) == window:
            break
    expected = [200] * LOOKUP_LIMIT + [429, 429]
    report.add(
        "rate limit",
        f"{LOOKUP_LIMIT} lookups per minute from {LIMITED_CLIENT}, alternating servers",
        statuses == expected,
        " ".join(f"{status}@{1 + n % 2}" for n, status in enumerate(statuses)),
    )
    report.add(
        "rate limit",
        f"another client ({OTHER_CLIENT}) is not limited",
        other.status == 200,
        response=other,
    )


def static_and_media(stack: Stack, facts: dict, report: Report, kinds: dict[str, Response]) -> None:
    manifest = json.loads((stack.workdir / "static" / "staticfiles.json").read_text())["paths"]
    visitor = Visitor(stack)
    css = visitor.request("GET", "/static/" + manifest["css/site.css"])
    immutable = "immutable" in css.header("Cache-Control")
    report.add(
        "nginx",
        "static file, hashed name, cached for a year",
        css.status == 200 and immutable,
        css.header("Cache-Control"),
        response=css,
    )
    kinds["static file"] = css
    player_js = visitor.request("GET", "/static/" + manifest["h5p-standalone/frame.bundle.js"])
    cors = player_js.header("Access-Control-Allow-Origin") == "*"
    report.add(
        "nginx",
        "H5P player script, open to sandboxed frames (CORS)",
        player_js.status == 200 and cors,
        player_js.header("Access-Control-Allow-Origin"),
        response=player_js,
    )
    kinds["static file (H5P player)"] = player_js
    image = visitor.request("GET", facts["image"])
    report.add(
        "nginx",
        "media image",
        image.status == 200 and image.header("Content-Type").startswith("image/"),
        image.header("Content-Type"),
        response=image,
    )
    kinds["media image"] = image

    private = {
        "document": "/media/" + facts["document_file"],
        "document, by ../": "/media/images/../" + facts["document_file"],
        "certificate PDF": "/media/" + facts.get("certificate_file", "certificados/x.pdf"),
        "H5P package file": f"/media/h5p/content/{facts['h5p_key']}/h5p.json",
    }
    for label, path in private.items():
        exists = (
            stack.media_root / path.removeprefix("/media/").replace("images/../", "")
        ).is_file()
        denied = visitor.request("GET", path)
        report.add(
            "nginx",
            f"direct {path.split('/')[2]}/ refused: {label}",
            denied.status == 403 and exists,
            "the file exists; nginx answers 403" if exists else "file missing",
            response=denied,
        )
        kinds.setdefault("refusal (private media)", denied)

    anonymous = Visitor(stack)
    bounced = anonymous.request("GET", PROFILE_PATH)
    report.add(
        "nginx",
        "signed-out visitor sent to log in",
        bounced.status == 302 and location(bounced).startswith(LOGIN_PATH),
        bounced.header("Location"),
        response=bounced,
    )
    kinds["redirect (app)"] = bounced
    plain = anonymous.request("GET", "/caja/?a=1", plain_http=True)
    report.add(
        "nginx",
        "plain HTTP redirected to HTTPS",
        plain.status == 301
        and plain.header("Location").startswith(f"https://{SITE_NAME}")
        and plain.header("Location").endswith("/caja/?a=1"),
        plain.header("Location"),
        response=plain,
    )
    kinds["redirect HTTP to HTTPS (nginx)"] = plain


def security_headers(kinds: dict[str, Response], report: Report) -> None:
    for kind, response in kinds.items():
        headers_check(
            report,
            kind,
            response,
            expect_status=response.status if response.status in (200, 301, 302, 403, 404) else 200,
            https=not kind.startswith("redirect HTTP"),
            sandboxed=kind.startswith("H5P"),
        )


# --- Output -------------------------------------------------------------------------


def print_report(report: Report, stack: Stack) -> None:
    sections = {
        "journey": "Journey through nginx (server = the app server it was pinned to)",
        "rate limit": "Rate limit shared by both app servers",
        "nginx": "Files nginx serves or refuses",
        "headers": None,
    }
    for section, title in sections.items():
        if title is None:
            continue
        rows = [check for check in report.checks if check.section == section]
        print(f"\n{title}")
        print(f"  {'check':<52} {'server':>6} {'status':>6}  result")
        for check in rows:
            verdict = "ok" if check.ok else "FAIL"
            print(
                f"  {check.name:<52} {check.backend:>6} {check.status:>6}  {verdict:<4} {check.detail}"
            )

    print("\nSecurity headers by kind of response")
    print(f"  {'response':<32} {'status':>6}  " + " ".join(f"{c:<8}" for c in HEADER_COLUMNS))
    for kind, response, verdicts in report.header_rows:
        cells = " ".join(
            f"{verdicts[c] if verdicts[c] in ('ok', 'n/a') else 'FAIL':<8}" for c in HEADER_COLUMNS
        )
        print(f"  {kind:<32} {response.status:>6}  {cells}")
    for check in report.checks:
        if check.section == "headers" and not check.ok:
            print(f"  {check.name}: {check.detail}")

    served = [stack.requests_served(n) for n in (1, 2)]
    print(
        f"\nRequests served: app server 1 {served[0]}, app server 2 {served[1]} (their access logs)"
    )
    failures = report.failures
    print(f"{len(report.checks)} checks, {len(failures)} failed.")


def main(argv=None) -> int:
    # A stop from outside (timeout, CI) unwinds like Ctrl-C, so the stack is torn down.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    report = Report()
    kinds: dict[str, Response] = {}
    print("Aula production smoke test: two app servers behind nginx, on loopback")
    try:
        with production_stack(CERTIFICATE_LOOKUPS_PER_MINUTE=str(LOOKUP_LIMIT)) as stack:
            brought_up = stack
            try:
                facts = facts_of(stack)
                journey(stack, facts, report, kinds)
                rate_limit(stack, facts, report)
                static_and_media(stack, facts, report, kinds)
                security_headers(kinds, report)
            except Exception as error:  # report what was checked, then the cause
                report.add("journey", "the smoke test ran to its end", False, repr(error))
                print_report(report, stack)
                print(f"\nServer logs (last lines):\n{stack.tails()}")
                raise
            print_report(report, stack)
            if report.failures:
                print(f"\nServer logs (last lines):\n{stack.tails()}")
    except StackError as error:
        print(f"smoke: the stack did not come up: {error}")
        return 2
    left = leftovers(brought_up)
    if left:
        print(f"FAIL: the stack left behind: {', '.join(left)}")
        return 1
    print("Stack torn down: every process stopped, database dropped, directory removed.")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
