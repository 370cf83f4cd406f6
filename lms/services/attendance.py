"""Attendance: the trainer's roster, participants' check-in, video-call reports, overviews.

Every write to attendance goes through this module and leaves an AttendanceChange row
saying who changed what, when and from which source (roster, check-in, imported report).

Writes for one session are serialised by locking the session's row (on SQLite, by the
write lock every transaction takes when it starts), so a tap on the roster, a check-in
and an import landing at the same moment never lose one another's changes. Anything that
also registers people (walk-ins, a report naming someone not registered) locks the
workshop first and the session second, always in that order.

Automatic sources only ever improve a person's status for a session, absent < late <
present, and never touch an "excused" set by hand; the trainer's roster sets whatever
is tapped.

A person reaches the workshop's attendance threshold when they attended (present or
late) at least that share of its sessions that are not cancelled.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    Value,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms import roles
from lms.attendance_reports import (
    AMBIGUOUS,
    MATCHED,
    UNMATCHED,
    Candidate,
    ParsedReport,
    ReportPerson,
    attended_minutes,
    match_people,
    normalise_name,
    parse_report,
)
from lms.models import (
    GAD,
    Attendance,
    AttendanceChange,
    AttendanceImport,
    Participant,
    Registration,
    ReportAlias,
    Session,
    Workshop,
)
from lms.ratelimit import allow
from lms.roles import is_staff_member
from lms.services.errors import LmsError
from lms.services.people import add_participant
from lms.services.workshops import register, registration_confirmed

Status = Attendance.Status
Source = Attendance.Source

# Check-in opens this long before a session starts and closes when it ends.
CHECK_IN_OPENS_BEFORE = timedelta(minutes=30)
CHECK_IN_CODE_DIGITS = 6
# Wrong guesses allowed per participant and session in each window: many officials
# share one office address, so the limit is on the person, never on the address.
CHECK_IN_ATTEMPTS = 5
CHECK_IN_PERIOD = 15 * 60
CHECK_IN_RATE_SCOPE = "attendance-check-in"

# How automatic sources rank statuses; "excused" is a trainer's decision and stays.
STATUS_RANK = {Status.ABSENT: 0, Status.LATE: 1, Status.PRESENT: 2}
ATTENDED = (Status.PRESENT, Status.LATE)
NOTE_MAX_LENGTH = Attendance._meta.get_field("note").max_length
FILENAME_MAX_LENGTH = AttendanceImport._meta.get_field("filename").max_length
ALIAS_MAX_LENGTH = ReportAlias._meta.get_field("alias").max_length
SEARCH_MIN_LENGTH = 2
SEARCH_LIMIT = 20


# ---------------------------------------------------------------------------
# Errors: each carries a message for the person, in the active language.


class AttendanceError(LmsError):
    """An attendance rule said no; `message` is what to tell the person."""

    default_message = _("Attendance could not be recorded.")

    @property
    def message(self) -> str:
        return str(self.default_message)


class NotRegisteredError(AttendanceError):
    code = "not_registered"
    default_message = _(
        "Only people with a confirmed registration for this workshop can check in. "
        "If you are taking part, ask the trainer to add you."
    )


class CheckInNotOpenError(AttendanceError):
    """Too early: `details["opens_at"]` says when check-in opens."""

    code = "check_in_not_open"
    default_message = _("Check-in for this session has not opened yet.")


class CheckInClosedError(AttendanceError):
    """The session has ended (or was cancelled): its code has expired."""

    code = "check_in_closed"
    default_message = _(
        "This code has expired: check-in for this session is closed. "
        "If you attended, tell the trainer."
    )


class WrongCodeError(AttendanceError):
    code = "wrong_code"
    default_message = _(
        "That code is not right. Check the six digits the trainer is showing and try again."
    )


class TooManyAttemptsError(AttendanceError):
    code = "too_many_attempts"
    default_message = _(
        "Too many wrong codes. Wait a few minutes and try again, or ask the trainer "
        "to mark you present."
    )


class ImportResolutionError(AttendanceError):
    """A choice made on the preview page does not fit the report (a stale or forged form)."""

    code = "bad_resolution"
    default_message = _(
        "One of the choices does not match this report or names a participant who no "
        "longer exists. Upload the report again."
    )


# ---------------------------------------------------------------------------
# Who may take attendance.


def _manages_programme(user) -> Exists:
    return Exists(Group.objects.filter(name=roles.MANAGER, user__pk=user.pk))


def _trains(user, workshop_id) -> Exists:
    return Exists(
        Workshop.trainers.through.objects.filter(workshop_id=workshop_id, user_id=user.pk)
    )


def with_trainer_access(queryset, user, *, workshop_id="pk"):
    """`queryset` (of workshops, or of rows with a `workshop_id`) annotated `trainer_access`.

    True when `user` trains the row's workshop or manages the programme; give the result
    to may_take_attendance, which still checks the account and its staff role. Saves
    the view a query: the row and the answer come together.
    """
    if not getattr(user, "is_authenticated", False) or user.pk is None:
        return queryset.annotate(trainer_access=Value(False, output_field=BooleanField()))
    return queryset.annotate(
        trainer_access=ExpressionWrapper(
            Q(_trains(user, OuterRef(workshop_id))) | Q(_manages_programme(user)),
            output_field=BooleanField(),
        )
    )


def may_take_attendance(user, workshop: Workshop, *, trainer_access: bool | None = None) -> bool:
    """Staff who train this workshop, programme managers and superusers.

    `trainer_access` is the annotation with_trainer_access made, when the caller has it.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not is_staff_member(user):
        return False
    if trainer_access is None:
        trainer_access = (
            with_trainer_access(Workshop.objects.filter(pk=workshop.pk), user)
            .values_list("trainer_access", flat=True)
            .first()
        )
    return bool(trainer_access)


def workshops_for_trainer(user):
    """The workshops whose attendance this user may take, newest first."""
    workshops = Workshop.objects.exclude(status=Workshop.Status.DRAFT)
    if not getattr(user, "is_authenticated", False) or not is_staff_member(user):
        return workshops.none()
    if user.is_superuser:
        return workshops
    return with_trainer_access(workshops, user).filter(trainer_access=True)


# ---------------------------------------------------------------------------
# Writing attendance.


def _lock_session(session: Session) -> None:
    """Serialise attendance writes for one session (the caller is in a transaction)."""
    list(Session.objects.select_for_update().filter(pk=session.pk).values_list("pk", flat=True))


def _lock_workshop(workshop_id: int) -> None:
    list(Workshop.objects.select_for_update().filter(pk=workshop_id).values_list("pk", flat=True))


def _check_status(status: str) -> None:
    if status not in Status.values:
        raise ValueError(f"Unknown attendance status: {status!r}")


def _clean_note(note: str | None) -> str | None:
    return None if note is None else note.strip()[:NOTE_MAX_LENGTH]


def _by(user):
    """The account behind a write, or None (anonymous requests and system jobs)."""
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _write(
    session: Session,
    participant_id: int,
    *,
    current: Attendance | None,
    status: str,
    source: str,
    by,
    minutes: int | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> tuple[Attendance, bool]:
    """Create or change one row and log it; None for minutes or note keeps what is there.

    The caller holds the session's lock. Returns the row and whether anything changed.
    """
    now = now or timezone.now()
    by = _by(by)
    if current is None:
        attendance = Attendance.objects.create(
            session=session,
            participant_id=participant_id,
            status=status,
            minutes=minutes,
            note=note or "",
            source=source,
            recorded_by=by,
            recorded_at=now,
        )
        previous = ""
    else:
        attendance = current
        previous = attendance.status
        new_minutes = attendance.minutes if minutes is None else minutes
        new_note = attendance.note if note is None else note
        if (attendance.status, attendance.minutes, attendance.note) == (
            status,
            new_minutes,
            new_note,
        ):
            return attendance, False
        attendance.status = status
        attendance.minutes = new_minutes
        attendance.note = new_note
        attendance.source = source
        attendance.recorded_by = by
        attendance.recorded_at = now
        attendance.save(
            update_fields=["status", "minutes", "note", "source", "recorded_by", "recorded_at"]
        )
    AttendanceChange.objects.create(
        session=session,
        participant_id=participant_id,
        status=attendance.status,
        previous_status=previous,
        minutes=attendance.minutes,
        source=source,
        changed_by=by,
        changed_at=now,
    )
    return attendance, True


def _current(session: Session, participant_id: int) -> Attendance | None:
    return Attendance.objects.filter(session=session, participant_id=participant_id).first()


@transaction.atomic
def set_attendance(
    session: Session,
    participant: Participant,
    *,
    status: str,
    source: str,
    by,
    minutes: int | None = None,
    note: str | None = None,
) -> Attendance:
    """Record `status` for the participant in this session, as given (the roster's tap).

    `minutes` and `note` left as None keep what was recorded before. Setting what is
    already recorded changes nothing and logs nothing.
    """
    _check_status(status)
    if source not in Source.values:
        raise ValueError(f"Unknown attendance source: {source!r}")
    if minutes is not None and minutes < 0:
        raise ValueError("Minutes cannot be negative.")
    _lock_session(session)
    attendance, _changed = _write(
        session,
        participant.pk,
        current=_current(session, participant.pk),
        status=status,
        source=source,
        by=by,
        minutes=minutes,
        note=_clean_note(note),
    )
    return attendance


def _confirmed_registrants(workshop_id: int):
    return Registration.objects.filter(
        workshop_id=workshop_id, status=Registration.Status.CONFIRMED
    ).values("participant_id")


@transaction.atomic
def mark_all_present(session: Session, *, by) -> int:
    """Mark present every confirmed registrant with no status yet; returns how many.

    Row by row rather than in bulk, so that whatever listens to attendance being saved
    (courses that ask for a workshop) hears of every one.
    """
    _lock_session(session)
    pending = list(
        _confirmed_registrants(session.workshop_id)
        .exclude(participant__attendance__session=session)
        .values_list("participant_id", flat=True)
    )
    now = timezone.now()
    for participant_id in pending:
        _write(
            session,
            participant_id,
            current=None,
            status=Status.PRESENT,
            source=Source.ROSTER,
            by=by,
            now=now,
        )
    return len(pending)


def _ensure_confirmed(workshop_id: int, participant: Participant, *, by) -> bool:
    """A confirmed registration for someone who took part; True when one was made.

    The caller holds the workshop's lock. A seat goes through the usual registration;
    someone who attended when the workshop was full, or while on its waitlist, is
    confirmed over the seat cap: they were there.
    """
    existing = Registration.objects.filter(workshop_id=workshop_id, participant=participant).first()
    if existing is not None and existing.status == Registration.Status.CONFIRMED:
        return False
    workshop = Workshop.objects.get(pk=workshop_id)
    has_seat = workshop.capacity is None or (
        Registration.objects.filter(workshop=workshop).confirmed().count() < workshop.capacity
    )
    # register() checks the audience and the registration window unless someone adds them.
    added_by = _by(by)
    if (
        has_seat
        and added_by is not None
        and (existing is None or existing.status == Registration.Status.CANCELLED)
    ):
        registration = register(workshop=workshop, participant=participant, added_by=added_by)
        if registration.status == Registration.Status.CONFIRMED:
            return True
        existing = registration
    now = timezone.now()
    if existing is None:
        registration = Registration.objects.create(
            workshop=workshop,
            participant=participant,
            status=Registration.Status.CONFIRMED,
            registered_at=now,
            confirmed_at=now,
            added_by=_by(by),
        )
    else:
        registration = existing
        registration.status = Registration.Status.CONFIRMED
        registration.confirmed_at = now
        registration.cancelled_at = None
        registration.save(update_fields=["status", "confirmed_at", "cancelled_at"])
    transaction.on_commit(
        lambda: registration_confirmed.send(
            sender=Registration, registration=registration, walk_in=True
        )
    )
    return True


@transaction.atomic
def add_walk_in(
    session: Session,
    *,
    by,
    participant: Participant | None = None,
    full_name: str | None = None,
    email: str | None = None,
    gad: GAD | None = None,
    status: str = Status.PRESENT,
) -> Attendance:
    """Someone who came without a confirmed registration: register them and mark them.

    Give an existing `participant`, or `full_name` and `gad` (and an optional `email`) for a
    new person without an account. Raises DuplicateParticipantError when that email
    already belongs to someone: pick them instead.
    """
    _check_status(status)
    if participant is None:
        if not (full_name or "").strip() or gad is None:
            raise ValueError("A new walk-in needs a full name and a GAD.")
        participant = add_participant(
            full_name=full_name, gad=gad, email=email or "", added_by=_by(by)
        )
    _lock_workshop(session.workshop_id)
    _ensure_confirmed(session.workshop_id, participant, by=by)
    _lock_session(session)
    current = _current(session, participant.pk)
    if current is not None and current.status == status:
        return current
    attendance, _changed = _write(
        session, participant.pk, current=current, status=status, source=Source.ROSTER, by=by
    )
    return attendance


# ---------------------------------------------------------------------------
# Check-in with a code.


def _new_code() -> str:
    return f"{secrets.randbelow(10**CHECK_IN_CODE_DIGITS):0{CHECK_IN_CODE_DIGITS}d}"


def check_in_code(session: Session) -> str:
    """The session's check-in code, made on first use and kept until rotated."""
    if session.check_in_code:
        return session.check_in_code
    code = _new_code()
    # Whoever asks first sets it; a second trainer opening the page at once gets the same.
    Session.objects.filter(pk=session.pk, check_in_code="").update(check_in_code=code)
    session.check_in_code = Session.objects.values_list("check_in_code", flat=True).get(
        pk=session.pk
    )
    return session.check_in_code


def rotate_check_in_code(session: Session) -> str:
    """A new code for the session (the old one was shared too widely); the old stops working."""
    old = Session.objects.values_list("check_in_code", flat=True).get(pk=session.pk)
    code = _new_code()
    while code == old:
        code = _new_code()
    Session.objects.filter(pk=session.pk).update(check_in_code=code)
    session.check_in_code = code
    return code


def check_in_window(session: Session) -> tuple[datetime, datetime]:
    """When the session's code is accepted: from a while before it starts until it ends."""
    return session.starts_at - CHECK_IN_OPENS_BEFORE, session.ends_at


def open_for_check_in(workshop: Workshop, *, now: datetime | None = None) -> Session | None:
    """The session of the workshop whose check-in is open now (the earliest, if several)."""
    now = now or timezone.now()
    return (
        Session.objects.filter(
            workshop=workshop,
            cancelled=False,
            starts_at__lte=now + CHECK_IN_OPENS_BEFORE,
            ends_at__gte=now,
        )
        .order_by("starts_at")
        .first()
    )


def _normalise_code(code: str) -> str:
    return re.sub(r"[\s.\-]", "", code or "")


def merged_status(current: str | None, proposed: str) -> str:
    """What an automatic source leaves: the better of the two; "excused" stays as it is."""
    if current is None:
        return proposed
    if current == Status.EXCUSED:
        return current
    return proposed if STATUS_RANK[proposed] > STATUS_RANK[current] else current


def check_in(
    session: Session, participant: Participant, code: str, *, now: datetime | None = None
) -> Attendance:
    """A confirmed registrant checks in with the session's code: present, or late.

    Late when later than the workshop's `late_after_minutes` after the start. Raises
    NotRegisteredError, CheckInNotOpenError, CheckInClosedError, TooManyAttemptsError or
    WrongCodeError. Checking in again changes nothing.
    """
    now = now or timezone.now()
    workshop = session.workshop
    if not Registration.objects.filter(
        workshop_id=session.workshop_id,
        participant=participant,
        status=Registration.Status.CONFIRMED,
    ).exists():
        raise NotRegisteredError()
    opens_at, closes_at = check_in_window(session)
    if session.cancelled or now > closes_at:
        raise CheckInClosedError()
    if now < opens_at:
        raise CheckInNotOpenError(opens_at=opens_at)
    # Counted before comparing, so a person who is locked out cannot test codes either.
    if not allow(
        CHECK_IN_RATE_SCOPE,
        f"{session.pk}:{participant.pk}",
        limit=CHECK_IN_ATTEMPTS,
        period=CHECK_IN_PERIOD,
    ):
        raise TooManyAttemptsError()
    expected = Session.objects.values_list("check_in_code", flat=True).get(pk=session.pk)
    given = _normalise_code(code)
    if not expected or not secrets.compare_digest(given.encode(), expected.encode()):
        raise WrongCodeError()
    late = now > session.starts_at + timedelta(minutes=workshop.late_after_minutes)
    proposed = Status.LATE if late else Status.PRESENT
    with transaction.atomic():
        _lock_session(session)
        current = _current(session, participant.pk)
        status = merged_status(current.status if current else None, proposed)
        if current is not None and current.status == status:
            return current
        attendance, _changed = _write(
            session,
            participant.pk,
            current=current,
            status=status,
            source=Source.CHECK_IN,
            by=participant.user,
            now=now,
        )
    return attendance


# ---------------------------------------------------------------------------
# Imported video-call reports.


def proposed_status(session: Session, minutes: float, first_join: datetime | None) -> str:
    """Present when the minutes reach the workshop's threshold (late if joined late), else absent."""
    workshop = session.workshop
    length = (session.ends_at - session.starts_at).total_seconds() / 60
    if minutes + 1e-9 < length * workshop.attendance_threshold / 100:
        return Status.ABSENT
    late_after = session.starts_at + timedelta(minutes=workshop.late_after_minutes)
    if first_join is not None and first_join > late_after:
        return Status.LATE
    return Status.PRESENT


def _first_join(person: ReportPerson, session: Session) -> datetime | None:
    """When the person first joined the call during the session (None if the report says not)."""
    return next(
        (interval.start for interval in person.intervals if interval.end > session.starts_at),
        None,
    )


def _merge_people(people: list[ReportPerson], session: Session) -> ReportPerson:
    """One person out of several rows the trainer gave to the same participant."""
    if len(people) == 1:
        return people[0]
    reported = None
    if any(person.reported_minutes is not None for person in people):
        reported = sum(
            person.reported_minutes
            if person.reported_minutes is not None
            else attended_minutes(
                person, session_start=session.starts_at, session_end=session.ends_at
            )
            for person in people
        )
    return ReportPerson(
        name=people[0].name,
        email=people[0].email,
        intervals=sorted(interval for person in people for interval in person.intervals),
        reported_minutes=reported,
        line=people[0].line,
    )


@dataclass
class PreviewRow:
    """One person of the report, how they were matched and what applying would record."""

    index: int
    person: ReportPerson
    match: str  # MATCHED, AMBIGUOUS or UNMATCHED
    how: str | None
    participant: Participant | None
    candidates: list[Participant]
    minutes: int
    first_join: datetime | None
    proposed: str
    current: str | None = None

    @property
    def name(self) -> str:
        return self.person.name

    @property
    def email(self) -> str:
        return self.person.email

    @property
    def line(self) -> int | None:
        return self.person.line

    @property
    def result(self) -> str:
        """The status the matched participant would end with (merging with what is recorded)."""
        return merged_status(self.current, self.proposed)

    @property
    def proposed_label(self) -> str:
        return Status(self.proposed).label

    @property
    def result_label(self) -> str:
        return Status(self.result).label

    @property
    def current_label(self) -> str:
        return Status(self.current).label if self.current else ""


@dataclass
class ImportPreview:
    session: Session
    filename: str
    sha256: str
    layout: str
    title: str
    starts_at: datetime | None
    ends_at: datetime | None
    rows: list[PreviewRow]
    candidates: list[Participant]
    applied: AttendanceImport | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def already_applied(self) -> bool:
        return self.applied is not None

    @property
    def matched(self) -> list[PreviewRow]:
        return [row for row in self.rows if row.match == MATCHED]

    @property
    def ambiguous(self) -> list[PreviewRow]:
        return [row for row in self.rows if row.match == AMBIGUOUS]

    @property
    def unmatched(self) -> list[PreviewRow]:
        return [row for row in self.rows if row.match == UNMATCHED]


@dataclass
class ImportResult:
    record: AttendanceImport
    already_applied: bool = False
    created: int = 0
    improved: int = 0
    unchanged: int = 0
    ignored: int = 0
    registered: int = 0
    aliases: int = 0


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _parse(session: Session, data: bytes, filename: str) -> ParsedReport:
    tz = timezone.get_default_timezone()
    return parse_report(
        data,
        filename=filename,
        tz=tz,
        session_date=timezone.localtime(session.starts_at, tz).date(),
    )


def _candidates(session: Session) -> list[Participant]:
    """Confirmed registrants of the workshop and whoever already has attendance here."""
    return list(
        Participant.objects.active()
        .filter(
            Q(
                Exists(
                    _confirmed_registrants(session.workshop_id).filter(
                        participant_id=OuterRef("pk")
                    )
                )
            )
            | Q(Exists(Attendance.objects.filter(session=session, participant_id=OuterRef("pk"))))
        )
        .select_related("gad")
        .order_by("full_name", "pk")
    )


def _analyse(session: Session, report: ParsedReport) -> tuple[list[PreviewRow], list[Participant]]:
    candidates = _candidates(session)
    by_pk = {participant.pk: participant for participant in candidates}
    aliases = dict(
        ReportAlias.objects.filter(participant_id__in=list(by_pk)).values_list(
            "alias", "participant_id"
        )
    )
    matches = match_people(
        report.people,
        [Candidate(p.pk, p.full_name, p.email) for p in candidates],
        aliases=aliases,
    )
    current = dict(
        Attendance.objects.filter(session=session).values_list("participant_id", "status")
    )
    rows = []
    for index, match in enumerate(matches):
        person = match.person
        minutes = attended_minutes(
            person, session_start=session.starts_at, session_end=session.ends_at
        )
        first_join = _first_join(person, session)
        participant = by_pk.get(match.key) if match.status == MATCHED else None
        rows.append(
            PreviewRow(
                index=index,
                person=person,
                match=match.status,
                how=match.how,
                participant=participant,
                candidates=[by_pk[key] for key in match.candidates if key in by_pk],
                minutes=round(minutes),
                first_join=first_join,
                proposed=proposed_status(session, minutes, first_join),
                current=current.get(participant.pk) if participant else None,
            )
        )
    return rows, candidates


def _warnings(session: Session, report: ParsedReport, rows: list[PreviewRow]) -> list[str]:
    warnings = []
    tz = timezone.get_default_timezone()
    starts = report.starts_at or min(
        (interval.start for person in report.people for interval in person.intervals),
        default=None,
    )
    session_day = timezone.localtime(session.starts_at, tz).date()
    if starts is not None and timezone.localtime(starts, tz).date() != session_day:
        warnings.append(
            str(
                _(
                    "The report is of a meeting on %(report_date)s, but this session is on "
                    "%(session_date)s. Check that you chose the right session."
                )
            )
            % {
                "report_date": timezone.localtime(starts, tz).strftime("%d/%m/%Y"),
                "session_date": session_day.strftime("%d/%m/%Y"),
            }
        )
    if rows and not any(row.minutes for row in rows):
        warnings.append(str(_("Nobody in the report was in the call during the session's hours.")))
    return warnings


def preview_import(session: Session, data: bytes, filename: str) -> ImportPreview:
    """What applying this report would do: matches, minutes and proposed statuses.

    Writes nothing. Raises ReportError (with the line at fault) when the file cannot be read.
    """
    report = _parse(session, data, filename)
    rows, candidates = _analyse(session, report)
    digest = _digest(data)
    return ImportPreview(
        session=session,
        filename=filename,
        sha256=digest,
        layout=report.layout,
        title=report.title,
        starts_at=report.starts_at,
        ends_at=report.ends_at,
        rows=rows,
        candidates=candidates,
        applied=AttendanceImport.objects.filter(session=session, sha256=digest)
        .select_related("applied_by")
        .first(),
        warnings=_warnings(session, report, rows),
    )


def _read_resolutions(resolutions, people: list[ReportPerson]) -> dict[int, int | None]:
    """{row index: participant id, or None to leave the row out} from the caller's keys.

    Keys are the row's index in the report (as a string or a number) or the person's name
    as the report shows it.
    """
    by_name: dict[str, int] = {}
    for index, person in enumerate(people):
        by_name.setdefault(person.name, index)
    read: dict[int, int | None] = {}
    for key, value in (resolutions or {}).items():
        text = str(key).strip()
        if text.isdecimal() and int(text) < len(people):
            index = int(text)
        elif text in by_name:
            index = by_name[text]
        else:
            raise ImportResolutionError(key=key)
        if value is None or value == "":
            read[index] = None
        elif isinstance(value, int) or (isinstance(value, str) and value.isdecimal()):
            read[index] = int(value)
        else:
            raise ImportResolutionError(key=key)
    return read


def _remember_alias(alias: str, participant_id: int, *, by) -> bool:
    alias = alias[:ALIAS_MAX_LENGTH]
    if not alias:
        return False
    existing = ReportAlias.objects.filter(alias=alias).first()
    if existing is not None:
        if existing.participant_id == participant_id:
            return False
        existing.participant_id = participant_id
        existing.created_by = _by(by)
        existing.created_at = timezone.now()
        existing.save(update_fields=["participant", "created_by", "created_at"])
        return True
    try:
        with transaction.atomic():
            ReportAlias.objects.create(
                alias=alias, participant_id=participant_id, created_by=_by(by)
            )
    except IntegrityError:  # another import remembered the same name a moment ago
        ReportAlias.objects.filter(alias=alias).update(participant_id=participant_id)
    return True


def apply_import(
    session: Session,
    data: bytes,
    filename: str,
    *,
    by,
    resolutions: dict | None = None,
    remember_aliases: bool = True,
) -> ImportResult:
    """Record the report's attendance: everything or nothing.

    `resolutions` maps a row (its index in the report, or the name shown) to a participant
    id, or to None to leave it out; rows not listed keep their automatic match, and
    ambiguous or unmatched rows not listed are left out. People given a participant who
    is not a confirmed registrant are registered. Statuses only improve over what is
    recorded (absent < late < present) and a hand-set "excused" stays; minutes keep the
    larger figure. Names the trainer resolved are remembered for the next report.

    Applying the same file to the same session again changes nothing. Raises ReportError
    when the file cannot be read and ImportResolutionError when a choice does not fit;
    nothing is written then.
    """
    report = _parse(session, data, filename)
    chosen = _read_resolutions(resolutions, report.people)
    digest = _digest(data)
    name = re.split(r"[\\/]", filename or "")[-1][:FILENAME_MAX_LENGTH] or "report"
    by = _by(by)
    with transaction.atomic():
        _lock_workshop(session.workshop_id)
        _lock_session(session)
        applied = AttendanceImport.objects.filter(session=session, sha256=digest).first()
        if applied is not None:
            return ImportResult(record=applied, already_applied=True)
        record = AttendanceImport.objects.create(
            session=session, sha256=digest, filename=name, layout=report.layout, applied_by=by
        )
        result = ImportResult(record=record)
        rows, candidates = _analyse(session, report)
        confirmed = set(
            _confirmed_registrants(session.workshop_id).values_list("participant_id", flat=True)
        )

        assigned: dict[int, list[PreviewRow]] = {}
        to_remember: list[tuple[PreviewRow, int]] = []
        for row in rows:
            automatic = row.participant.pk if row.participant is not None else None
            target = chosen.get(row.index, automatic)
            if target is None:
                result.ignored += 1
                continue
            assigned.setdefault(target, []).append(row)
            if row.index in chosen and target != automatic:
                to_remember.append((row, target))

        people = Participant.objects.active().in_bulk(list(assigned))
        if len(people) != len(assigned):
            raise ImportResolutionError()
        for pk, participant in people.items():
            if pk not in confirmed and _ensure_confirmed(session.workshop_id, participant, by=by):
                result.registered += 1

        current = {
            attendance.participant_id: attendance
            for attendance in Attendance.objects.filter(
                session=session, participant_id__in=list(assigned)
            )
        }
        now = timezone.now()
        for pk, group in assigned.items():
            person = _merge_people([row.person for row in group], session)
            exact = attended_minutes(
                person, session_start=session.starts_at, session_end=session.ends_at
            )
            proposed = proposed_status(session, exact, _first_join(person, session))
            minutes = round(exact)
            existing = current.get(pk)
            if existing is not None and existing.minutes is not None:
                minutes = max(minutes, existing.minutes)
            status = merged_status(existing.status if existing else None, proposed)
            _attendance, changed = _write(
                session,
                pk,
                current=existing,
                status=status,
                source=Source.IMPORT,
                by=by,
                minutes=minutes,
                now=now,
            )
            if existing is None:
                result.created += 1
            elif changed:
                result.improved += 1
            else:
                result.unchanged += 1

        if remember_aliases:
            for row, pk in to_remember:
                names = {normalise_name(row.person.name)}
                email = row.person.email
                if email and email.lower() != (people[pk].email or "").lower():
                    names.add(email.lower())
                for alias in sorted(filter(None, names)):
                    if _remember_alias(alias, pk, by=by):
                        result.aliases += 1
    return result


# ---------------------------------------------------------------------------
# Reading: the roster of a session, a workshop's overview, finding people.


@dataclass
class RosterRow:
    participant: Participant
    status: str | None
    minutes: int | None
    note: str
    source: str | None
    registered: bool

    @property
    def status_label(self) -> str:
        return Status(self.status).label if self.status else ""


def roster(session: Session) -> list[RosterRow]:
    """Everyone to take attendance for: confirmed registrants, and anyone already marked.

    One query, whatever the number of people.
    """
    people = (
        Participant.objects.annotate(
            here=FilteredRelation("attendance", condition=Q(attendance__session=session)),
            registered=Exists(
                _confirmed_registrants(session.workshop_id).filter(participant_id=OuterRef("pk"))
            ),
        )
        .filter(Q(registered=True) | Q(here__id__isnull=False))
        .annotate(
            here_status=F("here__status"),
            here_minutes=F("here__minutes"),
            here_note=F("here__note"),
            here_source=F("here__source"),
        )
        .select_related("gad__province")
        .order_by("full_name", "pk")
    )
    return [
        RosterRow(
            participant=person,
            status=person.here_status,
            minutes=person.here_minutes,
            note=person.here_note or "",
            source=person.here_source,
            registered=person.registered,
        )
        for person in people
    ]


@dataclass
class OverviewRow:
    participant: Participant
    statuses: list[str | None]  # per session, in the overview's order
    attended: int
    reached: bool


@dataclass
class Overview:
    workshop: Workshop
    sessions: list[Session]
    rows: list[OverviewRow]
    held: int  # sessions not cancelled
    required: int  # sessions to attend to reach the threshold


def workshop_overview(workshop: Workshop) -> Overview:
    """Each person's attendance across the workshop's sessions, and who reached the threshold.

    Three queries, whatever the number of people or sessions.
    """
    sessions = list(Session.objects.filter(workshop=workshop).order_by("starts_at", "pk"))
    held = sum(1 for session in sessions if not session.cancelled)
    required = math.ceil(held * workshop.attendance_threshold / 100) if held else 0
    people = list(
        Participant.objects.filter(
            Q(Exists(_confirmed_registrants(workshop.pk).filter(participant_id=OuterRef("pk"))))
            | Q(
                Exists(
                    Attendance.objects.filter(
                        session__workshop=workshop, participant_id=OuterRef("pk")
                    )
                )
            )
        )
        .select_related("gad__province")
        .order_by("full_name", "pk")
    )
    records: dict[tuple[int, int], str] = {
        (participant_id, session_id): status
        for participant_id, session_id, status in Attendance.objects.filter(
            session__workshop=workshop
        ).values_list("participant_id", "session_id", "status")
    }
    rows = []
    for person in people:
        statuses = [records.get((person.pk, session.pk)) for session in sessions]
        attended = sum(
            1
            for session, status in zip(sessions, statuses, strict=True)
            if not session.cancelled and status in ATTENDED
        )
        rows.append(
            OverviewRow(
                participant=person,
                statuses=statuses,
                attended=attended,
                reached=held > 0 and attended >= required,
            )
        )
    return Overview(workshop=workshop, sessions=sessions, rows=rows, held=held, required=required)


def find_participants(query: str, *, exclude=(), limit: int = SEARCH_LIMIT) -> list[Participant]:
    """Active participants whose name or email contains every word typed."""
    words = (query or "").split()
    if len("".join(words)) < SEARCH_MIN_LENGTH:
        return []
    people = Participant.objects.active()
    for word in words[:6]:
        people = people.filter(Q(full_name__icontains=word) | Q(email__icontains=word))
    if exclude:
        people = people.exclude(pk__in=list(exclude))
    return list(people.select_related("gad__province").order_by("full_name", "pk")[:limit])
