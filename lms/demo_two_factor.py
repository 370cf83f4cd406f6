"""A shared, published authenticator key for the demo staff accounts (development only).

Add DEMO_TOTP_SECRET to any authenticator app, or print the current code with:

    .venv/bin/python -c 'import base64; from django_otp.oath import totp; print("%06d" % totp(base64.b32decode("AULADEMOAULADEMOAULADEMOAULADEMO")))'
"""

from base64 import b32decode

from django_otp.plugins.otp_totp.models import TOTPDevice

from lms.roles import is_staff_member

DEMO_TOTP_SECRET = "AULADEMOAULADEMOAULADEMOAULADEMO"  # noqa: S105 - published in the README  # nosec B105
DEMO_DEVICE_NAME = "Demostración"


def seed_staff_devices(users) -> list[str]:
    """Give each staff demo account a confirmed app device with the published key; return emails."""
    key = b32decode(DEMO_TOTP_SECRET).hex()  # django-otp stores the key as hex
    seeded = []
    for user in users:
        if not is_staff_member(user):
            continue
        TOTPDevice.objects.update_or_create(
            user=user,
            name=DEMO_DEVICE_NAME,
            defaults={"key": key, "confirmed": True},
        )
        seeded.append(user.email)
    return seeded
