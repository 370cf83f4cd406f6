"""Production settings as bench/stack.py serves them: behind nginx with TLS, on loopback.

Only two things differ from cms.settings.production: the throwaway database may be
seeded with the demo (its accounts have known passwords), and static files are
collected into the run's own directory. Everything else (secure cookies, HSTS, the
HTTPS redirect, the shared cache, the database task queue) is production's.
"""

from pathlib import Path

from cms.settings.base import env
from cms.settings.production import *  # noqa: F403

ALLOW_DEMO_SEED = True
STATIC_ROOT = Path(env("STATIC_ROOT", str(STATIC_ROOT)))  # noqa: F405
