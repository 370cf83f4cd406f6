"""Workshop emails and calendar invites: what each person receives, and when.

Registering, being promoted from the waitlist, cancelling, a session moved or
cancelled, and the reminders a day and an hour before each session each send
an email in Spanish, as HTML and plain text. The tasks in lms.tasks call the
`deliver_*` functions here; nothing is sent during a request.

Calendar invites give each session one UID for life and raise its SEQUENCE on
every change, so a calendar that received the invite updates the event in
place, or removes it on a cancellation (METHOD:CANCEL). Times carry the TZID
America/Guayaquil with its VTIMEZONE (UTC-05:00 all year).

The meeting link goes only to confirmed registrants: into their emails, their
invites and the calendar they download, never anyone else's.

A reminder is claimed before it is sent, by inserting its ReminderRecord in the
same transaction as the sending: two workers running the same reminder at once
meet at the unique constraint, and the second skips that person.
"""

import logging
from datetime import datetime, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lms.models import Participant, Registration, ReminderRecord, Session, Workshop
from lms.services.workshops import waitlist_position

logger = logging.getLogger(__name__)

TZID = "America/Guayaquil"
LOCAL = ZoneInfo(TZID)
EMAIL_LANGUAGE = "es"
TEMPLATES = "lms/workshops/email"

# Registration emails: the registration status each one needs when it is sent.
CONFIRMED = "confirmed"
PROMOTED = "promoted"
WAITLISTED = "waitlisted"
CANCELLED = "cancelled"
REGISTRATION_EMAILS = {
    CONFIRMED: Registration.Status.CONFIRMED,
    PROMOTED: Registration.Status.CONFIRMED,
    WAITLISTED: Registration.Status.WAITLISTED,
    CANCELLED: Registration.Status.CANCELLED,
}
REGISTRATION_SUBJECTS = {
    CONFIRMED: _("Your seat at “%(workshop)s” is confirmed"),
    PROMOTED: _("A seat freed up: you are in “%(workshop)s”"),
    WAITLISTED: _("You are on the waitlist for “%(workshop)s”"),
    CANCELLED: _("Your registration for “%(workshop)s” is cancelled"),
}

# Notices about one session, to every confirmed registrant.
SESSION_CHANGED = "changed"
SESSION_CANCELLED = "cancelled"
SESSION_SUBJECTS = {
    SESSION_CHANGED: _("A session of “%(workshop)s” has changed"),
    SESSION_CANCELLED: _("A session of “%(workshop)s” is cancelled"),
}

# Reminders: how long before the start each one goes out. A reminder is due from
# its time until the next one's (the start, for the last), so a worker that runs
# late never sends two reminders at once or one after the session has begun.
REMINDER_OFFSETS = {
    ReminderRecord.Kind.DAY.value: timedelta(hours=24),
    ReminderRecord.Kind.HOUR.value: timedelta(hours=1),
}
REMINDER_SUBJECTS = {
    ReminderRecord.Kind.DAY.value: _("Reminder: “%(workshop)s”, %(when)s"),
    ReminderRecord.Kind.HOUR.value: _("Starting at %(time)s: “%(workshop)s”"),
}


# ---------------------------------------------------------------------------
# Links.


def _absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def workshop_url(workshop: Workshop) -> str:
    """The workshop's public page, as an absolute URL."""
    try:
        path = reverse("lms:workshop_detail", args=[workshop.slug])
    except NoReverseMatch:
        path = f"/talleres/{workshop.slug}/"
    return _absolute(path)


def calendar_url(workshop: Workshop) -> str:
    """The workshop's "add to calendar" file, as an absolute URL."""
    try:
        path = reverse("lms:workshop_calendar", args=[workshop.slug])
    except NoReverseMatch:
        path = f"/talleres/{workshop.slug}/calendario.ics"
    return _absolute(path)


def meeting_link_for(workshop: Workshop, registration: Registration | None) -> str:
    """The meeting link, for a confirmed registrant of an online or hybrid workshop only."""
    if (
        not workshop.meeting_link
        or workshop.mode == Workshop.Mode.IN_PERSON
        or registration is None
        or registration.workshop_id != workshop.pk
        or registration.status != Registration.Status.CONFIRMED
    ):
        return ""
    return workshop.meeting_link


def recipient(participant: Participant) -> str:
    """Where a participant's emails go: their own address, else their account's."""
    if participant.email:
        return participant.email
    return participant.user.email if participant.user_id else ""


# ---------------------------------------------------------------------------
# Calendar invites (iCalendar, RFC 5545 and 5546).


def _timezone() -> icalendar.Timezone:
    """America/Guayaquil: UTC-05:00, with no daylight saving time."""
    standard = icalendar.TimezoneStandard()
    standard.add("dtstart", datetime(1970, 1, 1))
    standard.add("tzoffsetfrom", timedelta(hours=-5))
    standard.add("tzoffsetto", timedelta(hours=-5))
    standard.add("tzname", "-05")
    zone = icalendar.Timezone()
    zone.add("tzid", TZID)
    zone.add_component(standard)
    return zone


def _calendar(method: str) -> icalendar.Calendar:
    if method not in ("PUBLISH", "REQUEST", "CANCEL"):
        raise ValueError(f"Unknown calendar method: {method}")
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Aula//Talleres//ES")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add_component(_timezone())
    return calendar


def _summary(session: Session, workshop: Workshop) -> str:
    return f"{workshop.title} · {session.title}" if session.title else workshop.title


def _location(workshop: Workshop, link: str) -> str:
    parts = [workshop.place] if workshop.place and workshop.mode != Workshop.Mode.ONLINE else []
    if link:
        parts.append(link)
    if not parts and workshop.mode == Workshop.Mode.ONLINE:
        parts.append(gettext("Online"))
    return " · ".join(parts)


def _description(workshop: Workshop, link: str) -> str:
    parts = [workshop.description.strip()] if workshop.description.strip() else []
    if link:
        parts.append(gettext("Meeting link: %(link)s") % {"link": link})
    parts.append(gettext("Details: %(url)s") % {"url": workshop_url(workshop)})
    return "\n\n".join(parts)


def _organizer() -> icalendar.vCalAddress:
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = icalendar.vCalAddress(f"mailto:{address}")
    organizer.params["CN"] = name or "Aula"
    return organizer


def _attendee(registration: Registration) -> icalendar.vCalAddress | None:
    address = recipient(registration.participant)
    if not address:
        return None
    attendee = icalendar.vCalAddress(f"mailto:{address}")
    attendee.params["CN"] = registration.participant.full_name
    attendee.params["ROLE"] = "REQ-PARTICIPANT"
    attendee.params["RSVP"] = "FALSE"
    if registration.status == Registration.Status.CONFIRMED:
        attendee.params["PARTSTAT"] = "ACCEPTED"
    return attendee


def _event(
    session: Session,
    workshop: Workshop,
    *,
    registration: Registration | None,
    cancelled: bool,
    stamp: datetime,
) -> icalendar.Event:
    link = meeting_link_for(workshop, registration)
    event = icalendar.Event()
    event.add("uid", f"{session.uid}@aula")
    event.add("sequence", session.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", session.starts_at.astimezone(LOCAL))
    event.add("dtend", session.ends_at.astimezone(LOCAL))
    event.add("summary", _summary(session, workshop))
    event.add("description", _description(workshop, link))
    location = _location(workshop, link)
    if location:
        event.add("location", location)
    event.add("url", workshop_url(workshop))
    event.add("organizer", _organizer())
    if registration is not None and (attendee := _attendee(registration)) is not None:
        event.add("attendee", attendee)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def session_calendar(
    session: Session, *, method: str = "REQUEST", registration: Registration | None = None
) -> bytes:
    """One session as an invite (REQUEST) or its cancellation (CANCEL).

    The meeting link is included only when `registration` is a confirmed one.
    """
    calendar = _calendar(method)
    calendar.add_component(
        _event(
            session,
            session.workshop,
            registration=registration,
            cancelled=session.cancelled or method == "CANCEL",
            stamp=timezone.now(),
        )
    )
    return calendar.to_ical()


def workshop_calendar(
    workshop: Workshop, registration: Registration | None = None, *, method: str = "PUBLISH"
) -> bytes:
    """Every session of the workshop still planned, one event each.

    PUBLISH (the default) is the file people download; REQUEST is the invite a
    confirmation carries, and CANCEL takes the events out of the calendar of
    someone who cancelled. A cancelled workshop has no events left.
    """
    calendar = _calendar(method)
    sessions = (
        Session.objects.none()
        if workshop.status == Workshop.Status.CANCELLED
        else Session.objects.filter(workshop=workshop, cancelled=False).order_by("starts_at")
    )
    stamp = timezone.now()
    for session in sessions:
        calendar.add_component(
            _event(
                session,
                workshop,
                registration=registration,
                cancelled=method == "CANCEL",
                stamp=stamp,
            )
        )
    return calendar.to_ical()


# ---------------------------------------------------------------------------
# Emails.


def time_span(starts_at: datetime, ends_at: datetime) -> str:
    """A time span as people read it, e.g. "Martes, 12 de marzo de 2030, 09:00–11:00"."""
    starts = timezone.localtime(starts_at, LOCAL)
    ends = timezone.localtime(ends_at, LOCAL)
    day = formats.date_format(starts, "l")
    date = formats.date_format(starts, "DATE_FORMAT")
    if starts.date() == ends.date():
        end = formats.time_format(ends, "TIME_FORMAT")
    else:
        end = formats.date_format(ends, "DATETIME_FORMAT")
    return f"{day[:1].upper()}{day[1:]}, {date}, {formats.time_format(starts, 'TIME_FORMAT')}–{end}"


def session_when(session: Session) -> str:
    return time_span(session.starts_at, session.ends_at)


def _session_row(session: Session) -> dict:
    return {"title": session.title, "when": session_when(session)}


def _context(workshop: Workshop, registration: Registration | None) -> dict:
    return {
        "workshop": workshop,
        "participant": registration.participant if registration else None,
        "workshop_url": workshop_url(workshop),
        "calendar_url": calendar_url(workshop),
        "meeting_link": meeting_link_for(workshop, registration),
        "place": workshop.place if workshop.mode != Workshop.Mode.ONLINE else "",
    }


def _planned_sessions(workshop: Workshop) -> list[Session]:
    return list(
        Session.objects.filter(workshop=workshop, cancelled=False).order_by("starts_at", "pk")
    )


def _subject(text) -> str:
    prefix = getattr(settings, "ACCOUNT_EMAIL_SUBJECT_PREFIX", "Aula: ")
    return " ".join(f"{prefix}{text}".split())


def _message(
    *, template: str, subject, context: dict, to: str, invite: tuple[bytes, str] | None = None
) -> EmailMultiAlternatives:
    text = render_to_string(f"{TEMPLATES}/{template}.txt", context)
    html = render_to_string(f"{TEMPLATES}/{template}.html", context)
    message = EmailMultiAlternatives(subject=_subject(subject), body=text, to=[to])
    message.attach_alternative(html, "text/html")
    if invite is not None:
        content, method = invite
        filename = "cancelacion.ics" if method == "CANCEL" else "invitacion.ics"
        message.attach(filename, content.decode("utf-8"), f"text/calendar; method={method}")
    return message


def registration_email(registration: Registration, kind: str) -> EmailMultiAlternatives | None:
    """The email for a registration event, or None if it no longer applies.

    A confirmation waits in a queue: if the person cancelled meanwhile, it is
    not sent, and likewise for the other kinds.
    """
    if kind not in REGISTRATION_EMAILS:
        raise ValueError(f"Unknown registration email: {kind}")
    to = recipient(registration.participant)
    if registration.status != REGISTRATION_EMAILS[kind] or not to:
        return None
    workshop = registration.workshop
    with translation.override(EMAIL_LANGUAGE), timezone.override(LOCAL):
        sessions = _planned_sessions(workshop)
        context = {
            **_context(workshop, registration),
            "kind": kind,
            "sessions": [_session_row(session) for session in sessions],
        }
        invite = None
        if kind in (CONFIRMED, PROMOTED):
            template = "confirmed"
            if sessions:
                invite = (workshop_calendar(workshop, registration, method="REQUEST"), "REQUEST")
        elif kind == WAITLISTED:
            template = "waitlisted"
            context["position"] = waitlist_position(registration)
        else:
            template = "cancelled"
            # Someone who had a seat had the invite: take the events out of their calendar.
            if sessions and registration.confirmed_at is not None:
                invite = (workshop_calendar(workshop, registration, method="CANCEL"), "CANCEL")
            context["registration_had_seat"] = invite is not None
        subject = REGISTRATION_SUBJECTS[kind] % {"workshop": workshop.title}
        return _message(template=template, subject=subject, context=context, to=to, invite=invite)


def session_notice_email(
    session: Session,
    registration: Registration,
    kind: str,
    *,
    previous: tuple[datetime, datetime] | None = None,
) -> EmailMultiAlternatives | None:
    """A session moved (with the updated invite) or cancelled (with its cancellation).

    `previous` is the session's start and end before it moved, for the "was" line.
    """
    if kind not in SESSION_SUBJECTS:
        raise ValueError(f"Unknown session notice: {kind}")
    to = recipient(registration.participant)
    if registration.status != Registration.Status.CONFIRMED or not to:
        return None
    workshop = session.workshop
    with translation.override(EMAIL_LANGUAGE), timezone.override(LOCAL):
        context = {
            **_context(workshop, registration),
            "session": _session_row(session),
            "previous_when": time_span(*previous) if previous else "",
        }
        method = "CANCEL" if kind == SESSION_CANCELLED else "REQUEST"
        invite = (session_calendar(session, method=method, registration=registration), method)
        template = "session_cancelled" if kind == SESSION_CANCELLED else "session_changed"
        subject = SESSION_SUBJECTS[kind] % {"workshop": workshop.title}
        return _message(template=template, subject=subject, context=context, to=to, invite=invite)


def reminder_email(
    session: Session, registration: Registration, kind: str
) -> EmailMultiAlternatives | None:
    """A reminder of one session, with the meeting link for online ones and the invite."""
    to = recipient(registration.participant)
    if registration.status != Registration.Status.CONFIRMED or not to:
        return None
    workshop = session.workshop
    with translation.override(EMAIL_LANGUAGE), timezone.override(LOCAL):
        context = {
            **_context(workshop, registration),
            "session": _session_row(session),
            "kind": kind,
        }
        starts = timezone.localtime(session.starts_at, LOCAL)
        subject = REMINDER_SUBJECTS[kind] % {
            "workshop": workshop.title,
            "when": session_when(session),
            "time": formats.time_format(starts, "TIME_FORMAT"),
        }
        invite = (session_calendar(session, method="REQUEST", registration=registration), "REQUEST")
        return _message(template="reminder", subject=subject, context=context, to=to, invite=invite)


# ---------------------------------------------------------------------------
# Delivery, called by the tasks in lms.tasks. Each reads the records afresh:
# what was true when the task was queued may have changed since.


def _send_each(messages) -> dict:
    """Send (registration, message) pairs over one connection; a failure skips that person."""
    sent = failed = 0
    with get_connection() as connection:
        for registration, message in messages:
            message.connection = connection
            try:
                message.send()
            except Exception:
                logger.exception("Could not email registration %s", registration.pk)
                failed += 1
            else:
                sent += 1
    return {"sent": sent, "failed": failed}


def deliver_registration_email(registration_id: int, kind: str) -> bool:
    """Send one registration email if it still applies; True if it was sent."""
    registration = (
        Registration.objects.select_related("workshop", "participant__user")
        .filter(pk=registration_id)
        .first()
    )
    if registration is None:
        return False
    message = registration_email(registration, kind)
    if message is None:
        return False
    message.send()
    return True


def _confirmed_registrations(workshop_id: int):
    return (
        Registration.objects.confirmed()
        .filter(workshop_id=workshop_id)
        .select_related("participant__user")
        .order_by("pk")
    )


def deliver_session_notice(
    session_id: int,
    kind: str,
    *,
    sequence: int | None = None,
    previous: list[str] | None = None,
) -> dict:
    """Tell every confirmed registrant that a session moved or was cancelled.

    `sequence` is the session's sequence when the notice was queued: if the
    session changed again since, the later change sends its own notice.
    `previous` is its former start and end (ISO 8601), when its time changed.
    """
    session = Session.objects.select_related("workshop").filter(pk=session_id).first()
    nothing = {"sent": 0, "failed": 0}
    if session is None or session.workshop.status == Workshop.Status.CANCELLED:
        return nothing
    if sequence is not None and session.sequence != sequence:
        return nothing
    if session.cancelled != (kind == SESSION_CANCELLED):
        return nothing
    was = tuple(parse_datetime(value) for value in previous) if previous else None
    messages = (
        (registration, message)
        for registration in _confirmed_registrations(session.workshop_id)
        if (message := session_notice_email(session, registration, kind, previous=was)) is not None
    )
    return _send_each(messages)


def reminder_window(session: Session, kind: str) -> tuple[datetime, datetime]:
    """When a reminder of this kind may go out: from its time until the next one's."""
    offset = REMINDER_OFFSETS[kind]
    later = [session.starts_at - o for o in REMINDER_OFFSETS.values() if o < offset]
    return session.starts_at - offset, max(later, default=session.starts_at)


def reminder_is_due(session: Session, kind: str, now: datetime | None = None) -> bool:
    opens, closes = reminder_window(session, kind)
    now = now or timezone.now()
    return opens <= now < closes


def registrations_to_remind(session: Session, kind: str, participant_id: int | None = None):
    """Confirmed registrants not reminded yet (another worker may still claim some first)."""
    reminded = ReminderRecord.objects.filter(session=session, kind=kind).values("participant_id")
    registrations = _confirmed_registrations(session.workshop_id).exclude(
        participant_id__in=reminded
    )
    if participant_id is not None:
        registrations = registrations.filter(participant_id=participant_id)
    return list(registrations)


def deliver_reminders(session_id: int, kind: str, participant_id: int | None = None) -> dict:
    """Remind each confirmed registrant of a session (or just one), once each.

    Nothing is sent for a cancelled session, a workshop no longer published, or
    a session moved so that this reminder is not due now: the change queued
    reminders for the new time.
    """
    if kind not in REMINDER_OFFSETS:
        raise ValueError(f"Unknown reminder: {kind}")
    result = {"sent": 0, "failed": 0, "skipped": 0}
    session = Session.objects.select_related("workshop").filter(pk=session_id).first()
    if (
        session is None
        or session.cancelled
        or session.workshop.status != Workshop.Status.PUBLISHED
        or not reminder_is_due(session, kind)
    ):
        return result
    with get_connection() as connection:
        for registration in registrations_to_remind(session, kind, participant_id):
            try:
                with transaction.atomic():
                    # The claim: a second worker's insert waits for this transaction,
                    # then fails, so the person gets one email whoever sends it.
                    ReminderRecord.objects.create(
                        session=session,
                        participant_id=registration.participant_id,
                        kind=kind,
                        sent_at=timezone.now(),
                    )
                    message = reminder_email(session, registration, kind)
                    if message is None:  # no address: counted as reminded, nothing to send
                        result["skipped"] += 1
                        continue
                    message.connection = connection
                    message.send()
            except IntegrityError:
                result["skipped"] += 1  # another worker claimed this one
            except Exception:
                # The claim is rolled back with the failed send: a later run may try again.
                logger.exception(
                    "Could not send the %s reminder of session %s to registration %s",
                    kind,
                    session.pk,
                    registration.pk,
                )
                result["failed"] += 1
            else:
                result["sent"] += 1
    return result
