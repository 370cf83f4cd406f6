"""Backups that restore: deploy/backup.sh and deploy/restore.sh on a demo site, compared.

Run from the project root (`make backup-check`):

    .venv/bin/python -m bench.backup_check

In a temporary directory, on the PostgreSQL server of STACK_POSTGRES_URL (by default
postgres://postgres@127.0.0.1:5432/postgres):

1. seeds the demo into a throwaway database and media directory, lets the task worker
   render the certificate PDFs and makes an image rendition, so every kind of media file
   is there (images, documents, H5P packages and their files, certificates);
2. runs deploy/backup.sh beside two older backups, keeping two (BACKUP_KEEP=2);
3. runs deploy/restore.sh into a second database and directory;
4. compares them: the same tables with the same number of rows (the cache table's rows
   are left out of backups on purpose), key rows (accounts, pages, certificates,
   documents, images, migrations), every sequence, and the SHA-256 of every media file;
   the restored database needs no migration;
5. checks that restore.sh refuses a damaged backup and an existing database, and
   leaves nothing behind when it does;

prints a table, drops both databases and removes the directory. Exit status 1 if
anything differs.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from bench.stack import (
    DEPLOY,
    POSTGRES_URL,
    StackError,
    build_site,
    create_database,
    database_url,
    django_environment,
    drop_database,
    manage,
    throwaway_name,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BACKUP = DEPLOY / "backup.sh"
RESTORE = DEPLOY / "restore.sh"
CACHE_TABLE = "aula_cache"  # its rows are left out of backups: rebuilt on demand
KEEP = 2
OLD_BACKUPS = ["aula-20250101T031500Z", "aula-20250102T031500Z"]

RENDITION = """
from wagtail.images import get_image_model
for image in get_image_model().objects.all():
    image.get_rendition("width-400")
"""

# Rows that matter, in an order that does not depend on how they were restored.
KEY_ROWS = {
    "accounts": "SELECT email, password, is_staff, is_superuser FROM lms_user ORDER BY email",
    "pages": "SELECT id, path, url_path, title, live FROM wagtailcore_page ORDER BY path",
    "certificates": "SELECT code, reference, pdf, pdf_status FROM lms_certificate ORDER BY code",
    "documents": "SELECT id, title, file FROM wagtaildocs_document ORDER BY id",
    "images": "SELECT id, file, width, height FROM wagtailimages_image ORDER BY id",
    "migrations": "SELECT app, name FROM django_migrations ORDER BY app, name",
}


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def run(command: list, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, env=env, capture_output=True, text=True, cwd=PROJECT_ROOT)


def query(url: str, sql: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(url) as connection:
        return connection.execute(sql).fetchall()


def row_counts(url: str) -> dict[str, int]:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        return {
            table: connection.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()[0]
            for table in tables
        }


def sequences(url: str) -> dict[str, int | None]:
    return dict(query(url, "SELECT sequencename, last_value FROM pg_sequences ORDER BY 1"))


def media_checksums(root: Path) -> dict[str, str]:
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            found[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def fake_backup(directory: Path) -> None:
    """An older complete backup, as far as retention can tell."""
    directory.mkdir(parents=True)
    (directory / "info.txt").write_text("an older backup\n")
    digest = hashlib.sha256(b"an older backup\n").hexdigest()
    (directory / "MANIFEST.sha256").write_text(f"{digest}  info.txt\n")


def compare(source_url: str, restored_url: str, media: Path, restored_media: Path) -> list[Check]:
    checks = []
    source, restored = row_counts(source_url), row_counts(restored_url)
    differing = [
        f"{table}: {source[table]} vs {restored.get(table)}"
        for table in source
        if table != CACHE_TABLE and source[table] != restored.get(table)
    ]
    missing = sorted(set(source) ^ set(restored))
    rows = sum(count for table, count in source.items() if table != CACHE_TABLE)
    checks.append(
        Check(
            "every table, the same number of rows",
            not differing and not missing,
            "; ".join(differing + [f"only on one side: {missing}"] * bool(missing))
            or f"{len(source)} tables, {rows} rows",
        )
    )
    checks.append(
        Check(
            "cache table restored empty",
            restored.get(CACHE_TABLE) == 0,
            f"{source.get(CACHE_TABLE)} rows left out; rebuilt on demand",
        )
    )
    for name, sql in KEY_ROWS.items():
        before, after = query(source_url, sql), query(restored_url, sql)
        checks.append(
            Check(
                f"key rows: {name}",
                before == after and bool(before),
                f"{len(before)} rows identical" if before == after else "differ",
            )
        )
    before, after = sequences(source_url), sequences(restored_url)
    checks.append(
        Check(
            "sequences (the next ids)",
            before == after,
            f"{len(before)} sequences identical" if before == after else "differ",
        )
    )
    original, copy = media_checksums(media), media_checksums(restored_media)
    kinds = sorted({name.split("/")[0] for name in original})
    checks.append(
        Check(
            "media files, SHA-256 of each",
            original == copy and bool(original),
            f"{len(original)} files identical ({', '.join(kinds)})"
            if original == copy
            else f"{len(original)} vs {len(copy)} files, "
            f"{sum(original.get(k) != v for k, v in copy.items())} differ",
        )
    )
    return checks


def main(argv=None) -> int:
    print("Aula backup check: deploy/backup.sh and deploy/restore.sh on a demo site")
    checks: list[Check] = []
    try:
        with ExitStack() as cleanup:
            workdir = Path(tempfile.mkdtemp(prefix="aula-backup-check-"))
            cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
            source_db = throwaway_name("aula_backup_source")
            restored_db = throwaway_name("aula_backup_restored")
            create_database(source_db)
            cleanup.callback(drop_database, source_db)
            # Dropped even if restore.sh fails half-way (it drops what it created itself).
            cleanup.callback(drop_database, restored_db)

            env = django_environment(workdir, source_db)
            media = Path(env["MEDIA_ROOT"])
            media.mkdir()
            print(f"Seeding the demo (PostgreSQL database {source_db}):")
            build_site(env, static=False)
            started = time.monotonic()
            manage(env, "db_worker", "--batch", "--no-startup-delay")
            manage(env, "shell", "-c", RENDITION)
            print(f"  {'certificate PDFs':<16} {time.monotonic() - started:5.1f} s")

            backups = workdir / "backups"
            for name in OLD_BACKUPS:
                fake_backup(backups / name)
            shell_env = {
                **env,
                "BACKUP_DIR": str(backups),
                "BACKUP_KEEP": str(KEEP),
                "PYTHON": sys.executable,
            }
            started = time.monotonic()
            made = run([str(BACKUP)], shell_env)
            elapsed = time.monotonic() - started
            print(f"\n$ deploy/backup.sh\n{made.stdout}{made.stderr}".rstrip())
            if made.returncode != 0:
                raise StackError(f"backup.sh failed ({made.returncode})")
            kept = sorted(path.name for path in backups.iterdir() if path.name.startswith("aula-"))
            newest = kept[-1]
            checks.append(
                Check(
                    "backup.sh wrote a backup",
                    (backups / newest / "MANIFEST.sha256").is_file(),
                    f"{newest} in {elapsed:.1f} s: "
                    + ", ".join(
                        f"{path.name} {path.stat().st_size / 1024:.0f} KB"
                        for path in sorted((backups / newest).iterdir())
                    ),
                )
            )
            checks.append(
                Check(
                    f"retention keeps the newest {KEEP}",
                    kept == [OLD_BACKUPS[1], newest],
                    f"kept {', '.join(kept)}",
                )
            )

            restored_media = workdir / "restored" / "media"
            restore_env = {**shell_env, "PYTHON": sys.executable}
            started = time.monotonic()
            restored = run(
                [
                    str(RESTORE),
                    str(backups / newest),
                    "--database",
                    restored_db,
                    "--media-dir",
                    str(restored_media),
                    "--server",
                    POSTGRES_URL,
                ],
                restore_env,
            )
            elapsed = time.monotonic() - started
            print(f"\n$ deploy/restore.sh {newest} --database {restored_db} ...")
            print(f"{restored.stdout}{restored.stderr}".rstrip())
            checks.append(
                Check(
                    "restore.sh restored database and media",
                    restored.returncode == 0,
                    f"in {elapsed:.1f} s" if restored.returncode == 0 else restored.stderr[-200:],
                )
            )
            if restored.returncode == 0:
                checks += compare(
                    database_url(source_db), database_url(restored_db), media, restored_media
                )
                migrated = run(
                    [sys.executable, "manage.py", "migrate", "--check"],
                    {**env, "DATABASE_URL": database_url(restored_db)},
                )
                checks.append(
                    Check(
                        "restored database needs no migration",
                        migrated.returncode == 0,
                        "manage.py migrate --check"
                        + ("" if migrated.returncode == 0 else " failed"),
                    )
                )

            checks += refusals(backups / newest, restore_env, workdir, restored_db)
    except StackError as error:
        checks.append(Check("the check ran to its end", False, str(error)))

    print(f"\n  {'check':<44} result")
    for check in checks:
        print(f"  {check.name:<44} {'ok' if check.ok else 'FAIL':<4} {check.detail}")
    failed = [check for check in checks if not check.ok]
    print(f"{len(checks)} checks, {len(failed)} failed. Databases dropped, directory removed.")
    return 1 if failed else 0


def refusals(backup: Path, env: dict[str, str], workdir: Path, existing_db: str) -> list[Check]:
    """restore.sh refuses a damaged backup and an existing database, leaving nothing behind."""
    checks = []
    damaged = workdir / "damaged" / backup.name
    shutil.copytree(backup, damaged)
    dump = damaged / "database.dump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    target = throwaway_name("aula_backup_damaged")
    media = workdir / "damaged-media"
    refused = run(
        [
            str(RESTORE),
            str(damaged),
            "--database",
            target,
            "--media-dir",
            str(media),
            "--server",
            POSTGRES_URL,
        ],
        env,
    )
    created = query(POSTGRES_URL, f"SELECT 1 FROM pg_database WHERE datname = '{target}'")  # noqa: S608
    if created:
        drop_database(target)
    checks.append(
        Check(
            "a damaged backup is refused, nothing created",
            refused.returncode != 0
            and "checksums do not match" in refused.stderr
            and not created
            and not media.exists(),
            refused.stderr.strip().splitlines()[-1] if refused.stderr else "accepted",
        )
    )
    again = run(
        [
            str(RESTORE),
            str(backup),
            "--database",
            existing_db,
            "--media-dir",
            str(workdir / "again"),
            "--server",
            POSTGRES_URL,
        ],
        env,
    )
    checks.append(
        Check(
            "an existing database is never overwritten",
            again.returncode != 0 and "exists" in again.stderr,
            again.stderr.strip().splitlines()[-1] if again.stderr else "accepted",
        )
    )
    return checks


if __name__ == "__main__":
    os.umask(0o022)
    sys.exit(main())
