"""Google Meet attendance reports: one row per person, with first join, last exit and the
time spent in the call."""

from __future__ import annotations

from datetime import timedelta

from .labels import DAY_FIRST_LANGUAGES, MEET_LABELS, first_label
from .reading import Row
from .records import Context, ParsedReport, PeopleBook, checked_interval
from .values import DateReader, cell, clean_email, decide_day_first, find_columns, parse_duration

LAYOUT = "google-meet"
DATE_EXAMPLE = "9:03 AM"
DURATION_EXAMPLE = "1 hr 5 min"
_REQUIRED = ("first_name", "last_name", "joined", "exited")


def detect(cells: list[str]) -> str | None:
    """The language of a Meet report starting with this row; None when it is not one."""
    for language, labels in MEET_LABELS.items():
        if set(_REQUIRED) <= find_columns(cells, labels).keys():
            return language
    return None


def parse(rows: list[Row], language: str, context: Context) -> ParsedReport:
    labels = MEET_LABELS[language]
    content = [row for row in rows if not row.blank]
    columns = find_columns(content[0].cells, labels)
    body = content[1:]

    def text(row: Row, key: str) -> str:
        if key not in columns:
            return ""
        return cell(row.cells, columns[key], line=row.line, column=first_label(labels, key))

    samples = [(text(row, key), row.line) for row in body for key in ("joined", "exited")]
    reader = DateReader(
        tz=context.tz,
        day_first=decide_day_first(
            samples, default=context.semicolons or language in DAY_FIRST_LANGUAGES
        ),
        session_date=context.session_date,
    )
    book = PeopleBook()
    for row in body:
        name = f"{text(row, 'first_name')} {text(row, 'last_name')}".strip()
        join_text, leave_text = text(row, "joined"), text(row, "exited")
        joined, _dated = reader.read(
            join_text, line=row.line, column=first_label(labels, "joined"), example=DATE_EXAMPLE
        )
        left, dated = reader.read(
            leave_text, line=row.line, column=first_label(labels, "exited"), example=DATE_EXAMPLE
        )
        if left < joined and not dated:  # a call running past midnight
            left += timedelta(days=1)
        minutes = None
        if "duration" in columns:
            minutes = parse_duration(
                text(row, "duration"),
                line=row.line,
                column=first_label(labels, "duration"),
                example=DURATION_EXAMPLE,
            )
        book.add(
            line=row.line,
            name=name,
            email=clean_email(text(row, "email")),
            intervals=[
                checked_interval(
                    joined, left, line=row.line, start_text=join_text, end_text=leave_text
                )
            ],
            minutes=minutes,
        )
    return ParsedReport(
        layout=LAYOUT,
        title=context.fallback_title,
        starts_at=None,
        ends_at=None,
        people=book.people(),
        day_first=reader.day_first,
    )
