"""Bar charts drawn on the server: a table whose rows carry a bar.

The table is the chart's text alternative at the same time: a screen reader
reads the label and the figure, the bar itself is hidden from it. Nothing needs
JavaScript, and the chart prints as it shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    # What is written beside the bar: "1.234", "<5", "45 %".
    display: str
    # Width of the bar as a share of the longest one, 0 to 100.
    width: float
    # A second figure in the same row, such as a share: "(12 %)".
    note: str = ""
    url: str = ""


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]
    # The heading of the figures' column in the table.
    value_label: str
    caption: str = ""

    @property
    def is_empty(self) -> bool:
        return not any(bar.value for bar in self.bars)


def bar_chart(
    title: str,
    items: Iterable[tuple],
    *,
    value_label: str,
    caption: str = "",
    maximum: float | None = None,
) -> BarChart:
    """Items are (label, value, display) or (label, value, display, note[, url]).

    `value` sets the bar's length (None draws none: a suppressed count shows no bar);
    `maximum` fixes the full length, such as 100 for percentages.
    """
    rows = [tuple(item) + ("", "")[: max(0, 5 - len(item))] for item in items]
    top = maximum if maximum is not None else max((row[1] or 0 for row in rows), default=0)
    bars = tuple(
        Bar(
            label=str(label),
            value=value,
            display=str(display),
            width=round(100 * (value or 0) / top, 1) if top else 0,
            note=str(note),
            url=url,
        )
        for label, value, display, note, url in rows
    )
    return BarChart(title=title, bars=bars, value_label=value_label, caption=caption)
