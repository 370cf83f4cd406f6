"""Production: base settings plus hardening. Refuses to start without a real secret key
or a certificate signing key, or with state that lives in one process or one host
(several app servers share everything correctness depends on: docs/deployment.md)."""

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

# Rendered pages and rate limits live in the cache, sign-ins in the sessions, emails and
# certificate PDFs in the task queue: each must be the same for every app server.
_PROCESS_LOCAL = {
    "django.core.cache.backends.locmem.LocMemCache": "each process keeps its own memory",
    "django.core.cache.backends.dummy.DummyCache": "it keeps nothing",
    "django.core.cache.backends.filebased.FileBasedCache": "its files belong to one host",
    "django.contrib.sessions.backends.file": "its files belong to one host",
    "django_tasks.backends.immediate.ImmediateBackend": "it runs tasks inside the request",
    "django_tasks.backends.dummy.DummyBackend": "it never runs them",
}


def _process_local_state(*, caches: dict, session_engine: str, tasks: dict) -> list[str]:
    """What in these settings one process or one host would keep to itself, and why."""
    found = [(f"CACHES[{alias!r}]", config.get("BACKEND")) for alias, config in caches.items()]
    found.append(("SESSION_ENGINE", session_engine))
    found += [(f"TASKS[{alias!r}]", config.get("BACKEND")) for alias, config in tasks.items()]
    return [
        f"{name} is {backend} ({_PROCESS_LOCAL[backend]})"
        for name, backend in found
        if backend in _PROCESS_LOCAL
    ]


_local = _process_local_state(
    caches=CACHES,  # noqa: F405
    session_engine=globals().get("SESSION_ENGINE", "django.contrib.sessions.backends.db"),
    tasks=TASKS,  # noqa: F405
)
if _local:
    raise ImproperlyConfigured(
        "Production needs state that every app server shares, but "
        + "; ".join(_local)
        + ". Use the database cache (the default) or Redis (REDIS_URL), sessions in the "
        "database, and the database task queue (docs/deployment.md)."
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
# The __Host- prefix makes browsers refuse these cookies unless they are Secure, for the
# path / and without a Domain (Django's defaults for the path and domain, kept here):
# neither a subdomain nor plain HTTP can set or overwrite them.
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
LANGUAGE_COOKIE_NAME = "__Host-django_language"
STAFF_TWO_FACTOR_REQUIRED = True  # no environment override: staff always confirm a second factor
