"""Staff two-factor login (django-otp): the gate in front of staff areas, and its writes.

Staff confirm a time-based code (TOTP) from an authenticator app, or one of ten
single-use recovery codes, once per session before any staff page opens.
Participants never meet it.
"""

import re
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language_from_path
from django.utils.translation import gettext as _
from django_otp import user_has_device
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lms.roles import is_staff_member
from lms.services.errors import LmsError

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Aplicación de autenticación"
RECOVERY_DEVICE_NAME = "Códigos de recuperación"
TOTP_TOKEN = re.compile(r"\d{6}")

# Reachable by a staff member who has not confirmed a code yet, whatever
# STAFF_AREA_PREFIXES says, so the gate can never send anyone round in a loop.
OPEN_VIEWS = {
    "lms:two_factor_setup",
    "lms:two_factor_verify",
    "lms:two_factor_recovery_codes",
    "account_logout",
    "wagtailadmin_logout",
}


class InvalidCodeError(LmsError):
    code = "invalid_code"


class TooManyAttemptsError(LmsError):
    """Raised with `locked_until`: django-otp's exponential back-off after failed codes."""

    code = "too_many_attempts"


def staff_area_prefixes() -> tuple[str, ...]:
    return tuple(getattr(settings, "STAFF_AREA_PREFIXES", ["/admin/"]))


def normalize_code(raw: str) -> str:
    """Codes as people type them: "123 456", "abcd-efgh", "ABCDEFGH"."""
    return re.sub(r"[\s-]", "", raw or "").lower()


def has_confirmed_app(user) -> bool:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def safe_next_url(request, candidate: str | None) -> str:
    """Where to go after the second factor: a local URL, or the admin's home."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("wagtailadmin_home")


def url_with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


class StaffTwoFactorMiddleware:
    """Send staff who have not confirmed a second factor this session to do so first.

    Runs after django-otp's OTPMiddleware, which sets `request.user.is_verified()`.
    Cheap checks come first so public (and cached) pages never load the user.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self.must_verify(request):
            return self.refuse(request)
        return self.get_response(request)

    def must_verify(self, request) -> bool:
        if not getattr(settings, "STAFF_TWO_FACTOR_REQUIRED", True):
            return False
        if not self.in_staff_area(request.path_info) or self.is_open(request.path_info):
            return False
        user = getattr(request, "user", None)
        if user is None or not is_staff_member(user):
            return False
        is_verified = getattr(user, "is_verified", None)
        return not (is_verified and is_verified())

    @staticmethod
    def in_staff_area(path: str) -> bool:
        # A staff area under i18n_patterns (/en/…) counts as well as the bare one.
        language = get_language_from_path(path)
        if language and path.startswith(f"/{language}/"):
            path = path[len(language) + 1 :]
        return path.startswith(staff_area_prefixes())

    @staticmethod
    def is_open(path: str) -> bool:
        assets = tuple(url for url in (settings.STATIC_URL, settings.MEDIA_URL) if url)
        if path.startswith(assets):
            return True
        try:
            return resolve(path).view_name in OPEN_VIEWS
        except Resolver404:
            return False

    @staticmethod
    def refuse(request):
        next_url = request.get_full_path()
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = reverse("wagtailadmin_home")
        # A user with recovery codes but no app proves who they are before enrolling a new app.
        name = (
            "lms:two_factor_verify"
            if user_has_device(request.user, confirmed=True)
            else "lms:two_factor_setup"
        )
        target = url_with_next(name, next_url)
        if wants_json(request):
            return JsonResponse(
                {
                    "error": "two_factor_required",
                    "detail": _("Confirm your two-step login code before continuing."),
                    "location": target,
                },
                status=403,
            )
        return HttpResponseRedirect(target)


def wants_json(request) -> bool:
    if request.headers.get("x-requested-with") == "XMLHttpRequest":
        return True
    if request.content_type == "application/json":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def pending_app_device(user) -> TOTPDevice:
    """The unconfirmed app device being set up, reused so reloading keeps the same QR code."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def _check_allowed(device: Device) -> datetime | None:
    """None if the device may verify a code now, else the moment it may again."""
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    return (info or {}).get("locked_until")


def confirm_app_device(*, device: TOTPDevice, code: str) -> list[str]:
    """Confirm a new authenticator app with its first code; it replaces any earlier app.

    Returns the fresh recovery codes, which replace the old ones.
    """
    code = normalize_code(code)
    locked_until = None
    codes = None
    # The failure count must be saved even when the code is wrong, so the
    # transaction ends before any error is raised.
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        locked_until = _check_allowed(device)
        # verify_token counts a failure itself, whatever was typed.
        if locked_until is None and device.verify_token(code):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
            codes = issue_recovery_codes(user=device.user)
    if codes is not None:
        return codes
    if locked_until is not None:
        raise TooManyAttemptsError(locked_until=locked_until)
    raise InvalidCodeError()


@transaction.atomic
def issue_recovery_codes(*, user) -> list[str]:
    """Give the user ten new single-use recovery codes; earlier ones stop working."""
    # Keep the first recovery device rather than replacing it: the session may
    # have been verified with it, and deleting it would end that verification.
    devices = list(StaticDevice.objects.filter(user=user).select_for_update().order_by("pk"))
    if devices:
        device = devices[0]
        StaticDevice.objects.filter(pk__in=[d.pk for d in devices[1:]]).delete()
        device.token_set.all().delete()
        if not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
    else:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def verify_second_factor(*, user, code: str) -> Device:
    """Match a code from the user's app, or one recovery code (used up by matching).

    Six digits go to the app, anything else to the recovery codes, so a typo in
    one never counts as a failed attempt against the other.
    """
    code = normalize_code(code)
    model = TOTPDevice if TOTP_TOKEN.fullmatch(code) else StaticDevice
    matched = None
    locks = []
    with transaction.atomic():
        devices = list(model.objects.devices_for_user(user, confirmed=True).select_for_update())
        for device in devices:
            locked_until = _check_allowed(device)
            if locked_until is not None:
                locks.append(locked_until)
            elif code and device.verify_token(code):
                matched = device
                break
    if matched is not None:
        return matched
    if devices and len(locks) == len(devices):
        raise TooManyAttemptsError(locked_until=min(locks))
    raise InvalidCodeError()


@transaction.atomic
def reset_second_factor(*, user) -> int:
    """Forget a staff member's app and recovery codes; they enrol again at their next login."""
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        devices = model.objects.filter(user=user)
        removed += devices.count()
        devices.delete()
    return removed
