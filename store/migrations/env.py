"""Alembic environment: run migrations on the engine the caller hands over."""

from alembic import context

from store import search
from store.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=search.include_name,  # the search's FTS5 tables and expression indexes are no model's
    )
    context.run_migrations()
