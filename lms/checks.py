"""System checks for settings that must never reach production."""

from django.conf import settings
from django.core.checks import Error, Tags, register


def staff_two_factor(app_configs, **kwargs):
    """Staff confirm a second factor everywhere but a local demo running with DEBUG."""
    errors = []
    if not settings.DEBUG and not getattr(settings, "STAFF_TWO_FACTOR_REQUIRED", True):
        errors.append(
            Error(
                "STAFF_TWO_FACTOR_REQUIRED is False while DEBUG is off.",
                hint=(
                    "Staff must confirm a second factor outside local development: set "
                    "STAFF_TWO_FACTOR_REQUIRED=true (cms.settings.production always does)."
                ),
                id="lms.E001",
            )
        )
    # django-otp makes each failed code wait twice as long as the previous one;
    # a factor of 0 turns that off and lets six-digit codes be guessed.
    for name in ("OTP_TOTP_THROTTLE_FACTOR", "OTP_STATIC_THROTTLE_FACTOR"):
        if getattr(settings, name, 1) <= 0:
            errors.append(
                Error(
                    f"{name} is {getattr(settings, name)}: failed codes are not throttled.",
                    hint=f"Remove {name} or set it to 1 or more.",
                    id="lms.E002",
                )
            )
    return errors


def register_checks() -> None:
    """Called from LmsConfig.ready()."""
    register(staff_two_factor, Tags.security)
