"""Background tasks: workshop emails, calendar invites and reminders.

Tasks run in the worker (`manage.py db_worker`, docs/workshops.md) with the
database backend; in tests and the local demo they run at once. Every task
takes ids, not objects, and reads the records afresh when it runs.

Reminders wait in the queue until a day and an hour before each session. They
are queued when a session is created or moved (for everyone confirmed by
then) and when a registration is confirmed (for that person), except for
times already past. A queued reminder that is no longer right, for a session
moved or cancelled, finds so when it runs and sends nothing.
"""

import logging
from functools import partial, wraps

from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from django_tasks import task

from lms.models import Registration, ReminderRecord, Session
from lms.services import workshop_mail
from lms.services.workshops import (
    registration_cancelled,
    registration_confirmed,
    registration_waitlisted,
)

logger = logging.getLogger(__name__)


@task()
def render_certificate_pdf(certificate_id: int) -> str:
    """Render and store a certificate's PDF (lms.services.certificate_pdf); returns its status."""
    from lms.services.certificate_pdf import store_pdf

    return store_pdf(certificate_id)


@task()
def send_registration_email(registration_id: int, kind: str) -> bool:
    """Confirmation (with the invite), promotion, waitlist notice or cancellation receipt."""
    return workshop_mail.deliver_registration_email(registration_id, kind)


@task()
def send_session_notice(
    session_id: int,
    kind: str,
    sequence: int | None = None,
    previous: list[str] | None = None,
) -> dict:
    """A session moved ("changed") or was cancelled ("cancelled"): every confirmed registrant."""
    return workshop_mail.deliver_session_notice(
        session_id, kind, sequence=sequence, previous=previous
    )


@task()
def send_reminder(session_id: int, kind: str, participant_id: int | None = None) -> dict:
    """The "24h" or "1h" reminder of a session, once per confirmed registrant."""
    return workshop_mail.deliver_reminders(session_id, kind, participant_id)


def can_wait() -> bool:
    """Whether the task backend can hold a task until a given time."""
    return send_reminder.get_backend().supports_defer


def schedule_reminders(session: Session, *, participant_id: int | None = None, now=None) -> list:
    """Queue the session's reminders for their times; times already past are skipped.

    Nothing is queued by a backend that cannot hold a task until later (the
    immediate backend of tests and the demo).
    """
    if session.cancelled or not can_wait():
        return []
    now = now or timezone.now()
    kwargs = {} if participant_id is None else {"participant_id": participant_id}
    queued = []
    for kind, offset in workshop_mail.REMINDER_OFFSETS.items():
        run_after = session.starts_at - offset
        if run_after > now:
            queued.append(
                send_reminder.using(run_after=run_after).enqueue(session.pk, kind, **kwargs)
            )
    return queued


# ---------------------------------------------------------------------------
# What queues the tasks: signals of lms.services.workshops (sent after the
# commit) and saves of sessions. Connected by LmsConfig.ready().


def _after_commit(receiver):
    """The change is committed by now: failing to queue its email must not fail the request."""

    @wraps(receiver)
    def run(*args, **kwargs):
        try:
            receiver(*args, **kwargs)
        except Exception:
            logger.exception("Could not queue the workshop email of %s", receiver.__name__)

    return run


@_after_commit
def on_registration_confirmed(sender, registration: Registration, promoted=False, **kwargs):
    kind = workshop_mail.PROMOTED if promoted else workshop_mail.CONFIRMED
    send_registration_email.enqueue(registration.pk, kind)
    if not can_wait():
        return
    upcoming = Session.objects.filter(
        workshop_id=registration.workshop_id, cancelled=False, starts_at__gt=timezone.now()
    )
    for session in upcoming:
        schedule_reminders(session, participant_id=registration.participant_id)


@_after_commit
def on_registration_waitlisted(sender, registration: Registration, **kwargs):
    send_registration_email.enqueue(registration.pk, workshop_mail.WAITLISTED)


@_after_commit
def on_registration_cancelled(sender, registration: Registration, **kwargs):
    send_registration_email.enqueue(registration.pk, workshop_mail.CANCELLED)


def note_session_start(sender, instance: Session, raw: bool = False, update_fields=None, **kwargs):
    """Before a save, the start the session has in the database, so the save can tell it moved."""
    instance._stored_starts_at = None
    if (
        raw
        or instance.pk is None
        or (update_fields is not None and "starts_at" not in update_fields)
    ):
        return
    instance._stored_starts_at = (
        Session.objects.filter(pk=instance.pk).values_list("starts_at", flat=True).first()
    )


def _schedule_after_commit(session_id: int) -> None:
    session = Session.objects.filter(pk=session_id).first()
    if session is not None:
        schedule_reminders(session)


def on_session_saved(sender, instance: Session, created: bool, raw: bool = False, **kwargs):
    """A new session, or one whose start moved, gets its reminders (after the commit).

    Reminders already sent for the old time are forgotten, so the new ones go out.
    """
    if raw:
        return
    stored = getattr(instance, "_stored_starts_at", None)
    moved = not created and stored is not None and stored != instance.starts_at
    if moved:
        ReminderRecord.objects.filter(session=instance).delete()
    if (created or moved) and not instance.cancelled:
        transaction.on_commit(partial(_schedule_after_commit, instance.pk), robust=True)


def connect_receivers() -> None:
    registration_confirmed.connect(on_registration_confirmed, dispatch_uid="lms_mail_confirmed")
    registration_waitlisted.connect(on_registration_waitlisted, dispatch_uid="lms_mail_waitlisted")
    registration_cancelled.connect(on_registration_cancelled, dispatch_uid="lms_mail_cancelled")
    pre_save.connect(note_session_start, sender=Session, dispatch_uid="lms_session_start")
    post_save.connect(on_session_saved, sender=Session, dispatch_uid="lms_session_reminders")
