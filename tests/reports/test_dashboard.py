"""The reports dashboard and its exports: who sees what, what they read, what they take away."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from lms.models import ExportLog, Participant, Province
from tests.reports.conftest import at

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/informes/"


def export_url(kind, fmt, query=""):
    url = reverse("reports_export", kwargs={"kind": kind, "fmt": fmt})
    return f"{url}?{query}" if query else url


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def assert_denied(response):
    """403, or the admin's redirect to its dashboard with a message: no report data either way."""
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"] == "/admin/"


def read_csv(response) -> list[list[str]]:
    text = body(response).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_manager_reads_gads_reached_out_of_221_with_charts(client, login_staff, programme, manager):
    login_staff(manager)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    # "2 de 221": the municipal GADs reached, then the charts by province and by sex.
    assert "2 de 221" in html
    assert "GAD alcanzados por provincia" in html
    assert "Participantes por sexo" in html
    assert "Manabí" in html and "Pichincha" in html
    # A chart is a table with bars: its figures are readable text.
    assert "<caption" in html and "<svg" in html
    assert "Prefiero no decirlo" in html


def test_small_counts_are_suppressed_on_request(client, login_staff, programme, manager):
    login_staff(manager)
    plain = client.get(DASHBOARD).context
    assert plain["headline"]["participants"] == "6"
    suppressed = client.get(DASHBOARD, {"suprimir": "1"})
    context = suppressed.context
    assert context["headline"]["participants"] == "6"
    assert context["headline"]["completions"] == "<5"
    # A rate built on a small count would give it away.
    assert context["headline"]["completion_rate"] == "—"
    by_sex = next(table for table in context["tables"] if table["dimension"] == "sex")
    women = next(row for row in by_sex["rows"] if row["label"] == "Mujer")
    assert women["cells"][0] == "<5"
    assert "&lt;5" in suppressed.content.decode()


def test_filters_apply_and_are_described(client, login_staff, programme, manager):
    login_staff(manager)
    pichincha = Province.objects.get(code="17")
    response = client.get(DASHBOARD, {"provincia": pichincha.pk})
    assert response.context["headline"]["participants"] == "4"
    assert response.context["active_filters"] == ["Pichincha"]
    assert response.context["filters_open"] is True


def test_a_period_that_ends_before_it_starts_is_refused_clearly(
    client, login_staff, programme, manager
):
    login_staff(manager)
    response = client.get(DASHBOARD, {"desde": "2025-04-01", "hasta": "2025-03-01"})
    assert response.status_code == 400
    assert "El inicio del período es posterior a su fin." in response.content.decode()


def test_trainer_sees_only_their_workshops(client, login_staff, programme, trainer):
    login_staff(trainer)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert response.context["headline"]["participants"] == "4"
    workshops = list(response.context["form"].fields["taller"].queryset)
    assert workshops == [programme.w]
    # Choosing another trainer's workshop is not a valid choice.
    refused = client.get(DASHBOARD, {"taller": programme.x.pk})
    assert refused.status_code == 400


def test_editor_and_participant_are_turned_away(client, login_staff, programme, editor):
    login_staff(editor)
    assert_denied(client.get(DASHBOARD))
    assert_denied(client.get(export_url("indicators", "csv")))
    client.force_login(programme.people.ana.user)
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith("/cuenta/login/")


def test_only_managers_export_personal_data(client, login_staff, programme, trainer, manager):
    login_staff(trainer)
    for kind in ("participants", "enrolments", "attendance", "certificates"):
        assert_denied(client.get(export_url(kind, "csv")))
    assert client.get(export_url("indicators", "csv")).status_code == 200
    login_staff(manager)
    for kind in ("participants", "enrolments", "attendance", "certificates"):
        assert client.get(export_url(kind, "xlsx")).status_code == 200


def test_indicator_export_round_trips_in_xlsx(client, login_staff, programme, manager):
    login_staff(manager)
    response = client.get(export_url("indicators", "xlsx"))
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    book = openpyxl.load_workbook(io.BytesIO(body(response)))
    rows = list(book.active.iter_rows(values_only=True))
    header = rows[0]
    assert header[:4] == ("Desagregación", "Categoría", "Participantes", "GAD alcanzados")
    total = rows[1]
    assert total[2:4] == (6, 2)
    assert total[-1] == 1045  # every GAD of Ecuador
    municipal = next(row for row in rows if row[1] == "Municipal o metropolitano")
    assert (municipal[3], municipal[-1]) == (2, 221)
    women = next(row for row in rows if row[1] == "Mujer")
    assert women[2] == 3


def test_suppressed_indicator_export(client, login_staff, programme, manager):
    login_staff(manager)
    rows = read_csv(client.get(export_url("indicators", "csv", "suprimir=1")))
    women = next(row for row in rows if row[1] == "Mujer")
    assert women[2] == "<5"
    total = rows[1]
    assert total[2] == "6"


def test_attendance_export_with_filters_and_formula_escaping(
    client, login_staff, programme, manager
):
    programme.people.ana.full_name = '=HYPERLINK("http://x")'
    programme.people.ana.save()
    login_staff(manager)
    rows = read_csv(client.get(export_url("attendance", "csv", f"taller={programme.w.pk}")))
    assert len(rows) == 1 + 6  # W's six attendance rows
    names = {row[0] for row in rows[1:]}
    assert '\'=HYPERLINK("http://x")' in names
    assert "Gil Toapanta" not in names


def test_participants_export_counts_deleted_people_without_their_name(
    client, login_staff, programme, manager
):
    login_staff(manager)
    rows = read_csv(client.get(export_url("participants", "csv")))
    assert len(rows) == 1 + 6
    deleted = [row for row in rows[1:] if row[11] == "Sí"]
    assert len(deleted) == 1
    assert "Dora" not in ",".join(deleted[0])
    without_account = [row for row in rows[1:] if row[10] == "No" and row[11] == "No"]
    assert [row[0] for row in without_account] == ["Cami Loor"]


def test_certificates_export_marks_revoked_ones(client, login_staff, programme, manager):
    login_staff(manager)
    rows = read_csv(client.get(export_url("certificates", "csv")))
    assert len(rows) == 1 + 3
    revoked = [row for row in rows[1:] if row[9]]
    assert len(revoked) == 1


def test_every_export_is_logged_with_its_filters(client, login_staff, programme, manager):
    login_staff(manager)
    response = client.get(export_url("enrolments", "csv", "pilotos=1"))
    rows = read_csv(response)
    log = ExportLog.objects.get()
    assert log.user == manager
    assert log.user_email == manager.email
    assert (log.kind, log.file_format) == ("enrolments", "csv")
    assert log.filters["pilots_only"] is True
    assert log.rows == len(rows) - 1 == 2


def test_unknown_export_kind_is_not_found(client, login_staff, programme, manager):
    login_staff(manager)
    assert client.get("/admin/informes/exportar/passwords.csv").status_code == 404
    assert client.get("/admin/informes/exportar/attendance.pdf").status_code == 404


def _more_people(programme, count):
    """More participants, enrolments and attendance: the dashboard must not query more."""
    from lms.models import Attendance, Enrolment, Registration
    from tests.lms.factories import ParticipantFactory

    session = programme.w.sessions.order_by("starts_at").first()
    for number in range(count):
        person = ParticipantFactory(
            full_name=f"Persona {number}", user=None, sex=Participant.Sex.MALE, age_band="18-29"
        )
        Enrolment.objects.create(
            participant=person, course=programme.course_b, enrolled_at=at(2, 2)
        )
        Registration.objects.create(workshop=programme.w, participant=person, status="confirmed")
        Attendance.objects.create(
            session=session, participant=person, status="present", source="roster"
        )


def test_dashboard_queries_do_not_grow_with_data(
    client, login_staff, programme, manager, django_assert_num_queries
):
    login_staff(manager)
    client.get(DASHBOARD)  # session and permission caches warm
    with django_assert_num_queries(QUERIES):
        client.get(DASHBOARD)
    _more_people(programme, 30)
    with django_assert_num_queries(QUERIES):
        response = client.get(DASHBOARD)
    assert response.context["headline"]["participants"] == "36"
    with django_assert_num_queries(QUERIES + 1):  # the attendance per session chart
        client.get(DASHBOARD, {"taller": programme.w.pk})


QUERIES = 25
