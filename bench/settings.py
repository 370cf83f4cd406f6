"""Production settings as `make bench` serves them: plain HTTP on 127.0.0.1, throwaway data.

The runner (bench/pages.py) sets DJANGO_SECRET_KEY, DATABASE_URL, STATIC_ROOT and
MEDIA_ROOT to point into a temporary directory, so nothing under var/ is touched.
"""

from pathlib import Path

from cms.settings.base import env
from cms.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# gunicorn is reached directly over HTTP; there is no TLS-terminating proxy to redirect to.
SECURE_SSL_REDIRECT = False
ALLOWED_HOSTS = ["127.0.0.1"]
# The database is created for one run and thrown away, so demo accounts are harmless.
ALLOW_DEMO_SEED = True
# base.py pins STATIC_ROOT under var/; the run collects into its own directory instead.
STATIC_ROOT = Path(env("STATIC_ROOT", str(STATIC_ROOT)))  # noqa: F405
# One demo participant sends every H5P statement of the run: the per-person limit
# (a defence against scripts) would stop the measurement of the endpoint itself.
H5P_STATEMENTS_PER_MINUTE = 10**9
