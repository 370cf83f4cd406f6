"""Production: base settings plus hardening. Refuses to start without a real secret key
or a certificate signing key."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env, env_bool

if not SECRET_KEY or len(SECRET_KEY) < 50:  # noqa: F405
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters in production "
        "(for example: python -c 'import secrets; print(secrets.token_urlsafe(64))')."
    )

if not CERTIFICATE_SIGNING_KEY:  # noqa: F405
    raise ImproperlyConfigured(
        "CERTIFICATE_SIGNING_KEY must be set in production: the Ed25519 private key that signs "
        "certificates, in PEM or as base64 of its 32 bytes (for example: python -c 'import "
        "base64, os; print(base64.b64encode(os.urandom(32)).decode())'). Keep it: credentials "
        "signed with a lost key no longer verify."
    )

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
STAFF_TWO_FACTOR_REQUIRED = True  # no environment override: staff always confirm a second factor
