"""The programme reports on national data: dashboard time and queries, export memory.

Run from the project root (`make bench` runs it after the certificates):

    .venv/bin/python -m bench.reports [--renders N] [--database-url URL]

It uses the national dataset of bench.national (generated first if the database does
not hold it yet, which takes a minute or two) and a small one generated the same way
at 1 % of the scale, with the production-like bench settings (DEBUG off, the staff
two-factor gate on). The programme manager of each dataset logs in as a browser would:
the login form, then a code from their authenticator app (computed from the TOTP
device's key) on the two-factor page. Each measurement then runs in a fresh process
that reuses that session cookie and sends its requests through Django's test client,
which goes through the whole middleware stack without a network in between:

- the dashboard (/admin/informes/), unfiltered and for one province: SQL queries of
  one render, then the median and the worst of N renders after two warm-up renders,
  on the national and on the small data;
- exporting all attendance rows as CSV, then as XLSX: the process reads the response
  chunk by chunk without keeping it and reports its peak resident memory (ru_maxrss),
  the rows it counted and the time.

The goals: the dashboard renders in under a second, its number of queries is the
same on small and on national data, and an export peaks under 300 MB.
"""

import argparse
import codecs
import csv
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

from bench import national
from bench.pages import HOST, PROJECT_ROOT, bench_environment, manage

GOAL_SECONDS = 1.0
GOAL_MEMORY_MB = 300
SMALL_SCALE = 0.01
WARMUP_RENDERS = 2
# Guayas: the province with most participants.
PROVINCE_CODE = "09"
VIEWS = ("unfiltered", "Guayas")
EXPORT_FORMATS = ("csv", "xlsx")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=10, help="timed dashboard renders")
    parser.add_argument(
        "--database-url",
        default=None,
        help="the national dataset's database (default: as bench.national); the small "
        "dataset goes in a database of the same name ending in _small",
    )
    # The measurements, each run in a process of its own by main().
    parser.add_argument("--worker", choices=("check", "login", "dashboard", "export"))
    parser.add_argument("--session", default="", help=argparse.SUPPRESS)
    parser.add_argument("--province", default="", help=argparse.SUPPRESS)
    parser.add_argument("--format", choices=EXPORT_FORMATS, default="csv", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.renders < 1:
        parser.error("--renders must be at least 1")
    return args


def small_database_url(url: str) -> str:
    head, _slash, name = url.rpartition("/")
    name, question, query = name.partition("?")
    return f"{head}/{name}_small{question}{query}"


# --- The workers (one process each, Django set up from the environment) ---------------


def _client(session_key: str = ""):
    from django.conf import settings
    from django.test import Client

    # bench.settings allows only 127.0.0.1 as host name.
    client = Client(SERVER_NAME=HOST)
    if session_key:
        client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return client


def _result(**values) -> None:
    print("RESULT=" + json.dumps(values))


def _fail(message: str) -> None:
    print("ERROR=" + message)
    sys.exit(1)


def worker_check() -> None:
    """Whether the reports URLs exist yet."""
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("reports_dashboard")
        reverse("reports_export", kwargs={"kind": "attendance", "fmt": "csv"})
    except NoReverseMatch as error:
        _fail(str(error))
    _result(ok=True)


def _totp_code(device) -> str:
    """The code the manager's authenticator app shows now (a fresh one if this was used)."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if device.last_t is not None and totp.t() <= device.last_t:
        # django-otp refuses a code twice: wait for the app's next one.
        time.sleep(device.step - (time.time() - device.t0) % device.step + 0.5)
    return f"{totp.token():0{device.digits}d}"


def worker_login() -> None:
    """Log the manager in as a browser does; print the session cookie and the data's size."""
    from django.conf import settings
    from django.urls import reverse
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from lms.models import Attendance, Enrolment, Participant, Registration, StepProgress

    client = _client()
    login = reverse("account_login")
    dashboard = reverse("reports_dashboard")
    if client.get(login).status_code != 200:
        _fail("the login page did not answer")
    response = client.post(
        login, {"login": national.MANAGER_EMAIL, "password": national.MANAGER_PASSWORD}
    )
    if response.status_code != 302:
        _fail(f"logging in as {national.MANAGER_EMAIL} answered {response.status_code}")
    gate = client.get(dashboard)
    verify = reverse("lms:two_factor_verify")
    if gate.status_code != 302 or not gate["Location"].startswith(verify):
        _fail(f"the dashboard did not ask for the second factor ({gate.status_code})")
    device = TOTPDevice.objects.get(user__email=national.MANAGER_EMAIL, confirmed=True)
    response = client.post(verify, {"code": _totp_code(device), "next": dashboard})
    if response.status_code != 302:
        _fail(f"the two-factor code was refused ({response.status_code})")
    status = client.get(dashboard).status_code
    if status != 200:
        _fail(f"the verified manager got {status} from the dashboard")
    _result(
        session=client.cookies[settings.SESSION_COOKIE_NAME].value,
        participants=Participant.objects.count(),
        enrolments=Enrolment.objects.count(),
        step_progress=StepProgress.objects.count(),
        registrations=Registration.objects.count(),
        attendance=Attendance.objects.count(),
    )


def worker_dashboard(session: str, renders: int, province_code: str) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from lms.models import Province

    url = reverse("reports_dashboard")
    if province_code:
        url += f"?provincia={Province.objects.get(code=province_code).pk}"
    client = _client(session)

    def render() -> int:
        response = client.get(url)
        if response.status_code != 200:
            _fail(f"GET {url} answered {response.status_code}")
        return len(response.content)

    for _ in range(WARMUP_RENDERS):
        render()
    with CaptureQueriesContext(connection) as queries:
        size = render()
    # Read now: the next requests empty the log it reads from (reset_queries).
    statements = [query["sql"] for query in queries.captured_queries]
    times = []
    for _ in range(renders):
        started = time.perf_counter()
        render()
        times.append(time.perf_counter() - started)
    _result(
        url=url,
        queries=len(statements),
        sql=statements,
        median=statistics.median(times),
        worst=max(times),
        kb=size / 1024,
    )


def _csv_records(chunks) -> int:
    """Count CSV records as they stream by, holding one line at a time."""

    def lines():
        pending = ""
        for text in codecs.iterdecode(chunks, "utf-8-sig"):
            parts = (pending + text).splitlines(keepends=True)
            # The last part waits for the rest of its line, unless it ends one.
            pending = parts.pop() if parts and not parts[-1].endswith(("\n", "\r")) else ""
            yield from parts
        if pending:
            yield pending

    return sum(1 for record in csv.reader(lines()) if record)


def _xlsx_rows(path: Path) -> int:
    """Count the rows of the workbook's first sheet, reading its XML in blocks."""
    with zipfile.ZipFile(path) as book:
        sheet = next(n for n in book.namelist() if n.startswith("xl/worksheets/sheet"))
        count, tail = 0, b""
        with book.open(sheet) as xml:
            while block := xml.read(1 << 20):
                data = tail + block
                count += data.count(b"<row ") + data.count(b"<row>")
                # Keep the end of the block so a tag cut in two is counted once, in the next.
                cut = max(data.rfind(b"<"), len(data) - 5)
                count -= data[cut:].count(b"<row ") + data[cut:].count(b"<row>")
                tail = data[cut:]
        return count + tail.count(b"<row ") + tail.count(b"<row>")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def worker_export(session: str, file_format: str) -> None:
    from django.urls import reverse

    from lms.models import Attendance

    url = reverse("reports_export", kwargs={"kind": "attendance", "fmt": file_format})
    client = _client(session)
    baseline = _peak_mb()
    size = 0

    def chunks(response):
        nonlocal size
        for chunk in response.streaming_content if response.streaming else [response.content]:
            size += len(chunk)
            yield chunk

    with tempfile.TemporaryDirectory(prefix="aula-bench-export-") as tmp:
        target = Path(tmp) / f"export.{file_format}"
        started = time.perf_counter()
        response = client.get(url)
        if response.status_code != 200:
            _fail(f"GET {url} answered {response.status_code}")
        if file_format == "csv":
            records = _csv_records(chunks(response))
        else:
            # To disk, not to memory: only the count is read back, after the clock stops.
            with target.open("wb") as out:
                for chunk in chunks(response):
                    out.write(chunk)
        seconds = time.perf_counter() - started
        peak = _peak_mb()
        response.close()
        if file_format == "xlsx":
            records = _xlsx_rows(target)
    _result(
        url=url,
        streamed=response.streaming,
        rows=records - 1,  # the header
        expected=Attendance.objects.count(),
        seconds=seconds,
        mb=size / 1024 / 1024,
        baseline_mb=baseline,
        peak_mb=peak,
    )


def run_worker(args) -> int:
    import django

    django.setup()
    if args.worker == "check":
        worker_check()
    elif args.worker == "login":
        worker_login()
    elif args.worker == "dashboard":
        worker_dashboard(args.session, args.renders, args.province)
    else:
        worker_export(args.session, args.format)
    return 0


# --- The run --------------------------------------------------------------------------


def environment(workdir: Path, url: str) -> dict[str, str]:
    env = bench_environment(workdir)
    env.update(DATABASE_URL=url, LOG_LEVEL="WARNING")
    return env


def work(env: dict[str, str], label: str, worker: str, *options: str) -> dict | None:
    """Run one measurement in a fresh process; its result, or None after printing why not."""
    command = [sys.executable, "-m", "bench.reports", "--worker", worker, *options]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    found = re.search(r"^RESULT=(.*)$", done.stdout, re.MULTILINE)
    if done.returncode == 0 and found:
        print(f"  {label:<40} {time.perf_counter() - started:6.1f} s")
        return json.loads(found.group(1))
    error = re.search(r"^ERROR=(.*)$", done.stdout, re.MULTILINE)
    detail = error.group(1) if error else "\n".join(done.stderr.strip().splitlines()[-25:])
    print(f"  {label}: FAILED: {detail}")
    return None


def generate(env: dict[str, str], url: str, scale: float) -> None:
    command = [sys.executable, "-m", "bench.national", "--database-url", url]
    command += ["--scale", f"{scale:g}"]
    if subprocess.run(command, cwd=PROJECT_ROOT, env=env).returncode != 0:
        raise SystemExit(f"bench: generating the data into {url} failed")


def normalised(sql: str) -> str:
    return re.sub(r"\b\d+\b", "N", re.sub(r"'[^']*'", "'…'", sql))


def query_difference(small: dict, large: dict) -> list[str]:
    """The statements run a different number of times on the two datasets."""
    a, b = Counter(map(normalised, small["sql"])), Counter(map(normalised, large["sql"]))
    return [
        f"    {a[sql]:>3} vs {b[sql]:>3}  {sql[:150]}"
        for sql in sorted(set(a) | set(b))
        if a[sql] != b[sql]
    ]


def verdict(ok: bool | None) -> str:
    return "not measured" if ok is None else ("OK" if ok else "NOT MET")


def print_report(data: dict, dashboards: dict, exports: dict, renders: int) -> bool:
    """The figures, then each goal with OK or NOT MET; whether every goal was met."""
    print(
        f"\n{'dashboard':<14} {'data':<9} {'queries':>7} {'median s':>9} {'worst s':>8} {'KB':>6}"
    )
    for (view, size), result in dashboards.items():
        if result is None:
            print(f"{view:<14} {size:<9} {'failed':>7}")
        else:
            print(
                f"{view:<14} {size:<9} {result['queries']:>7} {result['median']:>9.3f} "
                f"{result['worst']:>8.3f} {result['kb']:>6.0f}"
            )
    print(
        f"\n{'export':<18} {'rows':>9} {'in DB':>9} {'MB sent':>8} {'seconds':>8} "
        f"{'peak MB':>8} {'at start':>8} {'streamed':>8}"
    )
    for file_format, result in exports.items():
        label = f"attendance {file_format.upper()}"
        if result is None:
            print(f"{label:<18} {'failed':>9}")
        else:
            print(
                f"{label:<18} {result['rows']:>9,} {result['expected']:>9,} "
                f"{result['mb']:>8.1f} {result['seconds']:>8.1f} {result['peak_mb']:>8.0f} "
                f"{result['baseline_mb']:>8.0f} {'yes' if result['streamed'] else 'no':>8}"
            )

    national_renders = [r for (_v, size), r in dashboards.items() if size == "national"]
    worst = None
    if all(national_renders):
        worst = max(r["worst"] for r in national_renders)
    pairs = [(view, dashboards[(view, "small")], dashboards[(view, "national")]) for view in VIEWS]
    same = None
    if all(small and large for _view, small, large in pairs):
        same = all(small["queries"] == large["queries"] for _view, small, large in pairs)
    goals = [
        (
            f"dashboard < {GOAL_SECONDS:g} s",
            None if worst is None else worst < GOAL_SECONDS,
            "" if worst is None else f"worst of {renders} renders on national data: {worst:.3f} s",
        ),
        (
            "queries: same on small and national data",
            same,
            "; ".join(
                f"{view}: {small['queries']} / {large['queries']}"
                for view, small, large in pairs
                if small and large
            ),
        ),
    ]
    for file_format, result in exports.items():
        ok, detail = None, ""
        if result is not None:
            # A file that lacks rows proves nothing about memory.
            ok = result["peak_mb"] < GOAL_MEMORY_MB and result["rows"] == result["expected"]
            detail = f"{result['peak_mb']:.0f} MB, {result['rows']:,} rows"
            if result["rows"] != result["expected"]:
                detail += f" of {result['expected']:,}"
        goals.append((f"peak memory < {GOAL_MEMORY_MB} MB ({file_format.upper()})", ok, detail))
    print(f"\n{'goal':<44} {'result':<12} measured")
    for name, ok, detail in goals:
        print(f"{name:<44} {verdict(ok):<12} {detail}")
    for view, small, large in pairs:
        if small and large and small["queries"] != large["queries"]:
            print(f"\nStatements run a different number of times ({view}), small vs national:")
            print("\n".join(query_difference(small, large)))
    print(
        f"\nNational data: {data['participants']:,} participants, {data['enrolments']:,} "
        f"enrolments, {data['step_progress']:,} step progress rows, "
        f"{data['registrations']:,} registrations, {data['attendance']:,} attendance rows; "
        f"small data: {SMALL_SCALE * 100:g} % of that. Queries (small / national) are those of one "
        "render. Times are taken in the client process, through the whole middleware stack "
        "without a network; memory is each export process's peak resident set."
    )
    return all(ok for _name, ok, _detail in goals)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.worker:
        return run_worker(args)
    url = national.database_url(args.database_url)
    small_url = small_database_url(url)
    cache = "redis (REDIS_URL)" if os.environ.get("REDIS_URL") else "database"
    print(
        f"Programme reports on national data: {args.renders} renders per dashboard, "
        f"cache {cache}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}"
    )
    with tempfile.TemporaryDirectory(prefix="aula-bench-", ignore_cleanup_errors=True) as tmp:
        workdir = Path(tmp)
        env = environment(workdir, url)
        # One secret key for every process: the session made at login must stay valid.
        small_env = {**env, "DATABASE_URL": small_url}
        if work(env, "reports views", "check") is None:
            print(
                "bench: the reports views are not there yet: reverse('reports_dashboard') "
                "fails. Nothing was measured."
            )
            return 2
        print("Data:")
        generate(env, url, 1.0)
        generate(small_env, small_url, SMALL_SCALE)
        print("Site:")
        started = time.perf_counter()
        # The admin's templates need the static files' manifest (DEBUG is off).
        manage(env, "collectstatic", "--noinput", "-v0")
        print(f"  {'collectstatic':<40} {time.perf_counter() - started:6.1f} s")
        logins = {
            size: work(size_env, f"manager login, {size} data (TOTP)", "login")
            for size, size_env in (("national", env), ("small", small_env))
        }
        if not all(logins.values()):
            return 2
        print("Measuring:")
        dashboards = {}
        for view, province in zip(VIEWS, ("", PROVINCE_CODE), strict=True):
            for size, size_env in (("national", env), ("small", small_env)):
                options = ["--session", logins[size]["session"], "--renders", str(args.renders)]
                options += ["--province", province] if province else []
                dashboards[(view, size)] = work(
                    size_env, f"dashboard, {view}, {size} data", "dashboard", *options
                )
        exports = {}
        for file_format in EXPORT_FORMATS:
            options = ["--session", logins["national"]["session"], "--format", file_format]
            exports[file_format] = work(
                env, f"export of all attendance, {file_format.upper()}", "export", *options
            )
    met = print_report(logins["national"], dashboards, exports, args.renders)
    if None in dashboards.values() or None in exports.values():
        return 2
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
