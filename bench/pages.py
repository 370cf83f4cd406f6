"""Throughput and latency of Aula's pages, against a bare Django view on the same stack.

Run from the project root with the virtualenv's python (`make bench`):

    .venv/bin/python -m bench.pages [--requests N] [--concurrency C] [--rounds R]

It builds a throwaway production-like site in a temporary directory (SQLite,
database cache, collected static files, demo content), serves it with gunicorn
on 127.0.0.1 and sends a fixed number of requests to each URL over a fixed
number of HTTP/1.1 connections. See bench/README.md for how to read the output.
"""

import argparse
import base64
import http.client
import itertools
import json
import math
import os
import re
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
WORKERS = 2
START_TIMEOUT = 60
STOP_TIMEOUT = 10
REQUEST_TIMEOUT = 30
WARMUP_REQUESTS = 200
GOAL_RATIO = 0.5
FLOOR = "floor"
CACHED_PAGE = "toolkit"
TOOLKIT_PATH = "/caja-de-herramientas/diagnostico-movilidad-humana-en-el-territorio/"
# A logged-in participant reading a lesson: never cached, gated, and it records the visit.
LESSON = "enrolled lesson"
# The lesson page posting one H5P statement, as the player reports a participant's answer.
H5P_RESULT = "h5p result"
LESSON_GOAL_RATIO = 0.15
# The demo participant account that `seed_demo` creates (its password is printed by seed_demo).
PARTICIPANT_EMAIL = "participante@aula.example.org"
PARTICIPANT_PASSWORD = "aula-demo-2026"  # noqa: S105 - a throwaway demo account
LOGIN_PATH = "/cuenta/login/"


@dataclass(frozen=True)
class Target:
    label: str
    path: str
    # A query string unique to each request gives every request its own page-cache
    # key (the key is the full path), so each one renders the page.
    unique_query: bool = False
    # Sent with the session cookie of a logged-in participant (one login per connection).
    logged_in: bool = False
    # A JSON body makes it a POST, sent with the session's CSRF token as a browser's script does.
    json_body: bytes = b""


TARGETS = (
    Target(FLOOR, "/bench/floor/"),
    Target("home", "/"),
    Target(CACHED_PAGE, TOOLKIT_PATH),
    Target("toolkit uncached", TOOLKIT_PATH, unique_query=True),
)

# Run with `manage.py shell -c` after seed_demo: makes sure the demo participant is
# enrolled in a course (creating a small one if the demo has none yet) and prints the
# address of a lesson they may open.
LESSON_SETUP = f"""
from django.contrib.auth import get_user_model
from cms.models import HomePage
from courses.models import CourseIndexPage, CoursePage, LessonPage
from lms.models import Enrolment, Participant, StepProgress
from lms.services.learning import enrol

participant = Participant.objects.get(user__email="{PARTICIPANT_EMAIL}")
course = CoursePage.objects.live().order_by("path").first()
if course is None:
    home = HomePage.objects.first()
    index = CourseIndexPage.objects.first() or home.add_child(
        instance=CourseIndexPage(title="Cursos", slug="cursos")
    )
    course = index.add_child(instance=CoursePage(
        title="Curso de prueba", slug="curso-de-prueba", summary="Un curso para medir."
    ))
    text = "<p>" + "La movilidad humana en el territorio y la planificación local. " * 40 + "</p>"
    for n in range(1, 6):
        course.add_child(instance=LessonPage(
            title=f"Lección {{n}}", slug=f"leccion-{{n}}", body=[("paragraph", text)]
        ))
enrolment = Enrolment.objects.filter(participant=participant, course=course).first()
if enrolment is None or not enrolment.is_active:
    trainer = get_user_model().objects.filter(is_superuser=True).first()
    enrolment = enrol(participant=participant, course=course, enrolled_by=trainer)
done = set(
    StepProgress.objects.filter(enrolment=enrolment, completed_at__isnull=False)
    .values_list("step_id", flat=True)
)
for step in course.get_children().live().specific().order_by("path"):
    if isinstance(step, LessonPage):
        print("LESSON_PATH=" + step.url)
        break
    if step.required and step.pk not in done:
        break

from django.urls import reverse
from courses.blocks import h5p_requirements
from lms.services.h5p import activity_iri
for lesson in LessonPage.objects.child_of(course).live().order_by("path"):
    found = h5p_requirements(lesson.body)
    if found:
        activity_id = found[0][0]
        print("H5P_RESULTS_PATH=" + reverse("lms:h5p_results", args=[course.pk, lesson.pk, activity_id]))
        print("H5P_IRI=" + activity_iri(activity_id))
        break
"""


@dataclass
class Result:
    label: str
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    client_cpu: float = 0.0
    body_bytes: int = 0
    cache_hits: int = 0
    latencies: list[float] = field(default_factory=list)
    first_error: str = ""

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def add(self, other: "Result") -> None:
        self.requests += other.requests
        self.errors += other.errors
        self.seconds += other.seconds
        self.client_cpu += other.client_cpu
        self.body_bytes += other.body_bytes
        self.cache_hits += other.cache_hits
        self.latencies.extend(other.latencies)
        self.first_error = self.first_error or other.first_error

    def percentile_ms(self, percent: float) -> float:
        # Nearest rank: a latency some request actually had, not an interpolation.
        ordered = sorted(self.latencies)
        if not ordered:
            return 0.0
        rank = max(1, math.ceil(percent / 100 * len(ordered)))
        return ordered[rank - 1] * 1000


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per URL")
    parser.add_argument("--concurrency", type=int, default=8, help="open connections")
    parser.add_argument(
        "--rounds", type=int, default=4, help="passes over all URLs, each sending its share"
    )
    parser.add_argument(
        "--worker-class",
        default="sync",
        help="gunicorn worker class (sync, gunicorn's default, closes every connection)",
    )
    args = parser.parse_args(argv)
    if min(args.requests, args.concurrency, args.rounds) < 1:
        parser.error("--requests, --concurrency and --rounds must be at least 1")
    return args


# --- The site -------------------------------------------------------------------


def bench_environment(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        # A throwaway signing key for certificates: the run's database is thrown away too.
        CERTIFICATE_SIGNING_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}",
        STATIC_ROOT=str(workdir / "static"),
        MEDIA_ROOT=str(workdir / "media"),
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    command = [sys.executable, "manage.py", *args]
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stdout + done.stderr, file=sys.stderr)
        raise SystemExit(f"bench: `manage.py {args[0]}` failed")
    return done.stdout


def build_site(env: dict[str, str]) -> str:
    """Build the site; return the path of a lesson the demo participant may open."""
    steps = (
        ("migrate", "--noinput", "-v0"),
        ("createcachetable",),
        ("collectstatic", "--noinput", "-v0"),
        # Its output lists demo passwords, which have no place in a benchmark report.
        ("seed_demo",),
        ("shell", "-c", LESSON_SETUP),
    )
    output = ""
    for step in steps:
        started = time.perf_counter()
        output = manage(env, *step)
        label = "enrolled lesson" if step[0] == "shell" else step[0]
        print(f"  {label:<18} {time.perf_counter() - started:5.1f} s")
    found = re.search(r"^LESSON_PATH=(\S+)$", output, re.MULTILINE)
    if not found:
        raise SystemExit("bench: found no lesson for the demo participant")
    results = re.search(r"^H5P_RESULTS_PATH=(\S+)$", output, re.MULTILINE)
    iri = re.search(r"^H5P_IRI=(\S+)$", output, re.MULTILINE)
    h5p = (results.group(1), iri.group(1)) if results and iri else None
    return found.group(1), h5p


def h5p_statement(iri: str) -> bytes:
    """One correct answer to the demo activity, as the player reports it."""
    statement = {
        "actor": {"name": "Participante", "mbox": "mailto:participante@aula.example.org"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
        "object": {"id": iri, "objectType": "Activity"},
        "result": {
            "score": {"min": 0, "raw": 1, "max": 1, "scaled": 1},
            "completion": True,
            "success": True,
        },
    }
    return json.dumps({"statements": [statement]}).encode()


# --- The server -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_server(env, port: int, worker_class: str, log_path: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "cms.wsgi:application",
        f"--bind={HOST}:{port}",
        f"--workers={WORKERS}",
        f"--worker-class={worker_class}",
        f"--error-logfile={log_path}",
        "--log-level=warning",
        "--graceful-timeout=5",
        # Otherwise gunicorn leaves a control socket under $HOME.
        "--no-control-socket",
    ]
    # Its own session, so a Ctrl-C reaches only this script, which then stops it in order.
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, start_new_session=True)


def wait_until_ready(server: subprocess.Popen, port: int) -> bool:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        if answers(port):
            return True
        time.sleep(0.2)
    return False


def answers(port: int) -> bool:
    connection = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        return fetch(connection, "/bench/floor/")[0] == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        # The workers share the master's process group; take them down with it.
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def log_tail(log_path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- The client -----------------------------------------------------------------


def fetch(
    connection: http.client.HTTPConnection, path: str, cookie: str = "", json_body: bytes = b""
) -> tuple[int, int, bool]:
    """Status, body size and whether the page cache answered, reading the body to the end."""
    headers = {"Cookie": cookie} if cookie else {}
    if json_body:
        headers.update({"Content-Type": "application/json", "X-CSRFToken": csrf_token(cookie)})
        connection.request("POST", path, body=json_body, headers=headers)
    else:
        connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    return response.status, len(body), response.getheader("X-Page-Cache") == "hit"


def csrf_token(cookie: str) -> str:
    """The CSRF cookie's value, whatever prefix the settings give its name (__Host- in production)."""
    found = (m.value for name, m in SimpleCookie(cookie).items() if name.endswith("csrftoken"))
    return next(found, "")


def _cookies(response: http.client.HTTPResponse, jar: dict[str, str]) -> None:
    for header in response.headers.get_all("Set-Cookie") or []:
        for name, morsel in SimpleCookie(header).items():
            jar[name] = morsel.value


def log_in(port: int) -> str:
    """Log the demo participant in as a browser does (CSRF token, then POST); return the cookies."""
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    jar: dict[str, str] = {}
    try:
        connection.request("GET", LOGIN_PATH)
        response = connection.getresponse()
        page = response.read().decode()
        _cookies(response, jar)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if response.status != 200 or token is None:
            raise SystemExit(f"bench: the login page answered {response.status}")
        form = urlencode(
            {
                "csrfmiddlewaretoken": token.group(1),
                "login": PARTICIPANT_EMAIL,
                "password": PARTICIPANT_PASSWORD,
            }
        )
        connection.request(
            "POST",
            LOGIN_PATH,
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
            },
        )
        response = connection.getresponse()
        response.read()
        _cookies(response, jar)
    finally:
        connection.close()
    if response.status != 302 or not any("session" in name for name in jar):
        raise SystemExit(f"bench: logging in as {PARTICIPANT_EMAIL} failed ({response.status})")
    return "; ".join(f"{name}={value}" for name, value in jar.items())


class Load:
    """`total` requests to one target, shared by `concurrency` threads each with its own connection."""

    unique = itertools.count()  # shared by every run so no query string repeats

    def __init__(
        self, port: int, target: Target, total: int, concurrency: int, sessions: list[str]
    ):
        self.port = port
        self.target = target
        self.total = total
        self.concurrency = concurrency
        # One logged-in session per connection, made before the clock starts.
        self.sessions = sessions if target.logged_in else [""] * concurrency
        self.issued = itertools.count()
        self.result = Result(target.label)
        self.lock = threading.Lock()

    def path(self) -> str:
        if self.target.unique_query:
            return f"{self.target.path}?n={next(self.unique)}"
        return self.target.path

    def run(self) -> Result:
        threads = [
            threading.Thread(target=self.drive, args=(self.sessions[i],))
            for i in range(self.concurrency)
        ]
        cpu_before, started = client_cpu_seconds(), time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.result.seconds = time.perf_counter() - started
        self.result.client_cpu = client_cpu_seconds() - cpu_before
        return self.result

    def drive(self, cookie: str) -> None:
        # Fresh connections per run: an idle keep-alive connection left over from
        # the previous URL may have been closed by the server in between.
        connection = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        latencies, size, hits, errors, first_error = [], 0, 0, 0, ""
        try:
            # next() on itertools.count is atomic under the GIL, so no request is sent twice.
            while next(self.issued) < self.total:
                started = time.perf_counter()
                try:
                    status, length, hit = fetch(
                        connection, self.path(), cookie, self.target.json_body
                    )
                except (OSError, http.client.HTTPException) as error:
                    status, length, hit = None, 0, False
                    first_error = first_error or repr(error)
                    connection.close()
                latencies.append(time.perf_counter() - started)
                if status != 200:
                    errors += 1
                    first_error = first_error or f"HTTP {status}"
                size += length
                hits += hit
        finally:
            connection.close()
        self.collect(latencies, size, hits, errors, first_error)

    def collect(self, latencies, size, hits, errors, first_error) -> None:
        with self.lock:
            result = self.result
            result.latencies.extend(latencies)
            result.requests += len(latencies)
            result.body_bytes += size
            result.cache_hits += hits
            result.errors += errors
            result.first_error = result.first_error or first_error


def client_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def warm_up(port, targets, requests: int, concurrency: int, sessions) -> int:
    errors = 0
    for target in targets:
        # Each worker's first requests load templates, translations and the cached
        # page itself; none of that is what a busy server does.
        load = Load(port, target, min(requests, WARMUP_REQUESTS), concurrency, sessions)
        result = load.run()
        errors += result.errors
        if result.errors:
            print(f"  warm-up {target.label}: {result.errors} errors ({result.first_error})")
    return errors


def round_shares(requests: int, rounds: int) -> list[int]:
    rounds = min(rounds, requests)
    return [requests // rounds + (i < requests % rounds) for i in range(rounds)]


def measure(port, targets, requests: int, concurrency: int, rounds: int, sessions) -> list[Result]:
    # Interleaving the URLs in rounds spreads any drift in the machine's load (other
    # processes, CPU frequency) over all of them instead of favouring whichever ran first.
    totals = {target.label: Result(target.label) for target in targets}
    shares = round_shares(requests, rounds)
    for number, share in enumerate(shares, start=1):
        started = time.perf_counter()
        for target in targets:
            totals[target.label].add(Load(port, target, share, concurrency, sessions).run())
        print(f"  round {number}/{len(shares)} {time.perf_counter() - started:6.1f} s")
    return list(totals.values())


# --- The report -----------------------------------------------------------------


def format_table(results: list[Result]) -> str:
    floor_rate = next(r.rate for r in results if r.label == FLOOR)
    header = (
        f"{'URL':<18} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'vs floor':>8} {'avg KB':>7} {'cache hits':>10} {'client CPU':>10}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        hits = f"{100 * r.cache_hits / r.requests:.0f} %" if r.requests else "-"
        lines.append(
            f"{r.label:<18} {r.requests:>8} {r.errors:>6} {r.rate:>8.1f} "
            f"{r.percentile_ms(50):>7.1f} {r.percentile_ms(95):>7.1f} "
            f"{r.rate / floor_rate if floor_rate else 0:>8.2f} "
            f"{r.body_bytes / max(r.requests, 1) / 1024:>7.1f} {hits:>10} "
            f"{100 * r.client_cpu / r.seconds if r.seconds else 0:>8.0f} %"
        )
    return "\n".join(lines)


def format_goal(results: list[Result]) -> str:
    by_label = {r.label: r for r in results}
    floor_rate = by_label[FLOOR].rate
    lines = []
    for label, goal, name in (
        (CACHED_PAGE, GOAL_RATIO, "anonymous toolkit page (cached)"),
        (LESSON, LESSON_GOAL_RATIO, "enrolled participant's lesson"),
    ):
        if label not in by_label:
            continue
        page_rate = by_label[label].rate
        ratio = page_rate / floor_rate if floor_rate else 0.0
        verdict = "holds" if ratio >= goal else "does NOT hold"
        lines.append(
            f"Goal: {name} >= {goal:.2f} x floor: {verdict} "
            f"({page_rate:.1f} / {floor_rate:.1f} req/s = {ratio:.2f})"
        )
    return "\n".join(lines)


def print_report(results: list[Result], args: argparse.Namespace) -> None:
    print()
    print(format_table(results))
    print()
    print(format_goal(results))
    for r in results:
        if r.errors:
            print(f"First error on {r.label}: {r.first_error}")
    print(
        f"\n{WORKERS} gunicorn {args.worker_class} workers, {args.concurrency} client "
        f"connections, {os.cpu_count()} CPUs shared by server and client; latencies include "
        "queueing. Client CPU is the load generator's own use (100 % = one core)."
    )


# --- Main -----------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse_args(argv)
    cache = "redis (REDIS_URL)" if os.environ.get("REDIS_URL") else "database (SQLite)"
    print(f"Aula page benchmark: {args.requests} requests per URL, cache {cache}")
    # Read before this script adds its own load: anything else running skews every number.
    print(f"Load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="aula-bench-", ignore_cleanup_errors=True) as tmp:
        workdir = Path(tmp)
        env = bench_environment(workdir)
        print("Building the site:")
        lesson_path, h5p = build_site(env)
        targets = (*TARGETS, Target(LESSON, lesson_path, logged_in=True))
        if h5p:
            results_path, iri = h5p
            targets = (
                *targets,
                Target(H5P_RESULT, results_path, logged_in=True, json_body=h5p_statement(iri)),
            )
        port, log_path = free_port(), workdir / "gunicorn.log"
        server = start_server(env, port, args.worker_class, log_path)
        try:
            if not wait_until_ready(server, port):
                print(f"bench: gunicorn did not answer on {HOST}:{port}\n{log_tail(log_path)}")
                return 2
            # One login per client connection, reused by every run of the lesson.
            sessions = [log_in(port) for _ in range(args.concurrency)]
            print(f"Measuring (gunicorn on {HOST}:{port}; lesson {lesson_path}):")
            warmup_errors = warm_up(port, targets, args.requests, args.concurrency, sessions)
            results = measure(port, targets, args.requests, args.concurrency, args.rounds, sessions)
        finally:
            stop_server(server)
        print_report(results, args)
        if warmup_errors or any(r.errors for r in results):
            print(f"\nServer log (last lines):\n{log_tail(log_path)}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
