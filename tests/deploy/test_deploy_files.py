"""The production layout in deploy/: nginx, systemd, backups, and the settings behind them.

Fast checks for the normal suite; `make smoke-prod` and `make backup-check` run the whole
stack and a real backup and restore.
"""

import http.client
import json
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings

from bench import stack

ROOT = Path(settings.BASE_DIR)
DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"
SCRIPTS = [DEPLOY / "backup.sh", DEPLOY / "restore.sh", DEPLOY / "pg-env.sh"]
NGINX = stack.find_nginx()
needs_nginx = pytest.mark.skipif(
    NGINX is None or shutil.which("openssl") is None,
    reason="Debian's nginx and openssl are not installed (apt-get install nginx-light); "
    "make smoke-prod installs nginx",
)


def nginx_values(directory: Path) -> dict[str, str]:
    certificate, key = stack.make_certificate(directory / "tls")
    return {
        "AULA_SERVER_NAME": stack.SITE_NAME,
        "AULA_H5P_SERVER_NAME": stack.H5P_NAME,
        "AULA_TLS_CERTIFICATE": str(certificate),
        "AULA_TLS_CERTIFICATE_KEY": str(key),
        "AULA_H5P_TLS_CERTIFICATE": str(certificate),
        "AULA_H5P_TLS_CERTIFICATE_KEY": str(key),
        "AULA_STATIC_ROOT": str(directory / "static"),
        "AULA_MEDIA_ROOT": str(directory / "media"),
    }


# --- nginx ------------------------------------------------------------------------


def test_every_placeholder_of_the_nginx_templates_is_documented():
    documented = (ROOT / "docs" / "deployment.md").read_text()
    for template in stack.NGINX_TEMPLATES:
        names = stack.placeholders(template.read_text())
        assert names, template
        for name in names:
            assert name in documented, f"{name} of {template.name} is not in docs/deployment.md"


@needs_nginx
def test_nginx_accepts_the_configuration_as_installed(tmp_path):
    conf = stack.write_nginx_config(tmp_path / "nginx", nginx_values(tmp_path))
    checked = subprocess.run(stack.nginx_command(NGINX, conf, "-t"), capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    site = (tmp_path / "nginx" / "aula.conf").read_text()
    assert "listen 443 ssl" in site
    assert "aula_backend" not in site  # the loopback pin stays out of production


@needs_nginx
def test_nginx_accepts_the_configuration_for_loopback(tmp_path):
    conf = stack.write_nginx_config(
        tmp_path / "nginx",
        nginx_values(tmp_path),
        loopback={"https_port": 18443, "http_port": 18080, "app_ports": [18001, 18002]},
    )
    checked = subprocess.run(stack.nginx_command(NGINX, conf, "-t"), capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    site = (tmp_path / "nginx" / "aula.conf").read_text()
    assert re.findall(r"listen (\S+)", site) and all(
        address.startswith("127.0.0.1:") for address in re.findall(r"listen (\S+)", site)
    )
    assert "server 127.0.0.1:18001" in site and "server 127.0.0.1:18002" in site


@pytest.fixture
def served_dir():
    # nginx's workers run as an unprivileged user when started as root: the files and every
    # folder above them must be readable by anyone, which pytest's tmp_path is not.
    directory = Path(tempfile.mkdtemp(prefix="aula-nginx-test-"))
    directory.chmod(0o755)
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def running_nginx(served_dir):
    """nginx with the loopback configuration, its app servers absent: files only."""
    if NGINX is None or shutil.which("openssl") is None:
        pytest.skip("Debian's nginx and openssl are not installed (apt-get install nginx-light)")
    tmp_path = served_dir
    values = nginx_values(tmp_path)
    files = {
        "media/images/mapa.width-400.png": b"\x89PNG\r\n\x1a\n",
        "media/original_images/mapa.png": b"\x89PNG\r\n\x1a\n",
        "media/documents/variables.pdf": b"%PDF-1.7 private",
        "media/certificados/AULA-2026-AAAA-BBBB.pdf": b"%PDF-1.7 private",
        "media/h5p/content/abc/h5p.json": b"{}",
        "media/h5p/packages/abc.h5p": b"PK",
        "static/css/site.0123456789ab.css": b"body{}",
        "static/css/site.css": b"body{}",
        "static/h5p-standalone/frame.bundle.0123456789ab.js": b"//",
    }
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    https_port, http_port = stack.free_port(), stack.free_port()
    conf = stack.write_nginx_config(
        tmp_path / "nginx",
        values,
        loopback={
            "https_port": https_port,
            "http_port": http_port,
            "app_ports": [stack.free_port(), stack.free_port()],
        },
    )
    process = subprocess.Popen(
        stack.nginx_command(NGINX, conf),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    running = stack.Process("nginx", process, tmp_path / "nginx" / "error.log")
    try:
        for _ in range(100):
            try:
                socket.create_connection((stack.HOST, https_port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)

        def get(path: str) -> http.client.HTTPResponse:
            # The name goes in SNI and Host, as a browser sends it; it resolves to nothing.
            context = ssl.create_default_context(cafile=values["AULA_TLS_CERTIFICATE"])
            connection = http.client.HTTPSConnection(stack.SITE_NAME, https_port, timeout=5)
            raw = socket.create_connection((stack.HOST, https_port), timeout=5)
            connection.sock = context.wrap_socket(raw, server_hostname=stack.SITE_NAME)
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            connection.close()
            return response

        yield get
    finally:
        running.stop()


def test_nginx_serves_images_with_the_security_headers(running_nginx):
    response = running_nginx("/media/images/mapa.width-400.png")
    assert response.status == 200
    assert response.getheader("Content-Type") == "image/png"
    assert response.getheader("Strict-Transport-Security").startswith("max-age=31536000")
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert "sandbox" in response.getheader("Content-Security-Policy")
    assert response.getheader("Server") == "nginx"


@pytest.mark.parametrize(
    "path",
    [
        "/media/documents/variables.pdf",
        "/media/certificados/AULA-2026-AAAA-BBBB.pdf",
        "/media/h5p/content/abc/h5p.json",
        "/media/h5p/packages/abc.h5p",
        "/media/images/../documents/variables.pdf",
        "/media/images%2F..%2Fdocuments/variables.pdf",
    ],
)
def test_nginx_refuses_private_media_files_that_exist(running_nginx, path):
    response = running_nginx(path)
    assert response.status in (403, 404)
    assert response.getheader("X-Content-Type-Options") == "nosniff"


def test_nginx_caches_hashed_static_files_for_a_year_and_others_briefly(running_nginx):
    hashed = running_nginx("/static/css/site.0123456789ab.css")
    assert hashed.getheader("Cache-Control") == "public, max-age=31536000, immutable"
    plain = running_nginx("/static/css/site.css")
    assert plain.getheader("Cache-Control") == "public, max-age=600"


def test_nginx_opens_the_h5p_player_files_to_sandboxed_frames(running_nginx):
    response = running_nginx("/static/h5p-standalone/frame.bundle.0123456789ab.js")
    assert response.status == 200
    assert response.getheader("Access-Control-Allow-Origin") == "*"
    assert response.getheader("Cross-Origin-Resource-Policy") == "cross-origin"


# --- systemd ----------------------------------------------------------------------


def unit_sections(path: Path) -> dict[str, dict[str, list[str]]]:
    """[Section] -> key -> values, as systemd reads a unit (repeated keys add up)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            assert line.endswith("]"), f"{path.name}: {line}"
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None and "=" in line, f"{path.name}: {line}"
        key, value = line.split("=", 1)
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


@pytest.mark.parametrize(
    ("unit", "required"),
    [
        ("aula-web@.service", {"Service": ["ExecStart", "User", "EnvironmentFile", "Type"]}),
        ("aula-worker.service", {"Service": ["ExecStart", "User", "EnvironmentFile", "Restart"]}),
        ("aula-backup.service", {"Service": ["ExecStart", "User", "EnvironmentFile", "Type"]}),
        ("aula-backup.timer", {"Timer": ["OnCalendar", "Unit", "Persistent"]}),
    ],
)
def test_systemd_units_have_what_they_need(unit, required):
    sections = unit_sections(UNITS / unit)
    assert "Description" in sections["Unit"]
    for section, keys in required.items():
        for key in keys:
            assert key in sections[section], f"{unit}: [{section}] {key}"


def test_app_servers_run_gunicorn_on_the_port_nginx_expects():
    execs = unit_sections(UNITS / "aula-web@.service")["Service"]["ExecStart"]
    assert "--bind 127.0.0.1:%i" in execs[0]
    assert "deploy/gunicorn.conf.py" in execs[0]
    upstream = stack.UPSTREAM.search((DEPLOY / "nginx" / "aula.conf").read_text()).group("body")
    assert re.findall(r"server 127\.0\.0\.1:(\d+)", upstream) == ["8001", "8002"]
    assert "db_worker" in unit_sections(UNITS / "aula-worker.service")["Service"]["ExecStart"][0]
    timer = unit_sections(UNITS / "aula-backup.timer")["Timer"]
    assert timer["Unit"] == ["aula-backup.service"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is missing")
def test_systemd_units_pass_systemd_analyze_verify(tmp_path):
    # The units name the installed paths; here they point at this checkout instead.
    for unit in UNITS.iterdir():
        text = unit.read_text()
        text = text.replace(
            "/srv/aula/venv/bin/gunicorn", str(Path(sys.executable).parent / "gunicorn")
        )
        text = text.replace("/srv/aula/venv/bin/python", sys.executable)
        text = text.replace("/srv/aula/app", str(ROOT))
        (tmp_path / unit.name).write_text(text)
    names = [
        "aula-web@8001.service",
        "aula-worker.service",
        "aula-backup.service",
        "aula-backup.timer",
    ]
    (tmp_path / "aula-web@8001.service").symlink_to(tmp_path / "aula-web@.service")
    checked = subprocess.run(
        ["systemd-analyze", "verify", *[str(tmp_path / name) for name in names]],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    problems = [
        line
        for line in checked.stderr.splitlines()
        if re.search(r"Unknown|Invalid|Failed|not executable|Missing|bad", line, re.I)
    ]
    assert checked.returncode == 0 and not problems, checked.stderr


def test_gunicorn_config_names_only_settings_gunicorn_knows():
    from gunicorn.config import KNOWN_SETTINGS

    known = {setting.name for setting in KNOWN_SETTINGS}
    namespace: dict = {}
    exec((DEPLOY / "gunicorn.conf.py").read_text(), namespace)  # noqa: S102 - our own file
    names = {name for name in namespace if not name.startswith("_") and name != "os"}
    assert names <= known, names - known
    assert namespace["wsgi_app"] == "cms.wsgi:application"


# --- Backups ----------------------------------------------------------------------


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_backup_scripts_are_valid_bash(script):
    checked = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def test_backup_scripts_are_executable():
    assert os.access(DEPLOY / "backup.sh", os.X_OK)
    assert os.access(DEPLOY / "restore.sh", os.X_OK)


def test_database_url_becomes_libpq_environment_without_a_command_line_password():
    shown = subprocess.run(
        [
            "bash",
            "-c",
            f"source {DEPLOY / 'pg-env.sh'}; pg_env_from_url DATABASE_URL; "
            'printf "%s|%s|%s|%s|%s|%s" "$PGHOST" "$PGPORT" "$PGUSER" "$PGPASSWORD" '
            '"$PGDATABASE" "$PGSSLMODE"',
        ],
        env={
            **os.environ,
            "PYTHON": sys.executable,
            "DATABASE_URL": "postgres://aula:p%40ss%20w%3Ard@db.example.org:6432/aula?sslmode=require",
        },
        capture_output=True,
        text=True,
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == "db.example.org|6432|aula|p@ss w:rd|aula|require"


def test_restore_refuses_a_damaged_backup_before_touching_anything(tmp_path):
    backup = tmp_path / "aula-20260101T031500Z"
    backup.mkdir()
    (backup / "database.dump").write_bytes(b"not what was written")
    (backup / "MANIFEST.sha256").write_text(f"{'0' * 64}  database.dump\n")
    media = tmp_path / "media"
    restored = subprocess.run(
        [
            str(DEPLOY / "restore.sh"),
            str(backup),
            "--database",
            "aula_never",
            "--media-dir",
            str(media),
            "--server",
            "postgres://nobody@127.0.0.1:1/postgres",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHON": sys.executable},
    )
    assert restored.returncode == 1
    assert "checksums do not match" in restored.stderr
    assert not media.exists()


def test_restore_refuses_names_that_are_not_plain_database_names(tmp_path):
    backup = tmp_path / "aula-20260101T031500Z"
    backup.mkdir()
    (backup / "MANIFEST.sha256").write_text("")
    restored = subprocess.run(
        [str(DEPLOY / "restore.sh"), str(backup), "--database", 'x"; DROP DATABASE aula; --'],
        capture_output=True,
        text=True,
    )
    assert restored.returncode == 1
    assert "database name" in restored.stderr


# --- Settings ---------------------------------------------------------------------


def python(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "DJANGO_", "REDIS_URL", "MEDIA_ORIGIN", "AXES_"))
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION_SECRETS = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
    "CERTIFICATE_SIGNING_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
}


@pytest.mark.parametrize(
    ("setting", "value", "named"),
    [
        (
            "CACHES",
            {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
            "LocMemCache",
        ),
        (
            "CACHES",
            {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}},
            "DummyCache",
        ),
        (
            "TASKS",
            {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
            "ImmediateBackend",
        ),
        ("SESSION_ENGINE", "django.contrib.sessions.backends.file", "sessions.backends.file"),
    ],
)
def test_production_refuses_state_that_one_process_keeps(setting, value, named):
    # As a settings module built on base.py would bring it in.
    refused = python(
        f"import cms.settings.base as base; base.{setting} = {value!r}; import cms.settings.production",
        **PRODUCTION_SECRETS,
    )
    assert refused.returncode != 0
    assert "Production needs state that every app server shares" in refused.stderr
    assert named in refused.stderr


def test_production_accepts_the_database_cache_and_redis():
    for env in ({}, {"REDIS_URL": "redis://127.0.0.1:6379/9"}):
        loaded = python(
            "import cms.settings.production as s; print(s.CACHES['default']['BACKEND'])",
            **PRODUCTION_SECRETS,
            **env,
        )
        assert loaded.returncode == 0, loaded.stderr
        assert loaded.stdout.strip() in (
            "django.core.cache.backends.db.DatabaseCache",
            "django.core.cache.backends.redis.RedisCache",
        )


def test_production_cookies_carry_the_host_prefix_and_meet_its_conditions():
    # Browsers keep a __Host- cookie only if it is Secure, for the path / and has no Domain.
    shown = python(
        "import json\n"
        "from django.conf import settings as s\n"
        "print(json.dumps({kind: [getattr(s, f'{kind}_COOKIE_{part}') for part in "
        "('NAME', 'SECURE', 'PATH', 'DOMAIN', 'HTTPONLY')] "
        "for kind in ('SESSION', 'CSRF', 'LANGUAGE')}))",
        DJANGO_SETTINGS_MODULE="cms.settings.production",
        **PRODUCTION_SECRETS,
    )
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == {
        "SESSION": ["__Host-sessionid", True, "/", None, True],
        "CSRF": ["__Host-csrftoken", True, "/", None, True],
        "LANGUAGE": ["__Host-django_language", True, "/", None, False],
    }


SHOW_STORAGE = (
    "import json, cms.settings.base as s; print(json.dumps({'storage': s.STORAGES['default'], "
    "'img': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']}))"
)


def test_media_stay_on_disk_without_a_bucket():
    shown = python(SHOW_STORAGE)
    assert shown.returncode == 0, shown.stderr
    found = json.loads(shown.stdout)
    assert found["storage"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert found["img"] == ["'self'", "data:"]


def test_media_go_to_a_private_bucket_when_one_is_named():
    shown = python(
        SHOW_STORAGE, AWS_STORAGE_BUCKET_NAME="aula-media", AWS_S3_REGION_NAME="sa-east-1"
    )
    assert shown.returncode == 0, shown.stderr
    found = json.loads(shown.stdout)
    assert found["storage"]["BACKEND"] == "storages.backends.s3.S3Storage"
    options = found["storage"]["OPTIONS"]
    assert options["bucket_name"] == "aula-media"
    assert options["default_acl"] == "private"
    assert options["querystring_auth"] is True
    assert options["file_overwrite"] is False
    assert "https://aula-media.s3.sa-east-1.amazonaws.com" in found["img"]


def test_signed_media_urls_point_where_the_pages_allow_images():
    pytest.importorskip("storages", reason="django-storages[s3] is not installed")
    for extra in (
        {"AWS_S3_REGION_NAME": "sa-east-1"},
        {"AWS_S3_ENDPOINT_URL": "https://minio.example.org:9000"},
    ):
        shown = python(
            "import django, json; django.setup()\n"
            "from django.conf import settings\n"
            "from django.core.files.storage import storages\n"
            "default_storage = storages['default']\n"
            "print(json.dumps({'url': default_storage.url('images/mapa.width-400.png'),"
            " 'img': settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'],"
            " 'class': type(default_storage).__name__}))",
            DJANGO_SETTINGS_MODULE="cms.settings.dev",
            AWS_STORAGE_BUCKET_NAME="aula-media",
            AWS_ACCESS_KEY_ID="AKIAEXAMPLE",
            AWS_SECRET_ACCESS_KEY="example-secret",
            **extra,
        )
        assert shown.returncode == 0, shown.stderr
        found = json.loads(shown.stdout)
        assert found["class"] == "S3Storage"
        origin = re.match(r"https://[^/]+", found["url"]).group(0)
        assert origin in found["img"], (found["url"], found["img"])
        assert "X-Amz-Signature=" in found["url"]


def test_one_proxy_in_front_gives_the_clients_own_address():
    # nginx (deploy/nginx/snippets/aula-proxy.conf) sends the client's address alone.
    shown = python(
        "import django; django.setup()\n"
        "from django.test import RequestFactory\n"
        "from axes.helpers import get_client_ip_address\n"
        "from lms.views.certificates import client_ip\n"
        "request = RequestFactory().get('/', HTTP_X_FORWARDED_FOR='203.0.113.9', REMOTE_ADDR='127.0.0.1')\n"
        "print(client_ip(request), get_client_ip_address(request))",
        DJANGO_SETTINGS_MODULE="cms.settings.test",
        AXES_PROXY_COUNT="1",
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split() == ["203.0.113.9", "203.0.113.9"]


def test_without_a_proxy_the_forwarded_header_is_ignored():
    shown = python(
        "import django; django.setup()\n"
        "from django.test import RequestFactory\n"
        "from lms.views.certificates import client_ip\n"
        "request = RequestFactory().get('/', HTTP_X_FORWARDED_FOR='203.0.113.9', REMOTE_ADDR='198.51.100.7')\n"
        "print(client_ip(request))",
        DJANGO_SETTINGS_MODULE="cms.settings.test",
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == "198.51.100.7"
