"""Certificates for a whole workshop: 600 issued at once, their PDFs rendered by the worker.

Run from the project root (`make bench` runs it after the registration burst):

    .venv/bin/python -m bench.certificates [--people N] [--workers W]

It builds a throwaway production-like site (as bench.pages does): a workshop of four
sessions held, N confirmed participants who each attended at least the threshold
(75 %), and a default certificate template with a background, two logos and a
signature image drawn with Pillow. Then a trainer's "issue for the whole workshop"
(lms.services.certificates.issue_for_workshop) issues the certificates, which
queues one render_certificate_pdf task each in the database task backend; W
`manage.py db_worker --batch` processes run the queue until it is empty.

It prints the time to issue, the time to render and the PDFs per second, against
the goal of all N within 60 seconds, and checks the database and the storage:
N certificates, N distinct references, no holder with two, N PDFs ready and stored
as certificados/<reference>.pdf, and no failed task.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.pages import PROJECT_ROOT, bench_environment, manage

SLUG = "taller-certificados"
GOAL_SECONDS = 60

SETUP = """
import io
from datetime import timedelta
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image as PILImage, ImageDraw, ImageFont
from wagtail.images import get_image_model
from lms.models import (
    GAD, Attendance, CertificateTemplate, Participant, Registration, Session, User, Workshop
)
from lms.services.people import current_privacy_version

Image = get_image_model()

def font(size):
    try:
        return ImageFont.truetype("DejaVuSans-Bold.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)

def picture(title, size, draw_on, kind="PNG", mode="RGBA"):
    canvas = PILImage.new(mode, size, (255, 255, 255, 0) if mode == "RGBA" else "#fbf8f1")
    draw_on(ImageDraw.Draw(canvas), size)
    buffer = io.BytesIO()
    canvas.save(buffer, format=kind)
    name = title.lower().replace(" ", "-") + (".jpg" if kind == "JPEG" else ".png")
    return Image.objects.create(title=title, file=ContentFile(buffer.getvalue(), name=name))

def background(draw, size):
    width, height = size
    for inset, colour, line in ((60, "#0b4f8a", 18), (100, "#c9a227", 4)):
        draw.rectangle((inset, inset, width - inset, height - inset), outline=colour, width=line)

def logo(text, colour):
    def draw_logo(draw, size):
        draw.rounded_rectangle((0, 0, *size), radius=30, fill=colour)
        draw.text((40, 60), text, fill="#ffffff", font=font(110))
    return draw_logo

def signature(draw, size):
    points = [(20 + x * 9, 120 + ((x * 37) % 60) - 30) for x in range(60)]
    draw.line(points, fill="#1b2430", width=5)

template = CertificateTemplate.objects.get(is_default=True)
template.background = picture("Fondo del certificado", (2480, 1754), background, "JPEG", "RGB")
template.save()
template.logos.add(
    picture("Logo OIM", (600, 240), logo("OIM", "#0b4f8a")),
    picture("Logo AME", (600, 240), logo("AME", "#1d6b3a")),
)
first = template.signatories.order_by("sort_order").first()
first.signature = picture("Firma de la coordinación", (600, 240), signature)
first.save()

workshop = Workshop.objects.create(
    title="Movilidad humana en el PDOT: taller de certificación", slug="{slug}",
    status="published", hours=12, attendance_threshold=75,
)
start = timezone.now() - timedelta(days=30)
sessions = [
    Session.objects.create(
        workshop=workshop,
        starts_at=start + timedelta(days=7 * n),
        ends_at=start + timedelta(days=7 * n, hours=3),
    )
    for n in range(4)
]
gads = list(GAD.objects.order_by("code")[:200])
users = User.objects.bulk_create(
    [User(email=f"certificado{{n}}@example.org", password="!") for n in range({people})]
)
people = Participant.objects.bulk_create([
    Participant(user=user, full_name=f"María José Ñáñez {{n}}", email=user.email,
                gad=gads[n % len(gads)], sex="female",
                consent_version=current_privacy_version(), consent_at=timezone.now())
    for n, user in enumerate(users)
])
now = timezone.now()
Registration.objects.bulk_create([
    Registration(workshop=workshop, participant=person, status="confirmed", confirmed_at=now)
    for person in people
])
# Everyone attended three or four of the four sessions: at or over the 75 % threshold.
Attendance.objects.bulk_create([
    Attendance(session=session, participant=person, status="present", source="roster")
    for n, person in enumerate(people)
    for index, session in enumerate(sessions)
    if index < 3 or n % 2
])
print("PEOPLE=%d" % len(people))
"""

ISSUE = """
import time
from django_tasks_db.models import DBTaskResult
from lms.models import Workshop
from lms.services.certificates import issue_for_workshop

workshop = Workshop.objects.get(slug="{slug}")
started = time.perf_counter()
result = issue_for_workshop(workshop, by=None)
print("ISSUE_SECONDS=%.3f" % (time.perf_counter() - started))
print("ISSUED=%d" % result.issued)
print("QUEUED=%d" % DBTaskResult.objects.ready().count())
"""

CHECK = """
from django.core.files.storage import default_storage
from django.db.models import Count
from django_tasks_db.models import DBTaskResult
from lms.models import Certificate

rows = Certificate.objects.filter(workshop__slug="{slug}")
print("CERTIFICATES=%d" % rows.count())
print("REFERENCES=%d" % rows.values("reference").distinct().count())
print("DUPLICATES=%d" % rows.values("participant", "subject_key").annotate(n=Count("pk"))
      .filter(n__gt=1).count())
print("READY=%d" % rows.filter(pdf_status="ready").count())
stored = [
    c for c in rows.only("reference", "pdf")
    if c.pdf.name == f"certificados/{{c.reference}}.pdf" and default_storage.exists(c.pdf.name)
]
print("STORED=%d" % len(stored))
print("AVERAGE_KB=%.0f" % (
    sum(default_storage.size(c.pdf.name) for c in stored) / 1024 / max(1, len(stored))
))
print("FAILED_TASKS=%d" % DBTaskResult.objects.failed().count())
print("LEFT_TASKS=%d" % DBTaskResult.objects.ready().count())
"""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=600)
    parser.add_argument(
        "--workers",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="db_worker processes (default: 2, or 1 on a one-core machine)",
    )
    args = parser.parse_args(argv)
    if min(args.people, args.workers) < 1:
        parser.error("--people and --workers must be at least 1")
    return args


def figure(output: str, name: str) -> float:
    found = re.search(rf"^{name}=([\d.]+)$", output, re.MULTILINE)
    if not found:
        raise SystemExit(f"bench: no {name} in\n{output}")
    return float(found.group(1))


def run_workers(env: dict[str, str], count: int, workdir: Path) -> tuple[float, list[int]]:
    """Start `count` batch workers at once; the wall time until the last one exits."""
    command = [
        sys.executable,
        "manage.py",
        "db_worker",
        "--batch",
        "--no-startup-delay",
        "--interval=0",
        "-v0",
    ]
    started = time.perf_counter()
    workers = []
    for n in range(count):
        log = (workdir / f"worker-{n}.log").open("w")
        workers.append(
            (
                subprocess.Popen(
                    command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
                ),
                log,
            )
        )
    codes = []
    for process, log in workers:
        codes.append(process.wait())
        log.close()
    return time.perf_counter() - started, codes


def main(argv=None) -> int:
    args = parse_args(argv)
    print(
        f"Certificates for a workshop: {args.people} people, {args.workers} worker process(es), "
        f"{os.cpu_count()} CPU(s), load {os.getloadavg()[0]:.2f}"
    )
    with tempfile.TemporaryDirectory(prefix="aula-bench-", ignore_cleanup_errors=True) as tmp:
        workdir = Path(tmp)
        env = bench_environment(workdir)
        env["LOG_LEVEL"] = "WARNING"
        for step in (("migrate", "--noinput", "-v0"), ("createcachetable",)):
            manage(env, *step)
        manage(env, "shell", "-c", SETUP.format(slug=SLUG, people=args.people))

        issued = manage(env, "shell", "-c", ISSUE.format(slug=SLUG))
        issue_seconds = figure(issued, "ISSUE_SECONDS")
        queued = int(figure(issued, "QUEUED"))
        print(
            f"  issued {int(figure(issued, 'ISSUED'))} in {issue_seconds:.1f} s; "
            f"{queued} tasks queued (the setup's own included)"
        )

        render_seconds, codes = run_workers(env, args.workers, workdir)
        if any(codes):
            for n in range(args.workers):
                print((workdir / f"worker-{n}.log").read_text(errors="replace")[-3000:])
        checked = manage(env, "shell", "-c", CHECK.format(slug=SLUG))

    counts = {
        name: int(figure(checked, name))
        for name in (
            "CERTIFICATES",
            "REFERENCES",
            "DUPLICATES",
            "READY",
            "STORED",
            "FAILED_TASKS",
            "LEFT_TASKS",
        )
    }
    total = issue_seconds + render_seconds
    rate = counts["READY"] / render_seconds if render_seconds else 0.0
    print(
        f"\n{'certificates':<13} {'issue s':>8} {'render s':>9} {'total s':>8} {'PDF/s':>7} "
        f"{'avg KB':>7} {'workers':>7}"
    )
    print(
        f"{counts['CERTIFICATES']:<13} {issue_seconds:>8.1f} {render_seconds:>9.1f} {total:>8.1f} "
        f"{rate:>7.1f} {figure(checked, 'AVERAGE_KB'):>7.0f} {args.workers:>7}"
    )
    print(
        f"\nchecks: {counts['CERTIFICATES']} certificates, {counts['REFERENCES']} distinct "
        f"references, {counts['DUPLICATES']} holders with two, {counts['READY']} PDFs ready, "
        f"{counts['STORED']} stored, {counts['FAILED_TASKS']} failed tasks, "
        f"{counts['LEFT_TASKS']} left in the queue"
    )
    expected = {
        "CERTIFICATES": args.people,
        "REFERENCES": args.people,
        "DUPLICATES": 0,
        "READY": args.people,
        "STORED": args.people,
        "FAILED_TASKS": 0,
        "LEFT_TASKS": 0,
    }
    correct = counts == expected and not any(codes)
    verdict = "holds" if total < GOAL_SECONDS else "does NOT hold"
    print(
        f"Goal: all {args.people} in under {GOAL_SECONDS} s (issue + render): {verdict} "
        f"({total:.1f} s)"
    )
    print(f"Checks: {'all hold' if correct else 'FAIL'}")
    return 0 if correct else 1


if __name__ == "__main__":
    sys.exit(main())
