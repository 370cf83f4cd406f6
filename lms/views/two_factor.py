"""Staff set up, confirm and recover their second factor (see lms.two_factor)."""

import math
from base64 import b32encode, b64encode
from functools import wraps

import django_otp
import qrcode
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from qrcode.image.svg import SvgPathFillImage

from lms.roles import is_staff_member
from lms.services.two_factor import (
    TOTP_TOKEN,
    InvalidCodeError,
    TooManyAttemptsError,
    confirm_app_device,
    has_confirmed_app,
    issue_recovery_codes,
    normalize_code,
    pending_app_device,
    recovery_codes_left,
    verify_second_factor,
)
from lms.two_factor import safe_next_url, url_with_next

# Set when new recovery codes exist and cleared the first time they are shown.
SHOW_CODES_SESSION_KEY = "lms_two_factor_show_codes"
CODE_WIDGET_ATTRS = {
    "inputmode": "numeric",
    "autocomplete": "one-time-code",
    "autocapitalize": "off",
    "spellcheck": "false",
}


class AppCodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("6-digit code from your app"),
        max_length=20,
        widget=forms.TextInput(attrs=CODE_WIDGET_ATTRS),
    )


class SetupCodeForm(AppCodeForm):
    def clean_code(self):
        code = normalize_code(self.cleaned_data["code"])
        if not TOTP_TOKEN.fullmatch(code):
            raise forms.ValidationError(_("Type the 6 digits your app shows, without letters."))
        return code


class RecoveryCodeForm(forms.Form):
    recovery_code = forms.CharField(
        label=gettext_lazy("Recovery code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false"}
        ),
    )


def staff_only(view):
    """Two-step login guards staff areas; participants have nothing to set up."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_staff_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def next_url_of(request) -> str:
    return safe_next_url(request, request.POST.get("next") or request.GET.get("next"))


def wait_message(locked_until) -> str:
    seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
    if seconds < 120:
        return ngettext(
            "Too many wrong codes. Wait %(count)d second and try again.",
            "Too many wrong codes. Wait %(count)d seconds and try again.",
            seconds,
        ) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext(
        "Too many wrong codes. Wait %(count)d minute and try again.",
        "Too many wrong codes. Wait %(count)d minutes and try again.",
        minutes,
    ) % {"count": minutes}


def qr_code_data_uri(text: str) -> str:
    """An SVG QR code as a data: URI: the site's policy allows data: images but no inline code."""
    image = qrcode.make(text, image_factory=SvgPathFillImage, border=4)
    return "data:image/svg+xml;base64," + b64encode(image.to_string()).decode("ascii")


def grouped(text: str, size: int = 4) -> str:
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


def log_device_in(request, device) -> None:
    django_otp.login(request, device)
    # A new session key for the more trusted session, as Django does at login.
    request.session.cycle_key()


def show_codes_next(request, next_url: str):
    request.session[SHOW_CODES_SESSION_KEY] = request.user.pk
    return redirect(url_with_next("lms:two_factor_recovery_codes", next_url))


@never_cache
@login_required
@staff_only
@require_http_methods(["GET", "POST"])
def setup(request):
    """Add an authenticator app: scan, type its first code, get recovery codes."""
    user = request.user
    next_url = next_url_of(request)
    # Only a session that proved the current factor may replace it.
    if not user.is_verified() and user_has_device(user, confirmed=True):
        return redirect(url_with_next("lms:two_factor_verify", request.get_full_path()))
    device = pending_app_device(user)
    form = SetupCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            confirm_app_device(device=device, code=form.cleaned_data["code"])
        except TooManyAttemptsError as error:
            form.add_error(None, wait_message(error.details["locked_until"]))
        except InvalidCodeError:
            form.add_error(
                "code",
                _(
                    "That code does not match. Type the code your app shows now; "
                    "if it keeps failing, check that your phone's clock is set automatically."
                ),
            )
        else:
            device.refresh_from_db()
            log_device_in(request, device)
            messages.success(request, _("Two-step login is on for your account."))
            return show_codes_next(request, next_url)
    return render(
        request,
        "lms/two_factor/setup.html",
        {
            "form": form,
            "next_url": next_url,
            "qr_code": qr_code_data_uri(device.config_url),
            "secret": grouped(b32encode(device.bin_key).decode("ascii")),
            "account": user.get_username(),
            "replacing": has_confirmed_app(user),
        },
    )


@never_cache
@login_required
@staff_only
@require_http_methods(["GET", "POST"])
def verify(request):
    """Confirm a code from the app, or a recovery code, once per session."""
    user = request.user
    next_url = next_url_of(request)
    if user.is_verified():
        return redirect(next_url)
    if not user_has_device(user, confirmed=True):
        return redirect(url_with_next("lms:two_factor_setup", next_url))
    use_recovery = "recovery_code" in request.POST
    app_form = AppCodeForm(None if use_recovery else request.POST or None)
    recovery_form = RecoveryCodeForm(request.POST if use_recovery else None)
    form = recovery_form if use_recovery else app_form
    field = "recovery_code" if use_recovery else "code"
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data[field]
        try:
            device = verify_second_factor(user=user, code=code)
        except TooManyAttemptsError as error:
            form.add_error(None, wait_message(error.details["locked_until"]))
        except InvalidCodeError:
            form.add_error(
                field,
                _("That recovery code is not valid or has already been used.")
                if use_recovery
                else _(
                    "That code is not valid. Type the code your app shows now, "
                    "or an unused recovery code."
                ),
            )
        else:
            log_device_in(request, device)
            if isinstance(device, StaticDevice):
                left = recovery_codes_left(user)
                messages.warning(
                    request,
                    ngettext(
                        "You used a recovery code; %(count)d is left.",
                        "You used a recovery code; %(count)d are left.",
                        left,
                    )
                    % {"count": left},
                )
            if not has_confirmed_app(user):
                return redirect(url_with_next("lms:two_factor_setup", next_url))
            return redirect(next_url)
    return render(
        request,
        "lms/two_factor/verify.html",
        {
            "app_form": app_form,
            "recovery_form": recovery_form,
            "use_recovery": use_recovery,
            "next_url": next_url,
        },
    )


@never_cache
@login_required
@staff_only
@require_http_methods(["GET", "POST"])
def recovery_codes(request):
    """Show new recovery codes once; generate new ones from a verified session."""
    user = request.user
    next_url = next_url_of(request)
    if request.method == "POST":
        if not user.is_verified():
            return redirect(url_with_next("lms:two_factor_verify", request.get_full_path()))
        issue_recovery_codes(user=user)
        return show_codes_next(request, next_url)
    codes = None
    if request.session.pop(SHOW_CODES_SESSION_KEY, None) == user.pk:
        tokens = StaticToken.objects.filter(device__user=user, device__confirmed=True)
        codes = [
            "-".join((token[:4], token[4:]))
            for token in tokens.order_by("pk").values_list("token", flat=True)
        ]
    return render(
        request,
        "lms/two_factor/recovery_codes.html",
        {
            "codes": codes,
            "codes_left": recovery_codes_left(user),
            "next_url": next_url,
            "verified": user.is_verified(),
        },
    )


urlpatterns = [
    path("cuenta/dos-pasos/", verify, name="two_factor_verify"),
    path("cuenta/dos-pasos/configurar/", setup, name="two_factor_setup"),
    path("cuenta/dos-pasos/codigos/", recovery_codes, name="two_factor_recovery_codes"),
]
