"""What the programme reports: who was reached, in what, with what result.

Every report, chart and export starts from the querysets here, so a figure on the
dashboard, the same figure in its export and the rows behind it always agree.

Two things shape every queryset:

- `ReportFilters`: the period, a course, a workshop, a province, the pilot GADs.
  A course filter alone leaves out the workshop side and a workshop filter alone
  leaves out the course side: the figures are those of the activities chosen.
- `ReportScope`: whose data the reader may see. Programme managers see everything;
  trainers see the workshops they train and the people registered in or attending
  them (with those people's courses).

The period is read in Ecuador's time: enrolments by the day they enrolled,
workshop registrations and attendance by the day their sessions took place,
certificates by the day they were issued.

People whose data was deleted stay in every count: deletion keeps their GAD, sex
and age band precisely so that the programme's figures do not change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from lms.models import (
    Attendance,
    Certificate,
    Enrolment,
    Participant,
    Registration,
    Session,
    Workshop,
)

# Present or late: the person took part in the session.
ATTENDED = (Attendance.Status.PRESENT, Attendance.Status.LATE)

# Counts below this are shown as "<5" when the reader asks to suppress small counts.
SMALL_COUNT = 5


@dataclass(frozen=True)
class ReportFilters:
    start: date | None = None
    end: date | None = None
    course_id: int | None = None
    workshop_id: int | None = None
    province_id: int | None = None
    pilots_only: bool = False
    suppress_small_counts: bool = False

    @property
    def includes_courses(self) -> bool:
        return self.workshop_id is None or self.course_id is not None

    @property
    def includes_workshops(self) -> bool:
        return self.course_id is None or self.workshop_id is not None

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """The period as aware datetimes: from the start of `start` to the end of `end`."""
        zone = ZoneInfo(settings.TIME_ZONE)
        since = datetime.combine(self.start, time.min, tzinfo=zone) if self.start else None
        until = (
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone)
            if self.end
            else None
        )
        return since, until

    def as_log(self) -> dict:
        """The filters as plain values, for the export log."""
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "course": self.course_id,
            "workshop": self.workshop_id,
            "province": self.province_id,
            "pilots_only": self.pilots_only,
            "suppress_small_counts": self.suppress_small_counts,
        }


@dataclass(frozen=True)
class ReportScope:
    """Whose records a reader may see in reports."""

    whole_programme: bool
    # The workshops a trainer trains; None when the reader sees the whole programme.
    workshop_ids: frozenset[int] | None = field(default=None)

    @classmethod
    def for_user(cls, user) -> ReportScope:
        """Managers (and superusers) see everything; trainers their workshops. One query at most."""
        if user.has_perm("lms.view_programme_reports"):
            return cls(whole_programme=True)
        ids = Workshop.trainers.through.objects.filter(user_id=user.pk).values_list(
            "workshop_id", flat=True
        )
        return cls(whole_programme=False, workshop_ids=frozenset(ids))


def may_view_reports(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_perm("lms.view_reports")


def may_export_personal_data(user) -> bool:
    """Only programme managers take personal data out of Aula."""
    return (
        may_view_reports(user)
        and user.has_perm("lms.view_programme_reports")
        and user.has_perm("lms.export_personal_data")
    )


# ---------------------------------------------------------------------------
# The querysets every figure is made of.


def _in_period(prefix: str, filters: ReportFilters) -> Q:
    since, until = filters.bounds()
    condition = Q()
    if since is not None:
        condition &= Q(**{f"{prefix}__gte": since})
    if until is not None:
        condition &= Q(**{f"{prefix}__lt": until})
    return condition


def _geography(prefix: str, filters: ReportFilters) -> Q:
    """The province and pilot filters, on the GAD reached through `prefix` (a participant)."""
    condition = Q()
    if filters.province_id is not None:
        condition &= Q(**{f"{prefix}gad__province_id": filters.province_id})
    if filters.pilots_only:
        condition &= Q(**{f"{prefix}gad__is_pilot": True})
    return condition


def _scope_workshops(scope: ReportScope) -> Q:
    if scope.whole_programme:
        return Q()
    return Q(pk__in=scope.workshop_ids or ())


def _scope_people(prefix: str, scope: ReportScope) -> Q:
    """A trainer sees the people registered in or attending the workshops they train."""
    if scope.whole_programme:
        return Q()
    ids = scope.workshop_ids or ()
    field_name = f"{prefix}pk" if prefix else "pk"
    registered = Registration.objects.filter(
        participant_id=OuterRef(field_name), workshop_id__in=ids
    )
    attended = Attendance.objects.filter(
        participant_id=OuterRef(field_name), session__workshop_id__in=ids
    )
    return Q(Exists(registered)) | Q(Exists(attended))


def workshops(filters: ReportFilters, scope: ReportScope) -> QuerySet[Workshop]:
    """Workshops and consultative processes in the report (drafts never count)."""
    if not filters.includes_workshops:
        return Workshop.objects.none()
    queryset = Workshop.objects.exclude(status=Workshop.Status.DRAFT).filter(
        _scope_workshops(scope)
    )
    if filters.workshop_id is not None:
        queryset = queryset.filter(pk=filters.workshop_id)
    elif filters.course_id is not None:
        queryset = queryset.filter(course_id=filters.course_id)
    if filters.start or filters.end:
        queryset = queryset.filter(
            Exists(
                Session.objects.filter(
                    _in_period("starts_at", filters), workshop_id=OuterRef("pk"), cancelled=False
                )
            )
        )
    return queryset


def sessions(filters: ReportFilters, scope: ReportScope) -> QuerySet[Session]:
    """Sessions that took place (started and not cancelled) in the report."""
    return Session.objects.filter(
        _in_period("starts_at", filters),
        workshop__in=workshops(filters, scope),
        cancelled=False,
        starts_at__lte=timezone.now(),
    )


def enrolments(filters: ReportFilters, scope: ReportScope) -> QuerySet[Enrolment]:
    if not filters.includes_courses:
        return Enrolment.objects.none()
    queryset = Enrolment.objects.filter(
        _in_period("enrolled_at", filters),
        _geography("participant__", filters),
    )
    if filters.course_id is not None:
        queryset = queryset.filter(course_id=filters.course_id)
    if not scope.whole_programme:
        queryset = queryset.filter(participant__in=participants_in_scope(scope))
    return queryset


def registrations(filters: ReportFilters, scope: ReportScope) -> QuerySet[Registration]:
    """Registrations that are not cancelled, for workshops in the report."""
    return Registration.objects.active().filter(
        _geography("participant__", filters),
        workshop__in=workshops(filters, scope),
    )


def attendance(filters: ReportFilters, scope: ReportScope) -> QuerySet[Attendance]:
    """Attendance records of the sessions in the report, whatever their status."""
    return Attendance.objects.filter(
        _geography("participant__", filters),
        session__in=sessions(filters, scope),
    )


def certificates(filters: ReportFilters, scope: ReportScope) -> QuerySet[Certificate]:
    """Certificates issued in the report, revoked ones included (callers tell them apart)."""
    queryset = Certificate.objects.filter(
        _in_period("issued_at", filters), _geography("participant__", filters)
    )
    sides = Q(pk__in=[])
    if filters.includes_courses:
        course_side = Q(kind=Certificate.Kind.COURSE)
        if filters.course_id is not None:
            course_side &= Q(course_id=filters.course_id)
        if not scope.whole_programme:
            course_side &= Q(participant__in=participants_in_scope(scope))
        sides |= course_side
    if filters.includes_workshops:
        workshop_side = Q(kind=Certificate.Kind.WORKSHOP)
        if filters.workshop_id is not None or filters.course_id is not None:
            workshop_side &= Q(
                workshop__in=workshops(ReportFilters(**_without_period(filters)), scope)
            )
        elif not scope.whole_programme:
            workshop_side &= Q(workshop_id__in=scope.workshop_ids or ())
        sides |= workshop_side
    return queryset.filter(sides)


def _without_period(filters: ReportFilters) -> dict:
    """The filters' fields but the period (a certificate's own date is what counts)."""
    return {
        "course_id": filters.course_id,
        "workshop_id": filters.workshop_id,
        "province_id": filters.province_id,
        "pilots_only": filters.pilots_only,
    }


def participants_in_scope(scope: ReportScope) -> QuerySet[Participant]:
    return Participant.objects.filter(_scope_people("", scope))


def participants(filters: ReportFilters, scope: ReportScope) -> QuerySet[Participant]:
    """People with any record in the report: an enrolment, a registration, an attendance."""
    return Participant.objects.filter(
        _geography("", filters),
        Q(Exists(enrolments(filters, scope).filter(participant_id=OuterRef("pk"))))
        | Q(Exists(registrations(filters, scope).filter(participant_id=OuterRef("pk"))))
        | Q(Exists(attendance(filters, scope).filter(participant_id=OuterRef("pk")))),
    )


# ---------------------------------------------------------------------------
# Indicators: every figure, in total and by sex, age band, GAD level and province.
#
# Each fact table is read once, grouped by the four dimensions of the person it
# belongs to; the rows (at most 4 × 5 × 4 × 24) are added up here. So the number
# of queries never depends on how much data there is, and each person, enrolment
# or certificate is counted in exactly one cell of each dimension.

DIMENSIONS = ("sex", "age_band", "level", "province")


def _dimension_fields(prefix: str) -> dict[str, str]:
    return {
        "sex": f"{prefix}sex",
        "age_band": f"{prefix}age_band",
        "level": f"{prefix}gad__level",
        "province": f"{prefix}gad__province_id",
    }


@dataclass
class Figures:
    """The figures of one group of people (everyone, women, one province...)."""

    participants: int = 0
    gads_reached: int = 0
    enrolments: int = 0
    started: int = 0
    halfway: int = 0
    completions: int = 0
    registrations: int = 0
    confirmed: int = 0
    waitlisted: int = 0
    # Person-sessions: confirmed registrants times the sessions held, and those attended.
    sessions_expected: int = 0
    sessions_attended: int = 0
    certificates: int = 0
    certificates_revoked: int = 0

    def add(self, **values) -> None:
        for name, value in values.items():
            setattr(self, name, getattr(self, name) + (value or 0))

    @property
    def completion_rate(self) -> float | None:
        return _rate(self.completions, self.enrolments)

    @property
    def attendance_rate(self) -> float | None:
        return _rate(self.sessions_attended, self.sessions_expected)


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class GadCoverage:
    """GADs reached (a participant attended or completed) out of all GADs, by level."""

    level: str
    reached: int
    total: int

    @property
    def rate(self) -> float | None:
        return _rate(self.reached, self.total)


@dataclass
class Indicators:
    total: Figures
    by: dict[str, dict]
    coverage: list[GadCoverage]
    provinces_covered: int
    provinces_total: int
    # GADs of each province: (reached, total), for the map-like chart by province.
    province_coverage: dict[int, tuple[int, int]]
    # Attendance over time: (label date or session, attended, expected).
    sessions_held: int
    workshops: int


def _add_rows(indicators_by, total, rows, **metrics) -> None:
    """Add grouped rows into the total and into every dimension's cells."""
    for row in rows:
        values = {name: row[column] for name, column in metrics.items()}
        total.add(**values)
        for dimension in DIMENSIONS:
            key = row[f"dim_{dimension}"] or ""
            indicators_by[dimension].setdefault(key, Figures()).add(**values)


def indicators(filters: ReportFilters, scope: ReportScope) -> Indicators:
    """Every headline figure with its disaggregations, in a fixed number of queries (ten)."""
    from django.db.models import Count, F, IntegerField, Subquery, Sum
    from django.db.models.functions import Coalesce

    from lms.models import GAD, Province

    total = Figures()
    by: dict[str, dict] = {dimension: {} for dimension in DIMENSIONS}

    def grouped(queryset, prefix: str):
        fields = _dimension_fields(prefix)
        return queryset.values(**{f"dim_{name}": F(path) for name, path in fields.items()})

    # 1. People.
    _add_rows(
        by,
        total,
        grouped(participants(filters, scope), "").annotate(n=Count("pk")),
        participants="n",
    )

    # 2. Enrolments and the completion funnel.
    _add_rows(
        by,
        total,
        grouped(enrolments(filters, scope), "participant__").annotate(
            n=Count("pk"),
            started=Count("pk", filter=Q(completed_steps__gt=0) | Q(completed_at__isnull=False)),
            halfway=Count("pk", filter=Q(progress_percent__gte=50) | Q(completed_at__isnull=False)),
            completed=Count("pk", filter=Q(completed_at__isnull=False)),
        ),
        enrolments="n",
        started="started",
        halfway="halfway",
        completions="completed",
    )

    # 3. Registrations, and sessions expected and attended by confirmed registrants.
    held = sessions(filters, scope)
    held_per_workshop = (
        held.filter(workshop_id=OuterRef("workshop_id"))
        .order_by()
        .values("workshop_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    confirmed = Q(status=Registration.Status.CONFIRMED)
    _add_rows(
        by,
        total,
        grouped(registrations(filters, scope), "participant__").annotate(
            n=Count("pk"),
            confirmed=Count("pk", filter=confirmed),
            waitlisted=Count("pk", filter=Q(status=Registration.Status.WAITLISTED)),
            expected=Coalesce(
                Sum(
                    Subquery(held_per_workshop, output_field=IntegerField()),
                    filter=confirmed,
                ),
                0,
            ),
        ),
        registrations="n",
        confirmed="confirmed",
        waitlisted="waitlisted",
        sessions_expected="expected",
    )
    # Sessions attended by confirmed registrants: read from attendance, which the
    # database joins to registrations once, rather than counted per registration.
    registered = Registration.objects.filter(
        confirmed,
        workshop_id=OuterRef("session__workshop_id"),
        participant_id=OuterRef("participant_id"),
    )
    _add_rows(
        by,
        total,
        grouped(
            attendance(filters, scope).filter(Exists(registered), status__in=ATTENDED),
            "participant__",
        ).annotate(n=Count("pk")),
        sessions_attended="n",
    )

    # 4. Certificates, valid and revoked.
    _add_rows(
        by,
        total,
        grouped(certificates(filters, scope), "participant__").annotate(
            valid=Count("pk", filter=Q(revoked_at__isnull=True)),
            revoked=Count("pk", filter=Q(revoked_at__isnull=False)),
        ),
        certificates="valid",
        certificates_revoked="revoked",
    )

    # 5. GADs reached: a participant attended a session or completed a course.
    reached_people = Participant.objects.filter(
        _geography("", filters),
        Q(
            Exists(
                attendance(filters, scope).filter(
                    participant_id=OuterRef("pk"), status__in=ATTENDED
                )
            )
        )
        | Q(
            Exists(
                enrolments(filters, scope).filter(
                    participant_id=OuterRef("pk"), completed_at__isnull=False
                )
            )
        ),
    )
    reached_rows = list(
        grouped(reached_people, "")
        .values("gad_id", *(f"dim_{dimension}" for dimension in DIMENSIONS))
        .distinct()
        .order_by()
    )
    reached_by: dict[str, dict[str, set]] = {dimension: {} for dimension in DIMENSIONS}
    reached_gads: set[int] = set()
    for row in reached_rows:
        reached_gads.add(row["gad_id"])
        for dimension in DIMENSIONS:
            key = row[f"dim_{dimension}"] or ""
            reached_by[dimension].setdefault(key, set()).add(row["gad_id"])
    total.gads_reached = len(reached_gads)
    for dimension, cells in reached_by.items():
        for key, gad_ids in cells.items():
            by[dimension].setdefault(key, Figures()).gads_reached = len(gad_ids)

    # 6. All GADs, by level and province: the denominators.
    gad_filter = Q()
    if filters.province_id is not None:
        gad_filter &= Q(province_id=filters.province_id)
    if filters.pilots_only:
        gad_filter &= Q(is_pilot=True)
    gad_totals = list(
        GAD.objects.filter(gad_filter)
        .values("level", "province_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    reached_level_province: dict[tuple, set] = {}
    for row in reached_rows:
        reached_level_province.setdefault((row["dim_level"], row["dim_province"]), set()).add(
            row["gad_id"]
        )
    level_totals: dict[str, int] = {}
    level_reached: dict[str, int] = {}
    province_coverage: dict[int, tuple[int, int]] = {}
    for row in gad_totals:
        key = (row["level"], row["province_id"])
        reached = len(reached_level_province.get(key, ()))
        level_totals[row["level"]] = level_totals.get(row["level"], 0) + row["n"]
        level_reached[row["level"]] = level_reached.get(row["level"], 0) + reached
        done, whole = province_coverage.get(row["province_id"], (0, 0))
        province_coverage[row["province_id"]] = (done + reached, whole + row["n"])
    # Municipal GADs first: they are whom the programme works with above all.
    order = (GAD.Level.MUNICIPAL, GAD.Level.PARISH, GAD.Level.PROVINCIAL, GAD.Level.SPECIAL_REGIME)
    coverage = [
        GadCoverage(level=level, reached=level_reached.get(level, 0), total=level_totals[level])
        for level in order
        if level in level_totals
    ]

    # 7. Provinces in the report.
    province_filter = Q(pk=filters.province_id) if filters.province_id is not None else Q()
    if filters.pilots_only:
        province_filter &= Q(gads__is_pilot=True)
    provinces_total = Province.objects.filter(province_filter).distinct().count()

    # 8. Workshops and sessions held.
    workshop_figures = workshops(filters, scope).aggregate(
        n=Count("pk", distinct=True),
    )
    sessions_held = held.count()

    return Indicators(
        total=total,
        by=by,
        coverage=coverage,
        provinces_covered=sum(1 for done, _whole in province_coverage.values() if done),
        provinces_total=provinces_total,
        province_coverage=province_coverage,
        sessions_held=sessions_held,
        workshops=workshop_figures["n"],
    )
