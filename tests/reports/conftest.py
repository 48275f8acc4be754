"""Fixtures of the report tests: the test's database, seeded with the hand-worked fortnight of tests/reports/seed.py."""

from __future__ import annotations

import pytest

from tests.reports.seed import seed


@pytest.fixture
def seeded(db):
    """The database holding the fortnight of 1–15 April 2026 and two complaints just outside it."""
    seed(db)
    return db
