"""Production settings: hardened, and unable to start without a real secret key."""

import base64
import os
import secrets
import subprocess
import sys

from django.conf import settings

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "cms.settings.production",
    "ALLOWED_HOSTS": "aula.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://aula.example.org",
}


def manage(*args, env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SECRET_KEY", "DJANGO_SETTINGS_MODULE")
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_checks_pass_with_the_documented_environment():
    env = {
        **PRODUCTION_ENV,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "CERTIFICATE_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", env=PRODUCTION_ENV)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = manage("check", env={**PRODUCTION_ENV, "DJANGO_SECRET_KEY": "corta"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_a_certificate_signing_key():
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": secrets.token_urlsafe(64)}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "CERTIFICATE_SIGNING_KEY must be set" in result.stderr
