"""Data people download as spreadsheets: CSV and Excel files, streamed, logged.

Every export goes through here so that each file reads the same way in a spreadsheet:

- CSV is UTF-8 with a byte-order mark (without it Excel reads "ñ" and accents as
  Latin-1), and no cell starts like a formula: a spreadsheet would run it, so such text
  gets a leading single quote. Numbers are written as numbers, a dot before decimals.
- XLSX keeps numbers and dates typed; text is always text, even "=HYPERLINK(…)".
- Times are wall-clock times in the site's time zone (Ecuador): a spreadsheet has no
  time zones.

Neither format holds the rows in memory: pass an iterator (`queryset.iterator()`) and
CSV is sent line by line as it is written, while the workbook is written row by row to
a temporary file on disk, then sent from it. openpyxl keeps only its table of distinct
strings in memory.

Report exports are logged: `log_export` before the file is written, and
`on_complete=finish_export(log)` records how many rows it held once the last was
written, so an export cut short keeps no count.
"""

import csv
import datetime
import math
import re
import tempfile
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext

from lms.models import ExportLog

# A spreadsheet runs a cell that starts like a formula; a leading quote makes it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel refuses these in a sheet's name, and names longer than 31 characters.
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_TITLE_LENGTH = 31
# Control characters an XLSX file cannot hold (openpyxl refuses the whole cell).
XLSX_ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")

Rows = Iterable[Iterable]
OnComplete = Callable[[int], None]


def _local(value: datetime.datetime) -> datetime.datetime:
    """The wall-clock time in the site's time zone, without a zone; naive times stay."""
    if timezone.is_aware(value):
        return timezone.make_naive(value, timezone.get_default_timezone())
    return value


def _is_number(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, Decimal) and value.is_finite()


def _yes_no(value: bool) -> str:
    return gettext("Yes") if value else gettext("No")


def csv_cell(value) -> str:
    """A value as CSV text, escaped when a spreadsheet would run it as a formula.

    Numbers are not escaped: a spreadsheet reads -3 as minus three, and a quote would
    turn it into text. The same "-3" given as text is escaped, like any text.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return _yes_no(value)
    if _is_number(value):
        # format(…, "f") keeps a Decimal out of exponent notation (1E+2 is 100).
        return format(value, "f") if isinstance(value, Decimal) else str(value)
    if isinstance(value, datetime.datetime):
        text = _local(value).isoformat(sep=" ", timespec="minutes")
    elif isinstance(value, datetime.date):
        text = value.isoformat()
    else:
        text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A file-like object whose write returns the line, for csv.writer to stream."""

    def write(self, value):
        return value


def csv_response(rows: Rows, filename: str, *, on_complete: OnComplete | None = None):
    """Stream rows (the first is the header) as a CSV download, one line at a time."""
    writer = csv.writer(_Echo())

    def lines():
        # The byte order mark makes spreadsheets read the file as UTF-8 (ñ, tildes).
        yield "\ufeff"
        written = 0
        for row in rows:
            yield writer.writerow([csv_cell(value) for value in row])
            written += 1
        # Only reached when the whole file was sent: a dropped download closes the
        # generator before this line.
        if on_complete is not None:
            on_complete(max(written - 1, 0))

    response = StreamingHttpResponse(lines(), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    add_never_cache_headers(response)
    return response


def _xlsx_value(value):
    """A value as openpyxl can write it: numbers and dates typed, the rest as text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return _yes_no(value)
    if _is_number(value):
        return value
    if isinstance(value, datetime.datetime):
        return _local(value)
    if isinstance(value, datetime.date | datetime.time):
        return value
    # Anything else (lazy translations, infinities, model instances) is written as its text.
    return XLSX_ILLEGAL_CHARACTERS.sub("", str(value))


def _sheet_title(title: str) -> str:
    cleaned = SHEET_TITLE_FORBIDDEN.sub("", str(title))[:SHEET_TITLE_LENGTH]
    # Excel also refuses a name that starts or ends with an apostrophe.
    return cleaned.strip().strip("'") or gettext("Data")


def xlsx_response(
    rows: Rows, filename: str, *, sheet_title: str, on_complete: OnComplete | None = None
):
    """Write rows (the first is the header, in bold) to an Excel workbook and send it."""
    # openpyxl takes a tenth of a second to import: only the processes that export pay it.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(sheet_title))
    bold = Font(bold=True)

    def cell(value, *, header: bool):
        item = WriteOnlyCell(sheet, value=_xlsx_value(value))
        if isinstance(item.value, str):
            # Text that looks like a formula ("=…") or an error ("#N/A") stays text:
            # the spreadsheet never runs it.
            item.data_type = "s"
        if header:
            item.font = bold
        return item

    # FileResponse closes the file once sent; it is deleted when closed.
    output = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        written = 0
        for row in rows:
            sheet.append([cell(value, header=written == 0) for value in row])
            written += 1
        book.save(output)
        output.seek(0)
    except BaseException:
        output.close()
        raise
    if on_complete is not None:
        on_complete(max(written - 1, 0))
    response = FileResponse(
        output, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
    )
    add_never_cache_headers(response)
    return response


def log_export(*, user, kind: str, file_format: str, filters: dict) -> ExportLog:
    """Record who exports which report, in which format and with which filters."""
    if kind not in ExportLog.Kind.values:
        raise ValueError(f"Unknown export kind: {kind!r}")
    if file_format not in ExportLog.Format.values:
        raise ValueError(f"Unknown export format: {file_format!r}")
    account = user if user is not None and user.is_authenticated else None
    return ExportLog.objects.create(
        user=account,
        user_email=account.email if account is not None else "",
        kind=kind,
        file_format=file_format,
        filters=filters,
    )


def finish_export(log: ExportLog) -> OnComplete:
    """The `on_complete` callback that stores the number of rows exported on the log."""

    def record(count: int) -> None:
        ExportLog.objects.filter(pk=log.pk).update(rows=count)
        log.rows = count

    return record
