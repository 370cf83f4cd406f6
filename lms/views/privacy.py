"""The participant's own data (LOPDP): see it, download it, delete it, consent to the notice.

Every response here is about one person's data, so every one is never_cache
(Cache-Control: no-store): no shared cache or back button keeps a copy.
"""

import csv
import io
import json

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from lms.exports import csv_cell
from lms.privacy import participant_for, privacy_notice
from lms.roles import is_staff_member
from lms.services.people import record_consent
from lms.services.privacy import delete_account, delete_participant, export_personal_data

EXPORT_NAME = "aula-mis-datos"


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Your current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    understood = forms.BooleanField(
        label=gettext_lazy(
            "I understand that my account and my personal data will be deleted and that this "
            "cannot be undone."
        ),
        error_messages={"required": gettext_lazy("Tick this box to confirm.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                gettext_lazy("That is not your current password."), code="wrong_password"
            )
        return password


class ConsentForm(forms.Form):
    accept = forms.BooleanField(
        error_messages={"required": gettext_lazy("Tick this box to accept the privacy notice.")},
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["accept"].label = _(
            "I have read the privacy notice (version %(version)s) and I accept it."
        ) % {"version": version}


def _safe_next(request, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return "/"


def _download(content: bytes, *, content_type: str, extension: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{EXPORT_NAME}.{extension}"'
    return response


def _as_csv(data: dict[str, list[dict]]) -> str:
    """One block per section: its name, a header row, its rows, then a blank row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for section, rows in data.items():
        writer.writerow([csv_cell(section)])
        header = list(dict.fromkeys(key for row in rows for key in row))
        if header:
            writer.writerow([csv_cell(key) for key in header])
            for row in rows:
                writer.writerow([csv_cell(row.get(key, "")) for key in header])
        writer.writerow([])
    return buffer.getvalue()


@never_cache
@login_required
@require_GET
def my_data(request):
    """What Aula keeps about the person, and their rights over it."""
    participant = participant_for(request)
    sections = []
    if participant is not None:
        sections = [
            {"name": name, "count": len(rows)}
            for name, rows in export_personal_data(participant=participant).items()
        ]
    return render(
        request,
        "lms/privacy/my_data.html",
        {
            "participant": participant,
            "sections": sections,
            "notice": privacy_notice(request),
            "may_delete": participant is not None or not is_staff_member(request.user),
        },
    )


@never_cache
@login_required
@require_GET
def my_data_json(request):
    participant = participant_for(request)
    if participant is None:
        return redirect("lms:my_data")
    data = export_personal_data(participant=participant)
    content = json.dumps(data, ensure_ascii=False, indent=2).encode()
    return _download(content, content_type="application/json; charset=utf-8", extension="json")


@never_cache
@login_required
@require_GET
def my_data_csv(request):
    participant = participant_for(request)
    if participant is None:
        return redirect("lms:my_data")
    # The byte order mark makes spreadsheets read the file as UTF-8 (ñ, tildes).
    content = ("\ufeff" + _as_csv(export_personal_data(participant=participant))).encode()
    return _download(content, content_type="text/csv; charset=utf-8", extension="csv")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def delete_account_view(request):
    """Delete the person's account after they confirm with their password (right of deletion)."""
    participant = participant_for(request)
    if participant is None and is_staff_member(request.user):
        messages.error(
            request,
            _(
                "Staff accounts without a participant profile are closed by an administrator, "
                "not from this page."
            ),
        )
        return render(request, "lms/privacy/delete_account.html", {"form": None})
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        if participant is not None:
            delete_participant(participant=participant)
        else:
            delete_account(user=request.user)
        logout(request)
        messages.success(
            request,
            _(
                "Your account has been deleted. Aula keeps only anonymous counts of what "
                "you did. Thank you for taking part."
            ),
        )
        return redirect("/")
    return render(
        request,
        "lms/privacy/delete_account.html",
        {"form": form, "participant": participant},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def consent(request):
    """Accept the current privacy notice; withdrawing consent means deleting the account."""
    participant = participant_for(request)
    if participant is None:
        return redirect("lms:profile")
    notice = privacy_notice(request)
    next_url = request.POST.get("next") or request.GET.get("next", "")
    form = ConsentForm(request.POST or None, version=notice.version, initial={"next": next_url})
    if request.method == "POST" and form.is_valid():
        record_consent(participant=participant, version=notice.version)
        messages.success(request, _("Thank you: you have accepted the privacy notice."))
        return redirect(_safe_next(request, form.cleaned_data["next"]))
    return render(
        request,
        "lms/privacy/consent.html",
        {
            "form": form,
            "participant": participant,
            "notice": notice,
            "is_current": participant.consent_version == notice.version,
        },
    )


urlpatterns = [
    path("cuenta/mis-datos/", my_data, name="my_data"),
    path("cuenta/mis-datos/descargar.json", my_data_json, name="my_data_json"),
    path("cuenta/mis-datos/descargar.csv", my_data_csv, name="my_data_csv"),
    path("cuenta/eliminar/", delete_account_view, name="delete_account"),
    path("cuenta/consentimiento/", consent, name="consent"),
]
