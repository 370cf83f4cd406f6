"""Reading the names, emails, headers, dates and durations written in attendance reports."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from .errors import ReportError

# Leading courtesy and academic titles officials put before their names in calls
# ("Ing. Juan Pérez", "Abg. María Ruiz"); dropped when comparing names.
NAME_TITLES = frozenset(
    {
        "abg",
        "abog",
        "arq",
        "dr",
        "dra",
        "econ",
        "eco",
        "ing",
        "lcda",
        "lcdo",
        "lic",
        "mgs",
        "mgtr",
        "msc",
        "phd",
        "psic",
        "sr",
        "sra",
        "srta",
        "tec",
        "tlga",
        "tlgo",
    }
)

_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_NOT_WORD = re.compile(r"[\W_]+")
_ORIGINAL_NAME = re.compile(r"^(?P<name>.*?\S)\s*\((?P<original>[^()]*)\)$")


def fold(text: str) -> str:
    """Without accents, case or repeated spaces: how headers, keys and names are compared."""
    decomposed = unicodedata.normalize("NFKD", (text or "").replace("\ufeff", ""))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split()).rstrip(":").rstrip()


def normalise_name(name: str) -> str:
    """A person's name reduced for comparison.

    Accents, case, punctuation and repeated spaces go; so does any text in brackets, such as
    Zoom's "(original name)" or Teams' "(Guest)", unless the name is nothing else; so do
    leading titles such as "Ing." or "Abg.". "Ing. María  José Pérez-Ñauta (Invitado)" and
    "maria jose perez nauta" compare equal.
    """
    text = _BRACKETED.sub(" ", name or "")
    if not _NOT_WORD.sub("", text):
        text = name or ""
    words = _NOT_WORD.sub(" ", fold(text)).split()
    while len(words) > 1 and words[0] in NAME_TITLES:
        del words[0]
    return " ".join(words)


def split_original_name(value: str) -> tuple[str, str]:
    """Zoom's "Name (Original Name)" column: ("Ana Pérez", "Ana P") from "Ana Pérez (Ana P)"."""
    value = value.strip()
    found = _ORIGINAL_NAME.match(value)
    if not found or not found["original"].strip():
        return value, ""
    return found["name"].strip(), found["original"].strip()


def clean_email(value: str) -> str:
    """Lower case, or "" when the cell does not hold an email address."""
    text = (value or "").strip().lower()
    text = text.removeprefix("mailto:")
    if "@" not in text or any(c.isspace() for c in text):
        return ""
    return text


def find_columns(cells: Iterable[str], labels: Mapping[str, tuple[str, ...]]) -> dict[str, int]:
    """Which column holds each field, by its header matched against the alias table."""
    by_label = {fold(label): key for key, aliases in labels.items() for label in aliases}
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = by_label.get(fold(cell))
        if key is not None and key not in columns:
            columns[key] = index
    return columns


def match_label(text: str, labels: Mapping[str, tuple[str, ...]]) -> str | None:
    """The key whose aliases include `text`, if any."""
    folded = fold(text)
    for key, aliases in labels.items():
        if any(fold(alias) == folded for alias in aliases):
            return key
    return None


def cell(cells: list[str], index: int, *, line: int, column: str) -> str:
    """The value of one column, or a clear error when the row stops short of it."""
    if index >= len(cells):
        raise ReportError(
            _("This row ends before the “%(column)s” column."),
            code="missing_column",
            line=line,
            params={"column": column},
        )
    return cells[index]


_MERIDIEM = re.compile(r"(?<![a-z])([ap])\.?\s*m\.?(?![a-z])")
_DATETIME = re.compile(
    r"""
    ^(?:(?P<a>\d{1,4})[/.-](?P<b>\d{1,2})[/.-](?P<c>\d{1,4})(?:\s*,\s*|\s+|t))?
    (?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d+)?)?
    \s*(?P<meridiem>[ap]m)?
    \s*(?P<zone>z|(?:utc|gmt)?\s*[+-]\d{1,2}(?::?\d{2})?|utc|gmt)?$
    """,
    re.VERBOSE,
)
_OFFSET = re.compile(r"([+-])(\d{1,2}):?(\d{2})?$")


def _clean_datetime(value: str) -> str:
    text = unicodedata.normalize("NFKC", value or "").strip().lower()
    return " ".join(_MERIDIEM.sub(r"\1m", text).split())


def _date_order_evidence(value: str) -> str | None:
    """Which order a date proves: "day" (25/03/2026), "month" (03/25/2026) or None."""
    found = _DATETIME.match(_clean_datetime(value))
    if not found or found["a"] is None or len(found["a"]) == 4:
        return None
    first, second = int(found["a"]), int(found["b"])
    if first > 12 >= second:
        return "day"
    if second > 12 >= first:
        return "month"
    return None


def decide_day_first(samples: Iterable[tuple[str, int]], *, default: bool) -> bool:
    """Whether the file writes dates day first, from every date it holds.

    A first number above 12 (25/03/2026) proves day-first and a second one above 12
    (03/25/2026) month-first; a file proving both is refused. With no proof, `default`.
    """
    proof: dict[str, int] = {}
    for value, line in samples:
        order = _date_order_evidence(value)
        if order is not None:
            proof.setdefault(order, line)
    if len(proof) == 2:
        raise ReportError(
            _(
                "The dates in this file mix day-first and month-first order "
                "(such as 25/03/2026 and 03/25/2026), so they cannot be read safely."
            ),
            code="mixed_date_order",
            line=max(proof.values()),
        )
    if proof:
        return "day" in proof
    return default


class DateReader:
    """Reads the dates and times of one report, once its date order is known."""

    def __init__(self, *, tz: ZoneInfo, day_first: bool, session_date: date | None = None):
        self.tz = tz
        self.day_first = day_first
        self.session_date = session_date

    def read(self, value: str, *, line: int, column: str, example: str) -> tuple[datetime, bool]:
        """The aware datetime written in `value`, and whether it included a date."""
        found = _DATETIME.match(_clean_datetime(value))
        moment = self._build(found, line) if found else None
        if moment is None:
            raise ReportError(
                _(
                    "“%(value)s” in the “%(column)s” column is not a date and time "
                    "(expected something like %(example)s)."
                ),
                code="bad_date",
                line=line,
                params={"value": value, "column": column, "example": example},
            )
        return moment, found["a"] is not None

    def parse(self, value: str, *, line: int, column: str, example: str) -> datetime:
        return self.read(value, line=line, column=column, example=example)[0]

    def _build(self, found: re.Match, line: int) -> datetime | None:
        a, b, c = found["a"], found["b"], found["c"]
        if a is None:
            if self.session_date is None:
                raise ReportError(
                    _(
                        "This report gives times without a date; "
                        "the date of the session is needed to read it."
                    ),
                    code="session_date_needed",
                    line=line,
                )
            year, month, day = (
                self.session_date.year,
                self.session_date.month,
                self.session_date.day,
            )
        elif len(a) == 4:
            if len(c) > 2:
                return None
            year, month, day = int(a), int(b), int(c)
        elif len(c) in (2, 4):
            year = int(c) + (2000 if len(c) == 2 else 0)
            month, day = (int(b), int(a)) if self.day_first else (int(a), int(b))
        else:
            return None
        hour = int(found["hour"])
        if found["meridiem"]:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if found["meridiem"] == "pm" else 0)
        try:
            naive = datetime(
                year, month, day, hour, int(found["minute"]), int(found["second"] or 0)
            )
        except ValueError:
            return None
        zone = found["zone"]
        if not zone:
            return naive.replace(tzinfo=self.tz)
        offset = _OFFSET.search(zone)
        delta = timedelta(0)
        if offset:
            delta = timedelta(hours=int(offset[2]), minutes=int(offset[3] or 0))
            delta = -delta if offset[1] == "-" else delta
        return naive.replace(tzinfo=timezone(delta)).astimezone(self.tz)


_DURATION_UNITS = {
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours", "hora", "horas"), 60.0),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes", "minuto", "minutos"), 1.0),
    **dict.fromkeys(
        ("s", "sec", "secs", "second", "seconds", "seg", "segs", "segundo", "segundos"), 1 / 60
    ),
}
_DURATION_PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*([a-z]+)\.?\s*")
_DURATION_CLOCK = re.compile(r"^(\d+):([0-5]\d):([0-5]\d)$")
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?$")


def _duration_minutes(value: str) -> float | None:
    text = fold(value)
    if _NUMBER.match(text):
        return float(text.replace(",", "."))
    clock = _DURATION_CLOCK.match(text)
    if clock:
        return int(clock[1]) * 60 + int(clock[2]) + int(clock[3]) / 60
    total, position = 0.0, 0
    for part in _DURATION_PART.finditer(text):
        if part.start() != position or part[2] not in _DURATION_UNITS:
            return None
        total += float(part[1].replace(",", ".")) * _DURATION_UNITS[part[2]]
        position = part.end()
    return total if text and position == len(text) else None


def parse_duration(value: str, *, line: int, column: str, example: str) -> float:
    """Minutes from "45", "1h 2m 10s", "1 hr 5 min", "1 h 2 min 10 s" or "1:02:10"."""
    minutes = _duration_minutes(value)
    if minutes is None:
        raise ReportError(
            _(
                "“%(value)s” in the “%(column)s” column is not a duration "
                "(expected something like %(example)s)."
            ),
            code="bad_duration",
            line=line,
            params={"value": value, "column": column, "example": example},
        )
    return minutes
