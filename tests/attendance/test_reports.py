"""Attendance reports of Zoom, Microsoft Teams and Google Meet: parsing, minutes, matching.

The fixtures are hand-written reports as each service exports them. Teams writes UTF-16 LE
with a byte-order mark and tab-separated columns; its fixtures are kept as readable UTF-8
text and encoded by `teams_export` the way Teams does.
"""

import codecs
import io
import zipfile
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from lms.attendance_reports import (
    AMBIGUOUS,
    BY_ALIAS,
    BY_EMAIL,
    BY_NAME,
    LAYOUTS,
    MATCHED,
    MAX_REPORT_BYTES,
    MAX_REPORT_ROWS,
    UNMATCHED,
    Candidate,
    Interval,
    ReportError,
    ReportPerson,
    attended_minutes,
    match_people,
    normalise_name,
    parse_report,
    split_original_name,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
GYE = ZoneInfo("America/Guayaquil")
ZOOM_HEADER = "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def teams_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def teams_export(text: str) -> bytes:
    """Text as Teams saves it: UTF-16 little-endian, byte-order mark, CRLF line ends."""
    return codecs.BOM_UTF16_LE + text.replace("\n", "\r\n").encode("utf-16-le")


def at(day: int, hour: int, minute: int = 0, second: int = 0, *, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=GYE)


def minutes_by_name(report, start: datetime, end: datetime) -> dict[str, float]:
    return {
        person.name: pytest.approx(
            attended_minutes(person, session_start=start, session_end=end), abs=1e-6
        )
        for person in report.people
    }


def zoom_csv(*rows: str, header: str = ZOOM_HEADER) -> bytes:
    return "\n".join((header, *rows, "")).encode("utf-8")


def parse_error(data: bytes, **kwargs) -> ReportError:
    kwargs.setdefault("filename", "asistencia.csv")
    with pytest.raises(ReportError) as caught:
        parse_report(data, **kwargs)
    return caught.value


def english(error: ReportError) -> str:
    with translation.override("en"):
        return str(error)


# Zoom


def test_zoom_legacy_report_gives_meeting_and_one_entry_per_person():
    report = parse_report(fixture("zoom_legacy.csv"), filename="participants_81234567890.csv")

    assert report.layout == "zoom-legacy"
    assert report.title == "Movilidad humana en el PDOT, sesión 2"
    assert report.starts_at == at(10, 8, 52, 10)
    assert report.ends_at == at(10, 11, 6, 45)
    assert report.day_first is False
    assert [(p.name, p.email) for p in report.people] == [
        ("Capacitación AME", "capacitacion@ame.gob.ec"),
        ("María José Andrade", "mjandrade@gadpastaza.gob.ec"),
        ("Luis Ángel Guamán", ""),
        ("Verónica Chávez Ñauta", "vchavez@gadloja.gob.ec"),
        ("Ing. Jorge Cevallos", "jcevallos@gadmanta.gob.ec"),
    ]
    andrade = report.people[1]
    assert andrade.other_names == ["Samsung SM-A135F"]
    assert andrade.line == 6
    assert andrade.reported_minutes is None
    assert andrade.intervals[0] == Interval(at(10, 9, 1, 12), at(10, 9, 40))
    assert len(andrade.intervals) == 3


def test_zoom_rejoins_count_overlaps_once_and_stop_at_the_session_length():
    report = parse_report(fixture("zoom_legacy.csv"), filename="participants.csv")

    assert minutes_by_name(report, at(10, 9), at(10, 11)) == {
        "Capacitación AME": 120,
        # 09:01:12-10:15 (a second device overlapped) and 10:20-11:00 (left at 11:05).
        "María José Andrade": 73.8 + 40,
        # A guest without email, two rows under two spellings of one name.
        "Luis Ángel Guamán": 30 + 15,
        "Verónica Chávez Ñauta": 87.5,
        "Ing. Jorge Cevallos": 120,
    }


def test_zoom_time_in_the_waiting_room_is_not_attendance():
    report = parse_report(fixture("zoom_legacy.csv"), filename="participants.csv")

    chavez = next(p for p in report.people if p.email == "vchavez@gadloja.gob.ec")
    assert chavez.intervals == [Interval(at(10, 9, 2, 30), at(10, 10, 30))]


def test_zoom_legacy_unique_users_gives_totals_capped_at_the_session_length():
    report = parse_report(fixture("zoom_legacy_unique.csv"), filename="participants.csv")

    assert report.layout == "zoom-legacy-unique"
    assert report.starts_at == at(10, 8, 52, 10)
    assert all(person.intervals == [] for person in report.people)
    assert [p.reported_minutes for p in report.people] == [135, 121, 55, 88]
    assert minutes_by_name(report, at(10, 9), at(10, 11)) == {
        "Capacitación AME": 120,
        "María José Andrade": 120,
        "Luis Ángel Guamán": 55,
        "Verónica Chávez Ñauta": 88,
    }


def test_zoom_2024_report_with_byte_order_mark_and_renamed_participant():
    report = parse_report(fixture("zoom_2024.csv"), filename="participants_84512345678.csv")

    assert report.layout == "zoom-2024"
    assert report.title == "Taller PDOT: movilidad humana y GAD"
    assert report.starts_at == at(12, 14, 55, 20)
    assert report.ends_at == at(12, 17, 3, 10)
    perez = report.people[1]
    assert (perez.name, perez.other_names, perez.line) == ("Ana Pérez", ["Ana P"], 6)
    assert minutes_by_name(report, at(12, 15), at(12, 17)) == {
        "Capacitación AME": 120,
        "Ana Pérez": 118 + 35 / 60,
        "Dayana Quishpe Tituaña": 80,
        "Wilmer Ñacato": 40,
    }


def test_zoom_2024_unique_users():
    data = (
        "\ufeffTopic,ID,Host,Duration (minutes),Start time,End time,Participants\n"
        "Taller PDOT,845 1234 5678,Capacitación AME,128,"
        "03/12/2026 02:55:20 PM,03/12/2026 05:03:10 PM,2\n"
        "\n"
        "Name (original name),Email,Total duration (minutes),Guest\n"
        "Ana Pérez (Ana P),APerez@GADEsmeraldas.gob.ec,119,No\n"
        "Wilmer Ñacato,,40,Yes\n"
    ).encode()

    report = parse_report(data, filename="participants.csv")

    assert report.layout == "zoom-2024-unique"
    assert [(p.name, p.email, p.reported_minutes) for p in report.people] == [
        ("Ana Pérez", "aperez@gadesmeraldas.gob.ec", 119),
        ("Wilmer Ñacato", "", 40),
    ]


def test_zoom_participant_table_alone_takes_its_title_from_the_file_name():
    data = zoom_csv(
        "Ana Pérez,aperez@gadesmeraldas.gob.ec,2026-03-10 09:03:01,2026-03-10 10:00:00,57,No"
    )

    report = parse_report(data, filename="C:\\fakepath\\Asistencia sesión 2.csv")

    assert report.layout == "zoom-legacy"
    assert report.title == "Asistencia sesión 2"
    assert (report.starts_at, report.ends_at) == (None, None)
    assert report.people[0].intervals == [Interval(at(10, 9, 3, 1), at(10, 10))]


def test_semicolon_csv_saved_by_excel_in_windows_1252_is_read_day_first():
    report = parse_report(fixture("zoom_excel_semicolon.csv"), filename="asistencia.csv")

    assert report.layout == "zoom-legacy"
    assert report.title == "Movilidad humana en el PDOT – sesión 2"
    assert report.day_first is True
    assert report.starts_at == at(10, 8, 52)
    assert [p.name for p in report.people] == [
        "Capacitación AME",
        "María José Andrade",
        "Verónica Chávez Ñauta",
    ]
    assert minutes_by_name(report, at(10, 9), at(10, 11))["María José Andrade"] == 74


# Microsoft Teams


def test_teams_2020_event_log_pairs_joins_with_leaves():
    report = parse_report(
        teams_export(teams_text("teams_2020.txt")), filename="meetingAttendanceList.csv"
    )

    assert report.layout == "teams-2020"
    assert report.title == "meetingAttendanceList"
    assert (report.starts_at, report.ends_at) == (None, None)
    people = {person.name: person for person in report.people}
    assert people["Luis Ángel Guamán"].intervals == [
        Interval(at(10, 9, 5), at(10, 9, 35)),
        Interval(at(10, 9, 50), at(10, 10, 30)),
    ]
    # A leave with no join before it counts from the first event of the log.
    assert people["Verónica Chávez Ñauta"].intervals == [Interval(at(10, 8, 55, 12), at(10, 9, 20))]
    # Still in the call when the log ends: counted until its last event.
    assert people["Dayana Quishpe Tituaña"].intervals == [
        Interval(at(10, 10, 15), at(10, 11, 2, 40))
    ]
    assert minutes_by_name(report, at(10, 9), at(10, 11)) == {
        "Capacitación AME": 120,
        "María José Andrade": 100,
        "Luis Ángel Guamán": 70,
        "Verónica Chávez Ñauta": 20,
        "Dayana Quishpe Tituaña": 45,
    }


def test_teams_2021_summary_and_participant_list():
    report = parse_report(teams_export(teams_text("teams_2021.txt")), filename="attendance.csv")

    assert report.layout == "teams-2021"
    assert report.title == "Movilidad humana en el PDOT – sesión 3"
    assert report.starts_at == at(17, 8, 58, 3)
    assert report.ends_at == at(17, 11, 1, 15)
    people = {person.name: person for person in report.people}
    assert people["María José Andrade"].reported_minutes == pytest.approx(43.5 + 68)
    # No email, but the participant ID holds it.
    assert people["Paúl Tenesaca"].email == "ptenesaca@gadcuenca.gob.ec"
    assert people["Luis Ángel Guamán (Guest)"].email == ""
    assert minutes_by_name(report, at(17, 9), at(17, 11)) == {
        "Capacitación AME": 120,
        "María José Andrade": 111.5,
        "Luis Ángel Guamán (Guest)": 50,
        "Paúl Tenesaca": 90,
    }


def test_teams_2022_prefers_in_meeting_activities_and_counts_each_person_once():
    report = parse_report(teams_export(teams_text("teams_2022_en.txt")), filename="attendance.csv")

    assert report.layout == "teams-2022"
    assert report.title == "Movilidad humana en el PDOT – sesión 4"
    assert report.starts_at == at(24, 8, 57, 41)
    assert report.ends_at == at(24, 11, 3, 2)
    assert [p.name for p in report.people] == [
        "Capacitación AME",
        "María José Andrade",
        "Luis Ángel Guamán (Guest)",
        "Rosa Elena Yupanqui",
    ]
    andrade = report.people[1]
    assert andrade.line == 12  # her row in "2. Participants"
    assert andrade.intervals == [
        Interval(at(24, 9, 1, 10), at(24, 9, 40)),
        Interval(at(24, 9, 39), at(24, 10)),
        Interval(at(24, 10, 20), at(24, 10, 59)),
    ]
    assert andrade.reported_minutes is None
    # Absent from "3. In-Meeting Activities": first join to last leave, at most the
    # in-meeting duration.
    yupanqui = report.people[3]
    assert yupanqui.intervals == [Interval(at(24, 9), at(24, 10, 30))]
    assert yupanqui.reported_minutes == pytest.approx(45 + 3 / 60)
    assert minutes_by_name(report, at(24, 9), at(24, 11)) == {
        "Capacitación AME": 120,
        "María José Andrade": 58 + 50 / 60 + 39,
        "Luis Ángel Guamán (Guest)": 50,
        "Rosa Elena Yupanqui": 45 + 3 / 60,
    }


def test_teams_2022_without_activities_falls_back_to_first_join_and_last_leave():
    text = teams_text("teams_2022_en.txt").split("3. In-Meeting Activities")[0]

    report = parse_report(teams_export(text), filename="attendance.csv")

    andrade = report.people[1]
    assert andrade.intervals == [Interval(at(24, 9, 1, 10), at(24, 10, 59))]
    assert andrade.reported_minutes == pytest.approx(98 + 50 / 60)
    assert minutes_by_name(report, at(24, 9), at(24, 11))["María José Andrade"] == 98 + 50 / 60


def test_teams_2022_in_spanish_is_read_day_first():
    report = parse_report(teams_export(teams_text("teams_2022_es.txt")), filename="asistencia.csv")

    assert report.layout == "teams-2022"
    assert report.title == "Movilidad humana en el PDOT – sesión 5"
    assert report.day_first is True
    assert report.starts_at == at(7, 8, 58, month=4)
    assert report.ends_at == at(7, 11, 0, 30, month=4)
    assert minutes_by_name(report, at(7, 9, month=4), at(7, 11, month=4)) == {
        "Capacitación AME": 120,
        "María José Andrade": 85,
        "Luis Ángel Guamán (Invitado)": 45,
    }


def test_teams_headers_match_without_case_or_accents_and_with_alternative_wordings():
    text = (
        teams_text("teams_2022_es.txt")
        .replace("1. Resumen", "1. RESUMEN")
        .replace("Primera unión", "primera entrada")
        .replace("Última salida", "ULTIMA  SALIDA")
        .replace("Actividades en la reunión", "Actividades en la reunion")
        .replace("Hora de unión", "Hora de union")
    )

    report = parse_report(teams_export(text), filename="asistencia.csv")

    assert report.layout == "teams-2022"
    assert len(report.people[1].intervals) == 2


def test_a_date_proving_month_first_wins_over_the_spanish_headers():
    text = teams_text("teams_2022_es.txt").replace("7/4/26", "4/17/26")

    report = parse_report(teams_export(text), filename="asistencia.csv")

    assert report.day_first is False
    assert report.starts_at == at(17, 8, 58, month=4)


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda text: text.encode("utf-8"), id="utf-8 without BOM"),
        pytest.param(lambda text: text.encode("utf-16-le"), id="utf-16 without BOM"),
        pytest.param(lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"), id="utf-16-be"),
    ],
)
def test_teams_reports_in_other_encodings(encode):
    report = parse_report(encode(teams_text("teams_2021.txt")), filename="attendance.csv")

    assert report.layout == "teams-2021"
    assert report.people[1].name == "María José Andrade"


@pytest.mark.parametrize(
    "timestamp",
    [
        "10/3/26, 9:00:23 a. m.",
        "10/3/26, 9:00:23 a.m.",
        "10/3/26, 9:00:23\u202fAM",
        "10/3/26 9:00:23",
    ],
)
def test_teams_times_with_spanish_and_narrow_space_meridiem(timestamp):
    text = f"Nombre completo\tAcción del usuario\tMarca de tiempo\nAna Pérez\tUnido\t{timestamp}\n"

    report = parse_report(teams_export(text), filename="asistencia.csv")

    assert report.layout == "teams-2020"
    assert report.people[0].intervals == [Interval(at(10, 9, 0, 23), at(10, 9, 0, 23))]


# Google Meet


def test_google_meet_times_are_placed_on_the_session_date():
    report = parse_report(
        fixture("google_meet.csv"), filename="abc-defg-hij.csv", session_date=date(2026, 3, 10)
    )

    assert report.layout == "google-meet"
    assert report.title == "abc-defg-hij"
    andrade = report.people[1]
    assert (andrade.name, andrade.email) == ("María José Andrade", "mjandrade@gadpastaza.gob.ec")
    assert andrade.intervals == [Interval(at(10, 9, 3), at(10, 10, 40))]
    assert andrade.reported_minutes == 65
    assert minutes_by_name(report, at(10, 9), at(10, 11)) == {
        "Capacitación AME": 120,
        # Joined 09:03 and left 10:40, but in the call only 65 minutes of that.
        "María José Andrade": 65,
        "Luis Ángel Guamán": 45,
        "Nelly Sarango Medina": 110,
    }


def test_google_meet_with_full_dates_needs_no_session_date():
    data = (
        b"First name,Last name,Email,Duration,Time joined,Time exited\n"
        b"Nelly,Sarango Medina,NSarango@gadsaraguro.gob.ec,45 min,"
        b"2026-03-10 09:03:00,2026-03-10 09:48:00\n"
    )

    report = parse_report(data, filename="meet.csv")

    assert report.people[0].email == "nsarango@gadsaraguro.gob.ec"
    assert report.people[0].intervals == [Interval(at(10, 9, 3), at(10, 9, 48))]


def test_google_meet_call_running_past_midnight():
    data = (
        b"First name,Last name,Email,Duration,Time joined,Time exited\n"
        b"Nelly,Sarango,,1 hr,11:30 PM,12:30 AM\n"
    )

    report = parse_report(data, filename="meet.csv", session_date=date(2026, 3, 10))

    assert report.people[0].intervals == [Interval(at(10, 23, 30), at(11, 0, 30))]


# Date order


def test_a_day_above_twelve_makes_the_whole_file_day_first():
    data = (
        "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants\n"
        "81234567890,Sesión nocturna,12/03/2026 11:30:00 PM,13/03/2026 01:10:00 AM,"
        "capacitacion@ame.gob.ec,100,1\n"
        "\n"
        f"{ZOOM_HEADER}\n"
        "Ana Pérez,aperez@gadesmeraldas.gob.ec,12/03/2026 11:31:00 PM,12/03/2026 11:59:00 PM,28,No\n"
    ).encode()

    report = parse_report(data, filename="participants.csv")

    assert report.day_first is True
    assert report.starts_at == at(12, 23, 30)
    assert report.people[0].intervals == [Interval(at(12, 23, 31), at(12, 23, 59))]


def test_times_with_a_zone_are_converted_to_the_report_zone():
    data = zoom_csv(
        "Ana Pérez,aperez@gadesmeraldas.gob.ec,2026-03-10T14:00:00Z,2026-03-10T10:30:00-05:00,30,No"
    )

    report = parse_report(data, filename="participants.csv")

    assert report.people[0].intervals == [Interval(at(10, 9), at(10, 10, 30))]
    assert report.people[0].intervals[0].start.tzinfo == GYE


def test_naive_times_are_read_in_the_given_zone():
    data = zoom_csv("Ana Pérez,,2026-03-10 09:00:00,2026-03-10 10:00:00,60,No")
    madrid = ZoneInfo("Europe/Madrid")

    report = parse_report(data, filename="participants.csv", tz=madrid)

    assert report.people[0].intervals[0].start == datetime(2026, 3, 10, 9, tzinfo=madrid)


# Bad input


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        stamp = (2026, 3, 10, 9, 0, 0)
        archive.writestr(zipfile.ZipInfo("[Content_Types].xml", stamp), "<Types/>")
        archive.writestr(zipfile.ZipInfo("xl/workbook.xml", stamp), "<workbook/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "filename", "kind"),
    [
        (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\n", "asistencia.pdf", "a PDF document"),
        (_xlsx(), "asistencia.xlsx", "an Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "asistencia.xls", "an older Excel"),
        (b"\x89PNG\r\n\x1a\n" + bytes(32), "captura.png", "an image"),
    ],
)
def test_files_that_are_not_csv_are_refused_by_their_content(data, filename, kind):
    error = parse_error(data, filename=filename)

    assert (error.code, error.line) == ("not_csv", None)
    assert kind in english(error)
    assert "Zoom, Microsoft Teams or Google Meet" in english(error)


def test_binary_data_with_control_characters_is_not_csv():
    error = parse_error(b"\x13\x07Name,Email\x00\x02\n\x1b\x1c")

    assert error.code == "not_csv"


@pytest.mark.parametrize(
    "data",
    [b"", b"  \r\n\n", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, b",,,\r\n,,\r\n"],
    ids=["nothing", "blank lines", "utf-8 mark only", "utf-16 mark only", "empty cells"],
)
def test_empty_files_are_refused(data):
    error = parse_error(data)

    assert (error.code, error.line) == ("empty", None)
    assert english(error) == "The file is empty."


def test_files_above_the_size_limit_are_refused_before_reading():
    error = parse_error(b"a" * (MAX_REPORT_BYTES + 1))

    assert (error.code, error.line) == ("too_large", None)
    assert "5 MB" in english(error)


def test_reports_above_the_row_limit_are_refused():
    row = (
        "Ana Pérez,aperez@gadesmeraldas.gob.ec,03/10/2026 09:00:00 AM,03/10/2026 10:00:00 AM,60,No"
    )

    error = parse_error(zoom_csv(*[row] * MAX_REPORT_ROWS))

    assert (error.code, error.line) == ("too_many_rows", MAX_REPORT_ROWS + 1)


def test_an_unknown_layout_names_the_services_expected():
    error = parse_error("\n\nNombre,Cédula,Cantón\nAna Pérez,1712345678,Quito\n".encode())

    assert (error.code, error.line) == ("unknown_layout", 3)
    assert english(error).startswith("Line 3: The file is not an attendance report")
    assert "Zoom, Microsoft Teams or Google Meet" in english(error)


@pytest.mark.parametrize(
    "value", ["ayer", "03/10/2026 25:00:00", "02/30/2026 09:00:00 AM", "03/10/2026 13:00:00 PM"]
)
def test_a_bad_date_names_the_value_column_expected_form_and_line(value):
    data = zoom_csv(
        "Ana Pérez,aperez@gadesmeraldas.gob.ec,03/10/2026 09:00:00 AM,03/10/2026 10:00:00 AM,60,No",
        f"Wilmer Ñacato,,{value},03/10/2026 10:00:00 AM,60,Yes",
    )

    error = parse_error(data)

    assert (error.code, error.line) == ("bad_date", 3)
    assert english(error) == (
        f"Line 3: “{value}” in the “Join Time” column is not a date and time "
        "(expected something like 03/10/2026 09:03:01 AM)."
    )


def test_a_row_missing_columns_names_the_first_one_missing():
    data = zoom_csv(
        "Ana Pérez,aperez@gadesmeraldas.gob.ec,03/10/2026 09:00:00 AM,03/10/2026 10:00:00 AM,60,No",
        "Wilmer Ñacato,,03/10/2026 09:10:00 AM",
    )

    error = parse_error(data)

    assert (error.code, error.line) == ("missing_column", 3)
    assert english(error) == "Line 3: This row ends before the “Leave Time” column."


def test_a_leave_before_the_join_is_refused():
    data = zoom_csv(
        "Ana Pérez,aperez@gadesmeraldas.gob.ec,03/10/2026 10:00:00 AM,03/10/2026 09:00:00 AM,60,No"
    )

    error = parse_error(data)

    assert (error.code, error.line) == ("leave_before_join", 2)
    assert "“03/10/2026 09:00:00 AM”" in english(error)


def test_a_bad_total_in_a_unique_users_report():
    data = zoom_csv(
        "Ana Pérez,aperez@gadesmeraldas.gob.ec,45,No",
        "Wilmer Ñacato,,cuarenta,Yes",
        header="Name (Original Name),User Email,Total Duration (Minutes),Guest",
    )

    error = parse_error(data)

    assert (error.code, error.line) == ("bad_duration", 3)
    assert "“Total Duration (Minutes)”" in english(error)


def test_a_bad_teams_duration_names_the_expected_form():
    text = teams_text("teams_2022_en.txt").replace("45m 3s", "cuarenta y cinco")

    error = parse_error(teams_export(text))

    assert (error.code, error.line) == ("bad_duration", 14)
    assert "(expected something like 1h 2m 10s)" in english(error)


def test_an_unknown_teams_action_lists_the_known_ones():
    text = teams_text("teams_2020.txt").replace(
        "Left\t3/10/2026, 9:35", "Rejoined\t3/10/2026, 9:35"
    )

    error = parse_error(teams_export(text))

    assert (error.code, error.line) == ("bad_action", 6)
    assert "(expected “Joined”, “Joined before”, “Left”)" in english(error)


def test_dates_mixing_day_first_and_month_first_are_refused():
    data = zoom_csv(
        "Ana Pérez,,13/03/2026 09:00:00 AM,13/03/2026 10:00:00 AM,60,No",
        "Wilmer Ñacato,,03/13/2026 09:00:00 AM,03/13/2026 10:00:00 AM,60,Yes",
    )

    error = parse_error(data)

    assert (error.code, error.line) == ("mixed_date_order", 3)


def test_google_meet_times_without_a_date_need_the_session_date():
    error = parse_error(fixture("google_meet.csv"))

    assert (error.code, error.line) == ("session_date_needed", 2)


def test_a_zoom_meeting_block_without_a_participant_table():
    data = (
        b"Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants\n"
        b"81234567890,Taller,03/10/2026 08:52:10 AM,03/10/2026 11:06:45 AM,a@ame.gob.ec,135,1\n"
        b"\n"
        b"Nombre,Correo\n"
    )

    error = parse_error(data)

    assert (error.code, error.line) == ("missing_table", 4)
    assert "“Name (Original Name)”, “User Email”, “Join Time”, “Leave Time”" in english(error)


def test_a_zoom_meeting_header_without_its_row():
    data = b"Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants\n"

    error = parse_error(data)

    assert (error.code, error.line) == ("missing_meeting", 2)


@pytest.mark.parametrize(
    "text",
    [
        "1. Summary\nMeeting title\tTaller\nStart time\t3/24/26, 8:57:41 AM\n",
        "Meeting Summary\nMeeting Title\tTaller\nMeeting Start Time\t3/17/2026, 8:58:03 AM\n",
    ],
    ids=["2022", "2021"],
)
def test_a_teams_summary_without_participants(text):
    error = parse_error(teams_export(text))

    assert (error.code, error.line) == ("missing_table", 4)


def test_a_teams_table_with_an_unexpected_header():
    text = teams_text("teams_2022_en.txt").replace("First Join", "Joined at")

    error = parse_error(teams_export(text))

    assert (error.code, error.line) == ("missing_table", 10)
    assert "“Name”, “First Join”, “Last Leave”" in english(error)


def test_a_row_with_neither_name_nor_email():
    data = zoom_csv(",,03/10/2026 09:00:00 AM,03/10/2026 10:00:00 AM,60,Yes")

    error = parse_error(data)

    assert (error.code, error.line) == ("no_name", 2)


def test_an_unclosed_quotation_mark_points_at_the_line_it_opens():
    data = zoom_csv(
        "Ana Pérez,,03/10/2026 09:00:00 AM,03/10/2026 10:00:00 AM,60,No",
        '"Wilmer Ñacato,,03/10/2026 09:00:00 AM,03/10/2026 10:00:00 AM,60,Yes',
        "Nelly Sarango,,03/10/2026 09:00:00 AM,03/10/2026 10:00:00 AM,60,No",
    )

    error = parse_error(data)

    assert (error.code, error.line) == ("bad_csv", 3)


def test_one_broken_row_at_the_end_fails_the_whole_report():
    data = fixture("zoom_legacy.csv") + b"Nelly Sarango,,ayer,hoy,5,No\r\n"

    error = parse_error(data)

    assert (error.code, error.line) == ("bad_date", 14)


def test_report_error_renders_its_message_when_read():
    error = parse_error(b"")

    with translation.override("en"):
        assert error.message == "The file is empty."
        assert str(error) == "The file is empty."
    assert isinstance(error, ValueError)


def test_every_layout_is_listed():
    assert set(LAYOUTS) == {
        "zoom-legacy",
        "zoom-legacy-unique",
        "zoom-2024",
        "zoom-2024-unique",
        "teams-2020",
        "teams-2021",
        "teams-2022",
        "google-meet",
    }


# Attended minutes


def person_with(*spans, reported=None) -> ReportPerson:
    return ReportPerson(
        name="Ana Pérez",
        intervals=[Interval(at(10, *start), at(10, *end)) for start, end in spans],
        reported_minutes=reported,
    )


@pytest.mark.parametrize(
    ("spans", "reported", "expected"),
    [
        pytest.param([((9, 10), (9, 40)), ((9, 30), (10, 0))], None, 50, id="overlap once"),
        pytest.param([((9, 30), (10, 0)), ((9, 10), (9, 40))], None, 50, id="any order"),
        pytest.param([((9, 10), (9, 20)), ((9, 20), (9, 30))], None, 20, id="touching"),
        pytest.param([((9, 10), (9, 20)), ((9, 12), (9, 15))], None, 10, id="inside another"),
        pytest.param([((8, 0), (12, 0))], None, 120, id="clipped to the session"),
        pytest.param([((7, 0), (8, 30)), ((11, 30), (12, 0))], None, 0, id="outside"),
        pytest.param([], None, 0, id="nothing"),
        pytest.param([], 45, 45, id="total only"),
        pytest.param([], 150, 120, id="total capped"),
        pytest.param([((9, 0), (10, 30))], 45, 45, id="envelope and a smaller total"),
        pytest.param([((10, 30), (11, 30))], 45, 30, id="envelope clipped below the total"),
    ],
)
def test_attended_minutes(spans, reported, expected):
    person = person_with(*spans, reported=reported)

    minutes = attended_minutes(person, session_start=at(10, 9), session_end=at(10, 11))

    assert minutes == pytest.approx(expected)


def test_attended_minutes_needs_an_aware_and_ordered_session():
    person = person_with(((9, 0), (10, 0)))

    with pytest.raises(ValueError, match="aware"):
        attended_minutes(person, session_start=datetime(2026, 3, 10, 9), session_end=at(10, 11))
    with pytest.raises(ValueError, match="ends before"):
        attended_minutes(person, session_start=at(10, 11), session_end=at(10, 9))


def test_intervals_must_be_aware_and_ordered():
    assert Interval(at(10, 9), at(10, 9, 45, 30)).minutes == 45.5
    with pytest.raises(ValueError):
        Interval(datetime(2026, 3, 10, 9), datetime(2026, 3, 10, 10))
    with pytest.raises(ValueError):
        Interval(at(10, 10), at(10, 9))


# Names


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("María José  Andrade", "maria jose andrade"),
        ("  MARÍA JOSÉ ANDRADE ", "maria jose andrade"),
        ("Verónica Chávez Ñauta", "veronica chavez nauta"),
        ("Ing. Jorge Cevallos", "jorge cevallos"),
        ("Abg. María Ruiz", "maria ruiz"),
        ("Dra Rosa Yupanqui", "rosa yupanqui"),
        ("Luis Ángel Guamán (Guest)", "luis angel guaman"),
        ("Ana Pérez (Ana P)", "ana perez"),
        ("(Ana P)", "ana p"),
        ("Pérez-Ñauta, Ana", "perez nauta ana"),
        ("Ing", "ing"),
        ("", ""),
    ],
)
def test_normalise_name(name, expected):
    assert normalise_name(name) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Ana Pérez (Ana P)", ("Ana Pérez", "Ana P")),
        ("Ana Pérez", ("Ana Pérez", "")),
        ("Ana Pérez ()", ("Ana Pérez ()", "")),
        ("(Ana P)", ("(Ana P)", "")),
    ],
)
def test_split_original_name(value, expected):
    assert split_original_name(value) == expected


# Matching

WORKSHOP = [
    Candidate(1, "María José Andrade Villacís", "MJAndrade@GADPastaza.gob.ec"),
    Candidate(2, "Luis Ángel Guamán", ""),
    Candidate(3, "Jorge Cevallos", "jcevallos@gadmanta.gob.ec"),
    Candidate(4, "Ana Pérez", "aperez@gadesmeraldas.gob.ec"),
    Candidate(5, "Ana Perez", "ana.perez@gadquito.gob.ec"),
]


def test_match_by_email_ignores_case_and_comes_first():
    person = ReportPerson(name="MJ", email="mjandrade@gadpastaza.gob.ec")

    [match] = match_people([person], WORKSHOP, aliases={"mj": 3})

    assert (match.status, match.how, match.key) == (MATCHED, BY_EMAIL, 1)


def test_match_by_remembered_alias_before_name():
    people = [
        ReportPerson(name="Samsung SM-A135F"),
        ReportPerson(name="Jorge Cevallos", email="jorge.personal@gmail.com"),
    ]
    aliases = {"  SAMSUNG sm-a135f": 1, "Jorge.Personal@gmail.com": 4}

    matches = match_people(people, WORKSHOP, aliases=aliases)

    assert [(m.status, m.how, m.key) for m in matches] == [
        (MATCHED, BY_ALIAS, 1),
        (MATCHED, BY_ALIAS, 4),
    ]


def test_aliases_to_people_not_in_the_workshop_are_ignored():
    [match] = match_people(
        [ReportPerson(name="Samsung SM-A135F")], WORKSHOP, aliases={"samsung sm a135f": 99}
    )

    assert match.status == UNMATCHED


def test_match_by_name_ignores_accents_spacing_titles_and_guest_marks():
    people = [
        ReportPerson(name="luis  angel GUAMAN (Guest)"),
        ReportPerson(name="Ing. Jorge Cevallos", email="jorge.personal@gmail.com"),
    ]

    matches = match_people(people, WORKSHOP)

    assert [(m.status, m.how, m.key) for m in matches] == [
        (MATCHED, BY_NAME, 2),
        (MATCHED, BY_NAME, 3),
    ]


def test_match_by_another_name_the_report_gives():
    person = ReportPerson(name="MJ", other_names=["María José Andrade Villacís"])

    [match] = match_people([person], WORKSHOP)

    assert (match.status, match.how, match.key) == (MATCHED, BY_NAME, 1)


def test_several_candidates_with_the_same_name_are_ambiguous():
    [match] = match_people([ReportPerson(name="Ana Pérez")], WORKSHOP)

    assert (match.status, match.how, match.key) == (AMBIGUOUS, BY_NAME, None)
    assert match.candidates == (4, 5)


def test_unmatched_people_keep_their_report_entry():
    person = ReportPerson(name="Wilmer Ñacato", email="wnacato@gadcayambe.gob.ec")

    [match] = match_people([person], WORKSHOP)

    assert (match.status, match.how, match.key, match.candidates) == (UNMATCHED, None, None, ())
    assert match.person is person


def test_candidates_may_be_tuples_or_objects_and_results_keep_the_report_order():
    candidates = [
        ("gad-1", "Nelly Sarango Medina", "nsarango@gadsaraguro.gob.ec"),
        SimpleNamespace(key="gad-2", name="Paúl Tenesaca", email=None),
    ]
    people = [
        ReportPerson(name="Paul Tenesaca"),
        ReportPerson(name="Nelly", email="NSarango@gadsaraguro.gob.ec"),
        ReportPerson(name="Capacitación AME"),
    ]

    matches = match_people(people, candidates)

    assert [(m.status, m.key) for m in matches] == [
        (MATCHED, "gad-2"),
        (MATCHED, "gad-1"),
        (UNMATCHED, None),
    ]


def test_a_parsed_report_matches_end_to_end():
    report = parse_report(fixture("zoom_legacy.csv"), filename="participants.csv")

    matches = match_people(report.people, WORKSHOP, aliases={"Samsung SM-A135F": 2})

    assert [(m.person.name, m.status, m.how, m.key) for m in matches] == [
        ("Capacitación AME", UNMATCHED, None, None),
        ("María José Andrade", MATCHED, BY_EMAIL, 1),
        ("Luis Ángel Guamán", MATCHED, BY_NAME, 2),
        ("Verónica Chávez Ñauta", UNMATCHED, None, None),
        ("Ing. Jorge Cevallos", MATCHED, BY_EMAIL, 3),
    ]
