#!/usr/bin/env bash
# Restore a backup made by backup.sh into a new database and a new media directory.
#
#   restore.sh BACKUP --database NAME [--media-dir DIR] [--server URL]
#
# First checks every checksum of BACKUP, and touches nothing if one differs. Then creates
# the database NAME, which must not exist, on the PostgreSQL server of URL (default:
# DATABASE_URL's), restores into it in one transaction, unpacks the media into DIR, which
# must not exist or be empty, and checks every file against the backup's list. On any
# failure the new database and directory are removed: nothing half-restored is left.
# The live site is never touched; switching it over is a separate step
# (docs/deployment.md).
set -euo pipefail
umask 022

here=$(dirname "$(readlink -f "$0")")
# shellcheck source=deploy/pg-env.sh
source "$here/pg-env.sh"

die() {
  echo "restore: $*" >&2
  exit 1
}
usage() {
  echo "usage: restore.sh BACKUP --database NAME [--media-dir DIR] [--server postgres://...]" >&2
  exit 2
}

backup="" database="" media_dir="" server=${DATABASE_URL:-}
while (($#)); do
  case $1 in
  --database | --media-dir | --server)
    (($# >= 2)) || usage
    case $1 in
    --database) database=$2 ;;
    --media-dir) media_dir=$2 ;;
    --server) server=$2 ;;
    esac
    shift 2
    ;;
  -h | --help) usage ;;
  -*) die "unknown option $1" ;;
  *)
    [[ -z $backup ]] || usage
    backup=$1
    shift
    ;;
  esac
done
[[ -n $backup && -n $database ]] || usage
[[ -f $backup/MANIFEST.sha256 ]] || die "$backup is not a backup made by backup.sh (no MANIFEST.sha256)"
[[ $database =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "use a database name of lower-case letters, digits and _"
[[ -n $server ]] || die "no PostgreSQL server: pass --server postgres://... or set DATABASE_URL"
backup=$(readlink -f "$backup")

# 1. The backup is whole: every file as backup.sh wrote it.
(cd "$backup" && sha256sum --check --strict --quiet MANIFEST.sha256) ||
  die "checksums do not match: $backup is damaged; nothing was restored"

has_media=false
if [[ -f $backup/media.tar.gz ]]; then
  has_media=true
  [[ -n $media_dir ]] || die "the backup holds media files: pass --media-dir"
  if [[ -e $media_dir ]]; then
    [[ -d $media_dir && -z $(ls -A "$media_dir") ]] || die "$media_dir exists and is not an empty directory"
  fi
  media_dir=$(realpath -m "$media_dir")
fi

export AULA_RESTORE_SERVER=$server
pg_env_from_url AULA_RESTORE_SERVER || die "cannot read the server's URL"
unset PGDATABASE # the server's maintenance database is used to create the new one

exists=$(psql --dbname=postgres --no-psqlrc --tuples-only --no-align \
  --command="SELECT 1 FROM pg_database WHERE datname = '$database'")
[[ -z $exists ]] || die "database $database exists; restore into a new name"

created_database=false
partial=""
cleanup() {
  if [[ -n $partial ]]; then
    rm -rf -- "$partial"
  fi
  if $created_database; then
    dropdb --if-exists "$database" || echo "restore: could not drop $database; drop it by hand" >&2
  fi
}
trap cleanup EXIT

# 2. The database, in one transaction: all of it or nothing. Objects belong to the user
# restoring, whoever owned them before.
createdb --template=template0 --encoding=UTF8 "$database"
created_database=true
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
  --dbname="$database" "$backup/database.dump"
# Entries read "<id>; <catalog> <oid> TABLE public <name> <owner>" (TABLE DATA: the rows).
expected_tables=$(pg_restore --list "$backup/database.dump" | awk '$4 == "TABLE" && $5 == "public"' | wc -l)
restored_tables=$(psql --dbname="$database" --no-psqlrc --tuples-only --no-align \
  --command="SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
[[ $restored_tables == "$expected_tables" ]] ||
  die "the backup has $expected_tables tables but $restored_tables were restored"
migrations=$(psql --dbname="$database" --no-psqlrc --tuples-only --no-align \
  --command="SELECT count(*) FROM django_migrations")

# 3. The media: unpacked beside DIR, checked file by file, then moved into place.
media_files=0
if $has_media; then
  mkdir -p "$(dirname "$media_dir")"
  partial=$(mktemp -d "$media_dir.partial.XXXXXX")
  tar --extract --gzip --file="$backup/media.tar.gz" --directory="$partial" --no-same-owner
  (cd "$partial" && sha256sum --check --strict --quiet "$backup/media.sha256") ||
    die "restored media files differ from the backup's list"
  media_files=$(find "$partial" -type f | wc -l)
  listed=$(wc -l <"$backup/media.sha256")
  [[ $media_files == "$listed" ]] || die "$media_files media files restored, the list has $listed"
  chmod 0755 "$partial" # as MEDIA_ROOT: nginx reads the images
  if [[ -d $media_dir ]]; then
    rmdir "$media_dir"
  fi
  mv "$partial" "$media_dir"
  partial=""
fi

trap - EXIT
echo "restore: database $database ($restored_tables tables, $migrations migrations applied)" \
  "${media_dir:+and $media_dir ($media_files files) }restored from $backup; every checksum matches"
