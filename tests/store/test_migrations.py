"""The migrations build exactly the schema the models describe, and step down and up again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import String, Text

from store import search
from store.db import open_database
from store.migrate import _alembic_config, pending, upgrade
from store.models import Base


def _same_but_length(context, inspected_column, metadata_column, inspected_type, metadata_type):
    """On SQLite, a VARCHAR that differs only in its length is the same column: SQLite never enforces the length, and
    cannot change a column's type in place (0012 widens `outbox.state` on PostgreSQL only). None: Alembic's own
    comparison."""
    varchars = [isinstance(t, String) and not isinstance(t, Text) for t in (inspected_type, metadata_type)]
    if context.dialect.name == "sqlite" and all(varchars):
        return False
    return None


def test_the_migrated_schema_matches_the_models(database_url):
    """Autogenerate finds nothing to add, drop or change after `db upgrade` (a model changed without its migration
    shows here)."""
    db = open_database(database_url)
    try:
        with db.reader.connect() as conn:
            # The search's FTS5 tables and expression indexes are no model's (store/search.py leaves them out).
            opts = {"include_name": search.include_name, "compare_type": _same_but_length}
            diff = compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata)
        assert diff == []
        current, head = pending(db)
        assert current == head
    finally:
        db.dispose()


def test_the_latest_migration_steps_down_and_up(tmp_path):
    """The newest revision's downgrade undoes it cleanly and the upgrade applies again (SQLite)."""
    db = open_database(f"sqlite:///{tmp_path / 'steps.db'}")
    try:
        upgrade(db)
        _, head = pending(db)
        command.downgrade(_alembic_config(db), "-1")
        assert pending(db)[0] != head
        upgrade(db)
        assert pending(db) == (head, head)
    finally:
        db.dispose()
