"""Changing and cancelling a workshop's sessions, and telling the people confirmed.

Each change raises the session's SEQUENCE, so the invite the notice carries
replaces the event already in people's calendars (same UID). The notice is
queued after the commit (a failure to queue it is logged, the change stays);
reminders follow the new time (lms.tasks).
"""

from functools import partial

from django.db import transaction
from django.utils import timezone

from lms.models import Session
from lms.services import workshop_mail
from lms.tasks import send_session_notice


@transaction.atomic
def update_session(session: Session, *, starts_at=None, ends_at=None, title=None) -> Session:
    """Move or rename a session; confirmed registrants get the updated invite.

    Returns the session as saved. Changing nothing sends nothing; a cancelled
    session cannot be changed.
    """
    for value in (starts_at, ends_at):
        if value is not None and timezone.is_naive(value):
            raise ValueError("Session times must be aware datetimes.")
    locked = (
        Session.objects.select_for_update(of=("self",))
        .select_related("workshop")
        .get(pk=session.pk)
    )
    if locked.cancelled:
        raise ValueError("A cancelled session cannot be changed.")
    before = (locked.starts_at, locked.ends_at)
    changes = {
        field: value
        for field, value in (("starts_at", starts_at), ("ends_at", ends_at), ("title", title))
        if value is not None and value != getattr(locked, field)
    }
    if not changes:
        return locked
    for field, value in changes.items():
        setattr(locked, field, value)
    if locked.ends_at <= locked.starts_at:
        raise ValueError("A session must end after it starts.")
    locked.sequence += 1
    locked.save(update_fields=[*changes, "sequence"])
    moved = (locked.starts_at, locked.ends_at) != before
    transaction.on_commit(
        partial(
            send_session_notice.enqueue,
            locked.pk,
            workshop_mail.SESSION_CHANGED,
            sequence=locked.sequence,
            previous=[moment.isoformat() for moment in before] if moved else None,
        ),
        robust=True,
    )
    return locked


@transaction.atomic
def cancel_session(session: Session) -> Session:
    """Cancel a session; confirmed registrants get the cancellation for their calendars.

    Cancelling a cancelled session changes nothing.
    """
    locked = (
        Session.objects.select_for_update(of=("self",))
        .select_related("workshop")
        .get(pk=session.pk)
    )
    if locked.cancelled:
        return locked
    locked.cancelled = True
    locked.sequence += 1
    locked.save(update_fields=["cancelled", "sequence"])
    transaction.on_commit(
        partial(
            send_session_notice.enqueue,
            locked.pk,
            workshop_mail.SESSION_CANCELLED,
            sequence=locked.sequence,
        ),
        robust=True,
    )
    return locked


def announce_edits(before: dict[int, tuple]) -> list[int]:
    """Sessions edited elsewhere (the admin's inline form): raise SEQUENCE and tell people.

    `before` maps session ids to their (starts_at, ends_at, title, cancelled) as they were
    before the edit. Returns the ids of the sessions announced.
    """
    announced = []
    for session in Session.objects.filter(pk__in=before).select_related("workshop"):
        starts_at, ends_at, title, cancelled = before[session.pk]
        now_cancelled = session.cancelled and not cancelled
        changed = (session.starts_at, session.ends_at, session.title) != (starts_at, ends_at, title)
        if not (now_cancelled or (changed and not session.cancelled)):
            continue
        session.sequence += 1
        Session.objects.filter(pk=session.pk).update(sequence=session.sequence)
        moved = (session.starts_at, session.ends_at) != (starts_at, ends_at)
        transaction.on_commit(
            partial(
                send_session_notice.enqueue,
                session.pk,
                workshop_mail.SESSION_CANCELLED if now_cancelled else workshop_mail.SESSION_CHANGED,
                sequence=session.sequence,
                previous=[starts_at.isoformat(), ends_at.isoformat()]
                if moved and not now_cancelled
                else None,
            )
        )
        announced.append(session.pk)
    return announced
