"""The entry point: bytes and a file name in, a ParsedReport (or a ReportError) out."""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from . import meet, teams, zoom
from .errors import ReportError
from .reading import decode_report, read_rows, sniff_delimiter
from .records import DEFAULT_TZ, Context, ParsedReport

LAYOUTS = (
    "zoom-legacy",
    "zoom-legacy-unique",
    "zoom-2024",
    "zoom-2024-unique",
    "teams-2020",
    "teams-2021",
    "teams-2022",
    "google-meet",
)

_REPORT_SUFFIX = re.compile(r"\.(csv|tsv|txt)$", re.IGNORECASE)


def title_from_filename(filename: str) -> str:
    """The file's name without folders or extension, for reports that state no title."""
    name = re.split(r"[\\/]", filename or "")[-1]
    return _REPORT_SUFFIX.sub("", name).strip()


def parse_report(
    data: bytes,
    *,
    filename: str,
    tz: ZoneInfo = DEFAULT_TZ,
    session_date: date | None = None,
) -> ParsedReport:
    """Read an attendance report exported from Zoom, Microsoft Teams or Google Meet.

    Naive times are taken as local to `tz`. `session_date` is needed only for reports that
    give times without a date (Google Meet). Raises ReportError, and returns nothing, when
    any part of the file cannot be read.
    """
    text = decode_report(data, filename=filename)
    delimiter = sniff_delimiter(text)
    rows = read_rows(text, delimiter)
    first = next((row for row in rows if not row.blank), None)
    if first is None:
        raise ReportError(_("The file is empty."), code="empty")
    context = Context(
        tz=tz,
        session_date=session_date,
        fallback_title=title_from_filename(filename),
        semicolons=delimiter == ";",
    )
    if language := zoom.detect(first.cells):
        return zoom.parse(rows, language, context)
    if detected := teams.detect(first.cells):
        return teams.parse(rows, detected, context)
    if language := meet.detect(first.cells):
        return meet.parse(rows, language, context)
    raise ReportError(
        _(
            "The file is not an attendance report this site can read. Expected the "
            "participant report of a meeting, exported as CSV from Zoom, Microsoft Teams "
            "or Google Meet."
        ),
        code="unknown_layout",
        line=first.line,
    )
