"""API tokens through the command line and over HTTP: create with an expiry, list without secrets, revoke at once."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from aiohttp import web
from sqlalchemy import select

from api.auth import token_hash
from store import access
from store import models as m
from tests.cli.test_commands import run
from tests.dashboard.sessions import dashboard_with, move_back, open_session, stored_sessions

# Routes anyone may call; every other /api/ route needs a token.
PUBLIC = {("POST", "/api/v1/complaints"), ("GET", "/api/v1/track/{code}"), ("GET", "/api/v1/openapi.json")}


def cli(database_url: str, *args: str):
    """Run `python main.py ARGS` against the test's database."""
    return run(*args, env={"ADUAN_DATABASE_URL": database_url})


def create(database_url: str, *args: str) -> tuple[str, int]:
    """`token create ARGS`: the token (alone on the last line of stdout) and its id (told on stderr)."""
    result = cli(database_url, "token", "create", *args)
    assert result.returncode == 0, result.stderr
    token = result.stdout.splitlines()[-1]
    assert token.startswith("adu_") and " " not in token
    told = re.search(r"token (\d+) created", result.stderr)
    assert told, result.stderr
    return token, int(told.group(1))


def last_used(db) -> datetime | None:
    """The stored last_used_at of the only token."""
    with db.reader.connect() as conn:
        return conn.execute(select(m.ApiToken.last_used_at)).scalar_one()


def listing(database_url: str) -> list[dict]:
    """`token list --json`, parsed."""
    result = cli(database_url, "token", "list", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def bearer(token: str) -> dict[str, str]:
    """The Authorization header of a token."""
    return {"Authorization": f"Bearer {token}"}


def token_routes(app: web.Application) -> list[tuple[str, str]]:
    """Every (method, path) of the API that needs a token, placeholders filled in."""
    found = set()
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if route.method in ("GET", "POST") and path.startswith("/api/") and (route.method, path) not in PUBLIC:
            found.add((route.method, path.replace("{code}", "NTB-AAAA0001").replace("{id}", "1")))
    return sorted(found)


async def test_token_list_shows_last_use_after_a_call_and_never_the_secret(client, database_url):
    """A token made with --expires 90d lists with its expiry and no last use; after an API call it lists when it was
    used. Neither the token nor its hash is ever printed."""
    token, token_id = create(database_url, "--label", "laporan bulanan", "--expires", "90d")
    [before] = listing(database_url)
    assert set(before) >= {"id", "label", "agency", "created_at", "last_used_at", "expires_at", "revoked_at"}
    assert before["id"] == token_id and before["label"] == "laporan bulanan" and before["agency"] is None
    assert before["last_used_at"] is None and before["revoked_at"] is None
    created, expires = (datetime.fromisoformat(before[k]) for k in ("created_at", "expires_at"))
    assert abs(expires - created - timedelta(days=90)) < timedelta(seconds=2)
    resp = await client.get("/api/v1/complaints", headers=bearer(token))
    assert resp.status == 200
    [after] = listing(database_url)
    used = datetime.fromisoformat(after["last_used_at"])
    assert used.tzinfo is not None and abs(datetime.now(timezone.utc) - used) < timedelta(minutes=5)
    for output in (cli(database_url, "token", "list", "--json"), cli(database_url, "token", "list")):
        assert token not in output.stdout + output.stderr
        assert token_hash(token) not in output.stdout + output.stderr
    header, row = cli(database_url, "token", "list").stdout.splitlines()
    assert "LAST USED" in header
    assert "laporan bulanan" in row and "active" in row and "never" not in row


async def test_last_use_is_written_at_most_once_a_minute(client, db, database_url):
    """A second call within a minute leaves last_used_at as it was; a call a minute after the last recorded use
    moves it (the hot path is a read, not a write per request)."""
    token, _ = create(database_url)
    assert last_used(db) is None
    assert (await client.get("/api/v1/complaints", headers=bearer(token))).status == 200
    first = last_used(db)
    assert first is not None
    assert (await client.get("/api/v1/stats", headers=bearer(token))).status == 200
    assert last_used(db) == first
    move_back(db, m.ApiToken, timedelta(minutes=1), "created_at", "last_used_at")
    moved = last_used(db)
    assert (await client.get("/api/v1/complaints", headers=bearer(token))).status == 200
    assert last_used(db) > moved


async def test_token_revoke_gives_401_at_once_and_signs_its_dashboard_session_out(client, db, database_url, env):
    """After `token revoke ID` the next API call with the token is 401 and the dashboard session opened with it gets
    the login page; a session of the operator token stays open."""
    token, token_id = create(database_url, "--label", "meja pengaduan")
    assert (await client.get("/api/v1/complaints", headers=bearer(token))).status == 200
    theirs = await open_session(client, token)
    ours = await open_session(client, env.operator_token)
    assert (await dashboard_with(client, theirs)).status == 200
    result = cli(database_url, "token", "revoke", str(token_id))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (f"token {token_id} (meja pengaduan) revoked; API calls with it now get 401; "
                                     "1 dashboard session(s) ended")
    resp = await client.get("/api/v1/complaints", headers=bearer(token))
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "unauthorized"
    page = await dashboard_with(client, theirs)
    assert page.status == 303 and page.headers["Location"] == "/dashboard/login"
    assert (await dashboard_with(client, ours)).status == 200
    assert [row["end_reason"] for row in stored_sessions(db)] == ["token_revoked", None]
    assert listing(database_url)[0]["revoked_at"] is not None
    again = cli(database_url, "token", "revoke", str(token_id))
    assert again.returncode == 0 and "already revoked" in again.stdout


async def test_a_revoked_token_gets_401_on_every_api_route(client, runtime, database_url):
    """Every API route that takes a token answers 401 to a revoked one, whatever the token's role."""
    now = datetime.now(timezone.utc)
    with runtime.db.writer.begin() as conn:
        operator = access.add_token(conn, token_hash("adu_revoked-operator"), "operator", None, "a", now)
        agency = access.add_token(conn, token_hash("adu_revoked-agency"), "agency", "dinkes-ntb", "b", now)
    for token_id in (operator, agency):
        assert cli(database_url, "token", "revoke", str(token_id)).returncode == 0
    routes = token_routes(client.server.app)
    assert ("GET", "/api/v1/complaints") in routes and ("POST", "/api/v1/agency/tickets/NTB-AAAA0001/reply") in routes
    for token in ("adu_revoked-operator", "adu_revoked-agency"):
        for method, path in routes:
            resp = await client.request(method, path, headers=bearer(token), json={} if method == "POST" else None)
            assert resp.status == 401, (token, method, path, resp.status)


async def test_an_expired_token_gets_401_and_its_session_ends(client, db, database_url):
    """A token made with --expires 1h works, and an hour later (stored times moved back) gets 401 on the API and its
    dashboard session the login page; the list shows it expired."""
    token, token_id = create(database_url, "--agency", "dinkes-ntb", "--expires", "1h")
    assert (await client.get("/api/v1/agency/tickets", headers=bearer(token))).status == 200
    operator, _ = create(database_url, "--expires", "1h")
    session = await open_session(client, operator)
    move_back(db, m.ApiToken, timedelta(minutes=59), "created_at", "expires_at")
    assert (await client.get("/api/v1/agency/tickets", headers=bearer(token))).status == 200
    assert (await dashboard_with(client, session)).status == 200
    move_back(db, m.ApiToken, timedelta(minutes=1), "created_at", "expires_at")
    resp = await client.get("/api/v1/agency/tickets", headers=bearer(token))
    assert resp.status == 401
    assert (await resp.json())["error"]["message"] == "the token is not valid"
    assert (await dashboard_with(client, session)).status == 303
    assert "expired" in cli(database_url, "token", "list").stdout


def test_revoking_an_unknown_id_is_an_error(database_url):
    """`token revoke` of an id no token has exits 1 with a clear message; a non-number is a usage error."""
    result = cli(database_url, "token", "revoke", "4242")
    assert result.returncode == 1
    assert result.stderr.strip() == "error: no token has id 4242 (see `python main.py token list`)"
    bad = cli(database_url, "token", "revoke", "abc")
    assert bad.returncode == 2 and "not a whole number" in bad.stderr


@pytest.mark.parametrize("given", ["90", "1w", "0d", "-5h", "1.5d", "3651d", "9999999999d"])
def test_expires_takes_days_or_hours_only(db, database_url, given):
    """--expires other than Nd or Nh (N from 1, up to ten years) is a usage error and stores no token."""
    result = cli(database_url, "token", "create", f"--expires={given}")
    assert result.returncode == 2
    assert "--expires" in result.stderr and ("90d or 12h" in result.stderr or "at most 3650d" in result.stderr)
    assert result.stdout == ""
    with db.reader.connect() as conn:
        assert conn.execute(select(m.ApiToken.id)).all() == []


def test_token_list_of_an_empty_store_says_how_to_make_one(database_url):
    """With no tokens, `token list --json` is an empty array and the table says how to create one."""
    assert listing(database_url) == []
    assert "token create" in cli(database_url, "token", "list").stdout


async def test_the_env_operator_token_keeps_working(client, runtime, operator_headers):
    """ADUAN_OPERATOR_TOKEN opens the operator API as before, with no row in the store."""
    assert (await client.get("/api/v1/complaints", headers=operator_headers)).status == 200
    with runtime.db.reader.connect() as conn:
        assert conn.execute(select(m.ApiToken.id)).all() == []
