"""Fixtures of the report tests: the test's database, seeded with the hand-worked fortnight of tests/reports/seed.py."""

from __future__ import annotations

import pytest

from store.db import open_database
from tests.reports.seed import seed


@pytest.fixture
def db(database_url):
    """The test's database (SQLite, or PostgreSQL with ADUAN_TEST_DATABASE_URL)."""
    database = open_database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def seeded(db):
    """The database holding the fortnight of 1–15 April 2026 and two complaints just outside it."""
    seed(db)
    return db
