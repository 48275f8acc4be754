"""Apply the Alembic migrations and tell whether a database is behind."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from store.db import Database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _alembic_config(db: Database) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = db.writer
    return cfg


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema up to `revision`."""
    command.upgrade(_alembic_config(db), revision)


def pending(db: Database) -> tuple[str | None, str]:
    """Return (current revision, head revision) of the database."""
    script = ScriptDirectory.from_config(_alembic_config(db))
    head = script.get_current_head()
    with db.reader.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return current, head
