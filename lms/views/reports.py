"""The programme's reports in the admin: the dashboard and its exports.

Managers see the whole programme and export personal data; trainers see the
workshops they train and the people in them, and export only the indicator
tables. Every export is logged. The figures come from lms.services.reports.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from courses.models import CoursePage
from lms.charts import bar_chart
from lms.exports import csv_response, finish_export, log_export, xlsx_response
from lms.models import GAD, Attendance, Certificate, Enrolment, Participant, Province, Workshop
from lms.services import reports
from lms.services.reports import Figures, ReportFilters, ReportScope

# ---------------------------------------------------------------------------
# Filters.


class ReportFilterForm(forms.Form):
    """The dashboard's filters, read from the query string (so a filtered view is a link)."""

    desde = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    hasta = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    curso = forms.ModelChoiceField(
        label=gettext_lazy("Course"),
        queryset=CoursePage.objects.none(),
        required=False,
        empty_label=gettext_lazy("All courses"),
    )
    taller = forms.ModelChoiceField(
        label=gettext_lazy("Workshop or consultative process"),
        queryset=Workshop.objects.none(),
        required=False,
        empty_label=gettext_lazy("All workshops"),
    )
    provincia = forms.ModelChoiceField(
        label=gettext_lazy("Province"),
        queryset=Province.objects.none(),
        required=False,
        empty_label=gettext_lazy("All provinces"),
    )
    pilotos = forms.BooleanField(label=gettext_lazy("Pilot GADs only"), required=False)
    suprimir = forms.BooleanField(
        label=gettext_lazy("Show counts below 5 as “<5” (for publication)"), required=False
    )

    def __init__(self, data, *, scope: ReportScope):
        super().__init__(data)
        self.fields["curso"].queryset = CoursePage.objects.order_by("title")
        workshops = Workshop.objects.exclude(status=Workshop.Status.DRAFT).order_by("title")
        if not scope.whole_programme:
            workshops = workshops.filter(pk__in=scope.workshop_ids or ())
        self.fields["taller"].queryset = workshops
        self.fields["provincia"].queryset = Province.objects.order_by("name")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("desde"), cleaned.get("hasta")
        if start and end and start > end:
            raise forms.ValidationError(_("The start of the period is after its end."))
        return cleaned

    def descriptions(self) -> list[str]:
        """The filters in use, in words, for the summary line."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        words = []
        if data.get("desde"):
            words.append(_("from %(date)s") % {"date": data["desde"].strftime("%d/%m/%Y")})
        if data.get("hasta"):
            words.append(_("to %(date)s") % {"date": data["hasta"].strftime("%d/%m/%Y")})
        for name in ("curso", "taller", "provincia"):
            if data.get(name):
                words.append(str(data[name]))
        if data.get("pilotos"):
            words.append(_("pilot GADs only"))
        if data.get("suprimir"):
            words.append(_("small counts hidden"))
        return words

    def filters(self) -> ReportFilters:
        data = self.cleaned_data
        return ReportFilters(
            start=data.get("desde"),
            end=data.get("hasta"),
            course_id=data["curso"].pk if data.get("curso") else None,
            workshop_id=data["taller"].pk if data.get("taller") else None,
            province_id=data["provincia"].pk if data.get("provincia") else None,
            pilots_only=bool(data.get("pilotos")),
            suppress_small_counts=bool(data.get("suprimir")),
        )


def _reader(request) -> ReportScope:
    if not reports.may_view_reports(request.user):
        raise PermissionDenied
    return ReportScope.for_user(request.user)


# ---------------------------------------------------------------------------
# How figures are written.


@dataclass(frozen=True)
class Formatter:
    suppress: bool

    def is_small(self, value: int) -> bool:
        return self.suppress and 0 < value < reports.SMALL_COUNT

    def count(self, value: int) -> str:
        if self.is_small(value):
            return f"<{reports.SMALL_COUNT}"
        return number_format(value, force_grouping=True)

    def count_value(self, value: int) -> int | str:
        """For exports: the number, or "<5" when it must not be published."""
        return f"<{reports.SMALL_COUNT}" if self.is_small(value) else value

    def rate_value(self, part: int, whole: int) -> float | None:
        """A percentage, or None when either count is small (it would give them away)."""
        if not whole or self.is_small(part) or self.is_small(whole):
            return None
        return round(100 * part / whole, 1)

    def rate(self, part: int, whole: int) -> str:
        value = self.rate_value(part, whole)
        return "—" if value is None else f"{number_format(value, 1)} %"


# The columns of every disaggregation table, in the dashboard and in its export.
COLUMNS = (
    ("participants", gettext_lazy("Participants")),
    ("gads_reached", gettext_lazy("GADs reached")),
    ("enrolments", gettext_lazy("Course enrolments")),
    ("completions", gettext_lazy("Completions")),
    ("completion_rate", gettext_lazy("Completion rate")),
    ("registrations", gettext_lazy("Workshop registrations")),
    ("attendance_rate", gettext_lazy("Attendance rate")),
    ("certificates", gettext_lazy("Certificates issued")),
)

DIMENSION_TITLES = {
    "sex": gettext_lazy("By sex"),
    "age_band": gettext_lazy("By age band"),
    "level": gettext_lazy("By GAD level"),
    "province": gettext_lazy("By province"),
}


def _cells(figures: Figures, fmt: Formatter) -> list[str]:
    return [
        fmt.count(figures.participants),
        number_format(figures.gads_reached, force_grouping=True),
        fmt.count(figures.enrolments),
        fmt.count(figures.completions),
        fmt.rate(figures.completions, figures.enrolments),
        fmt.count(figures.registrations),
        fmt.rate(figures.sessions_attended, figures.sessions_expected),
        fmt.count(figures.certificates),
    ]


def _export_cells(figures: Figures, fmt: Formatter) -> list:
    return [
        fmt.count_value(figures.participants),
        figures.gads_reached,
        fmt.count_value(figures.enrolments),
        fmt.count_value(figures.completions),
        fmt.rate_value(figures.completions, figures.enrolments),
        fmt.count_value(figures.registrations),
        fmt.rate_value(figures.sessions_attended, figures.sessions_expected),
        fmt.count_value(figures.certificates),
    ]


def _categories(dimension: str, indicators, provinces) -> list[tuple[str, str]]:
    """(key, label) of a dimension's rows in a fixed order; "No data" last when present."""
    present = indicators.by[dimension]
    if dimension == "sex":
        rows = list(Participant.Sex.choices)
    elif dimension == "age_band":
        rows = list(Participant.AgeBand.choices)
    elif dimension == "level":
        # Levels without a GAD in the report (no provincial GAD among the pilots) are left out.
        in_report = {item.level for item in indicators.coverage}
        rows = [(key, label) for key, label in GAD.Level.choices if key in in_report]
    else:
        rows = [
            (province.pk, province.name)
            for province in provinces
            if province.pk in indicators.province_coverage
        ]
    rows = [(key, str(label)) for key, label in rows]
    if "" in present:
        rows.append(("", _("No data")))
    return rows


def _gad_totals(dimension: str, key, indicators) -> int | None:
    if dimension == "level":
        for item in indicators.coverage:
            if item.level == key:
                return item.total
        return 0
    if dimension == "province":
        return indicators.province_coverage.get(key, (0, 0))[1]
    return None


def _tables(indicators, provinces, fmt: Formatter) -> list[dict]:
    tables = []
    for dimension in reports.DIMENSIONS:
        rows = []
        for key, label in _categories(dimension, indicators, provinces):
            figures = indicators.by[dimension].get(key, Figures())
            rows.append({"label": label, "cells": _cells(figures, fmt)})
        tables.append({"dimension": dimension, "title": DIMENSION_TITLES[dimension], "rows": rows})
    return tables


# ---------------------------------------------------------------------------
# Charts.


def _charts(indicators, provinces, fmt: Formatter) -> dict:
    total = indicators.total
    by_sex = indicators.by["sex"]
    sex_items = []
    for key, label in Participant.Sex.choices:
        value = by_sex.get(key, Figures()).participants
        share = fmt.rate(value, total.participants)
        sex_items.append(
            (label, None if fmt.is_small(value) else value, fmt.count(value), f"({share})")
        )
    province_items = []
    for province in provinces:
        reached, whole = indicators.province_coverage.get(province.pk, (0, 0))
        if not whole:
            continue
        province_items.append(
            (
                province.name,
                reached,
                _("%(reached)s of %(total)s") % {"reached": reached, "total": whole},
            )
        )
    funnel = [
        (_("Enrolled"), total.enrolments),
        (_("Started"), total.started),
        (_("Halfway"), total.halfway),
        (_("Completed"), total.completions),
    ]
    return {
        "by_province": bar_chart(
            _("GADs reached by province"),
            province_items,
            value_label=_("GADs reached"),
            caption=_(
                "GADs with at least one participant who attended a session or completed a course."
            ),
        ),
        "by_sex": bar_chart(
            _("Participants by sex"),
            sex_items,
            value_label=_("Participants"),
        ),
        "funnel": bar_chart(
            _("Course completion funnel"),
            [
                (label, None if fmt.is_small(value) else value, fmt.count(value))
                for label, value in funnel
            ],
            value_label=_("Enrolments"),
            caption=_("Enrolments that started, reached half of the course and completed it."),
        ),
    }


def _attendance_chart(filters: ReportFilters, scope: ReportScope, fmt: Formatter):
    """Attendance per session of the chosen workshop (one query), or None without one."""
    if filters.workshop_id is None:
        return None
    from django.db.models import Count, Q

    held = (
        reports.sessions(filters, scope)
        .annotate(
            attended=Count("attendance", filter=Q(attendance__status__in=reports.ATTENDED)),
        )
        .order_by("starts_at")
    )
    items = []
    for number, session in enumerate(held, start=1):
        label = session.title or _("Session %(number)s") % {"number": number}
        when = timezone.localtime(session.starts_at).strftime("%d/%m/%Y")
        value = session.attended
        items.append(
            (f"{label} · {when}", None if fmt.is_small(value) else value, fmt.count(value))
        )
    return bar_chart(_("Attendance per session"), items, value_label=_("People who attended"))


# ---------------------------------------------------------------------------
# The dashboard.


@never_cache
@require_GET
def dashboard(request):
    scope = _reader(request)
    provinces = list(Province.objects.order_by("name"))
    form = ReportFilterForm(request.GET or None, scope=scope)
    context = {
        "form": form,
        "scope": scope,
        "may_export_personal_data": reports.may_export_personal_data(request.user),
        "may_see_pilots": request.user.has_perm("lms.view_programme_reports"),
    }
    if form.is_bound and not form.is_valid():
        context["filters_open"] = True
        return render(request, "lms/reports/dashboard.html", context, status=400)
    filters = form.filters() if form.is_bound else ReportFilters()
    fmt = Formatter(filters.suppress_small_counts)
    indicators = reports.indicators(filters, scope)
    total = indicators.total
    query = request.GET.urlencode()
    context.update(
        active_filters=form.descriptions(),
        filters_open=bool(form.descriptions()),
        filters=filters,
        indicators=indicators,
        total=total,
        headline={
            "participants": fmt.count(total.participants),
            "enrolments": fmt.count(total.enrolments),
            "completions": fmt.count(total.completions),
            "completion_rate": fmt.rate(total.completions, total.enrolments),
            "registrations": fmt.count(total.registrations),
            "attendance_rate": fmt.rate(total.sessions_attended, total.sessions_expected),
            "certificates": fmt.count(total.certificates),
            "revoked": fmt.count(total.certificates_revoked),
        },
        coverage=[
            {
                "item": item,
                "label": GAD.Level(item.level).label,
                "rate": fmt.rate(item.reached, item.total) if item.total else "—",
            }
            for item in indicators.coverage
        ],
        columns=[label for _key, label in COLUMNS],
        tables=_tables(indicators, provinces, fmt),
        charts=_charts(indicators, provinces, fmt),
        attendance_chart=_attendance_chart(filters, scope, fmt),
        exports=_export_links(request, query),
    )
    return render(request, "lms/reports/dashboard.html", context)


def _export_links(request, query: str) -> list[dict]:
    kinds = [("indicators", _("Indicator tables"))]
    if reports.may_export_personal_data(request.user):
        kinds += [
            ("participants", _("Participants")),
            ("enrolments", _("Enrolments and progress")),
            ("attendance", _("Attendance")),
            ("certificates", _("Certificates")),
        ]
    links = []
    for kind, label in kinds:
        urls = {}
        for fmt in ("xlsx", "csv"):
            url = reverse("reports_export", kwargs={"kind": kind, "fmt": fmt})
            urls[fmt] = f"{url}?{query}" if query else url
        links.append({"kind": kind, "label": label, **urls})
    return links


# ---------------------------------------------------------------------------
# Exports.

PERSONAL_KINDS = ("participants", "enrolments", "attendance", "certificates")
KINDS = ("indicators", *PERSONAL_KINDS)


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def _indicator_rows(indicators, provinces, fmt: Formatter):
    yield [
        _("Breakdown"),
        _("Category"),
        *[str(label) for _key, label in COLUMNS],
        _("GADs in total"),
    ]
    coverage_total = sum(item.total for item in indicators.coverage)
    yield [_("Total"), _("Everyone"), *_export_cells(indicators.total, fmt), coverage_total]
    for dimension in reports.DIMENSIONS:
        for key, label in _categories(dimension, indicators, provinces):
            figures = indicators.by[dimension].get(key, Figures())
            yield [
                str(DIMENSION_TITLES[dimension]),
                label,
                *_export_cells(figures, fmt),
                _gad_totals(dimension, key, indicators),
            ]


def _participant_rows(filters, scope):
    sexes = dict(Participant.Sex.choices)
    ages = dict(Participant.AgeBand.choices)
    levels = dict(GAD.Level.choices)
    yield [
        _("Name"),
        _("Email"),
        _("Phone"),
        _("Position"),
        _("GAD code"),
        _("GAD"),
        _("GAD level"),
        _("Province"),
        _("Sex"),
        _("Age band"),
        _("Has an account"),
        _("Data deleted"),
        _("Added"),
    ]
    rows = (
        reports.participants(filters, scope)
        .order_by("pk")
        .values_list(
            "full_name",
            "email",
            "phone",
            "position",
            "gad__code",
            "gad__name",
            "gad__level",
            "gad__province__name",
            "sex",
            "age_band",
            "user_id",
            "anonymised_at",
            "created_at",
        )
    )
    for row in rows.iterator(chunk_size=2000):
        (name, email, phone, position, code, gad, level, province, sex, age, user, gone, added) = (
            row
        )
        yield [
            name,
            email,
            phone,
            position,
            code,
            gad,
            str(levels.get(level, level)),
            province,
            str(sexes.get(sex, sex)),
            str(ages.get(age, "")),
            _yes_no(user is not None),
            _yes_no(gone is not None),
            added,
        ]


def _course_titles() -> dict[int, str]:
    return dict(CoursePage.objects.values_list("pk", "title"))


def _enrolment_rows(filters, scope):
    titles = _course_titles()
    yield [
        _("Name"),
        _("Email"),
        _("GAD"),
        _("Province"),
        _("Course"),
        _("Status"),
        _("Enrolled"),
        _("Required steps done"),
        _("Required steps"),
        _("Progress (%)"),
        _("Last activity"),
        _("Completed"),
    ]
    statuses = dict(Enrolment.Status.choices)
    rows = (
        reports.enrolments(filters, scope)
        .order_by("pk")
        .values_list(
            "participant__full_name",
            "participant__email",
            "participant__gad__name",
            "participant__gad__province__name",
            "course_id",
            "status",
            "enrolled_at",
            "completed_steps",
            "required_steps",
            "progress_percent",
            "last_activity_at",
            "completed_at",
        )
    )
    for row in rows.iterator(chunk_size=2000):
        name, email, gad, province, course, status, *rest = row
        yield [
            name,
            email,
            gad,
            province,
            titles.get(course, ""),
            str(statuses.get(status, status)),
            *rest,
        ]


def _attendance_rows(filters, scope):
    statuses = dict(Attendance.Status.choices)
    sources = dict(Attendance.Source.choices)
    yield [
        _("Name"),
        _("Email"),
        _("GAD"),
        _("Province"),
        _("Workshop or consultative process"),
        _("Session"),
        _("Starts"),
        _("Status"),
        _("Minutes attended"),
        _("Source"),
        _("Recorded"),
    ]
    rows = (
        reports.attendance(filters, scope)
        .order_by("pk")
        .values_list(
            "participant__full_name",
            "participant__email",
            "participant__gad__name",
            "participant__gad__province__name",
            "session__workshop__title",
            "session__title",
            "session__starts_at",
            "status",
            "minutes",
            "source",
            "recorded_at",
        )
    )
    for row in rows.iterator(chunk_size=2000):
        *head, status, minutes, source, recorded = row
        yield [
            *head,
            str(statuses.get(status, status)),
            minutes,
            str(sources.get(source, source)),
            recorded,
        ]


def _certificate_rows(filters, scope):
    kinds = dict(Certificate.Kind.choices)
    yield [
        _("Reference"),
        _("Name"),
        _("GAD"),
        _("Province"),
        _("Kind"),
        _("Completed"),
        _("Hours"),
        _("Date"),
        _("Issued"),
        _("Revoked"),
        _("Reason for revoking"),
    ]
    rows = (
        reports.certificates(filters, scope)
        .order_by("pk")
        .values_list(
            "reference",
            "holder_name",
            "gad_name",
            "participant__gad__province__name",
            "kind",
            "subject_title",
            "hours",
            "achieved_on",
            "issued_at",
            "revoked_at",
            "revoked_reason",
        )
    )
    for row in rows.iterator(chunk_size=2000):
        reference, name, gad, province, kind, *rest = row
        yield [reference, name, gad, province, str(kinds.get(kind, kind)), *rest]


FILE_NAMES = {
    "indicators": "indicadores",
    "participants": "participantes",
    "enrolments": "inscripciones",
    "attendance": "asistencia",
    "certificates": "certificados",
}


@never_cache
@require_GET
def export(request, kind: str, fmt: str):
    scope = _reader(request)
    if kind not in KINDS or fmt not in ("csv", "xlsx"):
        raise Http404
    if kind in PERSONAL_KINDS and not reports.may_export_personal_data(request.user):
        raise PermissionDenied
    provinces = list(Province.objects.order_by("name"))
    form = ReportFilterForm(request.GET or None, scope=scope)
    if form.is_bound and not form.is_valid():
        return render(
            request,
            "lms/reports/dashboard.html",
            {"form": form, "scope": scope},
            status=400,
        )
    filters = form.filters() if form.is_bound else ReportFilters()
    if kind == "indicators":
        indicators = reports.indicators(filters, scope)
        rows = _indicator_rows(indicators, provinces, Formatter(filters.suppress_small_counts))
    else:
        rows = {
            "participants": _participant_rows,
            "enrolments": _enrolment_rows,
            "attendance": _attendance_rows,
            "certificates": _certificate_rows,
        }[kind](filters, scope)
    log = log_export(user=request.user, kind=kind, file_format=fmt, filters=filters.as_log())
    stamp = timezone.localdate().isoformat()
    filename = f"aula-{FILE_NAMES[kind]}-{stamp}.{fmt}"
    if fmt == "csv":
        return csv_response(rows, filename, on_complete=finish_export(log))
    return xlsx_response(
        rows, filename, sheet_title=FILE_NAMES[kind].capitalize(), on_complete=finish_export(log)
    )


def dashboard_url(**params) -> str:
    url = reverse("reports_dashboard")
    return f"{url}?{urlencode(params)}" if params else url


admin_urlpatterns = [
    path("informes/", dashboard, name="reports_dashboard"),
    path("informes/exportar/<str:kind>.<str:fmt>", export, name="reports_export"),
]
