"""Fixtures of the dashboard tests: the sample data set in the store, and a way to sign in as a browser does."""

from __future__ import annotations

import re

import pytest

from tests.dashboard import seed as sample

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token a rendered form carries."""
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


async def sign_in(client, token: str, next_url: str | None = None):
    """Open the login form and submit `token` with the form's CSRF token; return the answer (not followed)."""
    page = await client.get("/dashboard/login")
    assert page.status == 200
    form = {"csrf": csrf_of(await page.text()), "token": token}
    if next_url is not None:
        form["next"] = next_url
    return await client.post("/dashboard/login", data=form, allow_redirects=False)


@pytest.fixture
def seeded(runtime) -> dict[str, int]:
    """The data set of tests/dashboard/seed.py, written to this test's store."""
    with runtime.db.writer.begin() as conn:
        return sample.seed(conn)
