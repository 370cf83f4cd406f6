"""Zoom's participant reports: the older layout and the 2024 one, each with its
unique-users variant (one total per person instead of every join and leave)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .errors import ReportError, missing_table
from .labels import DAY_FIRST_LANGUAGES, ZOOM_LABELS, first_label
from .reading import Row
from .records import Context, ParsedReport, PeopleBook, checked_interval
from .values import (
    DateReader,
    cell,
    clean_email,
    decide_day_first,
    find_columns,
    fold,
    parse_duration,
    split_original_name,
)

DATE_EXAMPLE = "03/10/2026 09:03:01 AM"
MINUTES_EXAMPLE = "45"
_YES = frozenset({"yes", "si", "true", "1"})


def _is_meeting_header(columns: dict[str, int]) -> bool:
    return {"topic", "start", "end"} <= columns.keys() and (
        "meeting_id" in columns or {"id", "host"} <= columns.keys()
    )


def _is_participant_header(columns: dict[str, int]) -> bool:
    return "name" in columns and (
        {"join", "leave"} <= columns.keys() or "total_duration" in columns
    )


def detect(cells: list[str]) -> str | None:
    """The language of a Zoom report starting with this row; None when it is not one."""
    for language, labels in ZOOM_LABELS.items():
        columns = find_columns(cells, labels)
        if _is_meeting_header(columns) or _is_participant_header(columns):
            return language
    return None


def _missing_table(labels, line: int) -> ReportError:
    keys = ("name", "user_email", "join", "leave")
    return missing_table([first_label(labels, key) for key in keys], line=line)


def parse(rows: list[Row], language: str, context: Context) -> ParsedReport:
    labels = ZOOM_LABELS[language]
    content = [row for row in rows if not row.blank]
    header = content[0]
    columns = find_columns(header.cells, labels)
    meeting: Row | None = None
    if _is_meeting_header(columns):
        modern = "meeting_id" not in columns
        meeting_columns = columns
        if len(content) < 2:
            raise ReportError(
                _("The meeting row is missing below the meeting header."),
                code="missing_meeting",
                line=header.line + 1,
            )
        meeting = content[1]
        if len(content) < 3:
            raise _missing_table(labels, meeting.line + 1)
        header = content[2]
        columns = find_columns(header.cells, labels)
        if not _is_participant_header(columns):
            raise _missing_table(labels, header.line)
        body = content[3:]
    else:
        modern = "email" in columns and "user_email" not in columns
        body = content[1:]
    unique = not {"join", "leave"} <= columns.keys()
    email_column = columns.get("user_email", columns.get("email"))

    def text(row: Row, key: str, where: dict[str, int] = columns) -> str:
        return cell(row.cells, where[key], line=row.line, column=first_label(labels, key))

    samples: list[tuple[str, int]] = []
    if meeting is not None:
        samples += [(text(meeting, key, meeting_columns), meeting.line) for key in ("start", "end")]
    if not unique:
        samples += [(text(row, key), row.line) for row in body for key in ("join", "leave")]
    reader = DateReader(
        tz=context.tz,
        day_first=decide_day_first(
            samples, default=context.semicolons or language in DAY_FIRST_LANGUAGES
        ),
    )

    def moment(row: Row, key: str, where: dict[str, int] = columns):
        value = text(row, key, where)
        column = first_label(labels, key)
        return value, reader.parse(value, line=row.line, column=column, example=DATE_EXAMPLE)

    title, starts_at, ends_at = context.fallback_title, None, None
    if meeting is not None:
        title = text(meeting, "topic", meeting_columns) or title
        starts_at = moment(meeting, "start", meeting_columns)[1]
        ends_at = moment(meeting, "end", meeting_columns)[1]

    book = PeopleBook()
    for row in body:
        name, original = split_original_name(text(row, "name"))
        email = ""
        if email_column is not None:
            email = clean_email(
                cell(row.cells, email_column, line=row.line, column=first_label(labels, "email"))
            )
        if unique:
            minutes = parse_duration(
                text(row, "total_duration"),
                line=row.line,
                column=first_label(labels, "total_duration"),
                example=MINUTES_EXAMPLE,
            )
            book.add(line=row.line, name=name, email=email, other_names=[original], minutes=minutes)
            continue
        join_text, joined = moment(row, "join")
        leave_text, left = moment(row, "leave")
        interval = checked_interval(
            joined, left, line=row.line, start_text=join_text, end_text=leave_text
        )
        if "waiting_room" in columns and fold(text(row, "waiting_room")) in _YES:
            continue  # time spent waiting to be let in is not attendance
        book.add(
            line=row.line, name=name, email=email, other_names=[original], intervals=[interval]
        )

    variant = "2024" if modern else "legacy"
    return ParsedReport(
        layout=f"zoom-{variant}-unique" if unique else f"zoom-{variant}",
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        people=book.people(),
        day_first=reader.day_first,
    )
