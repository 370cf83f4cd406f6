"""Aula as production runs it, on loopback: nginx, two app servers, PostgreSQL, the worker.

    from bench.stack import production_stack

    with production_stack() as stack:
        ...  # https://localhost:<port>/ through nginx; stack.sql(), stack.manage()

In a temporary directory and on free ports of 127.0.0.1 it brings up:

- a throwaway PostgreSQL database (on the server of STACK_POSTGRES_URL, by default
  postgres://postgres@127.0.0.1:5432/postgres), migrated, with the cache table, the
  static files collected and the demo seeded (bench.settings_stack: production's
  settings, plus ALLOW_DEMO_SEED);
- two gunicorn instances with deploy/gunicorn.conf.py, as systemd's aula-web@ runs them;
- the task worker (`manage.py db_worker`), as aula-worker.service runs it;
- Debian's nginx as a plain foreground process (no daemon, no root-owned pid file), with
  deploy/nginx/aula.conf and aula-h5p.conf filled in for loopback;

and tears all of it down, processes, database and directory, however the block ends.

HTTPS on loopback. Production settings mark the session and CSRF cookies Secure, send
HSTS only over HTTPS and redirect plain HTTP to HTTPS, so a stack on plain HTTP would
need settings that production does not have, and could not check HSTS. Instead nginx
serves TLS exactly as in production, with a certificate made for the run by the openssl
command (localhost, h5p.localhost and 127.0.0.1, valid two days) that only the run's
clients trust (Stack.ssl_context). The names resolve to nothing: clients connect to
127.0.0.1 and send the name in SNI and the Host header.

The nginx configuration is the deploy/ template with three changes for loopback, made
by `for_loopback`: `listen` on 127.0.0.1 and the run's ports instead of 80 and 443, the
upstream's servers on the run's ports, and a header that pins a request to one app
server (X-Aula-Backend: 1 or 2) so a journey can go from one to the other on purpose;
without it nginx balances as in production.
"""

import base64
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEPLOY = PROJECT_ROOT / "deploy"
NGINX_TEMPLATES = [DEPLOY / "nginx" / "aula.conf", DEPLOY / "nginx" / "aula-h5p.conf"]
NGINX_SNIPPETS = DEPLOY / "nginx" / "snippets"
GUNICORN_CONFIG = DEPLOY / "gunicorn.conf.py"

HOST = "127.0.0.1"
SITE_NAME = "localhost"
H5P_NAME = "h5p.localhost"
APP_SERVERS = 2
WORKERS_PER_SERVER = 2
PIN_HEADER = "X-Aula-Backend"
POSTGRES_URL = os.environ.get("STACK_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
START_TIMEOUT = 60
STOP_TIMEOUT = 15

PLACEHOLDER = re.compile(r"\$\{(AULA_[A-Z0-9_]+)\}")
LISTEN = re.compile(r"^(?P<indent>\s*)listen\s+(?P<v6>\[::\]:)?(?P<port>80|443)\b(?P<rest>.*)$")
UPSTREAM = re.compile(r"upstream aula_app \{(?P<body>.*?)\n\}", re.DOTALL)
UPSTREAM_SERVER = re.compile(r"^\s*server\s+\S+(?P<options>[^;]*);", re.MULTILINE)


class StackError(RuntimeError):
    """The stack could not be brought up."""


# --- The nginx configuration ----------------------------------------------------


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    """The template with every ${AULA_...} replaced, as envsubst does; all must be known."""
    missing = placeholders(text) - values.keys()
    if missing:
        raise KeyError(f"no value for {', '.join(sorted(missing))}")
    return PLACEHOLDER.sub(lambda found: values[found.group(1)], text)


def for_loopback(text: str, *, https_port: int, http_port: int, app_ports: list[int]) -> str:
    """A filled-in site configuration made to listen on 127.0.0.1 and reach the run's servers."""
    lines = []
    for line in text.splitlines():
        found = LISTEN.match(line)
        if found and found.group("v6"):
            continue  # loopback only
        if found:
            port = https_port if found.group("port") == "443" else http_port
            line = f"{found.group('indent')}listen {HOST}:{port}{found.group('rest')}"
        lines.append(line)
    text = "\n".join(lines) + "\n"

    upstream = UPSTREAM.search(text)
    if upstream is not None:
        first = UPSTREAM_SERVER.search(upstream.group("body"))
        options = first.group("options") if first else ""
        servers = "".join(f"\n    server {HOST}:{port}{options};" for port in app_ports)
        pinned = "".join(
            f"upstream aula_app_{number} {{\n    server {HOST}:{port};\n}}\n"
            for number, port in enumerate(app_ports, start=1)
        )
        choices = "".join(
            f'    "{number}" aula_app_{number};\n' for number in range(1, len(app_ports) + 1)
        )
        text = (
            text[: upstream.start()]
            + f"upstream aula_app {{{servers}\n}}\n"
            + "# Loopback stack only: pin a request to one app server.\n"
            + pinned
            + f"map $http_{PIN_HEADER.lower().replace('-', '_')} $aula_backend {{\n"
            + "    default aula_app;\n"
            + choices
            + "}"
            + text[upstream.end() :]
        )
    return text.replace("proxy_pass http://aula_app;", "proxy_pass http://$aula_backend;")


def main_config(directory: Path, sites: list[Path]) -> str:
    """The nginx.conf around the site files: what Debian's /etc/nginx/nginx.conf provides."""
    temp = directory / "temp"
    includes = "".join(f"    include {site};\n" for site in sites)
    return (
        "worker_processes 1;\n"
        f"error_log {directory / 'error.log'} warn;\n"
        "events {\n    worker_connections 256;\n}\n"
        "http {\n"
        "    include /etc/nginx/mime.types;\n"
        "    default_type application/octet-stream;\n"
        "    sendfile on;\n"
        f"    access_log {directory / 'access.log'};\n"
        f"    client_body_temp_path {temp / 'body'};\n"
        f"    proxy_temp_path {temp / 'proxy'};\n"
        f"    fastcgi_temp_path {temp / 'fastcgi'};\n"
        f"    uwsgi_temp_path {temp / 'uwsgi'};\n"
        f"    scgi_temp_path {temp / 'scgi'};\n"
        f"{includes}"
        "}\n"
    )


def write_nginx_config(
    directory: Path,
    values: dict[str, str],
    *,
    loopback: dict | None = None,
) -> Path:
    """Fill in the templates into `directory` with the snippets beside them; return nginx.conf.

    `loopback` (https_port, http_port, app_ports) applies `for_loopback`; without it the
    files are as an administrator installs them.
    """
    directory.mkdir(parents=True, exist_ok=True)
    # Relative includes ("snippets/...") resolve against the main file's directory.
    shutil.copytree(NGINX_SNIPPETS, directory / "snippets", dirs_exist_ok=True)
    sites = []
    for template in NGINX_TEMPLATES:
        text = fill_placeholders(template.read_text(), values)
        if loopback is not None:
            text = for_loopback(text, **loopback)
        site = directory / template.name
        site.write_text(text)
        sites.append(site)
    (directory / "temp").mkdir(exist_ok=True)
    conf = directory / "nginx.conf"
    conf.write_text(main_config(directory, sites))
    return conf


def nginx_command(nginx: str, conf: Path, *extra: str) -> list[str]:
    directory = conf.parent
    return [
        nginx,
        "-c",
        str(conf),
        "-p",
        f"{directory}/",
        "-g",
        f"daemon off; pid {directory / 'nginx.pid'};",
        *extra,
    ]


def find_nginx() -> str | None:
    return shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx",) if os.access(path, os.X_OK)), None
    )


def ensure_nginx() -> str:
    """Debian's nginx, installed with apt-get (as .ci/run installs Chromium) if missing."""
    nginx = find_nginx()
    if nginx:
        return nginx
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise StackError("nginx is not installed: apt-get install nginx-light (or nginx)")
    print("stack: installing Debian's nginx with apt-get", flush=True)
    # RUNLEVEL=1 keeps the package from starting the system's own nginx service.
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive", "RUNLEVEL": "1"}
    subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
    # nginx-light where Debian still has it (12), else nginx itself (13 dropped the flavours).
    for package in ("nginx-light", "nginx"):
        installed = subprocess.run(
            ["apt-get", "install", "-y", "-qq", package], env=env, capture_output=True
        )
        if installed.returncode == 0:
            break
    nginx = find_nginx()
    if not nginx:
        raise StackError("apt-get could not install nginx")
    return nginx


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for the stack's names, made with the openssl command."""
    directory.mkdir(parents=True, exist_ok=True)
    certificate, key = directory / "certificate.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            f"/CN={SITE_NAME}",
            "-addext",
            f"subjectAltName=DNS:{SITE_NAME},DNS:{H5P_NAME},IP:{HOST}",
            "-keyout",
            str(key),
            "-out",
            str(certificate),
        ],
        check=True,
        capture_output=True,
    )
    return certificate, key


# --- Processes ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def running(self) -> bool:
        return self.popen.poll() is None

    def stop(self) -> None:
        """SIGTERM to the process group it leads (gunicorn's and nginx's workers too), then KILL."""
        if self.popen.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()
        # Its workers, if the leader went first.
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)

    def tail(self, lines: int = 20) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def start(name: str, command: list[str], env: dict[str, str], log: Path) -> Process:
    handle = log.open("ab")
    try:
        # Its own session and process group: stopped as a whole, and a Ctrl-C reaches only
        # this script, which then stops everything in order.
        popen = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        handle.close()
    return Process(name, popen, log)


def wait_for(check, process: Process, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if not process.running():
            raise StackError(f"{what} exited ({process.popen.returncode}):\n{process.tail()}")
        if check():
            return
        time.sleep(0.2)
    raise StackError(f"{what} did not answer within {START_TIMEOUT} s:\n{process.tail()}")


def _app_answers(port: int) -> bool:
    """An app server answers the home page as nginx would ask for it."""
    import http.client

    connection = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        connection.request("GET", "/", headers={"Host": SITE_NAME, "X-Forwarded-Proto": "https"})
        response = connection.getresponse()
        response.read()
        return response.status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


# --- The database ---------------------------------------------------------------


def database_url(name: str, server: str = POSTGRES_URL) -> str:
    parts = urllib.parse.urlsplit(server)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def create_database(name: str, server: str = POSTGRES_URL) -> None:
    import psycopg

    try:
        with psycopg.connect(server, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        raise StackError(f"PostgreSQL is not reachable at {server}: {error}") from error


def drop_database(name: str, server: str = POSTGRES_URL) -> None:
    import psycopg

    with psycopg.connect(server, autocommit=True, connect_timeout=5) as connection:
        # FORCE: connections the app servers left behind must not keep it alive.
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def throwaway_name(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"


def django_environment(workdir: Path, database: str, **overrides: str) -> dict[str, str]:
    """Production settings (bench.settings_stack) for a throwaway site in `workdir`."""
    env = dict(os.environ)
    for name in ("DJANGO_SETTINGS_MODULE", "AWS_STORAGE_BUCKET_NAME", "H5P_FILES_ORIGIN"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings_stack",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        CERTIFICATE_SIGNING_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        DATABASE_URL=database_url(database),
        STATIC_ROOT=str(workdir / "static"),
        MEDIA_ROOT=str(workdir / "media"),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(workdir / "mail"),
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise StackError(f"manage.py {args[0]} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def build_site(env: dict[str, str], *, static: bool = True, say=print) -> None:
    """Migrate, create the cache table, collect static files and seed the demo."""
    steps = [("migrate", "--noinput", "-v0"), ("createcachetable",)]
    if static:
        steps.append(("collectstatic", "--noinput", "-v0"))
    # Its output lists the demo passwords: kept out of the report.
    steps.append(("seed_demo",))
    for step in steps:
        started = time.monotonic()
        manage(env, *step)
        say(f"  {step[0]:<16} {time.monotonic() - started:5.1f} s")


# --- The stack ------------------------------------------------------------------


@dataclass
class Stack:
    workdir: Path
    env: dict[str, str]
    database: str
    https_port: int
    http_port: int
    app_ports: list[int]
    certificate: Path
    processes: dict[str, Process] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return f"https://{SITE_NAME}:{self.https_port}"

    @property
    def h5p_origin(self) -> str:
        return f"https://{H5P_NAME}:{self.https_port}"

    @property
    def media_root(self) -> Path:
        return Path(self.env["MEDIA_ROOT"])

    @property
    def mail_dir(self) -> Path:
        return Path(self.env["EMAIL_FILE_PATH"])

    def ssl_context(self) -> ssl.SSLContext:
        """Trusts the run's certificate and nothing else; names are checked."""
        return ssl.create_default_context(cafile=str(self.certificate))

    def manage(self, *args: str) -> str:
        return manage(self.env, *args)

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.env["DATABASE_URL"]) as connection:
            return connection.execute(query, params).fetchall()

    def access_log(self, backend: int) -> Path:
        return self.processes[f"web-{backend}"].log.with_suffix(".access.log")

    def requests_served(self, backend: int) -> int:
        try:
            return len(self.access_log(backend).read_text().splitlines())
        except OSError:
            return 0

    def tails(self) -> str:
        return "\n".join(
            f"--- {name} ({process.log}):\n{process.tail()}"
            for name, process in self.processes.items()
        )


@contextmanager
def production_stack(*, say=print, **overrides: str) -> Iterator[Stack]:
    """Bring the stack up; `overrides` are extra environment variables for the app."""
    nginx = ensure_nginx()
    with ExitStack() as cleanup:
        workdir = Path(tempfile.mkdtemp(prefix="aula-stack-"))
        cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
        # nginx's workers run as an unprivileged user when it starts as root: they must
        # reach the static and media files.
        workdir.chmod(0o755)
        for name in ("static", "media", "mail", "logs"):
            (workdir / name).mkdir(mode=0o755)

        database = throwaway_name("aula_stack")
        create_database(database)
        cleanup.callback(drop_database, database)

        https_port, http_port = free_port(), free_port()
        app_ports = [free_port() for _ in range(APP_SERVERS)]
        origin = f"https://{SITE_NAME}:{https_port}"
        env = django_environment(
            workdir,
            database,
            ALLOWED_HOSTS=f"{SITE_NAME},{H5P_NAME}",
            CSRF_TRUSTED_ORIGINS=origin,
            WAGTAILADMIN_BASE_URL=origin,
            H5P_FILES_ORIGIN=f"https://{H5P_NAME}:{https_port}",
            # nginx sends the client's address alone (deploy/nginx/snippets/aula-proxy.conf).
            AXES_PROXY_COUNT="1",
            **overrides,
        )
        certificate, key = make_certificate(workdir / "tls")
        stack = Stack(workdir, env, database, https_port, http_port, app_ports, certificate)
        logs = workdir / "logs"

        say(f"Building the site (PostgreSQL database {database}):")
        build_site(env, say=say)

        say("Starting the servers:")
        for number, port in enumerate(app_ports, start=1):
            log = logs / f"web-{number}.log"
            process = start(
                f"web-{number}",
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    f"--config={GUNICORN_CONFIG}",
                    f"--bind={HOST}:{port}",
                    f"--workers={WORKERS_PER_SERVER}",
                    f"--access-logfile={log.with_suffix('.access.log')}",
                ],
                env,
                log,
            )
            stack.processes[process.name] = process
            cleanup.callback(process.stop)
        for number, port in enumerate(app_ports, start=1):
            process = stack.processes[f"web-{number}"]
            wait_for(lambda port=port: _app_answers(port), process, f"gunicorn {number}")
            say(f"  gunicorn {number}        {HOST}:{port} ({WORKERS_PER_SERVER} workers)")

        worker = start(
            "worker",
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--queue-name",
                "default",
                "--interval",
                "0.5",
            ],
            env,
            logs / "worker.log",
        )
        stack.processes["worker"] = worker
        cleanup.callback(worker.stop)
        say("  task worker       manage.py db_worker")

        conf = write_nginx_config(
            workdir / "nginx",
            {
                "AULA_SERVER_NAME": SITE_NAME,
                "AULA_H5P_SERVER_NAME": H5P_NAME,
                "AULA_TLS_CERTIFICATE": str(certificate),
                "AULA_TLS_CERTIFICATE_KEY": str(key),
                "AULA_H5P_TLS_CERTIFICATE": str(certificate),
                "AULA_H5P_TLS_CERTIFICATE_KEY": str(key),
                "AULA_STATIC_ROOT": env["STATIC_ROOT"],
                "AULA_MEDIA_ROOT": env["MEDIA_ROOT"],
            },
            loopback={"https_port": https_port, "http_port": http_port, "app_ports": app_ports},
        )
        checked = subprocess.run(nginx_command(nginx, conf, "-t"), capture_output=True, text=True)
        if checked.returncode != 0:
            raise StackError(f"nginx -t refused the configuration:\n{checked.stderr}")
        proxy = start("nginx", nginx_command(nginx, conf), env, logs / "nginx.log")
        stack.processes["nginx"] = proxy
        cleanup.callback(proxy.stop)
        wait_for(lambda: _nginx_answers(stack), proxy, "nginx")
        say(f"  nginx             {origin}/ and {stack.h5p_origin}/ (HTTP on {http_port})")
        yield stack
        say("Stopping the servers and dropping the database.")


def leftovers(stack: Stack) -> list[str]:
    """What a torn-down stack left behind: processes (or their workers), database, directory."""
    import psycopg

    found = []
    for name, process in stack.processes.items():
        try:
            os.killpg(process.popen.pid, 0)  # anyone left in its process group?
            found.append(f"{name} processes")
        except ProcessLookupError:
            pass
    with psycopg.connect(POSTGRES_URL, connect_timeout=5) as connection:
        if connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (stack.database,)
        ).fetchone():
            found.append(f"database {stack.database}")
    if stack.workdir.exists():
        found.append(f"directory {stack.workdir}")
    return found


def _nginx_answers(stack: Stack) -> bool:
    try:
        with (
            socket.create_connection((HOST, stack.https_port), timeout=2) as raw,
            stack.ssl_context().wrap_socket(raw, server_hostname=SITE_NAME) as tls,
        ):
            tls.sendall(
                f"HEAD / HTTP/1.1\r\nHost: {SITE_NAME}\r\nConnection: close\r\n\r\n".encode()
            )
            return tls.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False
