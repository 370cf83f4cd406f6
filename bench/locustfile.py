"""The load generator of bench.load: participants, a trainer and a manager, driven by locust.

bench.load prepares the run and starts this in a process of its own, because gevent
(which locust runs on) patches the standard library and the Django side of the bench
must not share that:

    python -m bench.locustfile PLAN.json RESULTS.json

Locust is used as a library: an Environment, a local runner and FastHttpUsers, brought
in at a rate that spreads the participants over the plan's spawning time. Each
participant does one journey as a browser would: forms with their CSRF token, the JSON
the page's scripts send, and no redirect followed without a request of its own. Then
it stays idle, because the runner replaces a user that stops. The trainer and the
manager are one user each, acting at points of the run. Every request is timed and
judged here, and what succeeded goes into a ledger that bench.load checks against the
database.
"""

import csv
import hashlib
import hmac
import io
import itertools
import json
import random
import re
import resource
import struct
import sys
import time
import uuid
from datetime import datetime, timedelta
from html.parser import HTMLParser
from http.cookiejar import DefaultCookiePolicy
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import gevent
import gevent.local
import gevent.socket
import gevent.ssl
from geventhttpclient.connectionpool import ConnectionPool
from locust import FastHttpUser, constant, task
from locust.env import Environment

from bench.load import PAGE, STAFF, WRITE

LOGIN_PATH = "/cuenta/login/"
TWO_FACTOR_PATH = "/cuenta/dos-pasos/"
# Some participants take the quiz twice, tap "submit" twice, or mistype the code.
SECOND_ATTEMPT_SHARE = 0.25
DOUBLE_TAP_SHARE = 0.1
WRONG_CODE_SHARE = 0.1
PROGRESS_SECONDS = 30

# What each participant's action is, for the report: reading a page, or writing. The
# trainer's and the manager's actions go in a group of their own (Staff.send).
KINDS = {
    **dict.fromkeys(
        ("login page", "profile", "course page", "lesson", "h5p player", "quiz page",
         "quiz attempt", "quiz result", "workshop page", "check-in page", "my learning"),
        PAGE,
    ),
    **dict.fromkeys(
        ("log in", "enrol", "h5p results", "mark done", "quiz start", "quiz autosave",
         "quiz submit", "register", "check in", "check in, wrong code"),
        WRITE,
    ),
}  # fmt: skip


class Stopped(Exception):
    """A step failed: the rest of this journey cannot happen."""


class Missing(Exception):
    """A response lacks what the next step needs."""


# --- What the run saw ---------------------------------------------------------------


class Run:
    def __init__(self, plan: dict):
        self.plan = plan
        self.started = time.monotonic()
        self.people = iter(enumerate(plan["participants"]))
        self.finished = 0
        self.staff_finished = 0
        self.confirmed_people: list[dict] = []
        self.actions: dict[str, dict] = {}
        self.ledger = {
            "registered": [],
            "confirmed": [],
            "waitlisted": [],
            "checked_in": [],
            "submitted": {},
            "h5p": {},
            "imported": [],
            "imports_applied": 0,
            "exports": [],
            "journeys_done": 0,
            "journeys_aborted": 0,
        }

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def wait_until(self, share: float) -> None:
        """Sleep until `share` of the spawning time has gone by."""
        gevent.sleep(max(0.0, share * self.plan["spawn_seconds"] - self.elapsed()))

    def on_request(self, name, response_time, exception=None, **_kwargs) -> None:
        action = self.actions.setdefault(
            name, {"kind": KINDS.get(name, STAFF), "latencies": [], "errors": 0, "failures": []}
        )
        action["latencies"].append(round(response_time, 1))
        if exception is not None:
            action["errors"] += 1
            if len(action["failures"]) < 3:
                action["failures"].append(str(exception)[:300])


RUN: Run
# The address the current greenlet's connections come from (its user's office).
SOURCE = gevent.local.local()


# --- Reading pages ------------------------------------------------------------------


def found(pattern: str, text: str, what: str) -> str:
    match = re.search(pattern, text or "", re.DOTALL)
    if match is None:
        raise Missing(f"no {what} on the page")
    return match.group(1)


def csrf_token(response) -> str:
    return found(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text, "CSRF token")


def form(suffix: str, what: str):
    """A parser of the page's CSRF token and the address of the form posting to `…suffix`."""

    def parse(response) -> tuple[str, str]:
        action = found(rf'action="([^"]+{re.escape(suffix)})"', response.text, what)
        return csrf_token(response), action

    return parse


def json_script(text: str, element_id: str) -> dict:
    pattern = rf'<script id="{element_id}" type="application/json">(.*?)</script>'
    return json.loads(found(pattern, text, element_id))


def redirect(*, starts: str = "", pattern: str = ""):
    """A parser of where a redirect leads, which must start with `starts` and match `pattern`."""

    def parse(response) -> str:
        target = urlsplit(response.headers.get("Location") or "")
        where = target.path + (f"?{target.query}" if target.query else "")
        if not where.startswith(starts) or (pattern and not re.search(pattern, where)):
            raise Missing(f"redirected to {where or 'nowhere'}")
        return where

    return parse


class QuizForm(HTMLParser):
    """The attempt's form: its token, where it saves and submits, and its questions' fields."""

    def __init__(self, text: str):
        super().__init__()
        self.inside = False
        self.select = None
        self.csrf = self.action = self.save_url = ""
        self.hidden: list[tuple[str, str]] = []
        self.choices: dict[str, tuple[str, list[str]]] = {}
        self.feed(text)
        if not (self.csrf and self.action and self.save_url and self.choices):
            raise Missing("no quiz form on the page")

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and "data-quiz-form" in attributes:
            self.inside = True
            self.action = attributes.get("action", "")
            self.save_url = attributes.get("data-save-url", "")
        if not self.inside:
            return
        name, value = attributes.get("name"), attributes.get("value") or ""
        if tag == "input" and name:
            kind = attributes.get("type", "text")
            if name == "csrfmiddlewaretoken":
                self.csrf = value
            elif kind == "hidden":
                self.hidden.append((name, value))
            elif kind in ("radio", "checkbox"):
                self.choices.setdefault(name, (kind, []))[1].append(value)
            elif kind == "text":
                self.choices[name] = ("text", [])
        elif tag == "select" and name:
            self.select = name
            self.choices[name] = ("select", [])
        elif tag == "option" and self.select and value:
            self.choices[self.select][1].append(value)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None

    def answer(self, rng: random.Random) -> list[list[tuple[str, str]]]:
        """Someone's answers, question field by question field, as (name, value) pairs."""
        answers = []
        for name, (kind, values) in self.choices.items():
            if kind == "checkbox":
                picked = rng.sample(values, rng.randint(1, len(values)))
            elif kind == "text":
                picked = [rng.choice(("Retorno", "retorno", "tránsito"))]
            else:
                picked = [rng.choice(values)]
            answers.append([(name, value) for value in picked])
        return answers


def zoom_report(title: str, starts_at: datetime, ends_at: datetime, people, tz) -> bytes:
    """The session's Zoom participant report (2024 layout, as lms.demo_workshops writes it)."""

    def stamp(moment: datetime) -> str:
        return moment.astimezone(tz).strftime("%m/%d/%Y %I:%M:%S %p")

    host = ("Capacitación AME", "capacitacion@ame.gob.ec")
    rows = [(*host, starts_at - timedelta(minutes=5), ends_at)]
    for index, person in enumerate(people):
        joined = starts_at + timedelta(minutes=2 + (20 if index % 5 == 1 else index % 10))
        # Every fourth stayed a quarter of an hour: too little to count as present.
        left = joined + timedelta(minutes=15) if index % 4 == 0 else ends_at - timedelta(minutes=3)
        rows.append((person["name"], person["email"], joined, left))
    rows.append(("Invitado (Tablet)", "", starts_at + timedelta(minutes=10), ends_at))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        ["Topic", "ID", "Host", "Duration (minutes)", "Start time", "End time", "Participants"]
    )
    minutes = int((ends_at - starts_at).total_seconds() // 60) + 5
    start, end = stamp(starts_at - timedelta(minutes=5)), stamp(ends_at)
    writer.writerow([title, "845 1234 5678", host[0], minutes, start, end, len(rows)])
    writer.writerow([""] * 7)
    writer.writerow(
        ["Name (original name)", "Email", "Join time", "Leave time", "Duration (minutes)", "Guest"]
    )
    for name, email, joined, left in rows:
        duration = int((left - joined).total_seconds() // 60)
        guest = "No" if email else "Yes"
        writer.writerow([name, email, stamp(joined), stamp(left), duration, guest])
    return "\ufeff".encode() + out.getvalue().encode()


def multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]):
    """A multipart/form-data body, as a browser sends a form with a file."""
    boundary = f"----aula{uuid.uuid4().hex}"
    body = io.BytesIO()
    for name, value in fields:
        body.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    for name, filename, content in files:
        body.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
        )
        body.write(content + b"\r\n")
    body.write(f"--{boundary}--\r\n".encode())
    return body.getvalue(), f"multipart/form-data; boundary={boundary}"


def totp(key: bytes, *, step: int = 30, digits: int = 6) -> str:
    """The code an authenticator app shows now (RFC 6238, as django-otp checks it)."""
    digest = hmac.new(key, struct.pack(">Q", int(time.time()) // step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 10**digits:0{digits}d}"


# --- The users ----------------------------------------------------------------------


class Visitor(FastHttpUser):
    """A browser: one cookie jar, and every request judged as it comes back."""

    abstract = True
    wait_time = constant(0)
    network_timeout = 60.0
    connection_timeout = 60.0

    def on_start(self):
        # Production's cookies are Secure. Over a plain-HTTP --url (a server without its
        # TLS proxy) send them as a browser would over HTTPS; over HTTPS nothing changes.
        self.client.cookiejar.set_policy(DefaultCookiePolicy(secure_protocols=("https", "http")))
        # A redirect is followed by a request of its own (or not at all). Set once for the
        # client rather than per request: two requests at once (a double tap) would race
        # on locust's per-request switch.
        self.client.client.redirect_response_codes = frozenset()
        self.page_url = ""
        self.started = False
        self.address = ""

    def idle(self) -> bool:
        """After its one journey a user waits for the end of the run (see the module's doc)."""
        if self.started:
            gevent.sleep(60)
            return True
        self.started = True
        return False

    def get(self, action: str, path: str, *, parse=None, navigate: bool = True):
        """A page (or file); `navigate` is False for a frame's page, which the tab never shows."""
        value = self.send(action, "GET", path, parse=parse)
        if navigate:
            self.page_url = self.url(path)
        return value

    def post(
        self,
        action: str,
        path: str,
        *,
        fields=None,
        body=None,
        content_type="",
        headers=None,
        expect=302,
        parse=None,
    ):
        """A form (`fields`) or a script's request (`body`) from the page last opened."""
        if fields is not None:
            body, content_type = urlencode(fields), "application/x-www-form-urlencoded"
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(RUN.plan["base_url"]))
        sent = {"Origin": origin, "Content-Type": content_type, **(headers or {})}
        return self.send(action, "POST", path, body=body, headers=sent, expect=expect, parse=parse)

    @staticmethod
    def url(path: str) -> str:
        return path if path.startswith(("https:", "http:")) else RUN.plan["base_url"] + path

    def send(self, action, method, path, *, body=None, headers=None, expect=200, parse=None):
        """The request; what `parse` read from its response, or Stopped when it is not right."""
        url = self.url(path)
        SOURCE.address = self.address
        sent = {"Referer": self.page_url or RUN.plan["base_url"] + "/", **(headers or {})}
        problem, value = None, None
        with self.client.request(
            method,
            url,
            name=action,
            data=body,
            headers=sent,
            catch_response=True,
        ) as response:
            if response.status_code != expect:
                location = response.headers.get("Location") or ""
                problem = f"HTTP {response.status_code} {location}".strip()
            elif parse is not None:
                try:
                    value = parse(response)
                except (Missing, ValueError, KeyError) as error:
                    problem = str(error) or type(error).__name__
            if problem:
                response.failure(problem)
            else:
                response.success()
        if problem:
            raise Stopped(f"{action}: {problem}")
        return value


class Participant(Visitor):
    """A GAD official: logs in, registers and checks in, takes the course's first steps and quiz."""

    @task
    def journey(self):
        if self.idle():
            return
        picked = next(RUN.people, None)
        if picked is None:
            return
        number, self.person = picked
        self.address = self.person["address"]
        self.rng = random.Random(f"{RUN.plan['seed']}:{number}")
        try:
            self.log_in()
            self.attend()
            self.learn()
            self.get("my learning", "/aprendizaje/")
            RUN.ledger["journeys_done"] += 1
        except Stopped:
            RUN.ledger["journeys_aborted"] += 1
        finally:
            RUN.finished += 1

    def think(self):
        gevent.sleep(self.rng.uniform(*RUN.plan["think"]))

    def log_in(self):
        token = self.get("login page", LOGIN_PATH, parse=csrf_token)
        self.think()
        fields = {
            "csrfmiddlewaretoken": token,
            "login": self.person["email"],
            "password": RUN.plan["password"],
        }
        after = self.post(
            "log in", LOGIN_PATH, fields=fields, parse=redirect(pattern=r"^/(?!cuenta/login)")
        )
        self.get("profile", after)

    def learn(self):
        course = RUN.plan["course_url"]
        self.think()
        token, enrol = self.get("course page", course, parse=form("/inscribirme/", "enrol form"))
        self.think()
        self.post("enrol", enrol, fields={"csrfmiddlewaretoken": token})
        first = self.get(
            "course page",
            course,
            parse=lambda r: found(rf'href="({re.escape(course)}[^"]+/)"', r.text, "first step"),
        )
        self.think()

        def lesson(response):
            return (*form("/terminar/", "mark-done form")(response),
                    json_script(response.text, "h5p-players"))  # fmt: skip

        token, done, players = self.get("lesson", first, parse=lesson)
        self.play(players)
        self.think()
        following = self.post(
            "mark done", done, fields={"csrfmiddlewaretoken": token}, parse=redirect(starts=course)
        )
        token, done = self.get("lesson", following, parse=form("/terminar/", "mark-done form"))
        self.think()
        quiz = self.post(
            "mark done", done, fields={"csrfmiddlewaretoken": token}, parse=redirect(starts=course)
        )
        self.take_quiz(quiz)
        if self.rng.random() < SECOND_ATTEMPT_SHARE:
            self.take_quiz(quiz)

    def play(self, players: dict):
        """The H5P activity: its sandboxed player, then the statements the lesson page relays."""
        activity = players["activities"][str(RUN.plan["activity_id"])]
        iri = self.get(
            "h5p player",
            activity["player"],
            parse=lambda r: json_script(r.text, "h5p-config")["xAPIObjectIRI"],
            navigate=False,
        )
        self.think()
        actor = {"name": self.person["name"], "mbox": f"mailto:{self.person['email']}"}
        target = {"id": iri, "objectType": "Activity"}
        score = {"min": 0, "raw": 1, "max": 1, "scaled": 1}
        statements = [
            # Progress within the activity: valid, but not recorded.
            {"verb": {"id": "http://adlnet.gov/expapi/verbs/interacted"}},
            {
                "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
                "result": {"score": score, "completion": True, "success": True},
            },
        ]
        for statement in statements:
            statement.update(
                id=str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
                actor=actor,
                object=target,
            )

        def judged(response) -> int:
            counts = response.json()
            if counts.get("accepted") != 1 or counts.get("ignored") != 1:
                raise Missing(f"judged {counts}")
            return counts["accepted"]

        accepted = self.post(
            "h5p results",
            activity["results"],
            body=json.dumps({"statements": statements}),
            content_type="application/json",
            headers={"X-CSRFToken": players["csrf"]},
            expect=200,
            parse=judged,
        )
        key = str(self.person["id"])
        RUN.ledger["h5p"][key] = RUN.ledger["h5p"].get(key, 0) + accepted

    def take_quiz(self, quiz: str):
        token, start = self.get("quiz page", quiz, parse=form("/empezar/", "start form"))
        self.think()
        attempt_url = self.post(
            "quiz start",
            start,
            fields={"csrfmiddlewaretoken": token},
            parse=redirect(pattern=r"/cuestionario/\d+/$"),
        )
        attempt_id = int(attempt_url.rstrip("/").rsplit("/", 1)[1])
        quiz_form = self.get("quiz attempt", attempt_url, parse=lambda r: QuizForm(r.text))
        answers = quiz_form.answer(self.rng)
        # quiz.js sends what is answered about a second after each change: half, then all.
        for given in (answers[: len(answers) // 2], answers):
            self.think()
            fields = {}
            for name, value in [*quiz_form.hidden, *itertools.chain.from_iterable(given)]:
                fields.setdefault(name, []).append(value)
            self.post(
                "quiz autosave",
                quiz_form.save_url,
                body=json.dumps({"fields": fields}),
                content_type="application/json",
                headers={"X-CSRFToken": quiz_form.csrf, "Accept": "application/json"},
                expect=200,
                parse=lambda r: r.json()["saved_at"],
            )
        self.think()
        pairs = [
            ("csrfmiddlewaretoken", quiz_form.csrf),
            *quiz_form.hidden,
            *itertools.chain.from_iterable(answers),
        ]
        result = redirect(pattern=rf"/cuestionario/{attempt_id}/resultado/$")

        def submit():
            return self.post("quiz submit", quiz_form.action, fields=pairs, parse=result)

        if self.rng.random() < DOUBLE_TAP_SHARE:
            # A double tap on a slow connection: both land on the same result.
            taps = [gevent.spawn(submit) for _ in range(2)]
            gevent.joinall(taps)
            failed = next((tap.exception for tap in taps if tap.exception), None)
            if failed is not None:
                raise failed
            outcome = taps[0].value
        else:
            outcome = submit()
        RUN.ledger["submitted"].setdefault(str(self.person["id"]), []).append(attempt_id)
        self.get("quiz result", outcome)

    def attend(self):
        workshop = f"/talleres/{RUN.plan['workshop']['slug']}/"
        check_in = f"{workshop}asistencia/"
        self.think()
        token, register = self.get(
            "workshop page", workshop, parse=form("/inscribirme/", "register form")
        )
        self.think()
        self.post(
            "register",
            register,
            fields={"csrfmiddlewaretoken": token},
            parse=redirect(pattern=rf"^{re.escape(workshop)}$"),
        )
        RUN.ledger["registered"].append(self.person["id"])

        def seat(response) -> bool:
            if "badge--ok" in response.text:
                return True
            found(r"(<span class=\"badge\">)", response.text, "waitlist position")
            return False

        if not self.get("workshop page", workshop, parse=seat):
            RUN.ledger["waitlisted"].append(self.person["id"])
            return
        RUN.ledger["confirmed"].append(self.person["id"])
        RUN.confirmed_people.append(self.person)
        self.think()

        def check_in_form(response):
            if "quiz-score--passed" in response.text:
                return None  # the trainer's report already counted them in
            session = found(r'name="sesion" value="(\d+)"', response.text, "session")
            return csrf_token(response), session

        form_values = self.get("check-in page", check_in, parse=check_in_form)
        if form_values is None:
            return
        token, session = form_values
        code = RUN.plan["session"]["code"]
        if self.rng.random() < WRONG_CODE_SHARE:
            self.think()
            typo = code[:-1] + str((int(code[-1]) + 1) % 10)  # the last digit off by one
            wrong = {"csrfmiddlewaretoken": token, "sesion": session, "code": typo}
            self.post("check in, wrong code", check_in, fields=wrong, expect=400)
        self.think()
        self.post(
            "check in",
            check_in,
            fields={"csrfmiddlewaretoken": token, "sesion": session, "code": code},
            parse=redirect(pattern=rf"^{re.escape(check_in)}$"),
        )
        RUN.ledger["checked_in"].append(self.person["id"])
        self.get("check-in page", check_in)


class Staff(Visitor):
    abstract = True
    fixed_count = 1
    role = ""

    def send(self, action, *args, **kwargs):
        # Reported apart: a handful of requests each, by people with other needs.
        return super().send(f"{self.role}: {action}", *args, **kwargs)

    def log_in_staff(self, account: dict, target: str):
        """The login form, then the code of their authenticator app on the two-factor page."""
        self.address = account["address"]
        token = self.get("login page", LOGIN_PATH, parse=csrf_token)
        fields = {
            "csrfmiddlewaretoken": token,
            "login": account["email"],
            "password": RUN.plan["password"],
        }
        self.post("log in", LOGIN_PATH, fields=fields)
        verify = f"{TWO_FACTOR_PATH}?{urlencode({'next': target})}"
        token = self.get("two-factor page", verify, parse=csrf_token)
        code = totp(bytes.fromhex(account["totp_key"]))
        fields = {"csrfmiddlewaretoken": token, "next": target, "code": code}
        self.post("two-factor code", verify, fields=fields, parse=redirect(starts=target))


class Trainer(Staff):
    """The AME trainer: shows the check-in code; once half the seats are taken, imports the
    session's Zoom report (everyone confirmed so far, the host and a guest)."""

    role = "trainer"

    @task
    def work(self):
        if self.idle():
            return
        session = RUN.plan["session"]
        try:
            self.log_in_staff(RUN.plan["trainer"], "/capacitacion/")
            self.get("home", "/capacitacion/")
            self.get(
                "check-in code page",
                f"/capacitacion/sesiones/{session['id']}/codigo/",
                parse=lambda r: found(rf"({session['code'][:3]})", r.text, "check-in code"),
            )
            # The report comes in while people still register and check in.
            while len(RUN.confirmed_people) < RUN.plan["workshop"]["capacity"] // 2:
                if RUN.elapsed() > RUN.plan["spawn_seconds"]:
                    break
                gevent.sleep(1)
            self.import_report(session)
        except Stopped:
            pass
        finally:
            RUN.staff_finished += 1

    def import_report(self, session: dict):
        people = list(RUN.confirmed_people)
        report = zoom_report(
            "Movilidad humana en el PDOT: taller de carga",
            datetime.fromisoformat(session["starts_at"]),
            datetime.fromisoformat(session["ends_at"]),
            people,
            ZoneInfo(RUN.plan["time_zone"]),
        )
        upload = f"/capacitacion/sesiones/{session['id']}/importar/"
        review = f"{upload}revisar/"
        token = self.get("report upload page", upload, parse=csrf_token)
        body, content_type = multipart(
            [("csrfmiddlewaretoken", token)], [("report", "reporte-zoom.csv", report)]
        )
        where = self.post(
            "report upload",
            upload,
            body=body,
            content_type=content_type,
            parse=redirect(starts=f"{review}?archivo="),
        )

        def rows(response):
            chosen = {}
            for name, options in re.findall(
                r'<select id="(fila-\d+)" name="fila-\d+">(.*?)</select>', response.text, re.DOTALL
            ):
                selected = re.search(r'<option value="(\d*)"[^>]*\bselected\b', options)
                chosen[name] = selected.group(1) if selected else ""
            matched = {int(value) for value in chosen.values() if value}
            if matched != {person["id"] for person in people}:
                raise Missing(f"the report names {len(people)} registrants, {len(matched)} found")
            archive = found(r'name="archivo" value="([^"]+)"', response.text, "report token")
            return csrf_token(response), archive, chosen

        token, archive, chosen = self.get("report review", where, parse=rows)
        fields = [
            ("csrfmiddlewaretoken", token),
            ("archivo", archive),
            ("remember", "1"),
            *chosen.items(),
            ("action", "apply"),
        ]
        roster = self.post(
            "report apply", review, fields=fields, parse=redirect(pattern="/asistencia/$")
        )
        RUN.ledger["imports_applied"] += 1
        RUN.ledger["imported"] = [person["id"] for person in people]
        self.get("roster", roster)


class Manager(Staff):
    """The programme manager: exports the attendance rows a few times during the run."""

    role = "manager"

    @task
    def work(self):
        if self.idle():
            return

        def rows(response) -> int:
            if "text/csv" not in (response.headers.get("Content-Type") or ""):
                raise Missing("not a CSV file")
            return max(0, response.text.count("\n") - 1)

        try:
            self.log_in_staff(RUN.plan["manager"], "/admin/informes/")
            self.get("reports dashboard", "/admin/informes/")
            for share in RUN.plan["exports_at"]:
                RUN.wait_until(share)
                count = self.get("attendance export", RUN.plan["export_path"], parse=rows)
                RUN.ledger["exports"].append(count)
        except Stopped:
            pass
        finally:
            RUN.staff_finished += 1


# --- Main ---------------------------------------------------------------------------


def resolve_localhost(getaddrinfo):
    """Names under .localhost are the loopback address, as browsers resolve them (RFC 6761).

    The stack's H5P files come from h5p.localhost, which the system's resolver may not know.
    """

    def resolve(host, *args, **kwargs):
        if host == "localhost" or str(host).endswith(".localhost"):
            host = "127.0.0.1"
        return getaddrinfo(host, *args, **kwargs)

    return resolve


def from_own_address(create_tcp_socket):
    """geventhttpclient's socket factory, binding each socket to its user's address."""

    def create(pool, family, socktype, protocol):
        sock = create_tcp_socket(pool, family, socktype, protocol)
        address = getattr(SOURCE, "address", "")
        if address and family == gevent.socket.AF_INET:
            sock.bind((address, 0))
        return sock

    return create


def progress(runner, total: int) -> str:
    requests = sum(len(a["latencies"]) for a in RUN.actions.values())
    errors = sum(a["errors"] for a in RUN.actions.values())
    return (
        f"  {RUN.elapsed():5.0f} s: {runner.user_count} users, {RUN.finished}/{total} journeys "
        f"done, {requests} requests, {errors} errors"
    )


def main(argv=None) -> int:
    plan_path, results_path = argv or sys.argv[1:]
    global RUN
    with open(plan_path) as plan_file:
        RUN = Run(json.load(plan_file))
    plan = RUN.plan
    gevent.socket.getaddrinfo = resolve_localhost(gevent.socket.getaddrinfo)
    ConnectionPool._create_tcp_socket = from_own_address(ConnectionPool._create_tcp_socket)
    if plan["cafile"]:
        # Trust the run's own certificate, and only it.
        Visitor.ssl_context_factory = staticmethod(
            lambda: gevent.ssl.create_default_context(cafile=plan["cafile"])
        )
        Visitor.insecure = False
    total = len(plan["participants"])
    environment = Environment(
        user_classes=[Participant, Trainer, Manager], host=plan["base_url"], catch_exceptions=True
    )
    environment.events.request.add_listener(RUN.on_request)
    runner = environment.create_local_runner()
    users = total + 2
    RUN.started = time.monotonic()
    runner.start(users, spawn_rate=users / plan["spawn_seconds"])
    deadline = plan["spawn_seconds"] + plan["tail_seconds"]
    last = 0.0
    while RUN.finished < total or RUN.staff_finished < 2:
        if RUN.elapsed() > deadline:
            print(f"  gave up waiting after {deadline:.0f} s", flush=True)
            break
        if RUN.elapsed() - last >= PROGRESS_SECONDS:
            last = RUN.elapsed()
            print(progress(runner, total), flush=True)
        gevent.sleep(1)
    elapsed = RUN.elapsed()
    runner.quit()
    print(progress(runner, total), flush=True)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    with open(results_path, "w") as results_file:
        json.dump(
            {
                "actions": RUN.actions,
                "ledger": RUN.ledger,
                "elapsed": elapsed,
                "client_cpu": usage.ru_utime + usage.ru_stime,
            },
            results_file,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
