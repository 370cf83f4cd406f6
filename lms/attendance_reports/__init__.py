"""Attendance reports of video calls: read them, measure attendance, pair people.

Pure Python: no models, no database. The API:

- `parse_report(data, *, filename, tz, session_date)` reads the bytes of an uploaded
  report into a `ParsedReport` (layout, title, meeting times, people), or raises
  `ReportError` (with `message`, `code` and 1-based `line`) and returns nothing.
- `attended_minutes(person, *, session_start, session_end)` measures one person.
- `match_people(people, candidates, *, aliases)` pairs the report's people with the
  workshop's participants by email, remembered alias, then normalised name.
- `normalise_name(name)` is how names are compared (and aliases should be stored).

Layouts (`ParsedReport.layout`): "zoom-legacy", "zoom-legacy-unique", "zoom-2024",
"zoom-2024-unique", "teams-2020", "teams-2021", "teams-2022", "google-meet".

Files are UTF-8 or UTF-16 (with or without byte-order mark), else Windows-1252 or
Latin-1; separated by tabs (Teams), semicolons (Excel in Spanish) or commas.
At most MAX_REPORT_BYTES bytes and MAX_REPORT_ROWS non-blank rows.

Times without a zone are the meeting host's local time and are read in `tz`
(America/Guayaquil by default). Google Meet may give times without a date: they are placed
on `session_date`, a time of exit before the time of joining meaning the next day.

Date order. Dates such as 03/10/2026 are read month first (as English Zoom and Teams
exports write them) unless the file shows otherwise:

1. a date whose first number is above 12 (25/03/2026) anywhere in the file makes the whole
   file day-first; one whose second number is above 12 (03/25/2026) makes it month-first;
   a file with both is refused;
2. with no such date, the file is day-first when its headers are in a language of
   `labels.DAY_FIRST_LANGUAGES` (Spanish) or it is separated by semicolons (a CSV saved by
   Excel in Spanish, which rewrites dates day-first), else month-first.

Year-first dates (2026-03-10) are never ambiguous. `ParsedReport.day_first` says which
order was used.
"""

from .errors import ReportError
from .labels import DAY_FIRST_LANGUAGES, MEET_LABELS, TEAMS_LABELS, ZOOM_LABELS
from .matching import (
    AMBIGUOUS,
    BY_ALIAS,
    BY_EMAIL,
    BY_NAME,
    MATCHED,
    UNMATCHED,
    Candidate,
    Match,
    match_people,
)
from .minutes import attended_minutes
from .parsing import LAYOUTS, parse_report
from .reading import MAX_REPORT_BYTES, MAX_REPORT_ROWS
from .records import DEFAULT_TZ, Interval, ParsedReport, ReportPerson
from .values import normalise_name, split_original_name

__all__ = [
    "AMBIGUOUS",
    "BY_ALIAS",
    "BY_EMAIL",
    "BY_NAME",
    "DAY_FIRST_LANGUAGES",
    "DEFAULT_TZ",
    "LAYOUTS",
    "MATCHED",
    "MAX_REPORT_BYTES",
    "MAX_REPORT_ROWS",
    "MEET_LABELS",
    "TEAMS_LABELS",
    "UNMATCHED",
    "ZOOM_LABELS",
    "Candidate",
    "Interval",
    "Match",
    "ParsedReport",
    "ReportError",
    "ReportPerson",
    "attended_minutes",
    "match_people",
    "normalise_name",
    "parse_report",
    "split_original_name",
]
