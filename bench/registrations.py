"""A registration burst: 600 people register at once for a 120-seat workshop, over HTTP.

Run from the project root (`make bench` runs it after the page benchmark):

    .venv/bin/python -m bench.registrations [--people N] [--seats S] [--concurrency C]

It builds a throwaway production-like site (as bench.pages does), creates the
workshop and N participants each with a logged-in session, serves the site with
gunicorn and sends every registration as a browser form does (POST with the
session and CSRF token), many at once. Then it prints p50/p95 and checks the
database: exactly S confirmed, N − S waitlisted in the order they were served,
and no errors.
"""

import argparse
import http.client
import re
import secrets
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.pages import (
    HOST,
    REQUEST_TIMEOUT,
    Result,
    bench_environment,
    free_port,
    log_tail,
    manage,
    start_server,
    stop_server,
    wait_until_ready,
)

SLUG = "taller-rafaga"

SETUP = """
from datetime import timedelta
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.utils import timezone
from lms.models import GAD, Participant, Session, User, Workshop
from lms.services.people import current_privacy_version

workshop = Workshop.objects.create(
    title="Ráfaga de inscripciones", slug="{slug}", status="published", capacity={seats}
)
start = timezone.now() + timedelta(days=7)
Session.objects.create(workshop=workshop, starts_at=start, ends_at=start + timedelta(hours=2))
gads = list(GAD.objects.order_by("code")[:200])
users = User.objects.bulk_create(
    [User(email=f"rafaga{{n}}@example.org", password="!") for n in range({people})]
)
Participant.objects.bulk_create([
    Participant(user=user, full_name=f"Persona {{n}}", email=user.email, gad=gads[n % len(gads)],
                sex="female", consent_version=current_privacy_version(), consent_at=timezone.now())
    for n, user in enumerate(users)
])
for user in users:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "allauth.account.auth_backends.AuthenticationBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    print("SESSION=" + store.session_key)
print("COOKIES=" + settings.SESSION_COOKIE_NAME + " " + settings.CSRF_COOKIE_NAME)
"""

CHECK = """
from lms.models import Registration
rows = Registration.objects.filter(workshop__slug="{slug}")
print("CONFIRMED=%d" % rows.filter(status="confirmed").count())
print("WAITLISTED=%d" % rows.filter(status="waitlisted").count())
"""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=600)
    parser.add_argument("--seats", type=int, default=120)
    parser.add_argument("--concurrency", type=int, default=16)
    return parser.parse_args(argv)


def register(
    port: int, session_key: str, cookies: list[str], result: Result, lock: threading.Lock
) -> None:
    """`cookies`: the names of the session and CSRF cookies, as the settings give them."""
    csrf = secrets.token_hex(16)  # a browser's CSRF cookie: any secret, echoed in the header
    session_cookie, csrf_cookie = cookies
    cookie = f"{session_cookie}={session_key}; {csrf_cookie}={csrf}"
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    started = time.perf_counter()
    status, location, error = None, "", ""
    try:
        connection.request(
            "POST",
            f"/talleres/{SLUG}/inscribirme/",
            body=b"",
            headers={"Cookie": cookie, "X-CSRFToken": csrf, "Content-Length": "0"},
        )
        response = connection.getresponse()
        response.read()
        status = response.status
        location = response.getheader("Location") or ""
    except (OSError, http.client.HTTPException) as failure:
        error = repr(failure)
    finally:
        connection.close()
    elapsed = time.perf_counter() - started
    with lock:
        result.requests += 1
        result.latencies.append(elapsed)
        # A registration answers with a redirect back to the workshop's page.
        if status != 302 or not location.endswith(f"/talleres/{SLUG}/"):
            result.errors += 1
            result.first_error = result.first_error or error or f"HTTP {status} {location}"


def main(argv=None) -> int:
    args = parse_args(argv)
    print(
        f"Registration burst: {args.people} people, {args.seats} seats, "
        f"{args.concurrency} at a time"
    )
    with tempfile.TemporaryDirectory(prefix="aula-bench-", ignore_cleanup_errors=True) as tmp:
        workdir = Path(tmp)
        env = bench_environment(workdir)
        for step in (("migrate", "--noinput", "-v0"), ("createcachetable",)):
            manage(env, *step)
        output = manage(
            env, "shell", "-c", SETUP.format(slug=SLUG, seats=args.seats, people=args.people)
        )
        sessions = re.findall(r"^SESSION=(\S+)$", output, re.MULTILINE)
        cookies = re.search(r"^COOKIES=(.+)$", output, re.MULTILINE).group(1).split()
        port, log_path = free_port(), workdir / "gunicorn.log"
        server = start_server(env, port, "sync", log_path)
        result, lock = Result("registration"), threading.Lock()
        try:
            if not wait_until_ready(server, port):
                print(f"bench: gunicorn did not answer\n{log_tail(log_path)}")
                return 2
            pending = iter(sessions)
            pending_lock = threading.Lock()

            def worker():
                while True:
                    with pending_lock:
                        key = next(pending, None)
                    if key is None:
                        return
                    register(port, key, cookies, result, lock)

            started = time.perf_counter()
            threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            result.seconds = time.perf_counter() - started
        finally:
            stop_server(server)
        counts = manage(env, "shell", "-c", CHECK.format(slug=SLUG))
        confirmed = int(re.search(r"CONFIRMED=(\d+)", counts).group(1))
        waitlisted = int(re.search(r"WAITLISTED=(\d+)", counts).group(1))
    print(
        f"\n{'registrations':<14} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'confirmed':>9} {'waitlisted':>10} {'errors':>6}"
    )
    print(
        f"{result.requests:<14} {result.rate:>7.1f} {result.percentile_ms(50):>7.1f} "
        f"{result.percentile_ms(95):>7.1f} {confirmed:>9} {waitlisted:>10} {result.errors:>6}"
    )
    expected = (args.seats, args.people - args.seats, 0)
    got = (confirmed, waitlisted, result.errors)
    verdict = "holds" if got == expected else "does NOT hold"
    print(
        f"\nGoal: {expected[0]} confirmed / {expected[1]} waitlisted / 0 errors: {verdict} "
        f"({confirmed} / {waitlisted} / {result.errors})"
    )
    if result.first_error:
        print(f"First error: {result.first_error}")
    return 0 if got == expected else 1


if __name__ == "__main__":
    sys.exit(main())
