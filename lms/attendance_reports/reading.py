"""From the uploaded bytes to numbered rows of cells."""

from __future__ import annotations

import codecs
import csv
import io
import re
from typing import NamedTuple

from django.utils.translation import gettext_lazy as _

from .errors import ReportError

MAX_REPORT_BYTES = 5 * 1024 * 1024
MAX_REPORT_ROWS = 20_000

_SPACES = re.compile(r"\s+")
_NOT_CSV_HINT = _(
    "Download the attendance report from Zoom, Microsoft Teams or Google Meet "
    "as a CSV file and upload it unchanged."
)


# Control characters other than tab and line breaks: a sign of binary data.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class Row(NamedTuple):
    """One record of the file: the 1-based line it starts on and its trimmed cells."""

    line: int
    cells: list[str]

    @property
    def blank(self) -> bool:
        return not any(self.cells)


def _binary_kind(data: bytes, filename: str):
    """What a binary upload most likely is, for the message; None when it is not binary."""
    name = filename.lower()
    if data.startswith(b"%PDF"):
        return _("a PDF document")
    if data.startswith(b"PK\x03\x04"):
        head = data[:65536]
        if b"xl/" in head or name.endswith((".xlsx", ".xlsm")):
            return _("an Excel workbook")
        if b"word/" in head or name.endswith(".docx"):
            return _("a Word document")
        return _("a compressed (ZIP) file")
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _("an older Excel or Word file")
    if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return _("an image")
    return None


def _not_csv(kind=None) -> ReportError:
    if kind is None:
        return ReportError(
            _("The file is not a CSV report. %(hint)s"),
            code="not_csv",
            params={"hint": _NOT_CSV_HINT},
        )
    return ReportError(
        _("The file is not a CSV report: it looks like %(kind)s. %(hint)s"),
        code="not_csv",
        params={"kind": kind, "hint": _NOT_CSV_HINT},
    )


def _utf16_without_bom(data: bytes) -> str | None:
    """The UTF-16 codec of text saved without a byte-order mark: every other byte is zero."""
    head = data[:512]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) >= len(odd) * 0.9 and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) >= len(even) * 0.9 and odd.count(0) == 0:
        return "utf-16-be"
    return None


def decode_report(data: bytes, *, filename: str) -> str:
    """The text of an uploaded report, or ReportError when it is too big, empty or binary.

    UTF-8 and UTF-16 with a byte-order mark, UTF-16 without one, UTF-8, then
    Windows-1252 (Excel on Windows) and Latin-1 are tried in turn.
    """
    if len(data) > MAX_REPORT_BYTES:
        raise ReportError(
            _("The file is larger than %(limit)d MB; an attendance report is much smaller."),
            code="too_large",
            params={"limit": MAX_REPORT_BYTES // (1024 * 1024)},
        )
    if not data.strip():
        raise ReportError(_("The file is empty."), code="empty")
    kind = _binary_kind(data, filename)
    if kind is not None:
        raise _not_csv(kind)
    if data.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    elif utf16 := _utf16_without_bom(data):
        encodings = (utf16,)
    else:
        encodings = ("utf-8", "cp1252", "latin-1")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        break
    else:
        raise _not_csv()
    text = text.lstrip("\ufeff")
    if _CONTROL.search(text):
        raise _not_csv()
    if not text.strip():
        raise ReportError(_("The file is empty."), code="empty")
    return text


def sniff_delimiter(text: str) -> str:
    """Tab (Teams), semicolon (Excel in Spanish and other day-first locales) or comma.

    Tabs anywhere near the top win; otherwise the first line holding a semicolon or a comma
    decides, semicolons winning when there are more of them than commas.
    """
    lines = [line for line in text[:20000].splitlines()[:60] if line.strip()]
    if any("\t" in line for line in lines):
        return "\t"
    for line in lines:
        semicolons, commas = line.count(";"), line.count(",")
        if semicolons or commas:
            return ";" if semicolons > commas else ","
    return ","


def read_rows(text: str, delimiter: str) -> list[Row]:
    """Every record with its line number; blank lines are kept, as empty rows."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[Row] = []
    counted = 0
    start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            row = Row(line, [_SPACES.sub(" ", value).strip() for value in cells])
            if not row.blank:
                counted += 1
                if counted > MAX_REPORT_ROWS:
                    raise ReportError(
                        _("The report has more than %(limit)d rows."),
                        code="too_many_rows",
                        line=line,
                        params={"limit": MAX_REPORT_ROWS},
                    )
            rows.append(row)
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            message = _("This line holds a value far too long for an attendance report.")
        else:
            message = _(
                "This line cannot be read as CSV: check its quotation marks "
                "(a field in quotes must end with a closing quote)."
            )
        raise ReportError(message, code="bad_csv", line=start) from error
    return rows
