"""The demo's workshops: a national series, the pilots' consultative processes, sample reports."""

import io

from django.core.management import call_command
from django.utils import timezone
from wagtail.documents import get_document_model

from lms.demo_workshops import WORKSHOP_SLUG
from lms.models import Attendance, Registration, Workshop
from lms.services.attendance import preview_import


def test_the_demo_has_a_national_series_processes_and_reports_a_trainer_can_import(db):
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())  # twice: nothing doubles

    national = Workshop.objects.get(slug=WORKSHOP_SLUG)
    sessions = list(national.sessions.order_by("starts_at"))
    now = timezone.now()
    assert len(sessions) == 4
    assert [s.ends_at < now for s in sessions] == [True, True, False, False]
    assert Registration.objects.filter(workshop=national, status="confirmed").count() == 12
    assert Attendance.objects.filter(session=sessions[0]).count() == 12
    assert not Attendance.objects.filter(session=sessions[1]).exists()  # waits for the reports

    processes = Workshop.objects.filter(kind=Workshop.Kind.CONSULTATIVE)
    assert sorted(p.gad.code for p in processes) == ["0707", "1103", "1304", "1317", "1901"]
    assert all(p.registrations.exists() for p in processes)

    Document = get_document_model()
    for title in ("Reporte de Zoom: sesión 2", "Reporte de Teams: sesión 2"):
        document = Document.objects.get(title=title)
        with document.file.open("rb") as handle:
            preview = preview_import(sessions[1], handle.read(), document.file.name)
        assert preview.rows, title


def test_the_demo_issues_certificates_a_visitor_can_check(
    db, client, django_capture_on_commit_callbacks
):
    from lms.models import Certificate

    # Course certificates follow the course's completion, after its commit.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=io.StringIO())

    finished = Workshop.objects.get(slug="arranque-gad-piloto")
    workshop_certificates = Certificate.objects.filter(workshop=finished)
    assert workshop_certificates.count() == 8  # two people missed a session: below 75 %
    assert Certificate.objects.filter(kind="course").count() >= 1
    certificate = workshop_certificates.first()
    page = client.get(f"/verificar/{certificate.code}/")
    assert page.status_code == 200
    assert certificate.holder_name in page.content.decode()
