"""Database schema, migrations and queries (SQLite or PostgreSQL)."""
