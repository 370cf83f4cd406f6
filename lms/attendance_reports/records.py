"""What a parsed attendance report is made of."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from .errors import ReportError, no_name
from .values import normalise_name

DEFAULT_TZ = ZoneInfo("America/Guayaquil")


@dataclass(frozen=True, order=True)
class Interval:
    """A stretch of time someone spent in the call, between two aware datetimes."""

    start: datetime
    end: datetime

    def __post_init__(self):
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("Interval needs aware datetimes.")
        if self.end < self.start:
            raise ValueError("Interval ends before it starts.")

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60


@dataclass
class ReportPerson:
    """One person of the report, every row of theirs merged.

    `name` is the name shown first in the report; `other_names` holds the further names the
    same person appeared under (Zoom's original name, a later rename), for matching.
    `email` is lower case, or "" when the report has none. `intervals` are the stretches
    the report gives, sorted. `reported_minutes` is the total the report states when the
    intervals are missing (Zoom's unique-users reports) or may be only a first-join to
    last-leave envelope (Google Meet, Teams 2021, the participant table of Teams 2022);
    None when the intervals are exact. `line` is the first line of the file the person
    appears on.
    """

    name: str
    email: str = ""
    intervals: list[Interval] = field(default_factory=list)
    reported_minutes: float | None = None
    other_names: list[str] = field(default_factory=list)
    line: int | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.other_names)


@dataclass
class ParsedReport:
    """A whole report: which layout it was, the meeting it states and its people.

    `starts_at` and `ends_at` are the meeting times the report states, None when it states
    none (Teams 2020, Google Meet, Zoom without the meeting block). `day_first` tells how
    dates such as 03/10/2026 were read (see the package's docstring).
    """

    layout: str
    title: str
    starts_at: datetime | None
    ends_at: datetime | None
    people: list[ReportPerson]
    day_first: bool = False


@dataclass(frozen=True)
class Context:
    """What every layout parser is told besides the rows."""

    tz: ZoneInfo
    session_date: date | None
    fallback_title: str
    semicolons: bool


class PeopleBook:
    """Collects rows into people: one per email, or per normalised name when no email."""

    def __init__(self):
        self._people: dict[tuple[str, str], ReportPerson] = {}

    @staticmethod
    def key(name: str, email: str) -> tuple[str, str] | None:
        if email:
            return ("email", email)
        normalised = normalise_name(name)
        return ("name", normalised) if normalised else None

    def add(
        self,
        *,
        line: int,
        name: str,
        email: str,
        other_names: Iterable[str] = (),
        intervals: Iterable[Interval] = (),
        minutes: float | None = None,
    ) -> ReportPerson:
        name = name.strip() or email
        key = self.key(name, email)
        if key is None:
            raise no_name(line=line)
        person = self._people.get(key)
        if person is None:
            person = self._people[key] = ReportPerson(name=name, email=email, line=line)
        add_names(person, (name, *other_names))
        person.intervals.extend(intervals)
        if minutes is not None:
            person.reported_minutes = (person.reported_minutes or 0) + minutes
        return person

    def pop(self, key: tuple[str, str] | None) -> ReportPerson | None:
        return self._people.pop(key, None) if key else None

    def people(self) -> list[ReportPerson]:
        people = list(self._people.values())
        for person in people:
            person.intervals.sort()
        return people


def add_names(person: ReportPerson, names: Iterable[str]) -> None:
    """Keep every distinct name (after normalising) a person appeared under."""
    known = {normalise_name(name) for name in person.names}
    for name in names:
        name = name.strip()
        normalised = normalise_name(name)
        if normalised and normalised not in known:
            person.other_names.append(name)
            known.add(normalised)


def checked_interval(
    start: datetime, end: datetime, *, line: int, start_text: str, end_text: str
) -> Interval:
    """The interval between a join and a leave, refusing a leave before the join."""
    if end < start:
        raise ReportError(
            _("The leave time “%(end)s” is earlier than the join time “%(start)s”."),
            code="leave_before_join",
            line=line,
            params={"start": start_text, "end": end_text},
        )
    return Interval(start, end)
