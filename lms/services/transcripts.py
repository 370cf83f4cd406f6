"""A participant's transcript: courses, quiz and H5P results, workshops, certificates.

Read for the participant themself, their trainers and programme managers, with the
rules of lms.services.journeys (held sessions, attended = present or late), in a
fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    Exists,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
)
from django.utils import timezone

from lms.models import (
    Attendance,
    Certificate,
    Enrolment,
    H5PResult,
    Participant,
    Registration,
    Session,
    Workshop,
)
from lms.services import reports
from lms.services.journeys import EVERYTHING, WHOLE_PROGRAMME, display_name, is_held
from lms.services.reports import ATTENDED


@dataclass
class SessionRecord:
    session: Session
    held: bool
    status: str | None

    @property
    def attended(self) -> bool:
        return self.held and self.status in ATTENDED

    @property
    def status_label(self) -> str:
        return Attendance.Status(self.status).label if self.status else ""


@dataclass
class WorkshopRecord:
    workshop: Workshop
    registration_status: str | None
    sessions: list[SessionRecord]

    @property
    def held(self) -> int:
        return sum(1 for record in self.sessions if record.held)

    @property
    def attended(self) -> int:
        return sum(1 for record in self.sessions if record.attended)

    @property
    def registration_label(self) -> str:
        if not self.registration_status:
            return ""
        return Registration.Status(self.registration_status).label


@dataclass
class Transcript:
    participant: Participant
    enrolments: list[Enrolment]
    h5p_results: list[H5PResult]
    workshops: list[WorkshopRecord]
    processes: list[WorkshopRecord]
    certificates: list[Certificate]

    @property
    def is_deleted(self) -> bool:
        return self.participant.anonymised_at is not None

    @property
    def name(self) -> str:
        return display_name(self.participant)


def transcript(participant: Participant) -> Transcript:
    """Everything one person did: courses, H5P results, workshops and consultative
    processes session by session, certificates. Six queries (five without workshops).

    Workshops are those (not drafts) the person is registered in (not cancelled) or
    has an attendance record in; quiz results come from the caller.
    """
    now = timezone.now()
    enrolments = list(
        Enrolment.objects.filter(participant=participant)
        .select_related("course")
        .order_by("enrolled_at", "pk")
    )
    h5p_results = list(
        H5PResult.objects.filter(participant=participant)
        .select_related("activity", "lesson")
        .order_by("first_at", "pk")
    )
    registration = Registration.objects.filter(workshop=OuterRef("pk"), participant=participant)
    workshops = list(
        reports.workshops(EVERYTHING, WHOLE_PROGRAMME)
        .filter(
            Q(Exists(registration.exclude(status=Registration.Status.CANCELLED)))
            | Q(
                Exists(
                    Attendance.objects.filter(
                        session__workshop=OuterRef("pk"), participant=participant
                    )
                )
            )
        )
        .annotate(registration_status=Subquery(registration.values("status")[:1]))
        .select_related("gad__province")
        .prefetch_related(
            Prefetch("sessions", queryset=Session.objects.order_by("starts_at", "pk"))
        )
    )
    statuses = dict(
        Attendance.objects.filter(participant=participant).values_list("session_id", "status")
    )
    certificates = list(Certificate.objects.filter(participant=participant).order_by("-issued_at"))

    records = []
    for workshop in workshops:
        records.append(
            WorkshopRecord(
                workshop=workshop,
                registration_status=workshop.registration_status,
                sessions=[
                    SessionRecord(
                        session=session, held=is_held(session, now), status=statuses.get(session.pk)
                    )
                    for session in workshop.sessions.all()
                ],
            )
        )
    records.sort(
        key=lambda record: (
            record.sessions[0].session.starts_at if record.sessions else record.workshop.created_at
        )
    )
    return Transcript(
        participant=participant,
        enrolments=enrolments,
        h5p_results=h5p_results,
        workshops=[r for r in records if r.workshop.kind == Workshop.Kind.WORKSHOP],
        processes=[r for r in records if r.workshop.kind == Workshop.Kind.CONSULTATIVE],
        certificates=certificates,
    )
