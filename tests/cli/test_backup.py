"""`python main.py backup PATH` as an operator runs it: a copy taken while intake writes, checked, restorable."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from app.build import build_runtime
from app.server import create_app
from complaints.model import InboundMessage
from intake.batch import WriteItem, write_batch
from store.migrate import pending
from tests.cli.test_commands import run
from tests.conftest import PG_URL, with_env

sqlite_only = pytest.mark.skipif(bool(PG_URL), reason="a SQLite backup; the PostgreSQL run checks pg_dump below")


@pytest.fixture
def head(runtime) -> str:
    """The schema revision the code needs."""
    return pending(runtime.db)[1]


def sqlite_path(database_url: str) -> Path:
    """The file of a sqlite:/// URL."""
    return Path(make_url(database_url).database)


def codes_in(path: Path) -> set[str]:
    """Every tracking code stored in a SQLite file."""
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT code FROM complaints")}


def file_complaints(runtime, count: int) -> list[str]:
    """Store complaints through intake's writer, as a channel would, and return their codes."""
    now = datetime.now(timezone.utc)
    items = [WriteItem(InboundMessage(channel="web", provider_message_id=f"seed-{uuid.uuid4().hex}",
                                      text=f"Jalan rusak berlubang di Mataram, laporan {i}", received_at=now, raw="{}"),
                       runtime.config) for i in range(count)]
    assert write_batch(runtime.db, items, now, runtime.env.public_url) is None
    return [item.result.code for item in items]


class IntakeLoad:
    """A thread that files complaints through `runtime.intake` without pause; `committed` grows as each is answered."""

    def __init__(self, runtime, senders: int = 4) -> None:
        self.runtime = runtime
        self.senders = senders
        self.committed: list[str] = []
        self.errors: list[BaseException] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), name="intake-load", daemon=True)

    def __enter__(self) -> IntakeLoad:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join(timeout=60)
        assert not self._thread.is_alive(), "the intake load did not stop"

    def wait_for(self, count: int, timeout: float = 60) -> None:
        """Wait until at least `count` complaints are committed."""
        deadline = time.monotonic() + timeout
        while len(self.committed) < count:
            assert not self.errors, self.errors
            assert time.monotonic() < deadline, f"only {len(self.committed)} complaints stored"
            time.sleep(0.01)

    async def _main(self) -> None:
        writer = self.runtime.intake.writer
        writer.start()
        try:
            await asyncio.gather(*(self._send(n) for n in range(self.senders)))
        finally:
            await writer.stop()

    async def _send(self, sender: int) -> None:
        number = 0
        while not self._stop.is_set():
            number += 1
            msg = InboundMessage(channel="web", provider_message_id=f"load-{sender}-{number}",
                                 text=f"Lampu jalan mati di Ampenan sejak minggu lalu ({sender}/{number})",
                                 received_at=datetime.now(timezone.utc), raw="{}")
            try:
                result = await self.runtime.intake.accept(msg)
            except BaseException as exc:  # the test reports it; the load stops
                self.errors.append(exc)
                return
            self.committed.append(result.code)


@sqlite_only
def test_a_backup_taken_while_intake_writes_holds_every_complaint_committed_before_it(runtime, head, database_url,
                                                                                        tmp_path):
    """Backup under load: every complaint answered before it started is in the copy, which opens and checks ok."""
    target = tmp_path / "backups" / "aduan-backup.db"
    target.parent.mkdir()
    with IntakeLoad(runtime) as load:
        load.wait_for(40)
        before = list(load.committed)
        result = run("backup", str(target), env={"ADUAN_DATABASE_URL": database_url})
        during = len(load.committed)
        load.wait_for(during + 10)  # the service kept writing through and after the backup
    assert not load.errors
    assert result.returncode == 0, result.stderr
    stored = codes_in(target)
    assert set(before) <= stored
    assert stored <= set(load.committed)
    size = target.stat().st_size
    assert result.stdout.startswith(f"backup written to {target}: ")
    assert result.stdout.strip().endswith(f"revision {head}, {len(stored)} complaint(s), integrity ok")
    assert result.stdout.count("\n") == 1 and size > 0
    assert not target.with_name(target.name + ".tmp").exists()
    assert not Path(f"{target}-wal").exists()  # one self-contained file
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert os.stat(target).st_mode & 0o077 == 0  # citizens' personal data: the owner's alone


@sqlite_only
def test_db_upgrade_on_a_backup_changes_nothing(runtime, head, database_url, tmp_path):
    """A backup is at the code's revision: `db upgrade` on it applies nothing and keeps every row."""
    codes = file_complaints(runtime, 3)
    target = tmp_path / "copy.db"
    assert run("backup", str(target), env={"ADUAN_DATABASE_URL": database_url}).returncode == 0

    def schema_and_codes():
        with sqlite3.connect(target) as conn:
            return sorted(conn.execute("SELECT type, name, sql FROM sqlite_master")), codes_in(target)

    before = schema_and_codes()
    upgraded = run("db", "upgrade", env={"ADUAN_DATABASE_URL": f"sqlite:///{target}"})
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout == f"database is at revision {head}\n"
    assert schema_and_codes() == before
    assert before[1] == set(codes)


@sqlite_only
async def test_the_service_serves_from_a_restored_backup(aiohttp_client, runtime, env, sample_config, database_url,
                                                         tmp_path):
    """Restore is pointing ADUAN_DATABASE_URL at the copy: the service starts on it and tracks what it held."""
    code = file_complaints(runtime, 1)[0]
    target = tmp_path / "restored.db"
    assert run("backup", str(target), env={"ADUAN_DATABASE_URL": database_url}).returncode == 0
    sqlite_path(database_url).unlink()  # the original is gone: only the backup is left
    restored = build_runtime(with_env(env, database_url=f"sqlite:///{target}"), sample_config)
    client = await aiohttp_client(create_app(restored))
    try:
        answer = await client.get(f"/api/v1/track/{code}")
        assert answer.status == 200
        assert (await answer.json())["code"] == code
    finally:
        await client.close()
        restored.readers.shutdown(wait=True)
        restored.db.dispose()


@sqlite_only
def test_an_existing_path_is_kept_unless_forced(database_url, tmp_path):
    """PATH already there: one line naming it and --force, exit 1, the file untouched; --force replaces it."""
    target = tmp_path / "aduan-backup.db"
    target.write_bytes(b"last week's backup")
    refused = run("backup", str(target), env={"ADUAN_DATABASE_URL": database_url})
    assert refused.returncode == 1
    assert refused.stderr == f"error: {target} exists; choose another name, or add --force to replace it\n"
    assert refused.stdout == ""
    assert target.read_bytes() == b"last week's backup"
    forced = run("backup", str(target), "--force", env={"ADUAN_DATABASE_URL": database_url})
    assert forced.returncode == 0, forced.stderr
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


@sqlite_only
def test_a_folder_that_cannot_be_written_is_one_line(database_url, tmp_path):
    """A backup into a folder that does not exist: one line naming the folder, exit 1, nothing left behind."""
    folder = tmp_path / "no-such-folder"
    result = run("backup", str(folder / "aduan.db"), env={"ADUAN_DATABASE_URL": database_url})
    assert result.returncode == 1
    assert result.stderr == f"error: cannot write in {folder}: No such file or directory\n"
    assert not folder.exists()


def test_a_missing_database_is_named_and_not_created(tmp_path):
    """No store at ADUAN_DATABASE_URL: one line saying so, exit 1, and no empty database made in its place."""
    source = tmp_path / "var" / "aduan.db"
    result = run("backup", str(tmp_path / "b.db"), env={"ADUAN_DATABASE_URL": f"sqlite:///{source}"})
    assert result.returncode == 1
    assert result.stderr == f"error: no SQLite database at {source} (ADUAN_DATABASE_URL); nothing to back up\n"
    assert not source.exists() and not (tmp_path / "b.db").exists()


def test_postgresql_without_pg_dump_prints_the_command_without_the_password(tmp_path):
    """On PostgreSQL the command says to use pg_dump, prints the command line without the password, exits 2."""
    url = "postgresql://aduan:rahasia-sekali@db.internal:5433/aduan?sslmode=require"
    target = tmp_path / "aduan.dump"
    result = run("backup", str(target), env={"ADUAN_DATABASE_URL": url})
    assert result.returncode == 2
    assert result.stdout == (f"pg_dump --format=custom --file={target} "
                             "'--dbname=postgresql://aduan@db.internal:5433/aduan?sslmode=require'\n")
    assert result.stderr.startswith("error: the store is PostgreSQL") and "--pg-dump" in result.stderr
    assert "rahasia-sekali" not in result.stdout + result.stderr
    assert not target.exists()


@pytest.mark.skipif(not (PG_URL and shutil.which("pg_dump") and shutil.which("pg_restore")),
                    reason="needs ADUAN_TEST_DATABASE_URL and the PostgreSQL client tools")
def test_a_postgresql_dump_restores_into_a_new_database_with_every_row(runtime, database_url, tmp_path):
    """`backup --pg-dump`, then pg_restore into a new database: the same rows in every table that matters."""
    file_complaints(runtime, 5)
    target = tmp_path / "aduan.dump"
    result = run("backup", str(target), "--pg-dump", env={"ADUAN_DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"backup written to {target}: ") and target.stat().st_size > 0

    source = make_url(database_url)
    name = f"aduan_restore_{uuid.uuid4().hex[:12]}"
    admin = create_engine(source.set(drivername="postgresql+psycopg", database="postgres"), isolation_level="AUTOCOMMIT")
    tables = ("complaints", "inbound_messages", "events", "outbox", "alembic_version")

    def counts(url) -> dict[str, int]:
        engine = create_engine(url.set(drivername="postgresql+psycopg"))
        try:
            with engine.connect() as conn:
                return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}
        finally:
            engine.dispose()

    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        restored_url = source.set(database=name)
        dsn = URL.create("postgresql", username=source.username, host=source.host, port=source.port, database=name)
        restore = subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={dsn.render_as_string(hide_password=False)}", str(target)],
            env=dict(os.environ, **({"PGPASSWORD": source.password} if source.password else {})),
            capture_output=True, text=True, timeout=120)
        assert restore.returncode == 0, restore.stderr
        expected = counts(source)
        assert expected["complaints"] == 5
        assert counts(restored_url) == expected
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_backup_is_listed_in_the_help():
    """`python main.py --help` names the command, and its own help names --force and --pg-dump."""
    assert "backup" in run("--help").stdout
    usage = run("backup", "--help")
    assert usage.returncode == 0 and "--force" in usage.stdout and "--pg-dump" in usage.stdout
