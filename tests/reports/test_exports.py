"""CSV and Excel exports: safe to open in a spreadsheet, streamed, logged."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.signals import request_finished
from django.db import close_old_connections
from django.utils import translation
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from lms import roles
from lms.exports import (
    FORMULA_STARTS,
    csv_cell,
    csv_response,
    finish_export,
    log_export,
    xlsx_response,
)
from lms.models import ExportLog
from lms.viewsets_export_log import (
    ExportLogFilterSet,
    ExportLogPermissionPolicy,
    export_log_viewset,
    readable_filters,
)
from tests.factories import UserFactory

BOM = "\ufeff".encode()
# 14:00 UTC is 09:00 in Guayaquil (UTC-5, no daylight saving).
MORNING_CALL = datetime(2026, 3, 12, 14, 0, tzinfo=UTC)


def read_csv(response) -> list[list[str]]:
    content = b"".join(response.streaming_content)
    assert content.startswith(BOM)
    return list(csv.reader(io.StringIO(content.decode("utf-8")[1:])))


def close(response) -> None:
    """Close the response as the server does after sending it, or when the download drops.

    Without closing the test's database connection, as Django's test client does.
    """
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def read_xlsx(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]


# --- csv_cell ------------------------------------------------------------------------


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_text_that_starts_like_a_formula_is_escaped(start):
    assert csv_cell(f"{start}SUM(A1:A9)") == f"'{start}SUM(A1:A9)"


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_formula_characters_later_in_the_text_are_left_alone(start):
    assert csv_cell(f"Ana{start}Pérez") == f"Ana{start}Pérez"


def test_negative_numbers_stay_numbers_but_the_same_text_is_escaped():
    # A spreadsheet reads -3 as minus three; a quote would turn the number into text.
    assert csv_cell(-3) == "-3"
    assert csv_cell(Decimal("-1.50")) == "-1.50"
    assert csv_cell(-0.25) == "-0.25"
    assert csv_cell("-3") == "'-3"
    # Not a number a spreadsheet knows: treated as text.
    assert csv_cell(float("-inf")) == "'-inf"


def test_values_are_written_the_way_a_spreadsheet_reads_them():
    assert csv_cell(None) == ""
    assert csv_cell(date(2026, 3, 12)) == "2026-03-12"
    assert csv_cell(MORNING_CALL) == "2026-03-12 09:00"
    assert csv_cell(datetime(2026, 3, 12, 9, 30)) == "2026-03-12 09:30"
    assert csv_cell(Decimal("12.50")) == "12.50"
    assert csv_cell(Decimal("1E+2")) == "100"
    assert csv_cell(7) == "7"
    with translation.override("en"):
        assert csv_cell(gettext_lazy("Attendance")) == "Attendance"


def test_booleans_are_written_as_translated_yes_or_no():
    with translation.override("en"):
        assert (csv_cell(True), csv_cell(False)) == ("Yes", "No")


# --- csv_response ----------------------------------------------------------------------


def test_csv_starts_with_a_bom_and_keeps_spanish_letters():
    response = csv_response(
        iter([["Nombre", "GAD"], ["Ñusta Álvarez", "GAD Municipal de Pedernales"]]),
        "participantes.csv",
    )

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="participantes.csv"'
    assert "no-store" in response["Cache-Control"]
    assert read_csv(response) == [
        ["Nombre", "GAD"],
        ["Ñusta Álvarez", "GAD Municipal de Pedernales"],
    ]


def test_csv_escapes_formulas_in_every_column():
    response = csv_response(iter([["Nombre", "Cargo"], ["=1+2", "@SUM(A1)"]]), "x.csv")

    assert read_csv(response)[1] == ["'=1+2", "'@SUM(A1)"]


def test_csv_is_streamed_pulling_rows_only_as_it_sends_them():
    pulled = 0

    def rows():
        nonlocal pulled
        yield ["Nombre"]
        for number in range(1000):
            pulled += 1
            yield [f"Persona {number}"]

    response = csv_response(rows(), "x.csv")
    chunks = iter(response.streaming_content)

    assert response.streaming is True
    assert pulled == 0
    assert next(chunks) == BOM
    assert next(chunks) == b"Nombre\r\n"
    assert next(chunks) == b"Persona 0\r\n"
    assert pulled == 1
    assert len(list(chunks)) == 999
    assert pulled == 1000


def test_csv_reports_its_data_rows_once_the_last_is_sent():
    counts = []
    response = csv_response(
        iter([["Nombre"], ["Rosa"], ["Luis"], ["Ana"]]), "x.csv", on_complete=counts.append
    )
    chunks = iter(response.streaming_content)
    next(chunks)
    next(chunks)

    assert counts == []
    list(chunks)
    assert counts == [3]


def test_a_csv_download_cut_short_reports_no_count():
    counts = []
    response = csv_response(
        iter([["Nombre"], ["Rosa"], ["Luis"]]), "x.csv", on_complete=counts.append
    )
    chunks = iter(response.streaming_content)
    next(chunks)
    next(chunks)

    close(response)  # the person dropped the download

    assert counts == []


# --- xlsx_response ---------------------------------------------------------------------


def test_xlsx_keeps_numbers_and_dates_typed_and_text_as_text():
    header = ["Nombre", "Sesiones", "Horas", "Fecha", "Inicio", "Nota", "Enlace", "Error"]
    row = [
        "Ñusta Álvarez",
        3,
        Decimal("12.5"),
        date(2026, 3, 12),
        MORNING_CALL,
        None,
        '=HYPERLINK("http://malo.example")',
        "#N/A",
    ]

    sheet = read_xlsx(xlsx_response(iter([header, row]), "x.xlsx", sheet_title="Asistencia"))

    assert [cell.value for cell in sheet[1]] == header
    assert all(cell.font.b for cell in sheet[1])
    name, sessions, hours, day, start, note, link, error = sheet[2]
    assert name.value == "Ñusta Álvarez" and not name.font.b
    assert (sessions.value, sessions.data_type) == (3, "n")
    assert (hours.value, hours.data_type) == (12.5, "n")
    assert day.is_date and day.value == datetime(2026, 3, 12)
    # Excel has no time zones: the wall-clock time in Guayaquil.
    assert start.is_date and start.value == datetime(2026, 3, 12, 9, 0)
    assert note.value is None
    assert (link.value, link.data_type) == ('=HYPERLINK("http://malo.example")', "s")
    assert (error.value, error.data_type) == ("#N/A", "s")


def test_xlsx_drops_control_characters_a_workbook_cannot_hold():
    sheet = read_xlsx(
        xlsx_response(iter([["Nombre"], ["Ana\x0bPérez"]]), "x.xlsx", sheet_title="x")
    )

    assert sheet["A2"].value == "AnaPérez"


def test_xlsx_sheet_title_is_one_excel_accepts():
    title = "Asistencia: marzo/abril [2026] del GAD de Pedernales"

    sheet = read_xlsx(xlsx_response(iter([["Nombre"]]), "x.xlsx", sheet_title=title))

    assert sheet.title == "Asistencia marzoabril 2026 del"


def test_xlsx_is_sent_as_a_download_never_cached_and_reports_its_rows():
    counts = []

    response = xlsx_response(
        iter([["Nombre"], ["Rosa"], ["Luis"]]),
        "asistencia.xlsx",
        sheet_title="Asistencia",
        on_complete=counts.append,
    )

    assert counts == [2]
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == 'attachment; filename="asistencia.xlsx"'
    assert "no-store" in response["Cache-Control"]
    close(response)


# --- the export log --------------------------------------------------------------------


def test_an_export_is_logged_with_its_filters_and_row_count(db):
    user = UserFactory(email="gestora@ame.gob.ec", groups=[roles.MANAGER])
    log = log_export(
        user=user,
        kind=ExportLog.Kind.ATTENDANCE,
        file_format="csv",
        filters={"workshop": 7, "start": date(2026, 3, 1)},
    )
    response = csv_response(
        iter([["Nombre"], ["Rosa"], ["Luis"]]), "x.csv", on_complete=finish_export(log)
    )

    assert ExportLog.objects.get(pk=log.pk).rows is None
    read_csv(response)

    log = ExportLog.objects.get(pk=log.pk)
    assert (log.user, log.user_email, log.kind, log.file_format) == (
        user,
        "gestora@ame.gob.ec",
        "attendance",
        "csv",
    )
    assert log.filters == {"workshop": 7, "start": "2026-03-01"}
    assert log.rows == 2


def test_the_log_keeps_who_exported_after_their_account_is_deleted(db):
    user = UserFactory(email="capacitadora@ame.gob.ec")
    log = log_export(user=user, kind="participants", file_format="xlsx", filters={})

    user.delete()

    log.refresh_from_db()
    assert log.user is None
    assert log.user_email == "capacitadora@ame.gob.ec"


def test_an_unknown_kind_of_export_is_refused(db):
    with pytest.raises(ValueError, match="kind"):
        log_export(user=None, kind="everything", file_format="csv", filters={})
    assert not ExportLog.objects.exists()


# --- who may see reports and the log ---------------------------------------------------


def codenames(role: str) -> set[str]:
    group = Group.objects.get(name=role)
    return set(
        group.permissions.filter(content_type__app_label="lms").values_list("codename", flat=True)
    )


def test_trainers_see_their_reports_and_managers_the_whole_programme_and_the_log(db):
    report_rights = {"view_reports", "view_programme_reports", "view_exportlog"}

    assert codenames(roles.TRAINER) & report_rights == {"view_reports"}
    assert codenames(roles.MANAGER) & report_rights == report_rights
    assert codenames(roles.EDITOR) & report_rights == set()


def test_the_export_log_is_read_only_even_for_those_who_may_see_it(db):
    policy = ExportLogPermissionPolicy()
    manager = UserFactory(groups=[roles.MANAGER])
    trainer = UserFactory(groups=[roles.TRAINER])
    superuser = UserFactory(is_superuser=True)

    assert policy.user_has_permission(manager, "view")
    assert not policy.user_has_permission(trainer, "view")
    for user in (manager, superuser):
        for action in ("add", "change", "delete"):
            assert not policy.user_has_permission(user, action)
        assert not policy.user_has_any_permission(user, ["add", "change", "delete"])
    assert manager in policy.users_with_any_permission(["view"])
    assert trainer not in policy.users_with_any_permission(["view"])
    assert not policy.users_with_any_permission(["change"]).exists()


def test_the_export_log_has_no_screen_that_writes():
    names = {pattern.name for pattern in export_log_viewset.get_urlpatterns()}

    assert names == {"index", "index_results"}


def test_the_export_log_filters_by_kind_and_by_days_in_ecuador(db):
    def logged(kind: str, at: datetime) -> ExportLog:
        return ExportLog.objects.create(kind=kind, file_format="csv", created_at=at)

    march = logged("attendance", MORNING_CALL)
    # 04:30 UTC on 1 April is still 31 March, 23:30, in Guayaquil.
    last_evening_of_march = logged("attendance", datetime(2026, 4, 1, 4, 30, tzinfo=UTC))
    april = logged("attendance", datetime(2026, 4, 2, 15, 0, tzinfo=UTC))
    certificates = logged("certificates", MORNING_CALL)

    def filtered(**data):
        return set(ExportLogFilterSet(data=data, queryset=ExportLog.objects.all()).qs)

    assert filtered(kind="attendance") == {march, last_evening_of_march, april}
    assert filtered(created_at_from="2026-03-01", created_at_to="2026-03-31") == {
        march,
        last_evening_of_march,
        certificates,
    }


def test_the_filters_column_reads_as_names_and_values():
    log = ExportLog(filters={"course": 12, "start": "2026-03-01"})

    assert readable_filters(log) == "course: 12; start: 2026-03-01"
