"""Staff second factor (django-otp): authenticator apps, recovery codes, verification.

Every write to a staff member's devices goes through here; the gate in front of
staff areas is lms.two_factor's middleware.
"""

import re
from datetime import datetime

from django.db import transaction
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lms.services.errors import LmsError

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Aplicación de autenticación"
RECOVERY_DEVICE_NAME = "Códigos de recuperación"
TOTP_TOKEN = re.compile(r"\d{6}")


class InvalidCodeError(LmsError):
    code = "invalid_code"


class TooManyAttemptsError(LmsError):
    """Raised with `locked_until`: django-otp's exponential back-off after failed codes."""

    code = "too_many_attempts"


def normalize_code(raw: str) -> str:
    """Codes as people type them: "123 456", "abcd-efgh", "ABCDEFGH"."""
    return re.sub(r"[\s-]", "", raw or "").lower()


def has_confirmed_app(user) -> bool:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


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
