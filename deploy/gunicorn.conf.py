"""gunicorn for Aula (systemd/aula-web@.service passes --bind, one instance per port).

Every value may be overridden on the command line; the environment file sets the few that
differ between hosts. Requests reach gunicorn only through nginx, which buffers slow
clients, so plain synchronous workers suffice.
"""

import os

wsgi_app = "cms.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")]
# Per instance: instances x workers database connections (DATABASE_CONN_MAX_AGE keeps
# them open) must stay within PostgreSQL's max_connections, with room for the task
# workers and the backups.
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# A restart lets requests in flight finish first.
graceful_timeout = 30
# Recycle workers now and then so a slow leak never grows; the jitter keeps them from
# restarting together.
max_requests = 2000
max_requests_jitter = 200
# Heartbeats in memory: a busy disk must not make workers look dead.
worker_tmp_dir = "/dev/shm"  # noqa: S108 - a memory file system, not shared temp files
# nginx on the same host sets X-Forwarded-Proto (settings: SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = "127.0.0.1,::1"
# Logs go to the journal (stdout and stderr under systemd).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# No control socket under $HOME: the service user's home is read-only.
control_socket_disable = True
proc_name = "aula-web"
