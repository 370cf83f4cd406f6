"""Microsoft Teams attendance reports: the 2020 event log, the 2021 summary and list, and
the sectioned report of 2022 onwards, in any language of TEAMS_LABELS."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from .errors import ReportError, missing_table, no_name
from .labels import DAY_FIRST_LANGUAGES, TEAMS_LABELS, first_label
from .reading import Row
from .records import Context, Interval, ParsedReport, PeopleBook, ReportPerson, add_names
from .records import checked_interval as make_interval
from .values import (
    DateReader,
    cell,
    clean_email,
    decide_day_first,
    find_columns,
    match_label,
    normalise_name,
    parse_duration,
)

DATE_EXAMPLE = "3/10/2026, 9:03:01 AM"
DURATION_EXAMPLE = "1h 2m 10s"
_NUMBERED_HEADING = re.compile(r"^\d+\.\s*\S")


def _heading(row: Row, labels) -> str | None:
    """The section a title row opens ("other" for a numbered one not known); None if not one."""
    if not row.cells or any(row.cells[1:]):
        return None
    key = match_label(row.cells[0], labels["sections"])
    if key is None and _NUMBERED_HEADING.match(row.cells[0]):
        return "other"
    return key


def detect(cells: list[str]) -> tuple[str, str] | None:
    """(layout, language) of a Teams report starting with this row; None when it is not one."""
    row = Row(0, cells)
    for language, labels in TEAMS_LABELS.items():
        section = _heading(row, labels)
        if section == "summary":
            return "teams-2022", language
        if section == "summary_2021":
            return "teams-2021", language
        if {"name", "action", "timestamp"} <= find_columns(cells, labels["columns"]).keys():
            return "teams-2020", language
    return None


def parse(rows: list[Row], detected: tuple[str, str], context: Context) -> ParsedReport:
    layout, language = detected
    parser = _Parser(layout, language, context)
    content = [row for row in rows if not row.blank]
    if layout == "teams-2020":
        return parser.event_log(content)
    if layout == "teams-2021":
        return parser.summary_and_list(content)
    return parser.sections(content)


@dataclass
class _Table:
    """A table of the report: its header's columns and its rows."""

    header: Row
    columns: dict[str, int]
    rows: list[Row] = field(default_factory=list)


class _Parser:
    def __init__(self, layout: str, language: str, context: Context):
        self.layout = layout
        self.language = language
        self.context = context
        self.labels = TEAMS_LABELS[language]
        self.columns = self.labels["columns"]
        self.reader: DateReader | None = None

    # Helpers

    def text(self, table: _Table, row: Row, key: str) -> str:
        return cell(
            row.cells, table.columns[key], line=row.line, column=first_label(self.columns, key)
        )

    def optional(self, table: _Table, row: Row, key: str) -> str:
        return self.text(table, row, key) if key in table.columns else ""

    def email(self, table: _Table, row: Row) -> str:
        return clean_email(self.optional(table, row, "email")) or clean_email(
            self.optional(table, row, "upn")
        )

    def missing_table(self, line: int, keys: tuple[str, ...]) -> ReportError:
        return missing_table([first_label(self.columns, key) for key in keys], line=line)

    def table(self, header: Row, required: tuple[str, ...]) -> _Table:
        columns = find_columns(header.cells, self.columns)
        if not set(required) <= columns.keys():
            raise self.missing_table(header.line, required)
        return _Table(header, columns)

    def decide_dates(self, samples: list[tuple[str, int]]) -> DateReader:
        default = self.context.semicolons or self.language in DAY_FIRST_LANGUAGES
        self.reader = DateReader(
            tz=self.context.tz, day_first=decide_day_first(samples, default=default)
        )
        return self.reader

    def moment(self, table: _Table, row: Row, key: str) -> tuple[str, datetime]:
        value = self.text(table, row, key)
        column = first_label(self.columns, key)
        return value, self.reader.parse(value, line=row.line, column=column, example=DATE_EXAMPLE)

    def interval(self, table: _Table, row: Row, start_key: str, end_key: str) -> Interval:
        start_text, start = self.moment(table, row, start_key)
        end_text, end = self.moment(table, row, end_key)
        return make_interval(start, end, line=row.line, start_text=start_text, end_text=end_text)

    def duration(self, table: _Table, row: Row) -> float | None:
        if "duration" not in table.columns:
            return None
        return parse_duration(
            self.text(table, row, "duration"),
            line=row.line,
            column=first_label(self.columns, "duration"),
            example=DURATION_EXAMPLE,
        )

    def summary_value(self, summary: dict[str, tuple[str, int]], key: str):
        if key not in summary:
            return None
        value, line = summary[key]
        column = first_label(self.labels["summary"], key)
        return self.reader.parse(value, line=line, column=column, example=DATE_EXAMPLE)

    def read_summary(self, row: Row, summary: dict[str, tuple[str, int]]) -> None:
        key = match_label(row.cells[0], self.labels["summary"])
        value = row.cells[1] if len(row.cells) > 1 else ""
        if key is not None and value and key not in summary:
            summary[key] = (value, row.line)

    def report(self, people, *, title=None, summary=None) -> ParsedReport:
        summary = summary or {}
        return ParsedReport(
            layout=self.layout,
            title=title or self.context.fallback_title,
            starts_at=self.summary_value(summary, "start"),
            ends_at=self.summary_value(summary, "end"),
            people=people,
            day_first=self.reader.day_first,
        )

    # Layouts

    def event_log(self, content: list[Row]) -> ParsedReport:
        """2020: one row per join or leave; intervals pair each join with the next leave."""
        table = self.table(content[0], ("name", "action", "timestamp"))
        table.rows = content[1:]
        actions = self.labels["actions"]
        events: dict[tuple[str, str], list] = {}
        names: dict[tuple[str, str], tuple[str, int]] = {}
        self.decide_dates([(self.text(table, row, "timestamp"), row.line) for row in table.rows])
        for row in table.rows:
            name = self.text(table, row, "name")
            action_text = self.text(table, row, "action")
            action = match_label(action_text, actions)
            if action is None:
                raise ReportError(
                    _(
                        "“%(value)s” in the “%(column)s” column is not a known action "
                        "(expected %(expected)s)."
                    ),
                    code="bad_action",
                    line=row.line,
                    params={
                        "value": action_text,
                        "column": first_label(self.columns, "action"),
                        "expected": ", ".join(f"“{aliases[0]}”" for aliases in actions.values()),
                    },
                )
            _text, moment = self.moment(table, row, "timestamp")
            key = PeopleBook.key(name, "")
            if key is None:
                raise no_name(line=row.line)
            names.setdefault(key, (name, row.line))
            events.setdefault(key, []).append((moment, row.line, action, name))
        moments = [event[0] for person in events.values() for event in person]
        first, last = (min(moments), max(moments)) if moments else (None, None)
        book = PeopleBook()
        for key, person_events in events.items():
            name, line = names[key]
            intervals, opened = [], None
            for moment, _line, action, _name in sorted(person_events, key=lambda e: e[:2]):
                if action in ("joined", "joined_before"):
                    opened = moment if opened is None else opened
                else:  # left; a leave with no join before it counts from the first event
                    intervals.append(Interval(first if opened is None else opened, moment))
                    opened = None
            if opened is not None:  # still in the call when the report was taken
                intervals.append(Interval(opened, last))
            other = [event[3] for event in person_events]
            book.add(line=line, name=name, email="", other_names=other, intervals=intervals)
        return self.report(book.people())

    def summary_and_list(self, content: list[Row]) -> ParsedReport:
        """2021: "Meeting Summary" keys and values, then one row per join."""
        summary: dict[str, tuple[str, int]] = {}
        required = ("name", "join", "leave")
        for index, row in enumerate(content[1:], start=1):
            if set(required) <= find_columns(row.cells, self.columns).keys():
                table = self.table(row, required)
                table.rows = content[index + 1 :]
                break
            self.read_summary(row, summary)
        else:
            raise self.missing_table(content[-1].line + 1, required)
        samples = [(value, line) for key, (value, line) in summary.items() if key != "title"]
        samples += [
            (self.text(table, row, key), row.line)
            for row in table.rows
            for key in ("join", "leave")
        ]
        self.decide_dates(samples)
        book = PeopleBook()
        for row in table.rows:
            book.add(
                line=row.line,
                name=self.text(table, row, "name"),
                email=self.email(table, row),
                intervals=[self.interval(table, row, "join", "leave")],
                minutes=self.duration(table, row),
            )
        title = summary.get("title", ("", 0))[0]
        return self.report(book.people(), title=title, summary=summary)

    def sections(self, content: list[Row]) -> ParsedReport:
        """2022 onwards: "1. Summary", "2. Participants", "3. In-Meeting Activities"."""
        summary: dict[str, tuple[str, int]] = {}
        required = {
            "participants": ("name", "first_join", "last_leave"),
            "activities": ("name", "join", "leave"),
        }
        tables: dict[str, _Table] = {}
        section = None
        for row in content:
            heading = _heading(row, self.labels)
            if heading is not None:
                section = heading
            elif section == "summary":
                self.read_summary(row, summary)
            elif section in required:
                if section not in tables:
                    tables[section] = self.table(row, required[section])
                else:
                    tables[section].rows.append(row)
        if not tables:
            raise self.missing_table(content[-1].line + 1, required["participants"])
        samples = [(value, line) for key, (value, line) in summary.items() if key != "title"]
        for section, table in tables.items():
            for row in table.rows:
                samples += [(self.text(table, row, key), row.line) for key in required[section][1:]]
        self.decide_dates(samples)

        activities = PeopleBook()
        if "activities" in tables:
            table = tables["activities"]
            for row in table.rows:
                activities.add(
                    line=row.line,
                    name=self.text(table, row, "name"),
                    email=self.email(table, row),
                    intervals=[self.interval(table, row, "join", "leave")],
                )
        envelopes = PeopleBook()
        if "participants" in tables:
            table = tables["participants"]
            for row in table.rows:
                envelopes.add(
                    line=row.line,
                    name=self.text(table, row, "name"),
                    email=self.email(table, row),
                    intervals=[self.interval(table, row, "first_join", "last_leave")],
                    minutes=self.duration(table, row),
                )
        people = _prefer_activities(envelopes.people(), activities)
        title = summary.get("title", ("", 0))[0]
        return self.report(people, title=title, summary=summary)


def _prefer_activities(envelopes: list[ReportPerson], activities: PeopleBook) -> list[ReportPerson]:
    """Each person once: with their joins and leaves when the activity table lists them,
    else with the first-join to last-leave envelope and the total of the participant table."""
    rest = activities.people()
    by_key = {PeopleBook.key(person.name, person.email): person for person in rest}
    people = []
    for envelope in envelopes:
        found = by_key.pop(PeopleBook.key(envelope.name, envelope.email), None)
        if found is None:  # one table gave an email and the other did not
            same_name = [
                person
                for person in by_key.values()
                if normalise_name(person.name) == normalise_name(envelope.name)
                and (not person.email or not envelope.email)
            ]
            if len(same_name) == 1:
                found = same_name[0]
                by_key.pop(PeopleBook.key(found.name, found.email))
        if found is None:
            people.append(envelope)
            continue
        envelope.email = envelope.email or found.email
        envelope.intervals = sorted(found.intervals)
        envelope.reported_minutes = None
        add_names(envelope, found.names)
        people.append(envelope)
    people.extend(by_key.values())
    return people
