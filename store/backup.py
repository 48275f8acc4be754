"""Back up the store while the service runs: SQLite through its online backup API, PostgreSQL through pg_dump."""

from __future__ import annotations

import os
import shlex
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

# A backup copies the store in one step under one read transaction: in WAL mode writers go on meanwhile, and a
# step-by-step copy would start over each time another connection writes (https://www.sqlite.org/backup.html).
ONE_STEP = -1
BUSY_TIMEOUT_S = 30


class BackupError(Exception):
    """A backup that was not written; `exit_code` is 1 for a failure, 2 for a store this command does not copy."""

    def __init__(self, message: str, exit_code: int = 1, command: str | None = None) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.command = command


@dataclass(frozen=True)
class Backup:
    """A backup written: where, its size in bytes, the schema revision and complaints it holds (None: not read)."""

    path: Path
    size: int
    revision: str | None
    complaints: int | None

    def describe(self) -> str:
        """One line for the operator."""
        if self.complaints is None:
            return f"backup written to {self.path}: {human_size(self.size)}, pg_dump custom format (restore with pg_restore)"
        return (f"backup written to {self.path}: {human_size(self.size)}, revision {self.revision or 'none'}, "
                f"{self.complaints} complaint(s), integrity ok")


def human_size(size: int) -> str:
    """A size in bytes as people read it: 812 B, 48.0 KiB, 1.3 MiB, 2.1 GiB."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def backup(database_url: str, path: str | os.PathLike, *, force: bool = False, pg_dump: bool = False) -> Backup:
    """Write a backup of the store at `database_url` to `path`, atomically; raise BackupError with what to do."""
    url = make_url(database_url)
    target = Path(path)
    if url.get_backend_name() == "sqlite":
        return backup_sqlite(url, target, force=force)
    if url.get_backend_name() in ("postgresql", "postgres"):
        return backup_postgresql(url, target, force=force, run=pg_dump)
    raise BackupError(f'cannot back up a "{url.get_backend_name()}" database; ADUAN_DATABASE_URL is sqlite:/// or postgresql://')


def _check_target(target: Path, force: bool) -> Path:
    """Refuse an existing target without --force, or a leftover temporary file; return the temporary path."""
    if target.is_dir():
        raise BackupError(f"{target} is a directory; give the backup's file name, such as {target / 'aduan-backup.db'}")
    if target.exists() and not force:
        raise BackupError(f"{target} exists; choose another name, or add --force to replace it")
    temporary = target.with_name(target.name + ".tmp")
    if temporary.exists():
        raise BackupError(f"{temporary} exists: another backup is being written there, or one was interrupted; "
                          "remove it once no backup is running")
    return temporary


def _create(temporary: Path) -> None:
    """Create the temporary file readable by its owner only (a backup holds citizens' personal data)."""
    try:
        os.close(os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise BackupError(f"cannot write in {temporary.parent}: {exc.strerror}") from None


def _publish(temporary: Path, target: Path) -> int:
    """Flush the finished file to disk, move it to its name in one step, and return its size."""
    with open(temporary, "rb+") as written:
        os.fsync(written.fileno())
    os.replace(temporary, target)
    try:
        folder = os.open(target.parent, os.O_RDONLY)
    except OSError:
        pass  # a folder that cannot be opened for reading cannot be flushed; the rename is still done
    else:
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    return target.stat().st_size


def backup_sqlite(url: URL, target: Path, *, force: bool = False) -> Backup:
    """Copy a SQLite store with its online backup API: one consistent snapshot, writers go on meanwhile."""
    source_path = Path(url.database or "")
    if not url.database or url.database == ":memory:" or not source_path.is_file():
        raise BackupError(f"no SQLite database at {source_path} (ADUAN_DATABASE_URL); nothing to back up")
    if target.exists() and target.resolve() == source_path.resolve():
        raise BackupError(f"{target} is the database itself; write the backup to another file")
    temporary = _check_target(target, force)
    _create(temporary)
    try:
        revision, complaints = _copy(source_path, temporary)
        size = _publish(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return Backup(target, size, revision, complaints)


def _copy(source_path: Path, temporary: Path) -> tuple[str | None, int]:
    """Copy the store into the temporary file, make it one self-contained file and check it; return what it holds."""
    try:
        # mode=rw: never create an empty database where the store was expected.
        source = sqlite3.connect(f"{source_path.resolve().as_uri()}?mode=rw", uri=True, timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open the database {source_path}: {exc}") from None
    try:
        copy = sqlite3.connect(temporary, timeout=BUSY_TIMEOUT_S)
        try:
            source.backup(copy, pages=ONE_STEP)
            # A rollback journal instead of WAL: the backup is one file, with no -wal or -shm beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
            problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupError(f"the copy failed its integrity check ({'; '.join(problems[:3])}); "
                                  "nothing was written, run the backup again")
            revision = _one(copy, "SELECT version_num FROM alembic_version")
            complaints = _one(copy, "SELECT count(*) FROM complaints") or 0
        finally:
            copy.close()
    except sqlite3.Error as exc:
        raise BackupError(f"the backup of {source_path} failed: {exc}") from None
    finally:
        source.close()
    return revision, complaints


def _one(conn: sqlite3.Connection, sql: str):
    """The first value of a query, or None when its table does not exist yet (a store never upgraded)."""
    try:
        row = conn.execute(sql).fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


def pg_dump_arguments(url: URL, target: Path) -> list[str]:
    """The pg_dump command that writes a custom-format dump of the database at `url`, without its password."""
    # URL.set() keeps a field given as None, so the URL is built anew without the password.
    bare = URL.create("postgresql", username=url.username, host=url.host, port=url.port, database=url.database,
                      query=url.query)
    dsn = bare.render_as_string(hide_password=False)
    return ["pg_dump", "--format=custom", f"--file={target}", f"--dbname={dsn}"]


def backup_postgresql(url: URL, target: Path, *, force: bool = False, run: bool = False) -> Backup:
    """Dump a PostgreSQL store with pg_dump when `run`; otherwise raise BackupError (exit 2) with the command to run."""
    command = shlex.join(pg_dump_arguments(url, target))
    if not run:
        raise BackupError("the store is PostgreSQL, which this command does not copy itself: run pg_dump as below "
                          "(the password from PGPASSWORD or ~/.pgpass), or run this command again with --pg-dump",
                          exit_code=2, command=command)
    if shutil.which("pg_dump") is None:
        raise BackupError("pg_dump is not on PATH; install the PostgreSQL client of the server's version "
                          "(Debian: apt-get install postgresql-client)")
    temporary = _check_target(target, force)
    _create(temporary)
    environ = dict(os.environ, **({"PGPASSWORD": url.password} if url.password else {}))
    try:
        done = subprocess.run(pg_dump_arguments(url, temporary), env=environ, capture_output=True, text=True)
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines() or [f"exit code {done.returncode}"]
            raise BackupError(f"pg_dump failed: {lines[0]}")
        size = _publish(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return Backup(target, size, None, None)
