"""The error a report that cannot be read raises."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _


class ReportError(ValueError):
    """The uploaded file cannot be read as an attendance report; nothing of it is kept.

    `message` is rendered in the active language when read; `line` is the 1-based line of
    the file at fault, or None when the fault is the whole file; `code` is stable, for
    views and tests to branch on.
    """

    def __init__(
        self,
        message: Any,
        *,
        code: str,
        line: int | None = None,
        params: Mapping[str, Any] | None = None,
    ):
        super().__init__(message)
        self.template = message
        self.code = code
        self.line = line
        self.params = dict(params or {})

    @property
    def message(self) -> str:
        text = str(self.template)
        return text % self.params if self.params else text

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return str(_("Line %(line)d: %(message)s")) % {"line": self.line, "message": self.message}


def missing_table(columns: list[str], *, line: int) -> ReportError:
    """The participant table's header is not where it should be."""
    return ReportError(
        _("The participant table is missing: expected a header row with the columns %(columns)s."),
        code="missing_table",
        line=line,
        params={"columns": ", ".join(f"“{column}”" for column in columns)},
    )


def no_name(*, line: int) -> ReportError:
    return ReportError(_("This row has neither a name nor an email."), code="no_name", line=line)
