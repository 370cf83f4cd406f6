"""A GAD's journey through the toolkit and the pilot GADs side by side.

A participant's transcript is lms.services.transcripts.

The figures follow the rules of lms.services.reports and start from its querysets
(the whole programme, no filter), so a pilot GAD's figures here add up to the
dashboard's with "pilot GADs only":

- participants: people of the GAD with a record in the programme: an enrolment, a
  registration that is not cancelled, or an attendance record in a session held.
  People whose data was deleted (anonymised) count, by the GAD, sex and age band
  that deletion keeps; they are shown as "Deleted participant", with no name.
- enrolments: every enrolment of those people, including in courses they left;
  completions: enrolments with a completion date;
  completion rate = completions ÷ enrolments.
- a session is held when it is not cancelled and started before now, in a workshop
  or consultative process that is not a draft.
- attended: attendance status present or late.
- attendance rate = sessions attended by confirmed registrants ÷ (confirmed
  registrants × sessions held), added up over every workshop and consultative
  process the GAD's people are confirmed in; "sessions attended" is the numerator.
- workshops attended: workshops (not consultative processes) in which at least one
  of the GAD's people attended a session held.
- consultative processes: those of the GAD that are not drafts; sessions held as above.
- certificates: issued to the GAD's people and not revoked.

Every function reads a fixed number of queries, whatever the number of people,
enrolments, sessions or certificates: counts come from grouped queries, rows are
read once and put together here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lms.models import (
    GAD,
    Attendance,
    Certificate,
    Enrolment,
    Participant,
    Registration,
    Session,
    Workshop,
)
from lms.services import reports
from lms.services.reports import ATTENDED, ReportFilters, ReportScope

# The whole programme, unfiltered: what every figure here is taken from.
EVERYTHING = ReportFilters()
WHOLE_PROGRAMME = ReportScope(whole_programme=True)

# The timeline keeps its most recent events; older ones are counted, not listed.
TIMELINE_LIMIT = 60


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def deleted_label() -> str:
    return _("Deleted participant")


def display_name(participant: Participant) -> str:
    """The person's name, or "Deleted participant" once their data was deleted."""
    return deleted_label() if participant.anonymised_at is not None else participant.full_name


def is_held(session: Session, now: datetime) -> bool:
    """Not cancelled and started: the same rule as reports.sessions()."""
    return not session.cancelled and session.starts_at <= now


# ---------------------------------------------------------------------------
# Figures of one or more GADs.


@dataclass
class GadFigures:
    participants: int = 0
    by_sex: dict[str, int] = field(default_factory=dict)
    enrolments: int = 0
    completions: int = 0
    workshops_attended: int = 0
    # Person-sessions: confirmed registrants times the sessions held, and those attended.
    sessions_expected: int = 0
    sessions_attended: int = 0
    consultative_processes: int = 0
    consultative_sessions_held: int = 0
    certificates: int = 0

    @property
    def female(self) -> int:
        return self.by_sex.get(Participant.Sex.FEMALE, 0)

    @property
    def male(self) -> int:
        return self.by_sex.get(Participant.Sex.MALE, 0)

    @property
    def other(self) -> int:
        return self.by_sex.get(Participant.Sex.OTHER, 0)

    @property
    def undisclosed(self) -> int:
        return self.by_sex.get(Participant.Sex.UNDISCLOSED, 0)

    @property
    def completion_rate(self) -> float | None:
        return _rate(self.completions, self.enrolments)

    @property
    def attendance_rate(self) -> float | None:
        return _rate(self.sessions_attended, self.sessions_expected)


def gad_figures(gad_ids) -> dict[int, GadFigures]:
    """The headline figures of each GAD (see the module's docstring). Six queries."""
    ids = list(gad_ids)
    figures = {pk: GadFigures() for pk in ids}
    if not ids:
        return figures
    now = timezone.now()

    people = (
        reports.participants(EVERYTHING, WHOLE_PROGRAMME)
        .filter(gad_id__in=ids)
        .order_by()
        .values("gad_id", "sex")
        .annotate(n=Count("pk"))
    )
    for row in people:
        item = figures[row["gad_id"]]
        item.participants += row["n"]
        item.by_sex[row["sex"]] = item.by_sex.get(row["sex"], 0) + row["n"]

    enrolments = (
        reports.enrolments(EVERYTHING, WHOLE_PROGRAMME)
        .filter(participant__gad_id__in=ids)
        .order_by()
        .values("participant__gad_id")
        .annotate(n=Count("pk"), completed=Count("pk", filter=Q(completed_at__isnull=False)))
    )
    for row in enrolments:
        item = figures[row["participant__gad_id"]]
        item.enrolments = row["n"]
        item.completions = row["completed"]

    # As the dashboard counts them: per confirmed registration, the sessions its
    # workshop held, and those of them the person attended.
    held = reports.sessions(EVERYTHING, WHOLE_PROGRAMME)
    held_per_workshop = (
        held.filter(workshop_id=OuterRef("workshop_id"))
        .order_by()
        .values("workshop_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    attended_per_person = (
        Attendance.objects.filter(
            session__in=held,
            session__workshop_id=OuterRef("workshop_id"),
            participant_id=OuterRef("participant_id"),
            status__in=ATTENDED,
        )
        .order_by()
        .values("participant_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    attendance = (
        reports.registrations(EVERYTHING, WHOLE_PROGRAMME)
        .filter(status=Registration.Status.CONFIRMED, participant__gad_id__in=ids)
        .order_by()
        .values("participant__gad_id")
        .annotate(
            expected=Coalesce(Sum(Subquery(held_per_workshop, output_field=IntegerField())), 0),
            attended=Coalesce(Sum(Subquery(attended_per_person, output_field=IntegerField())), 0),
        )
    )
    for row in attendance:
        item = figures[row["participant__gad_id"]]
        item.sessions_expected = row["expected"]
        item.sessions_attended = row["attended"]

    workshops_attended = (
        reports.attendance(EVERYTHING, WHOLE_PROGRAMME)
        .filter(
            status__in=ATTENDED,
            session__workshop__kind=Workshop.Kind.WORKSHOP,
            participant__gad_id__in=ids,
        )
        .order_by()
        .values("participant__gad_id")
        .annotate(n=Count("session__workshop_id", distinct=True))
    )
    for row in workshops_attended:
        figures[row["participant__gad_id"]].workshops_attended = row["n"]

    processes = (
        reports.workshops(EVERYTHING, WHOLE_PROGRAMME)
        .filter(kind=Workshop.Kind.CONSULTATIVE, gad_id__in=ids)
        .order_by()
        .values("gad_id")
        .annotate(
            n=Count("pk", distinct=True),
            held=Count(
                "sessions",
                filter=Q(sessions__cancelled=False, sessions__starts_at__lte=now),
                distinct=True,
            ),
        )
    )
    for row in processes:
        item = figures[row["gad_id"]]
        item.consultative_processes = row["n"]
        item.consultative_sessions_held = row["held"]

    certificates = (
        reports.certificates(EVERYTHING, WHOLE_PROGRAMME)
        .filter(participant__gad_id__in=ids, revoked_at__isnull=True)
        .order_by()
        .values("participant__gad_id")
        .annotate(n=Count("pk"))
    )
    for row in certificates:
        figures[row["participant__gad_id"]].certificates = row["n"]
    return figures


# ---------------------------------------------------------------------------
# One GAD's journey.


@dataclass
class CourseProgress:
    title: str
    percent: int
    completed_at: datetime | None
    left: bool


@dataclass
class PersonRow:
    participant: Participant
    courses: list[CourseProgress] = field(default_factory=list)
    sessions_attended: int = 0
    certificates: int = 0

    @property
    def is_deleted(self) -> bool:
        return self.participant.anonymised_at is not None

    @property
    def name(self) -> str:
        return display_name(self.participant)


@dataclass
class CourseRow:
    course_id: int
    title: str
    enrolled: int = 0
    completed: int = 0
    progress_total: int = 0

    @property
    def average_progress(self) -> int:
        return round(self.progress_total / self.enrolled) if self.enrolled else 0

    @property
    def completion_rate(self) -> float | None:
        return _rate(self.completed, self.enrolled)


@dataclass
class WorkshopRow:
    workshop: Workshop
    # The GAD's people with a confirmed registration.
    registered: int = 0
    held: int = 0
    # Sessions held that those people attended (person-sessions).
    attended: int = 0

    @property
    def expected(self) -> int:
        return self.registered * self.held

    @property
    def attendance_rate(self) -> float | None:
        return _rate(self.attended, self.expected)


@dataclass
class ProcessSession:
    session: Session
    held: bool
    # Everyone who attended, whatever their GAD.
    attended: int


@dataclass
class ProcessRow:
    workshop: Workshop
    sessions: list[ProcessSession]

    @property
    def held(self) -> int:
        return sum(1 for item in self.sessions if item.held)


@dataclass
class TimelineEvent:
    when: datetime
    kind: str  # enrolled, completed, workshop, consultative, certificates
    text: str
    # The agreements of a consultative process, shown with its last session held.
    agreements: str = ""


@dataclass
class TimelineMonth:
    month: date
    events: list[TimelineEvent]


@dataclass
class GadJourney:
    gad: GAD
    figures: GadFigures
    people: list[PersonRow]
    courses: list[CourseRow]
    workshops: list[WorkshopRow]
    processes: list[ProcessRow]
    certificates: list[Certificate]
    timeline: list[TimelineMonth]
    # Older events left out of the timeline.
    timeline_hidden: int = 0


def _month(moment: datetime) -> date:
    local = timezone.localtime(moment)
    return date(local.year, local.month, 1)


def _session_label(session: Session) -> str:
    if session.title:
        return session.title
    return timezone.localtime(session.starts_at).strftime("%d/%m/%Y")


def gad_journey(gad: GAD) -> GadJourney:
    """The GAD's figures, its story month by month and its tables. Thirteen queries."""
    now = timezone.now()
    figures = gad_figures([gad.pk])[gad.pk]

    people = list(
        reports.participants(EVERYTHING, WHOLE_PROGRAMME)
        .filter(gad=gad)
        .only("pk", "full_name", "position", "sex", "anonymised_at", "gad_id")
        # The people with a name first, by name; deleted people after them.
        .order_by(F("anonymised_at").asc(nulls_first=True), "full_name", "pk")
    )
    enrolments = list(
        reports.enrolments(EVERYTHING, WHOLE_PROGRAMME)
        .filter(participant__gad=gad)
        .order_by("enrolled_at", "pk")
        .values(
            "participant_id",
            "course_id",
            "course__title",
            "status",
            "progress_percent",
            "enrolled_at",
            "completed_at",
        )
    )
    registrations = list(
        reports.registrations(EVERYTHING, WHOLE_PROGRAMME)
        .filter(participant__gad=gad)
        .values_list("participant_id", "workshop_id", "status")
    )
    # Attendance in sessions held only (reports.attendance), any status.
    attendance = list(
        reports.attendance(EVERYTHING, WHOLE_PROGRAMME)
        .filter(participant__gad=gad)
        .values_list("participant_id", "session_id", "status")
    )
    registered_here = Registration.objects.active().filter(
        workshop=OuterRef("pk"), participant__gad=gad
    )
    attended_here = Attendance.objects.filter(
        session__workshop=OuterRef("pk"), participant__gad=gad
    )
    workshops = list(
        reports.workshops(EVERYTHING, WHOLE_PROGRAMME)
        .filter(
            Q(Exists(registered_here))
            | Q(Exists(attended_here))
            | Q(kind=Workshop.Kind.CONSULTATIVE, gad=gad)
        )
        .prefetch_related(
            Prefetch(
                "sessions",
                queryset=Session.objects.annotate(
                    attendees=Count("attendance", filter=Q(attendance__status__in=ATTENDED))
                ).order_by("starts_at", "pk"),
            )
        )
        .order_by("created_at", "pk")
    )
    certificates = list(
        reports.certificates(EVERYTHING, WHOLE_PROGRAMME)
        .filter(participant__gad=gad)
        .order_by("issued_at", "pk")
    )

    rows = {person.pk: PersonRow(participant=person) for person in people}
    courses: dict[int, CourseRow] = {}
    for enrolment in enrolments:
        # A course completed by another rule (a linked workshop attended) may have
        # required steps left: it is done all the same, so it shows as 100 %.
        completed = enrolment["completed_at"] is not None
        row = rows.get(enrolment["participant_id"])
        if row is not None:
            row.courses.append(
                CourseProgress(
                    title=enrolment["course__title"],
                    percent=100 if completed else enrolment["progress_percent"],
                    completed_at=enrolment["completed_at"],
                    left=enrolment["status"] == Enrolment.Status.WITHDRAWN,
                )
            )
        course = courses.setdefault(
            enrolment["course_id"],
            CourseRow(course_id=enrolment["course_id"], title=enrolment["course__title"]),
        )
        course.enrolled += 1
        course.completed += int(completed)
        course.progress_total += 100 if completed else enrolment["progress_percent"]

    session_workshop = {
        session.pk: workshop.pk for workshop in workshops for session in workshop.sessions.all()
    }
    confirmed = {
        (participant_id, workshop_id)
        for participant_id, workshop_id, status in registrations
        if status == Registration.Status.CONFIRMED
    }
    attended_by_session: dict[int, int] = defaultdict(int)
    attended_by_workshop: dict[int, int] = defaultdict(int)
    for participant_id, session_id, status in attendance:
        if status not in ATTENDED:
            continue
        if participant_id in rows:
            rows[participant_id].sessions_attended += 1
        attended_by_session[session_id] += 1
        workshop_id = session_workshop.get(session_id)
        if (participant_id, workshop_id) in confirmed:
            attended_by_workshop[workshop_id] += 1
    registered_by_workshop: dict[int, int] = defaultdict(int)
    for _participant_id, workshop_id in confirmed:
        registered_by_workshop[workshop_id] += 1

    for certificate in certificates:
        if certificate.revoked_at is None and certificate.participant_id in rows:
            rows[certificate.participant_id].certificates += 1

    workshop_rows, process_rows = [], []
    for workshop in workshops:
        workshop_sessions = list(workshop.sessions.all())
        if workshop.kind == Workshop.Kind.CONSULTATIVE and workshop.gad_id == gad.pk:
            process_rows.append(
                ProcessRow(
                    workshop=workshop,
                    sessions=[
                        ProcessSession(
                            session=session,
                            held=is_held(session, now),
                            attended=session.attendees,
                        )
                        for session in workshop_sessions
                    ],
                )
            )
        else:
            workshop_rows.append(
                WorkshopRow(
                    workshop=workshop,
                    registered=registered_by_workshop[workshop.pk],
                    held=sum(1 for session in workshop_sessions if is_held(session, now)),
                    attended=attended_by_workshop[workshop.pk],
                )
            )

    events = _timeline_events(
        enrolments, workshop_rows, process_rows, attended_by_session, certificates, now
    )
    hidden = max(0, len(events) - TIMELINE_LIMIT)
    months: dict[date, TimelineMonth] = {}
    for event in events[hidden:]:
        month = _month(event.when)
        months.setdefault(month, TimelineMonth(month=month, events=[])).events.append(event)

    return GadJourney(
        gad=gad,
        figures=figures,
        people=list(rows.values()),
        courses=sorted(courses.values(), key=lambda row: (-row.enrolled, row.title)),
        workshops=workshop_rows,
        processes=process_rows,
        certificates=certificates,
        timeline=list(months.values()),
        timeline_hidden=hidden,
    )


def _timeline_events(
    enrolments, workshop_rows, process_rows, attended_by_session, certificates, now
) -> list[TimelineEvent]:
    """What happened, oldest first: enrolments and completions per course and month,
    workshop sessions the GAD's people attended, the GAD's consultative sessions
    held (the last one with the process's agreements), certificates per subject and month.
    """
    events: list[TimelineEvent] = []

    def grouped(items, moment_of, key_of):
        groups: dict[tuple, list] = {}
        for item in items:
            moment = moment_of(item)
            if moment is not None:
                groups.setdefault((_month(moment), key_of(item)), []).append(moment)
        return groups

    enrolled = grouped(enrolments, lambda e: e["enrolled_at"], lambda e: e["course__title"])
    first = min((min(moments) for moments in enrolled.values()), default=None)
    for (_month_start, title), moments in enrolled.items():
        count = len(moments)
        when = min(moments)
        if when == first:
            text = ngettext(
                "First enrolment of the GAD: %(count)d person in “%(course)s”",
                "First enrolments of the GAD: %(count)d people in “%(course)s”",
                count,
            )
        else:
            text = ngettext(
                "%(count)d person enrolled in “%(course)s”",
                "%(count)d people enrolled in “%(course)s”",
                count,
            )
        events.append(
            TimelineEvent(when=when, kind="enrolled", text=text % {"count": count, "course": title})
        )

    completed = grouped(enrolments, lambda e: e["completed_at"], lambda e: e["course__title"])
    for (_month_start, title), moments in completed.items():
        count = len(moments)
        text = ngettext(
            "%(count)d person completed “%(course)s”",
            "%(count)d people completed “%(course)s”",
            count,
        )
        events.append(
            TimelineEvent(
                when=min(moments), kind="completed", text=text % {"count": count, "course": title}
            )
        )

    for row in workshop_rows:
        for session in row.workshop.sessions.all():
            count = attended_by_session.get(session.pk, 0)
            if not count or not is_held(session, now):
                continue
            text = ngettext(
                "%(count)d person attended “%(workshop)s”: %(session)s",
                "%(count)d people attended “%(workshop)s”: %(session)s",
                count,
            ) % {"count": count, "workshop": row.workshop.title, "session": _session_label(session)}
            events.append(TimelineEvent(when=session.starts_at, kind="workshop", text=text))

    for row in process_rows:
        held = [item for item in row.sessions if item.held]
        for index, item in enumerate(held):
            text = ngettext(
                "Consultative session of “%(process)s” (%(session)s): %(count)d person attended",
                "Consultative session of “%(process)s” (%(session)s): %(count)d people attended",
                item.attended,
            ) % {
                "process": row.workshop.title,
                "session": _session_label(item.session),
                "count": item.attended,
            }
            last = index == len(held) - 1
            events.append(
                TimelineEvent(
                    when=item.session.starts_at,
                    kind="consultative",
                    text=text,
                    agreements=row.workshop.agreements if last else "",
                )
            )

    issued = grouped(
        [c for c in certificates if c.revoked_at is None],
        lambda c: c.issued_at,
        lambda c: c.subject_title,
    )
    for (_month_start, subject), moments in issued.items():
        count = len(moments)
        text = ngettext(
            "%(count)d certificate issued: “%(subject)s”",
            "%(count)d certificates issued: “%(subject)s”",
            count,
        )
        events.append(
            TimelineEvent(
                when=min(moments),
                kind="certificates",
                text=text % {"count": count, "subject": subject},
            )
        )

    events.sort(key=lambda event: event.when)
    return events
