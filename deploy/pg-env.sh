# Sourced by backup.sh and restore.sh: libpq's environment (PGHOST, PGPORT, PGUSER,
# PGPASSWORD, PGDATABASE, PGSSLMODE...) from a postgres:// URL such as DATABASE_URL, so
# that no password ever appears in a command line (which every user of the host can read).

# pg_env_from_url NAME: export the PG* variables for the URL held in the variable NAME.
pg_env_from_url() {
  local exports
  exports=$(URL_VARIABLE="$1" "${PYTHON:-python3}" - <<'PY'
import os
import shlex
import sys
from urllib.parse import parse_qsl, unquote, urlsplit

url = os.environ.get(os.environ["URL_VARIABLE"], "")
parts = urlsplit(url)
if parts.scheme not in ("postgres", "postgresql", "pgsql"):
    sys.exit(f"{os.environ['URL_VARIABLE']} is not a postgres:// URL")
found = {
    "PGHOST": unquote(parts.hostname or ""),
    "PGPORT": str(parts.port or ""),
    "PGUSER": unquote(parts.username or ""),
    "PGPASSWORD": unquote(parts.password or ""),
    "PGDATABASE": unquote(parts.path.lstrip("/")),
}
# The libpq parameters a DATABASE_URL may carry in its query string.
known = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
    "options": "PGOPTIONS",
    "service": "PGSERVICE",
}
for key, value in parse_qsl(parts.query):
    if key in known:
        found[known[key]] = value
for name, value in found.items():
    if value:
        print(f"export {name}={shlex.quote(value)}")
PY
  ) || return 1
  unset PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE PGSSLMODE PGSSLROOTCERT PGSSLCERT \
    PGSSLKEY PGCONNECT_TIMEOUT PGAPPNAME PGOPTIONS PGSERVICE
  eval "$exports"
}
