"""A load run on two app servers, then a consistency check of the database.

Run from the project root (`make load`):

    .venv/bin/python -m bench.load [--users 600] [--minutes 10] [--url URL --database-url URL]

The stack is bench.stack's (nginx with TLS in front of two gunicorn servers, one
PostgreSQL database, the task worker, production settings), brought up for the run and
torn down after it; or, with --url (the load balancer's base URL) and --database-url,
one already running.

It prepares the run's data in the database (participants with a known password, a
workshop with fewer seats than registrants and a session open for check-in now, a
trainer and a manager with an authenticator app), then bench.locustfile brings the
participants in over --minutes, each doing one journey, while the trainer imports the
session's video-call report and the manager exports the attendance. Then it prints
p50/p95/max and errors per action, the goal (no errors, page views under 500 ms at
the 95th percentile) and the consistency checks. See bench/README.md.
"""

import argparse
import contextlib
import json
import math
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Every account the run makes shares this password, hashed once.
PASSWORD = "carga-aula-2026"  # noqa: S105 - throwaway accounts of a load run
EMAIL_DOMAIN = "carga.aula.example.org"
GOAL_P95_MS = 500
# The demo course (seed_demo): lessons, an H5P activity in the first, a quiz after two.
COURSE_SLUG = "movilidad-humana-en-el-pdot"
# Share of registrants who get a seat: the rest go on the waitlist.
SEAT_SHARE = 1 / 3
# When the manager exports, as a share of the spawning time.
EXPORTS_AT = (0.3, 0.6, 0.9)
EXPORT_PATH = "/admin/informes/exportar/attendance.csv"
# How long the last participants may take after the spawning ends, before giving up.
TAIL_SECONDS = 600
PAGE, WRITE, STAFF = "participants' page views", "participants' writes", "trainer and manager"

FIRST_NAMES = ("María", "José", "Ana", "Luis", "Rosa", "Carlos", "Gabriela", "Diego",
               "Verónica", "Jorge", "Paola", "Andrés", "Lucía", "Fernando", "Daniela",
               "Marco", "Silvia", "Patricio", "Carmen", "Edison")  # fmt: skip
SURNAMES = ("Quishpe", "Mero", "Zambrano", "Vera", "Cedeño", "Loor", "Andrade", "Torres",
            "Guamán", "Chávez", "Moreira", "Intriago", "Pazmiño", "Naranjo", "Salazar",
            "Espinoza", "Macías", "Yánez", "Cevallos", "Ortiz", "Villacís", "Tapia",
            "Paredes", "Bravo", "Lema", "Caiza", "Toapanta", "Alcívar", "Ponce", "Rivas")  # fmt: skip


class RunError(Exception):
    """The run could not take place (as opposed to a goal or a check not met)."""


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=600, help="participants (default 600)")
    parser.add_argument(
        "--minutes", type=float, default=10, help="time over which they arrive (default 10)"
    )
    parser.add_argument("--url", help="base URL of a running stack (its load balancer)")
    parser.add_argument("--database-url", help="the running stack's database")
    parser.add_argument("--cafile", help="certificate to trust for the running stack's HTTPS")
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(1.0, 3.0),
        metavar=("MIN", "MAX"),
        help="seconds a participant pauses between steps (default 1 to 3)",
    )
    parser.add_argument("--seed", type=int, default=2026, help="seed of the journeys' choices")
    args = parser.parse_args(argv)
    if args.users < 3 or args.minutes <= 0:
        parser.error("--users must be at least 3 and --minutes positive")
    if bool(args.url) != bool(args.database_url):
        parser.error("--url and --database-url go together")
    if not 0 <= args.think[0] <= args.think[1]:
        parser.error("--think needs 0 <= MIN <= MAX")
    return args


# --- The stack ------------------------------------------------------------------


@dataclass
class Stack:
    """Where the load goes and the database behind it."""

    url: str
    database_url: str
    description: str
    # The environment the app servers run with (settings, cache), when known.
    env: dict[str, str] = field(default_factory=dict)
    logs: list[Path] = field(default_factory=list)
    # The certificate the clients trust, for HTTPS (none: not verified).
    cafile: str = ""


@contextlib.contextmanager
def production_stack() -> Iterator[Stack]:
    """bench.stack: nginx with TLS in front of two gunicorn servers, PostgreSQL, the worker."""
    from bench import stack as stack_module

    with stack_module.production_stack() as running:
        yield Stack(
            url=running.origin,
            database_url=running.env["DATABASE_URL"],
            description=(
                f"bench.stack: nginx (HTTPS), {stack_module.APP_SERVERS} gunicorn servers of "
                f"{stack_module.WORKERS_PER_SERVER} workers, PostgreSQL, task worker"
            ),
            env=running.env,
            logs=[process.log for process in running.processes.values()],
            cafile=str(running.certificate),
        )


def open_stack(args) -> contextlib.AbstractContextManager[Stack]:
    if args.url:
        return contextlib.nullcontext(
            Stack(
                url=args.url.rstrip("/"),
                database_url=args.database_url,
                description=f"running stack at {args.url}",
                cafile=args.cafile or "",
            )
        )
    return production_stack()


def setup_django(stack: Stack) -> None:
    """Django in this process, on the stack's database, for preparing and checking."""
    import django

    os.environ.update(stack.env)
    os.environ["DATABASE_URL"] = stack.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    # Production settings refuse to start without them; nothing this process writes
    # is signed, so throwaway values do (the servers keep their own).
    if len(os.environ.get("DJANGO_SECRET_KEY", "")) < 50:
        os.environ["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(64)
    if not os.environ.get("CERTIFICATE_SIGNING_KEY"):
        import base64

        os.environ["CERTIFICATE_SIGNING_KEY"] = base64.b64encode(secrets.token_bytes(32)).decode()
    django.setup()


# --- The run's data -------------------------------------------------------------


def person_name(number: int) -> str:
    """A distinct name for each of up to 18,000 people, as a video call would show it."""
    first = FIRST_NAMES[number % len(FIRST_NAMES)]
    surname = SURNAMES[(number // len(FIRST_NAMES)) % len(SURNAMES)]
    second = SURNAMES[(number // (len(FIRST_NAMES) * len(SURNAMES)) + 7) % len(SURNAMES)]
    return f"{first} {surname} {second}"


def office_address(number: int) -> str:
    """The loopback address standing for one office's connection (its NAT, seen from afar).

    Officials of one GAD share it, as they share their office's link; the app servers
    tell clients apart by address (login rate limits, lockouts).
    """
    return f"127.20.{number // 250}.{number % 250 + 1}"


def _path(url: str) -> str:
    return urlsplit(url).path


def _staff(*, tag: str, role: str, group: str, password_hash: str, address: str) -> dict:
    """A trainer's or a manager's account, with an authenticator app; their plan entry."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import Group
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from lms.models import User

    user = User.objects.create(
        email=f"{role}.{tag}@{EMAIL_DOMAIN}",
        first_name=role.capitalize(),
        last_name="Carga",
        is_staff=True,
        password=password_hash,
    )
    user.groups.add(Group.objects.get(name=group))
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    # Their authenticator app: the load generator computes its codes from this key.
    key = secrets.token_hex(20)
    TOTPDevice.objects.create(user=user, name="Aplicación de autenticación", key=key)
    return {"id": user.pk, "email": user.email, "totp_key": key, "address": address}


def prepare(*, users: int, minutes: float, think, seed: int, stack: Stack) -> dict:
    """Accounts, a workshop and its open session for this run; the plan the load generator follows."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.utils import timezone

    from courses.blocks import h5p_requirements
    from courses.models import CoursePage, LessonPage, QuizPage
    from lms import roles
    from lms.models import GAD, Participant, Session, User, Workshop
    from lms.services.attendance import check_in_code
    from lms.services.people import current_privacy_version

    course = CoursePage.objects.live().filter(slug=COURSE_SLUG).first()
    if course is None:
        raise RunError(f"the demo course ({COURSE_SLUG}) is missing: run seed_demo")
    lessons = list(LessonPage.objects.child_of(course).live().order_by("path")[:2])
    quiz = QuizPage.objects.child_of(course).live().order_by("path").first()
    activities = h5p_requirements(lessons[0].body) if lessons else []
    if len(lessons) < 2 or quiz is None or not activities:
        raise RunError("the demo course lacks two lessons, an H5P activity or a quiz")

    tag = f"{time.strftime('%m%d%H%M')}{secrets.token_hex(2)}"
    now = timezone.now()
    # Hashing takes a good part of a second on purpose: once, for every account.
    password_hash = make_password(PASSWORD)
    gads = list(GAD.objects.filter(level=GAD.Level.MUNICIPAL).order_by("code"))
    with transaction.atomic():
        accounts = User.objects.bulk_create(
            [
                User(
                    email=f"participante.{tag}.{n:04d}@{EMAIL_DOMAIN}",
                    first_name=person_name(n).split(" ", 1)[0],
                    last_name=person_name(n).split(" ", 1)[1],
                    password=password_hash,
                )
                for n in range(users)
            ],
            batch_size=500,
        )
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in accounts],
            batch_size=500,
        )
        group = Group.objects.get(name=roles.PARTICIPANT)
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=u.pk, group_id=group.pk) for u in accounts],
            batch_size=500,
        )
        version = current_privacy_version()
        people = Participant.objects.bulk_create(
            [
                Participant(
                    user=account,
                    full_name=person_name(n),
                    email=account.email,
                    gad=gads[n % len(gads)],
                    sex=("female", "male")[n % 2],
                    consent_version=version,
                    consent_at=now,
                )
                for n, account in enumerate(accounts)
            ],
            batch_size=500,
        )
        # Both at AME's office, on one connection.
        staff = {}
        for role, group in (("capacitador", roles.TRAINER), ("gestora", roles.MANAGER)):
            staff[role] = _staff(
                tag=tag, role=role, group=group, password_hash=password_hash, address="127.30.0.1"
            )
        workshop = Workshop.objects.create(
            title=f"Movilidad humana en el PDOT: taller de carga {tag}",
            slug=f"taller-carga-{tag}",
            status=Workshop.Status.PUBLISHED,
            capacity=max(1, math.floor(users * SEAT_SHARE)),
            meeting_link="https://zoom.us/j/84512345678",
        )
        workshop.trainers.add(User.objects.get(pk=staff["capacitador"]["id"]))
        workshop.save()
        # Open for check-in from now until well after the last participant is done.
        session = Session.objects.create(
            workshop=workshop,
            starts_at=now - timedelta(minutes=5),
            ends_at=now + timedelta(minutes=minutes + 60),
        )
        following = now + timedelta(days=7)
        Session.objects.create(
            workshop=workshop, starts_at=following, ends_at=following + timedelta(hours=2)
        )
    return {
        "tag": tag,
        "base_url": stack.url,
        "cafile": stack.cafile,
        "password": PASSWORD,
        "spawn_seconds": minutes * 60,
        "tail_seconds": TAIL_SECONDS,
        "think": list(think),
        "seed": seed,
        "time_zone": str(timezone.get_default_timezone()),
        "participants": [
            {
                "id": p.pk,
                "email": p.email,
                "name": p.full_name,
                "address": office_address(n % len(gads)),
            }
            for n, p in enumerate(people)
        ],
        "course_url": _path(course.get_url()),
        "quiz_id": quiz.pk,
        "activity_id": activities[0][0],
        "workshop": {"id": workshop.pk, "slug": workshop.slug, "capacity": workshop.capacity},
        "session": {
            "id": session.pk,
            "starts_at": session.starts_at.isoformat(),
            "ends_at": session.ends_at.isoformat(),
            # Shown to the trainer during the session; the participants type it.
            "code": check_in_code(session),
        },
        "trainer": staff["capacitador"],
        "manager": staff["gestora"],
        "exports_at": list(EXPORTS_AT),
        "export_path": EXPORT_PATH,
    }


# --- The consistency checks -------------------------------------------------------


@dataclass
class Check:
    name: str
    checked: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def fail(self, message: str) -> None:
        self.failures.append(message)


def check_seats(workshop_ids: Iterable[int]) -> Check:
    """No workshop has more confirmed registrations than seats."""
    from django.db.models import Count, Q

    from lms.models import Workshop

    check = Check("no seat oversold")
    workshops = (
        Workshop.objects.filter(pk__in=list(workshop_ids), capacity__isnull=False)
        .annotate(confirmed=Count("registrations", filter=Q(registrations__status="confirmed")))
        .order_by("pk")
    )
    for workshop in workshops:
        check.checked += 1
        if workshop.confirmed > workshop.capacity:
            check.fail(
                f"workshop {workshop.slug}: {workshop.confirmed} confirmed for "
                f"{workshop.capacity} seats"
            )
    return check


def check_registrations(workshop_id: int, tried: Iterable[int]) -> Check:
    """Everyone who registered is confirmed or waitlisted, once; seats went first come, first served."""
    from lms.models import Registration, Workshop

    check = Check("registrations: confirmed + waitlisted = those who registered")
    tried = set(tried)
    workshop = Workshop.objects.get(pk=workshop_id)
    rows = list(
        Registration.objects.filter(workshop=workshop).values_list(
            "participant_id", "status", "registered_at"
        )
    )
    check.checked = len(rows)
    by_status = defaultdict(list)
    for participant_id, status, registered_at in rows:
        by_status[status].append((registered_at, participant_id))
    held = {p for _at, p in by_status["confirmed"] + by_status["waitlisted"]}
    if len(held) != len(tried) or held != tried:
        missing, extra = sorted(tried - held), sorted(held - tried)
        check.fail(
            f"{len(held)} confirmed or waitlisted for {len(tried)} who registered"
            + (f"; missing {missing[:5]}" if missing else "")
            + (f"; never registered {extra[:5]}" if extra else "")
        )
    if by_status["cancelled"]:
        check.fail(f"{len(by_status['cancelled'])} cancelled, though nobody cancelled")
    expected_confirmed = min(len(tried), workshop.capacity or len(tried))
    if len(by_status["confirmed"]) != expected_confirmed:
        check.fail(
            f"{len(by_status['confirmed'])} confirmed, expected {expected_confirmed} "
            f"({workshop.capacity} seats)"
        )
    if by_status["confirmed"] and by_status["waitlisted"]:
        last_seat = max(by_status["confirmed"])[0]
        first_waiting = min(by_status["waitlisted"])[0]
        if first_waiting < last_seat:
            check.fail("someone was waitlisted before a later registrant got a seat")
    return check


def check_attempts(quiz_id: int, submitted: dict[int, Iterable[int]]) -> Check:
    """Each successful submit is exactly one submitted attempt; numbers are 1, 2, 3… per person."""
    from lms.models import QuizAttempt

    check = Check("quiz attempts: one per successful submit, numbered without gaps")
    expected = {participant: set(ids) for participant, ids in submitted.items()}
    rows = QuizAttempt.objects.filter(
        quiz_id=quiz_id, enrolment__participant_id__in=list(expected)
    ).values_list("pk", "enrolment__participant_id", "number", "status")
    numbers = defaultdict(list)
    stored = defaultdict(set)
    for pk, participant_id, number, status in rows:
        check.checked += 1
        numbers[participant_id].append(number)
        if status == QuizAttempt.Status.SUBMITTED:
            stored[participant_id].add(pk)
    for participant_id, ids in sorted(expected.items()):
        if stored[participant_id] != ids:
            lost = sorted(ids - stored[participant_id])
            unseen = sorted(stored[participant_id] - ids)
            check.fail(
                f"participant {participant_id}: submitted attempts {sorted(stored[participant_id])}"
                f", submits that succeeded {sorted(ids)}"
                + (f" (lost {lost})" if lost else "")
                + (f" (more than submitted: {unseen})" if unseen else "")
            )
        got = sorted(numbers[participant_id])
        if got != list(range(1, len(got) + 1)):
            check.fail(f"participant {participant_id}: attempt numbers {got}")
    return check


def check_check_ins(session_id: int, checked_in: Iterable[int]) -> Check:
    """Every check-in that succeeded left the person present or late for the session."""
    from lms.models import Attendance

    check = Check("every check-in recorded")
    checked_in = set(checked_in)
    recorded = dict(
        Attendance.objects.filter(session_id=session_id, participant_id__in=checked_in).values_list(
            "participant_id", "status"
        )
    )
    check.checked = len(checked_in)
    missing = sorted(p for p in checked_in if p not in recorded)
    if missing:
        check.fail(f"{len(missing)} check-ins without attendance: participants {missing[:5]}")
    wrong = sorted(p for p, status in recorded.items() if status not in ("present", "late"))
    if wrong:
        check.fail(f"{len(wrong)} checked in but not present or late: participants {wrong[:5]}")
    return check


def check_h5p(activity_id: int, accepted: dict[int, int]) -> Check:
    """Each statement the server accepted is stored once, and counted once in the best result."""
    from django.db.models import Count

    from lms.models import H5PResult, H5PStatement

    check = Check("H5P statements stored once each")
    stored = dict(
        H5PStatement.objects.filter(activity_id=activity_id, participant_id__in=list(accepted))
        .values_list("participant_id")
        .annotate(n=Count("pk"))
    )
    results = defaultdict(list)
    for participant_id, statements in H5PResult.objects.filter(
        activity_id=activity_id, participant_id__in=list(accepted)
    ).values_list("participant_id", "statements"):
        results[participant_id].append(statements)
    for participant_id, count in sorted(accepted.items()):
        check.checked += count
        if stored.get(participant_id, 0) != count:
            check.fail(
                f"participant {participant_id}: {stored.get(participant_id, 0)} statements "
                f"stored, {count} accepted"
            )
        if results[participant_id] != [count]:
            check.fail(
                f"participant {participant_id}: best results counting {results[participant_id]} "
                f"statements, {count} accepted"
            )
    return check


def check_import(session_id: int, imported: Iterable[int], applied: int) -> Check:
    """The report the trainer applied is recorded once, with a row for each person it named."""
    from lms.models import Attendance, AttendanceImport

    check = Check("attendance report applied")
    imported = set(imported)
    check.checked = len(imported)
    records = AttendanceImport.objects.filter(session_id=session_id).count()
    if records != applied:
        check.fail(f"{records} imports recorded, {applied} applied")
    present = set(
        Attendance.objects.filter(session_id=session_id, participant_id__in=imported).values_list(
            "participant_id", flat=True
        )
    )
    missing = sorted(imported - present)
    if missing:
        check.fail(f"{len(missing)} people of the report without attendance: {missing[:5]}")
    return check


def run_checks(plan: dict, ledger: dict) -> list[Check]:
    def ids(key) -> list[int]:
        return [int(p) for p in ledger.get(key, [])]

    return [
        check_seats([plan["workshop"]["id"]]),
        check_registrations(plan["workshop"]["id"], ids("registered")),
        check_attempts(
            plan["quiz_id"],
            {int(p): set(a) for p, a in ledger.get("submitted", {}).items()},
        ),
        check_check_ins(plan["session"]["id"], ids("checked_in")),
        check_h5p(plan["activity_id"], {int(p): n for p, n in ledger.get("h5p", {}).items()}),
        check_import(plan["session"]["id"], ids("imported"), ledger.get("imports_applied", 0)),
    ]


# --- The report -------------------------------------------------------------------


def percentile(values: list[float], percent: float) -> float:
    """Nearest rank: a latency some request actually had."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[max(1, math.ceil(percent / 100 * len(ordered))) - 1]


def format_table(actions: dict) -> str:
    header = (
        f"{'action':<30} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}"
    )
    lines = []
    for kind in (PAGE, WRITE, STAFF):
        rows = sorted((name, a) for name, a in actions.items() if a["kind"] == kind)
        if not rows:
            continue
        lines += ["", kind[0].upper() + kind[1:], header, "-" * len(header)]
        every = []
        for name, action in rows:
            times = action["latencies"]
            every += times
            lines.append(
                f"{name:<30} {len(times):>8} {action['errors']:>6} {percentile(times, 50):>7.0f} "
                f"{percentile(times, 95):>7.0f} {max(times, default=0):>7.0f}"
            )
        errors = sum(a["errors"] for _n, a in rows)
        lines.append(
            f"{'all':<30} {len(every):>8} {errors:>6} {percentile(every, 50):>7.0f} "
            f"{percentile(every, 95):>7.0f} {max(every, default=0):>7.0f}"
        )
    return "\n".join(lines)


def goal_failures(actions: dict) -> list[str]:
    failures = []
    errors = sum(a["errors"] for a in actions.values())
    if errors:
        failures.append(f"{errors} errors")
    for name, action in sorted(actions.items()):
        if action["kind"] == PAGE and percentile(action["latencies"], 95) >= GOAL_P95_MS:
            p95 = percentile(action["latencies"], 95)
            failures.append(f"{name}: p95 {p95:.0f} ms")
    return failures


def print_report(results: dict, checks: list[Check], loads: list[float]) -> bool:
    actions = results["actions"]
    print(format_table(actions))
    for name, action in sorted(actions.items()):
        for message in action["failures"]:
            print(f"  error, {name}: {message}")
    ledger = results["ledger"]
    print(
        f"\nJourneys: {ledger['journeys_done']} completed, {ledger['journeys_aborted']} stopped "
        f"by an error; {len(ledger['registered'])} registered ("
        f"{len(ledger['confirmed'])} with a seat), {len(ledger['checked_in'])} checked in, "
        f"{sum(len(a) for a in ledger['submitted'].values())} quiz attempts submitted, "
        f"{sum(ledger['h5p'].values())} H5P statements accepted; "
        f"{ledger['imports_applied']} report applied ({len(ledger['imported'])} people), "
        f"{len(ledger['exports'])} exports ({', '.join(str(n) for n in ledger['exports'])} rows)."
    )
    print(
        f"Run: {results['elapsed']:.0f} s; load generator CPU {results['client_cpu']:.0f} s; "
        f"load average (1 min) {min(loads):.2f} to {max(loads):.2f}, mean "
        f"{sum(loads) / len(loads):.2f} on {os.cpu_count()} CPUs."
    )
    failures = goal_failures(actions)
    verdict = "met" if not failures else "NOT met (" + "; ".join(failures) + ")"
    print(f"\nGoal: 0 errors, p95 < {GOAL_P95_MS} ms for each participants' page view: {verdict}")
    print("\nConsistency of the database:")
    for check in checks:
        print(f"  {'OK  ' if check.ok else 'FAIL'} {check.name} ({check.checked} checked)")
        for failure in check.failures[:10]:
            print(f"       {failure}")
    return not failures and all(check.ok for check in checks)


def print_server_problems(logs: list[Path]) -> None:
    """Tracebacks and worker timeouts in the servers' logs, which the clients may not see."""
    for log in logs:
        try:
            lines = log.read_text(errors="replace").splitlines()
        except OSError:
            continue
        problems = [n for n, line in enumerate(lines) if "Traceback" in line or "TIMEOUT" in line]
        if problems:
            first = problems[0]
            print(f"\n{log.name}: {len(problems)} tracebacks or timeouts; the first:")
            print("\n".join(lines[first : first + 30]))


# --- Main ---------------------------------------------------------------------------


def run_load(plan: dict, workdir: Path) -> tuple[dict, list[float]]:
    """The load generator, in a process of its own; its results and the load averages seen."""
    plan_path, results_path = workdir / "plan.json", workdir / "results.json"
    plan_path.write_text(json.dumps(plan))
    command = [sys.executable, "-m", "bench.locustfile", str(plan_path), str(results_path)]
    generator = subprocess.Popen(command, cwd=PROJECT_ROOT, start_new_session=True)
    loads = [os.getloadavg()[0]]
    try:
        while generator.poll() is None:
            time.sleep(5)
            loads.append(os.getloadavg()[0])
    finally:
        if generator.poll() is None:
            generator.terminate()
            generator.wait()
    if generator.returncode != 0 or not results_path.exists():
        raise RunError(f"the load generator failed ({generator.returncode})")
    return json.loads(results_path.read_text()), loads


def main(argv=None) -> int:
    args = parse_args(argv)
    print(
        f"Aula load run: {args.users} participants over {args.minutes:g} minutes, "
        "a trainer importing a report, a manager exporting"
    )
    # Read before the run adds its own load: anything else running skews every figure.
    print(f"Load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    try:
        with (
            open_stack(args) as stack,
            tempfile.TemporaryDirectory(prefix="aula-load-run-") as tmp,
        ):
            print(f"Stack: {stack.description}; {stack.url}")
            setup_django(stack)
            started = time.perf_counter()
            plan = prepare(
                users=args.users,
                minutes=args.minutes,
                think=args.think,
                seed=args.seed,
                stack=stack,
            )
            print(f"Prepared run {plan['tag']} in {time.perf_counter() - started:.1f} s")
            results, loads = run_load(plan, Path(tmp))
            checks = run_checks(plan, results["ledger"])
            ok = print_report(results, checks, loads)
            print_server_problems(stack.logs)
    except (RunError, RuntimeError) as error:  # bench.stack's StackError is a RuntimeError
        print(f"bench.load: {error}", file=sys.stderr)
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
