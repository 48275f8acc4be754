"""Shared fixtures: a migrated database per test (SQLite, or PostgreSQL with ADUAN_TEST_DATABASE_URL), a runtime, a client."""

from __future__ import annotations

import os
import shutil
from dataclasses import fields, replace
from pathlib import Path

import pytest
import structlog
from sqlalchemy import event, text
from sqlalchemy.pool import Pool

from app.server import create_app
from config.logging import console_renderer
from app.build import build_runtime
from channels import REGISTRY
from config.env import Env
from config.loader import load_config
from store.db import open_database
from store.migrate import upgrade
from store.models import Base

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CONFIG = ROOT / "config"
OPERATOR_TOKEN = "test-operator-token-0123456789"
PG_URL = os.environ.get("ADUAN_TEST_DATABASE_URL")

# Tests that do not configure logging themselves keep structlog's defaults, but with plain tracebacks (as `serve`).
structlog.configure(processors=[*structlog.get_config()["processors"][:-1], console_renderer()])


@pytest.fixture(autouse=True)
def close_leftover_connections():
    """Close every database connection a test opened, once everything else is torn down.

    An app's shutdown still writes (the outbox records its last outcomes), and pytest may tear a runtime
    fixture down before the test client that runs that shutdown; the late write opens a connection in the
    disposed engine's fresh pool, which pytest keeps alive until the session ends. On PostgreSQL those would
    pile up to the server's connection limit.
    """
    opened = []

    def on_connect(dbapi_connection, _record) -> None:
        opened.append(dbapi_connection)

    event.listen(Pool, "connect", on_connect)
    yield
    event.remove(Pool, "connect", on_connect)
    for connection in opened:
        try:
            connection.close()
        except Exception:  # a SQLite connection of another thread: it goes with its file
            pass


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> str:
    """Migrate once per session: a template SQLite file, or the PostgreSQL test database."""
    if PG_URL:
        db = open_database(PG_URL)
        upgrade(db)
        db.dispose()
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "aduan.db"
    db = open_database(f"sqlite:///{path}")
    upgrade(db)
    db.dispose()  # the last connection to close checkpoints the WAL into the file we copy
    return str(path)


@pytest.fixture
def database_url(migrated_template, tmp_path) -> str:
    """A migrated, empty database for this test."""
    if PG_URL:
        db = open_database(PG_URL)
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with db.writer.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.dispose()
        return PG_URL
    target = tmp_path / "aduan.db"
    shutil.copy(migrated_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def db(database_url):
    """The test's database (SQLite, or PostgreSQL with ADUAN_TEST_DATABASE_URL), closed after the test."""
    database = open_database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def env(database_url, tmp_path) -> Env:
    """The environment of a test service: sample config, its own var/ and an operator token."""
    return Env(
        database_url=database_url,
        config_dir=str(SAMPLE_CONFIG),
        public_url="http://aduan.test",
        operator_token=OPERATOR_TOKEN,
        secret_key="test-secret-key",
        var_dir=str(tmp_path / "var"),
        intake_writer="thread",
        sweep_scheduler=False,  # a sweep at start-up would add digests to every test's outbox
    )


@pytest.fixture(scope="session")
def sample_config():
    """The sample NTB configuration, checked."""
    result = load_config(SAMPLE_CONFIG, env={})
    assert result.errors == []
    return result.config


@pytest.fixture
def runtime(env, sample_config):
    """A runtime on a fresh database with the sample config."""
    rt = build_runtime(env, sample_config)
    yield rt
    rt.readers.shutdown(wait=True)
    rt.db.dispose()


@pytest.fixture
async def client(aiohttp_client, runtime):
    """An HTTP client of the whole app (API, pages, channels)."""
    return await aiohttp_client(create_app(runtime))


@pytest.fixture
def operator_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {OPERATOR_TOKEN}"}


def with_env(env: Env, **changes) -> Env:
    """Return a copy of an Env with some variables changed, by their names without ADUAN_ (`telegram_token`): the
    service's own fields, or a field of each registered channel's settings that has it (graph_api_url: both Meta's)."""
    own = {name: value for name, value in changes.items() if name in Env.__dataclass_fields__}
    channels = dict(env.channels)
    left = set(changes) - set(own)
    for channel in REGISTRY:
        names = {f.name for f in fields(channel.settings)} & set(changes)
        if names:
            settings = env.settings(channel.name, channel.settings)
            channels[channel.name] = replace(settings, **{name: changes[name] for name in names})
            left -= names
    if left:
        raise TypeError(f"no such variable: {', '.join(sorted(left))}")
    return replace(env, **own, channels=channels)


def channel_settings(env: Env, name: str):
    """Return the settings object of a registered channel in an Env (its defaults when the Env names none)."""
    channel = next(c for c in REGISTRY if c.name == name)
    return env.settings(name, channel.settings)
