#!/usr/bin/env bash
# Back up Aula: the PostgreSQL database and the media files, with a checksum manifest.
#
#   BACKUP_DIR/aula-<UTC time>/
#     database.dump     pg_dump, custom format (restore with pg_restore: restore.sh)
#     media.tar.gz      MEDIA_ROOT as it was read
#     media.sha256      the SHA-256 of every file in media.tar.gz, read from the tarball
#     info.txt          when, where from, how big (no password)
#     MANIFEST.sha256   the SHA-256 of the files above
#
# A backup is written under a hidden name and renamed only when complete, so a crash
# leaves nothing that looks like a backup. Then all but the newest BACKUP_KEEP complete
# backups are deleted. Run by aula-backup.service every night; docs/deployment.md.
#
# Environment: DATABASE_URL (required), MEDIA_ROOT (default /srv/aula/media), BACKUP_DIR
# (default /var/backups/aula), BACKUP_KEEP (default 14). With media in object storage
# (AWS_STORAGE_BUCKET_NAME set) the bucket's own versioning keeps them: no media here.
set -euo pipefail
umask 077

here=$(dirname "$(readlink -f "$0")")
# shellcheck source=deploy/pg-env.sh
source "$here/pg-env.sh"

die() {
  echo "backup: $*" >&2
  exit 1
}

: "${DATABASE_URL:?backup: DATABASE_URL is not set}"
media_root=${MEDIA_ROOT:-/srv/aula/media}
backup_dir=${BACKUP_DIR:-/var/backups/aula}
keep=${BACKUP_KEEP:-14}
[[ $keep =~ ^[1-9][0-9]*$ ]] || die "BACKUP_KEEP must be a whole number of at least 1, not '$keep'"
pg_env_from_url DATABASE_URL || die "cannot read DATABASE_URL"
[[ -n ${PGDATABASE:-} ]] || die "DATABASE_URL names no database"

mkdir -p "$backup_dir"
# One backup at a time: a slow one must not be overtaken by the next night's.
exec 9>"$backup_dir/.lock"
flock --nonblock 9 || die "another backup is running in $backup_dir"

stamp=$(date -u +%Y%m%dT%H%M%SZ)
name="aula-$stamp"
while [[ -e $backup_dir/$name ]]; do # two runs in one second
  sleep 1
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  name="aula-$stamp"
done
work="$backup_dir/.$name.partial"
trap 'rm -rf "$work"' EXIT
mkdir "$work"

# The database: one consistent snapshot, whatever is written meanwhile. The cache table's
# rows (rendered pages, rate-limit counts) are left out: they are rebuilt on demand.
pg_dump --format=custom --compress=6 --exclude-table-data=aula_cache --file="$work/database.dump"
pg_restore --list "$work/database.dump" >/dev/null # readable, and complete

# The media files, then each file's checksum as it is in the tarball: files uploaded
# while tar runs cannot make the list and the tarball disagree.
media_files=0
if [[ -n ${AWS_STORAGE_BUCKET_NAME:-} ]]; then
  echo "backup: media are in the bucket $AWS_STORAGE_BUCKET_NAME (object storage keeps its own versions); not copied" >&2
elif [[ -d $media_root ]]; then
  status=0
  tar --create --gzip --file="$work/media.tar.gz" --directory="$media_root" \
    --sort=name --warning=no-file-changed . || status=$?
  # 1: a file changed while it was read (an upload); the tarball and its list still agree.
  ((status <= 1)) || die "tar failed ($status)"
  # shellcheck disable=SC2016  # expanded by tar's shell, per file
  tar --extract --gzip --file="$work/media.tar.gz" \
    --to-command='printf "%s  %s\n" "$(sha256sum | cut -d" " -f1)" "$TAR_FILENAME"' \
    >"$work/media.sha256"
  media_files=$(wc -l <"$work/media.sha256")
else
  die "MEDIA_ROOT $media_root does not exist"
fi

{
  echo "created: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host: $(hostname)"
  echo "database: ${PGDATABASE} on ${PGHOST:-local socket}"
  echo "pg_dump: $(pg_dump --version)"
  echo "media: ${media_root} (${media_files} files)"
} >"$work/info.txt"

files=(database.dump info.txt)
if [[ -f $work/media.tar.gz ]]; then
  files+=(media.tar.gz media.sha256)
fi
(cd "$work" && sha256sum "${files[@]}" >MANIFEST.sha256)
mv "$work" "$backup_dir/$name"
trap - EXIT

# Retention: complete backups only (they have a manifest), newest first by name.
mapfile -t backups < <(
  find "$backup_dir" -mindepth 1 -maxdepth 1 -type d -name 'aula-*Z' \
    -exec test -f '{}/MANIFEST.sha256' ';' -print | sort -r
)
for old in "${backups[@]:keep}"; do
  rm -rf -- "$old"
  echo "backup: deleted $old (keeping the newest $keep)"
done

size=$(du -sh "$backup_dir/$name" | cut -f1)
echo "backup: wrote $backup_dir/$name ($size; database $PGDATABASE, $media_files media files)"
