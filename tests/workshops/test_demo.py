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
