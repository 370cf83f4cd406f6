"""Taking attendance on the site: trainers' roster, code, report import and overview; check-in.

Trainers work from a phone during the call, so every trainer page is a plain page of
forms that works without JavaScript (static/js/roster.js only saves the reload when a
status is tapped). Who may open them is checked here, in every view: staff who train the
workshop, programme managers and superusers; everyone else gets 403. Staff confirm
their second factor first, as for the admin.

An uploaded report waits between the upload and its review in the shared cache, under a
random key named by a signed token that also binds it to the session and the trainer
and expires; the file is capped at the report reader's size limit.

Every response is about people's records, so every one is never_cache.
"""

import secrets
from collections import Counter

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cms import routing
from lms import exports
from lms.attendance_reports import AMBIGUOUS, MATCHED, MAX_REPORT_BYTES, ReportError
from lms.forms import GADField
from lms.models import Attendance, AttendanceImport, Participant, Registration, Session, Workshop
from lms.privacy import participant_for
from lms.roles import is_staff_member
from lms.services import attendance as service
from lms.services.errors import DuplicateParticipantError
from lms.two_factor import StaffTwoFactorMiddleware, wants_json

UPLOAD_SECONDS = 60 * 60
UPLOAD_SALT = "lms.attendance.import"
UPLOAD_CACHE_PREFIX = "attendance-import:"
STATUSES = Attendance.Status


# ---------------------------------------------------------------------------
# Who may open what.


def _needs_second_factor(user) -> bool:
    if not getattr(settings, "STAFF_TWO_FACTOR_REQUIRED", True):
        return False
    is_verified = getattr(user, "is_verified", None)
    return not (is_verified and is_verified())


def _refuse(request, workshop: Workshop | None, *, next_url: str, trainer_access=None):
    """None when the user may take this workshop's attendance; else the response to send.

    Anonymous visitors log in; people who are not staff, and staff who neither train this
    workshop nor manage the programme, get 403; staff confirm their second factor first.
    `trainer_access` is the annotation of service.with_trainer_access, when fetched.
    """
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(next_url)
    if not is_staff_member(user):
        raise PermissionDenied
    if _needs_second_factor(user):
        return StaffTwoFactorMiddleware.refuse(request)
    if workshop is not None and not service.may_take_attendance(
        user, workshop, trainer_access=trainer_access
    ):
        raise PermissionDenied
    # The menu and footer of base.html look the site up: take it from the shared cache,
    # as pages do, rather than asking the database on every tap.
    routing.site_for_request(request)
    return None


def _session_or_404(request, pk: int) -> Session:
    """The session with its workshop, and whether the user may take its attendance, at once."""
    sessions = service.with_trainer_access(
        Session.objects.select_related("workshop"), request.user, workshop_id="workshop_id"
    )
    return get_object_or_404(sessions, pk=pk)


def _refuse_session(request, session: Session, *, next_url: str):
    return _refuse(
        request, session.workshop, next_url=next_url, trainer_access=session.trainer_access
    )


def _roster_url(session: Session, participant_id: int | None = None) -> str:
    url = reverse("lms:attendance_roster", args=[session.pk])
    return f"{url}#persona-{participant_id}" if participant_id else url


# ---------------------------------------------------------------------------
# Forms.


class WalkInForm(forms.Form):
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=200)
    email = forms.EmailField(
        label=gettext_lazy("Email (optional)"),
        required=False,
        help_text=gettext_lazy("With an email, the person can later create an account."),
    )
    gad = GADField(
        label=gettext_lazy("GAD"),
        help_text=gettext_lazy("Type part of its name, canton or province, e.g. “pederna”."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "nueva")
        super().__init__(*args, **kwargs)


class UploadForm(forms.Form):
    report = forms.FileField(
        label=gettext_lazy("Attendance report"),
        help_text=gettext_lazy(
            "The participant report of the meeting, exported as CSV from Zoom, "
            "Microsoft Teams or Google Meet, unchanged."
        ),
        widget=forms.FileInput(attrs={"accept": ".csv,.tsv,.txt,text/csv,text/plain"}),
    )

    def clean_report(self):
        upload = self.cleaned_data["report"]
        if upload.size > MAX_REPORT_BYTES:
            raise forms.ValidationError(
                gettext_lazy("The file is larger than %(size)d MB: it cannot be a report."),
                code="too_large",
                params={"size": MAX_REPORT_BYTES // (1024 * 1024)},
            )
        return upload


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Check-in code"),
        max_length=20,
        help_text=gettext_lazy("The six digits the trainer shows during the session."),
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "autocapitalize": "none",
                "spellcheck": "false",
                "enterkeyhint": "done",
            }
        ),
    )


# ---------------------------------------------------------------------------
# Trainers' home and a workshop's overview.


@never_cache
@require_GET
def home(request):
    """The workshops this trainer may take attendance for."""
    refused = _refuse(request, None, next_url=request.get_full_path())
    if refused is not None:
        return refused
    if not request.user.has_perm("lms.view_workshop"):  # staff, but not trainers or managers
        raise PermissionDenied
    workshops = list(
        service.workshops_for_trainer(request.user)
        .prefetch_related("sessions")
        .order_by("-created_at")[:100]
    )
    now = timezone.now()
    for workshop in workshops:
        sessions = [s for s in workshop.sessions.all() if not s.cancelled]
        workshop.next_session = next((s for s in sessions if s.ends_at >= now), None)
    return render(request, "lms/attendance/home.html", {"workshops": workshops, "now": now})


def _workshop_for_trainer(request, pk: int):
    workshop = get_object_or_404(
        service.with_trainer_access(Workshop.objects.all(), request.user), pk=pk
    )
    refused = _refuse(
        request,
        workshop,
        next_url=reverse("lms:attendance_workshop", args=[workshop.pk]),
        trainer_access=workshop.trainer_access,
    )
    return workshop, refused


@never_cache
@require_GET
def workshop_overview(request, pk: int):
    workshop, refused = _workshop_for_trainer(request, pk)
    if refused is not None:
        return refused
    overview = service.workshop_overview(workshop)
    return render(
        request,
        "lms/attendance/workshop.html",
        {
            "workshop": workshop,
            "overview": overview,
            "reached": sum(1 for row in overview.rows if row.reached),
            "now": timezone.now(),
        },
    )


def _export_rows(overview):
    """The overview as rows of text: a header, then one row per person."""
    tz = timezone.get_current_timezone()
    header = [_("Name"), _("Email"), _("GAD"), _("Province")]
    for number, session in enumerate(overview.sessions, start=1):
        when = timezone.localtime(session.starts_at, tz).strftime("%d/%m/%Y %H:%M")
        label = _("Session %(number)d (%(date)s)") % {"number": number, "date": when}
        if session.cancelled:
            label = f"{label} – {_('cancelled')}"
        header.append(label)
    header += [_("Sessions attended"), _("Threshold reached")]
    yield header
    labels = dict(STATUSES.choices)
    for row in overview.rows:
        person = row.participant
        yield [
            person.full_name,
            person.email,
            person.gad.name,
            person.gad.province.name,
            *[str(labels[status]) if status else "" for status in row.statuses],
            row.attended,
            _("Yes") if row.reached else _("No"),
        ]


def _export_name(workshop: Workshop, extension: str) -> str:
    return f"asistencia-{workshop.slug}.{extension}"


@never_cache
@require_GET
def workshop_csv(request, pk: int):
    """The overview as CSV: UTF-8 with a byte-order mark, no cell a spreadsheet would run."""
    workshop, refused = _workshop_for_trainer(request, pk)
    if refused is not None:
        return refused
    overview = service.workshop_overview(workshop)
    log = _log_export(request, workshop, "csv")
    return exports.csv_response(
        _export_rows(overview),
        _export_name(workshop, "csv"),
        on_complete=exports.finish_export(log),
    )


@never_cache
@require_GET
def workshop_xlsx(request, pk: int):
    """The overview as an Excel workbook, written row by row and sent from a temporary file."""
    workshop, refused = _workshop_for_trainer(request, pk)
    if refused is not None:
        return refused
    overview = service.workshop_overview(workshop)
    log = _log_export(request, workshop, "xlsx")
    return exports.xlsx_response(
        _export_rows(overview),
        _export_name(workshop, "xlsx"),
        sheet_title=_("Attendance"),
        on_complete=exports.finish_export(log),
    )


def _log_export(request, workshop: Workshop, file_format: str):
    """A workshop's attendance leaves Aula like any report: the export log says so."""
    return exports.log_export(
        user=request.user,
        kind="attendance",
        file_format=file_format,
        filters={"workshop": workshop.pk},
    )


# ---------------------------------------------------------------------------
# A session's roster.


def _counts(statuses) -> dict:
    counted = Counter(statuses)
    return {
        "present": counted[STATUSES.PRESENT],
        "late": counted[STATUSES.LATE],
        "excused": counted[STATUSES.EXCUSED],
        "absent": counted[STATUSES.ABSENT],
        "unmarked": counted[None],
        "total": sum(counted.values()),
    }


def _render_roster(request, session: Session, *, walk_in_form=None, status=200):
    rows = service.roster(session)
    person_query = request.GET.get("q", "").strip()[:100]
    results = []
    if person_query:
        results = service.find_participants(
            person_query, exclude=[row.participant.pk for row in rows]
        )
    return render(
        request,
        "lms/attendance/roster.html",
        {
            "session": session,
            "workshop": session.workshop,
            "rows": rows,
            "counts": _counts(row.status for row in rows),
            "statuses": STATUSES.choices,
            # Not "query": base.html puts that in the site's search box.
            "person_query": person_query,
            "results": results,
            "walk_in_form": walk_in_form or WalkInForm(),
            "now": timezone.now(),
        },
        status=status,
    )


@never_cache
@require_GET
def session_roster(request, pk: int):
    session = _session_or_404(request, pk)
    refused = _refuse_session(request, session, next_url=request.get_full_path())
    if refused is not None:
        return refused
    return _render_roster(request, session)


def _on_roster(session: Session, participant_id: int) -> bool:
    return (
        Registration.objects.filter(
            workshop_id=session.workshop_id,
            participant_id=participant_id,
            status=Registration.Status.CONFIRMED,
        ).exists()
        or Attendance.objects.filter(session=session, participant_id=participant_id).exists()
    )


def _posted_id(request, name: str) -> int | None:
    value = request.POST.get(name, "")
    return int(value) if value.isdecimal() else None


@never_cache
@require_POST
def session_mark(request, pk: int):
    """One tap on the roster: a status for one person (and the note, if given)."""
    session = _session_or_404(request, pk)
    refused = _refuse_session(request, session, next_url=_roster_url(session))
    if refused is not None:
        return refused
    participant_id = _posted_id(request, "participant")
    if participant_id is None or not _on_roster(session, participant_id):
        raise Http404
    participant = Participant.objects.get(pk=participant_id)
    status = request.POST.get("status", "")
    note = request.POST.get("note")
    if status not in STATUSES.values:
        current = Attendance.objects.filter(session=session, participant=participant).first()
        if status or current is None:
            if wants_json(request):
                return JsonResponse({"error": "status_required"}, status=400)
            messages.error(request, _("Mark present, late, excused or absent first."))
            return redirect(_roster_url(session, participant.pk))
        status = current.status  # only the note changes
    attendance = service.set_attendance(
        session,
        participant,
        status=status,
        source=Attendance.Source.ROSTER,
        by=request.user,
        note=note,
    )
    if wants_json(request):
        return JsonResponse(
            {
                "participant": participant.pk,
                "status": attendance.status,
                "label": attendance.get_status_display(),
                "note": attendance.note,
                "counts": _counts(row.status for row in service.roster(session)),
            }
        )
    return redirect(_roster_url(session, participant.pk))


@never_cache
@require_POST
def session_all_present(request, pk: int):
    session = _session_or_404(request, pk)
    refused = _refuse_session(request, session, next_url=_roster_url(session))
    if refused is not None:
        return refused
    count = service.mark_all_present(session, by=request.user)
    if count:
        messages.success(
            request,
            ngettext("%(count)d person marked present.", "%(count)d people marked present.", count)
            % {"count": count},
        )
    else:
        messages.info(request, _("Everyone already had a status."))
    return redirect(_roster_url(session))


@never_cache
@require_POST
def session_walk_in(request, pk: int):
    """Add someone who came: a participant found by the search, or a new person."""
    session = _session_or_404(request, pk)
    refused = _refuse_session(request, session, next_url=_roster_url(session))
    if refused is not None:
        return refused
    participant_id = _posted_id(request, "participant")
    if participant_id is not None:
        participant = get_object_or_404(Participant.objects.active(), pk=participant_id)
        service.add_walk_in(session, by=request.user, participant=participant)
        messages.success(
            request,
            _("%(name)s was added and marked present.") % {"name": participant.full_name},
        )
        return redirect(_roster_url(session, participant.pk))
    form = WalkInForm(request.POST)
    if form.is_valid():
        try:
            attendance = service.add_walk_in(
                session,
                by=request.user,
                full_name=form.cleaned_data["full_name"],
                email=form.cleaned_data["email"],
                gad=form.cleaned_data["gad"],
            )
        except DuplicateParticipantError:
            form.add_error(
                "email",
                _(
                    "A participant with this email already exists: find them with the "
                    "search above and add them from there."
                ),
            )
        else:
            messages.success(
                request,
                _("%(name)s was added and marked present.")
                % {"name": form.cleaned_data["full_name"]},
            )
            return redirect(_roster_url(session, attendance.participant_id))
    return _render_roster(request, session, walk_in_form=form, status=400)


# ---------------------------------------------------------------------------
# The check-in code, for screen sharing.


@never_cache
@require_http_methods(["GET", "POST"])
def session_code(request, pk: int):
    session = _session_or_404(request, pk)
    url = reverse("lms:attendance_code", args=[session.pk])
    refused = _refuse_session(request, session, next_url=url)
    if refused is not None:
        return refused
    if request.method == "POST":
        service.rotate_check_in_code(session)
        messages.success(request, _("New code: the previous one no longer works."))
        return redirect(url)
    code = service.check_in_code(session)
    opens_at, closes_at = service.check_in_window(session)
    half = len(code) // 2
    return render(
        request,
        "lms/attendance/code.html",
        {
            "session": session,
            "workshop": session.workshop,
            "code": code,
            "code_parts": (code[:half], code[half:]),
            "opens_at": opens_at,
            "closes_at": closes_at,
            "check_in_url": request.build_absolute_uri(
                reverse("lms:attendance_check_in", args=[session.workshop.slug])
            ),
        },
    )


# ---------------------------------------------------------------------------
# Importing a video-call report: upload, review, apply.


def _store_upload(request, session: Session, data: bytes, filename: str) -> str:
    key = secrets.token_urlsafe(24)
    cache.set(
        UPLOAD_CACHE_PREFIX + key,
        {"session": session.pk, "user": request.user.pk, "filename": filename, "data": data},
        UPLOAD_SECONDS,
    )
    return signing.dumps({"k": key, "s": session.pk, "u": request.user.pk}, salt=UPLOAD_SALT)


def _load_upload(request, session: Session, token: str) -> tuple[str, dict] | None:
    """The stored upload named by `token`, if it is this trainer's, for this session, in time."""
    try:
        signed = signing.loads(token, salt=UPLOAD_SALT, max_age=UPLOAD_SECONDS)
    except signing.BadSignature:
        return None
    if signed.get("s") != session.pk or signed.get("u") != request.user.pk:
        return None
    key = UPLOAD_CACHE_PREFIX + str(signed.get("k", ""))
    stored = cache.get(key)
    if not stored or stored.get("session") != session.pk or stored.get("user") != request.user.pk:
        return None
    return key, stored


@never_cache
@require_http_methods(["GET", "POST"])
def import_upload(request, pk: int):
    session = _session_or_404(request, pk)
    url = reverse("lms:attendance_import", args=[session.pk])
    refused = _refuse_session(request, session, next_url=url)
    if refused is not None:
        return refused
    form = UploadForm(request.POST or None, request.FILES or None)
    error = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["report"]
        data = upload.read(MAX_REPORT_BYTES + 1)
        filename = (upload.name or "")[:255]
        try:
            service.preview_import(session, data, filename)
        except ReportError as report_error:
            error = str(report_error)
        else:
            token = _store_upload(request, session, data, filename)
            review = reverse("lms:attendance_import_review", args=[session.pk])
            return redirect(f"{review}?archivo={token}")
    imports = list(
        AttendanceImport.objects.filter(session=session)
        .select_related("applied_by")
        .order_by("-applied_at")
    )
    return render(
        request,
        "lms/attendance/import.html",
        {
            "session": session,
            "workshop": session.workshop,
            "form": form,
            "error": error,
            "imports": imports,
        },
        status=400 if request.method == "POST" else 200,
    )


def _row_field(index: int) -> str:
    return f"fila-{index}"


def _choices_for(rows, candidates, extra, posted):
    """Each row's options on the review page: what it may be given to, and what is chosen."""
    known = {person.pk: person for person in (*candidates, *extra)}
    claimed = {row.participant.pk for row in rows if row.participant is not None}
    free = [person for person in candidates if person.pk not in claimed]
    for row in rows:
        field_name = _row_field(row.index)
        if row.match == MATCHED:
            options = [row.participant]
            default = str(row.participant.pk)
        elif row.match == AMBIGUOUS:
            options = list(row.candidates)
            default = ""
        else:
            options = list(free)
            default = ""
        chosen = posted.get(field_name, default) if posted is not None else default
        offered = {person.pk for person in options}
        row.field_name = field_name
        row.options = options
        row.found = [person for person in extra if person.pk not in offered]
        if chosen.isdecimal() and int(chosen) not in offered | {p.pk for p in row.found}:
            person = known.get(int(chosen))
            if person is not None:
                row.found.append(person)
        row.chosen = chosen


@never_cache
@require_http_methods(["GET", "POST"])
def import_review(request, pk: int):
    """The report's people as matched, to confirm or correct; then apply it."""
    session = _session_or_404(request, pk)
    upload_url = reverse("lms:attendance_import", args=[session.pk])
    refused = _refuse_session(request, session, next_url=upload_url)
    if refused is not None:
        return refused
    token = request.POST.get("archivo") or request.GET.get("archivo", "")
    loaded = _load_upload(request, session, token)
    if loaded is None:
        messages.error(request, _("The uploaded report has expired. Upload it again."))
        return redirect(upload_url)
    key, stored = loaded
    data, filename = stored["data"], stored["filename"]
    try:
        preview = service.preview_import(session, data, filename)
    except ReportError as error:
        cache.delete(key)
        messages.error(request, str(error))
        return redirect(upload_url)

    posted = request.POST if request.method == "POST" else None
    if posted is not None and posted.get("action") == "apply":
        resolutions = {}
        for row in preview.rows:
            value = posted.get(_row_field(row.index))
            if value is None:
                continue
            resolutions[str(row.index)] = int(value) if value.isdecimal() else None
        try:
            result = service.apply_import(
                session,
                data,
                filename,
                by=request.user,
                resolutions=resolutions,
                remember_aliases=posted.get("remember") == "1",
            )
        except service.ImportResolutionError as error:
            messages.error(request, error.message)
        else:
            cache.delete(key)
            if result.already_applied:
                messages.info(
                    request, _("This report had already been applied: nothing has changed.")
                )
            else:
                messages.success(
                    request,
                    _(
                        "Report applied: %(created)d new, %(improved)d updated, "
                        "%(unchanged)d unchanged, %(ignored)d left out."
                    )
                    % {
                        "created": result.created,
                        "improved": result.improved,
                        "unchanged": result.unchanged,
                        "ignored": result.ignored,
                    },
                )
            return redirect(_roster_url(session))

    person_query = ((posted or request.GET).get("q") or "").strip()[:100]
    found = service.find_participants(person_query) if person_query else []
    chosen_ids = [
        int(value)
        for name, value in (posted or {}).items()
        if name.startswith("fila-") and value.isdecimal()
    ]
    known = {person.pk for person in (*preview.candidates, *found)}
    extra = list(found)
    missing = [pk for pk in chosen_ids if pk not in known]
    if missing:
        extra += list(
            Participant.objects.active().filter(pk__in=missing).select_related("gad__province")
        )
    _choices_for(preview.rows, preview.candidates, extra, posted)
    return render(
        request,
        "lms/attendance/review.html",
        {
            "session": session,
            "workshop": session.workshop,
            "preview": preview,
            "token": token,
            "person_query": person_query,
            "found": found,
            "searched": bool(person_query),
        },
    )


# ---------------------------------------------------------------------------
# The participant's check-in.


@never_cache
@require_http_methods(["GET", "POST"])
def check_in_view(request, slug: str):
    """A confirmed registrant enters the code the trainer shows, during the session."""
    workshop = get_object_or_404(Workshop.objects.exclude(status=Workshop.Status.DRAFT), slug=slug)
    url = reverse("lms:attendance_check_in", args=[workshop.slug])
    if not request.user.is_authenticated:
        return redirect_to_login(url)
    participant = participant_for(request)
    registered = (
        participant is not None
        and Registration.objects.filter(
            workshop=workshop, participant=participant, status=Registration.Status.CONFIRMED
        ).exists()
    )
    context = {"workshop": workshop, "participant": participant, "registered": registered}
    if not registered:
        return render(request, "lms/attendance/check_in.html", context, status=403)
    now = timezone.now()
    session = service.open_for_check_in(workshop, now=now)
    form = CheckInForm(request.POST or None)
    error = None
    if request.method == "POST":
        posted = _posted_id(request, "sesion")
        target = (
            Session.objects.filter(workshop=workshop, pk=posted).first()
            if posted is not None
            else session
        )
        if target is None:
            error = _("No session of this workshop is open for check-in now.")
        elif form.is_valid():
            target.workshop = workshop
            try:
                attendance = service.check_in(
                    target, participant, form.cleaned_data["code"], now=now
                )
            except service.CheckInNotOpenError as refusal:
                opens_at = timezone.localtime(refusal.details["opens_at"])
                error = _("Check-in opens at %(time)s, half an hour before the session.") % {
                    "time": opens_at.strftime("%H:%M")
                }
            except service.AttendanceError as refusal:
                error = refusal.message
            else:
                messages.success(
                    request,
                    _("You are checked in: %(status)s.")
                    % {"status": attendance.get_status_display().lower()},
                )
                return redirect(url)
    current = None
    if session is not None:
        current = Attendance.objects.filter(session=session, participant=participant).first()
    upcoming = None
    if session is None:
        upcoming = (
            Session.objects.filter(workshop=workshop, cancelled=False, starts_at__gt=now)
            .order_by("starts_at")
            .first()
        )
    context.update(
        session=session,
        current=current,
        checked_in=current is not None and current.status in service.ATTENDED,
        upcoming=upcoming,
        opens_before=int(service.CHECK_IN_OPENS_BEFORE.total_seconds() // 60),
        form=form,
        error=error,
    )
    return render(request, "lms/attendance/check_in.html", context, status=400 if error else 200)


urlpatterns = [
    path("capacitacion/", home, name="attendance_home"),
    path("capacitacion/talleres/<int:pk>/", workshop_overview, name="attendance_workshop"),
    path(
        "capacitacion/talleres/<int:pk>/asistencia.csv",
        workshop_csv,
        name="attendance_workshop_csv",
    ),
    path(
        "capacitacion/talleres/<int:pk>/asistencia.xlsx",
        workshop_xlsx,
        name="attendance_workshop_xlsx",
    ),
    path("capacitacion/sesiones/<int:pk>/asistencia/", session_roster, name="attendance_roster"),
    path(
        "capacitacion/sesiones/<int:pk>/asistencia/marcar/",
        session_mark,
        name="attendance_mark",
    ),
    path(
        "capacitacion/sesiones/<int:pk>/asistencia/todos-presentes/",
        session_all_present,
        name="attendance_all_present",
    ),
    path(
        "capacitacion/sesiones/<int:pk>/asistencia/agregar/",
        session_walk_in,
        name="attendance_walk_in",
    ),
    path("capacitacion/sesiones/<int:pk>/codigo/", session_code, name="attendance_code"),
    path("capacitacion/sesiones/<int:pk>/importar/", import_upload, name="attendance_import"),
    path(
        "capacitacion/sesiones/<int:pk>/importar/revisar/",
        import_review,
        name="attendance_import_review",
    ),
    path("talleres/<slug:slug>/asistencia/", check_in_view, name="attendance_check_in"),
]
