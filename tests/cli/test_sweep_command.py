"""`python main.py sweep` given what an operator may mistype: a bad --at, a store not yet migrated, no history."""

from __future__ import annotations

from tests.cli.test_commands import run


def test_an_unreadable_at_is_refused_with_an_example(database_url):
    """--at that is no time: exit 2, the store untouched, and an example of what is meant."""
    result = run("sweep", "--at", "besok pagi", env={"ADUAN_DATABASE_URL": database_url})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: --at must be an ISO 8601 time such as 2026-11-24T16:00 (local, Asia/Makassar) or "
        "2026-11-24T08:00:00Z, not 'besok pagi'")
    history = run("sweep", "--history", env={"ADUAN_DATABASE_URL": database_url})
    assert history.stdout == "no sweep has run yet\n"


def test_a_store_behind_the_code_is_named_and_left_alone(tmp_path):
    """A database never migrated: the sweep says which command to run first, exit 1."""
    result = run("sweep", env={"ADUAN_DATABASE_URL": f"sqlite:///{tmp_path}/empty.db"})
    assert result.returncode == 1
    assert "run `python main.py db upgrade` first" in result.stderr
    assert result.stdout == ""
