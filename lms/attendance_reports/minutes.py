"""How long someone attended a session, from what a report says about them."""

from __future__ import annotations

from datetime import datetime

from .records import ReportPerson


def attended_minutes(
    person: ReportPerson, *, session_start: datetime, session_end: datetime
) -> float:
    """Minutes `person` spent in the call within the session, never more than its length.

    The intervals are clipped to the session and joined where they overlap, so two devices
    at once or a rejoin before the previous leave count once. When the report also states
    a total (`reported_minutes`, because its intervals are only an envelope), the smaller
    of the two is taken; when it states only a total, that total is taken.
    """
    if session_start.tzinfo is None or session_end.tzinfo is None:
        raise ValueError("attended_minutes needs aware datetimes.")
    if session_end < session_start:
        raise ValueError("The session ends before it starts.")
    length = (session_end - session_start).total_seconds() / 60
    if person.intervals:
        minutes = _union_seconds(person, session_start, session_end) / 60
        if person.reported_minutes is not None:
            minutes = min(minutes, person.reported_minutes)
    else:
        minutes = person.reported_minutes or 0.0
    return max(0.0, min(minutes, length))


def _union_seconds(person: ReportPerson, start: datetime, end: datetime) -> float:
    total = 0.0
    current_start = current_end = None
    clipped = sorted(
        (max(interval.start, start), min(interval.end, end))
        for interval in person.intervals
        if interval.end > start and interval.start < end
    )
    for piece_start, piece_end in clipped:
        if current_end is not None and piece_start <= current_end:
            current_end = max(current_end, piece_end)
            continue
        if current_end is not None:
            total += (current_end - current_start).total_seconds()
        current_start, current_end = piece_start, piece_end
    if current_end is not None:
        total += (current_end - current_start).total_seconds()
    return total
