"""Fixtures of the workbench tests: the inbox's data set in the test's store, and accounts of an agency officer, an
officer of another agency and an operator, each with a password."""

from __future__ import annotations

import pytest

from tests.workbench import helpers as h


@pytest.fixture
def inbox_data(runtime) -> dict[str, int]:
    """The data set of tests/workbench/helpers.py, written now; the complaints' ids by code."""
    return h.seed(runtime.db)


@pytest.fixture
def officer_id(runtime) -> int:
    """The account of an officer of Dinas Kesehatan Kota Mataram."""
    return h.add_account(runtime.db, h.OFFICER_EMAIL, h.OFFICER, "agency", h.AGENCY)


@pytest.fixture
async def officer(client, inbox_data, officer_id):
    """The test client, signed in as the Dinas Kesehatan Kota Mataram officer, with the data set stored."""
    await h.signed_in(client, h.OFFICER_EMAIL)
    return client
