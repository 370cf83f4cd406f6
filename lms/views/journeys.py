"""A GAD's journey, the pilot GADs side by side, and transcripts (staff's and the participant's own).

The GAD and pilot pages are the programme managers' (`lms.view_programme_reports`).
A participant's transcript is open to managers for anyone, to trainers for the
people registered in or attending the workshops they train, and to the participant
themself on the site, where it is printable. Contact details are the managers' only.
The figures and rows come from lms.services.journeys in a fixed number of queries.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from lms.charts import bar_chart
from lms.models import GAD, Participant
from lms.privacy import participant_for
from lms.services import journeys, transcripts
from lms.services.certificates import verification_url
from lms.services.reports import ReportScope, may_view_reports, participants_in_scope

PROGRAMME_REPORTS = "lms.view_programme_reports"


def _require_programme_reports(user) -> None:
    if not (may_view_reports(user) and user.has_perm(PROGRAMME_REPORTS)):
        raise PermissionDenied


def _dashboard_url() -> str:
    try:
        return reverse("reports_dashboard")
    except NoReverseMatch:
        return ""


def _count(value: int) -> str:
    return number_format(value, force_grouping=True)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{number_format(value, 1)} %"


# ---------------------------------------------------------------------------
# The GAD's journey and the pilot GADs.


@never_cache
@require_GET
def gad_journey(request, pk: int):
    _require_programme_reports(request.user)
    gad = get_object_or_404(GAD.objects.select_related("province"), pk=pk)
    journey = journeys.gad_journey(gad)
    figures = journey.figures
    return render(
        request,
        "lms/reports/gad.html",
        {
            "gad": gad,
            "journey": journey,
            "figures": figures,
            "completion_rate": _percent(figures.completion_rate),
            "attendance_rate": _percent(figures.attendance_rate),
            "dashboard_url": _dashboard_url(),
        },
    )


@never_cache
@require_GET
def pilots(request):
    _require_programme_reports(request.user)
    gads = list(GAD.objects.pilots().select_related("province").order_by("name"))
    figures = journeys.gad_figures([gad.pk for gad in gads])
    columns = [
        {"gad": gad, "url": reverse("reports_gad", args=[gad.pk]), "figures": figures[gad.pk]}
        for gad in gads
    ]

    def row(label, value, *, rate=False, sub=False):
        cells = [
            _percent(value(column["figures"])) if rate else _count(value(column["figures"]))
            for column in columns
        ]
        return {"label": label, "cells": cells, "sub": sub}

    rows = [
        row(_("Participants"), lambda f: f.participants),
        row(_("Female"), lambda f: f.female, sub=True),
        row(_("Male"), lambda f: f.male, sub=True),
        row(_("Other"), lambda f: f.other, sub=True),
        row(_("Prefer not to say"), lambda f: f.undisclosed, sub=True),
        row(_("Course enrolments"), lambda f: f.enrolments),
        row(_("Completions"), lambda f: f.completions),
        row(_("Completion rate"), lambda f: f.completion_rate, rate=True),
        row(_("Workshops attended"), lambda f: f.workshops_attended),
        row(_("Sessions attended"), lambda f: f.sessions_attended),
        row(_("Attendance rate"), lambda f: f.attendance_rate, rate=True),
        row(_("Consultative processes"), lambda f: f.consultative_processes),
        row(_("Consultative sessions held"), lambda f: f.consultative_sessions_held),
        row(_("Valid certificates"), lambda f: f.certificates),
    ]

    def chart(title, value, *, value_label, rate=False, caption=""):
        items = []
        for column in columns:
            number = value(column["figures"])
            display = _percent(number) if rate else _count(number)
            items.append((column["gad"].name, number, display, "", column["url"]))
        return bar_chart(
            title,
            items,
            value_label=value_label,
            caption=caption,
            maximum=100 if rate else None,
        )

    charts = [
        chart(_("Participants"), lambda f: f.participants, value_label=_("Participants")),
        chart(
            _("Completion rate"),
            lambda f: f.completion_rate,
            value_label=_("Completion rate"),
            rate=True,
            caption=_("Completed enrolments out of all enrolments."),
        ),
        chart(
            _("Attendance rate"),
            lambda f: f.attendance_rate,
            value_label=_("Attendance rate"),
            rate=True,
            caption=_(
                "Sessions attended (present or late) by confirmed registrants, out of the "
                "sessions held for them."
            ),
        ),
    ]
    return render(
        request,
        "lms/reports/pilots.html",
        {
            "columns": columns,
            "rows": rows,
            "charts": charts,
            "dashboard_url": _dashboard_url(),
        },
    )


# ---------------------------------------------------------------------------
# Transcripts.


def _transcript_context(participant: Participant) -> dict:
    # Imported here: lms.views.learning imports this module for its URL.
    from lms.views.learning import best_quiz_results

    record = transcripts.transcript(participant)
    for certificate in record.certificates:
        certificate.verification_url = verification_url(certificate)
    return {
        "transcript": record,
        "quiz_results": best_quiz_results(Q(enrolment__participant=participant)),
        "printed_at": timezone.now(),
    }


def _may_see_transcript(user, participant_id: int) -> bool:
    """Managers: anyone. Trainers: people registered in or attending a workshop they train."""
    if not may_view_reports(user):
        return False
    scope = ReportScope.for_user(user)
    if scope.whole_programme:
        return True
    return participants_in_scope(scope).filter(pk=participant_id).exists()


@never_cache
@require_GET
def staff_transcript(request, pk: int):
    if not _may_see_transcript(request.user, pk):
        raise PermissionDenied
    participant = get_object_or_404(Participant.objects.select_related("gad__province"), pk=pk)
    context = _transcript_context(participant)
    context.update(
        participant=participant,
        show_contact=(
            request.user.has_perm(PROGRAMME_REPORTS) and participant.anonymised_at is None
        ),
        gad_url=(
            reverse("reports_gad", args=[participant.gad_id])
            if request.user.has_perm(PROGRAMME_REPORTS)
            else ""
        ),
        dashboard_url=_dashboard_url(),
    )
    return render(request, "lms/reports/transcript.html", context)


@never_cache
@require_GET
@login_required
def my_transcript(request):
    """The logged-in person's own learning record; nobody else's is reachable from here."""
    participant = participant_for(request)
    context = {"participant": participant}
    if participant is not None:
        context.update(_transcript_context(participant))
    return render(request, "lms/learning/transcript.html", context)


admin_urlpatterns = [
    path("informes/gad/<int:pk>/", gad_journey, name="reports_gad"),
    path("informes/pilotos/", pilots, name="reports_pilots"),
    path("informes/participantes/<int:pk>/", staff_transcript, name="reports_transcript"),
]
