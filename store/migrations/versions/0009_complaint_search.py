"""full-text search over complaints' text and their follow-ups (the console's `q`), built for the rows already there

SQLite: one FTS5 index over complaints.text and one over followups.text, each an external-content table (it
reads the text from the table it indexes, so nothing is stored twice), kept up to date by triggers, so the code
that writes complaints and follow-ups does not change. PostgreSQL: GIN indexes on to_tsvector('simple', text) of
both tables; 'simple' lower-cases and stems nothing, so Indonesian words match as written.

No model describes these (store.search.include_name leaves them out when the schema is compared with the models).
A later migration that rebuilds complaints or followups on SQLite (batch mode copies the table and drops the old
one) drops these triggers with it and must create them again.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# (index table, table it indexes); store/search.py queries them by these names.
SQLITE_INDEXES = (('complaint_search', 'complaints'), ('followup_search', 'followups'))
# unicode61 folds case and, with remove_diacritics 2, every diacritic (é, ô, ñ) so "kafe" finds "kafé".
TOKENIZE = 'unicode61 remove_diacritics 2'
PG_INDEXES = (('ix_complaints_text_search', 'complaints'), ('ix_followups_text_search', 'followups'))


def _sqlite_upgrade() -> None:
    for index, table in SQLITE_INDEXES:
        op.execute(f"CREATE VIRTUAL TABLE {index} USING fts5(text, content='{table}', content_rowid='id', "
                   f"tokenize='{TOKENIZE}')")
        # An external-content index is told what to forget with the old text itself
        # (https://www.sqlite.org/fts5.html#external_content_tables).
        forget = f"INSERT INTO {index}({index}, rowid, text) VALUES ('delete', old.id, old.text);"
        learn = f"INSERT INTO {index}(rowid, text) VALUES (new.id, new.text);"
        op.execute(f"CREATE TRIGGER {index}_insert AFTER INSERT ON {table} BEGIN {learn} END")
        op.execute(f"CREATE TRIGGER {index}_update AFTER UPDATE OF text ON {table} BEGIN {forget} {learn} END")
        op.execute(f"CREATE TRIGGER {index}_delete AFTER DELETE ON {table} BEGIN {forget} END")
        op.execute(f"INSERT INTO {index}({index}) VALUES ('rebuild')")  # the rows stored before this migration


def _sqlite_downgrade() -> None:
    for index, _ in SQLITE_INDEXES:
        for trigger in ('insert', 'update', 'delete'):
            op.execute(f"DROP TRIGGER {index}_{trigger}")
        op.execute(f"DROP TABLE {index}")


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        _sqlite_upgrade()
        return
    for name, table in PG_INDEXES:
        op.create_index(name, table, [sa.text("to_tsvector('simple', text)")], postgresql_using='gin')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        _sqlite_downgrade()
        return
    for name, table in PG_INDEXES:
        op.drop_index(name, table_name=table)
