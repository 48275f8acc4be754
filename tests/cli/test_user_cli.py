"""The `user` commands as a supervisor runs them against a migrated store (SPEC section 13): add prints the one-time
link alone on stdout, bad input creates nothing, list never shows a secret, disable and link act at once."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from api.auth import token_hash
from store import models as m
from tests.cli.test_commands import run
from tests.workbench.accounts_helpers import (
    PASSWORD,
    add_account,
    browser,
    open_welcome,
    page_with,
    session_cookie_of,
    set_password,
    sign_in_as,
    stored_user,
    user_sessions,
)

PUBLIC_URL = "https://aduan.example.go.id"
LINK = re.compile(rf"^{re.escape(PUBLIC_URL)}/dashboard/welcome\?link=([A-Za-z0-9_-]{{43}})$")
SITI = "siti.aminah@example.org"


def user(database_url: str, *args: str):
    """Run `python main.py user ARGS` against the test's database, under a public URL written with a final slash."""
    return run("user", *args, env={"ADUAN_DATABASE_URL": database_url, "ADUAN_PUBLIC_URL": f"{PUBLIC_URL}/"})


def link_secret_of(result) -> str:
    """The secret of the one-time link a command printed: stdout is that link alone."""
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    found = LINK.match(lines[0])
    assert found, lines[0]
    return found.group(1)


def add(database_url: str, email: str = SITI, *extra: str) -> str:
    """`user add` an operator and return the secret of its link."""
    return link_secret_of(user(database_url, "add", "--name", "Siti Aminah", "--email", email, "--role", "operator",
                               *extra))


def account_count(db) -> int:
    """How many accounts the store holds."""
    with db.reader.connect() as conn:
        return conn.execute(select(func.count()).select_from(m.User.__table__)).scalar_one()


def listing(database_url: str) -> list[dict]:
    """`user list --json`, parsed."""
    result = user(database_url, "list", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


async def test_user_add_prints_the_absolute_link_alone_on_stdout(client, db, database_url):
    """`user add` prints on stdout one line, an absolute link under ADUAN_PUBLIC_URL (its final slash not doubled);
    what it did goes to stderr; the store keeps only the link's SHA-256, and the link opens the welcome page naming
    the person."""
    result = user(database_url, "add", "--name", "Siti Aminah", "--email", "Siti.Aminah@Example.org",
                  "--role", "agency", "--agency", "dinkes-mataram", "--telegram-id", "123456789")
    secret = link_secret_of(result)
    assert SITI in result.stderr and "72 h" in result.stderr
    assert secret not in result.stderr
    row = stored_user(db, SITI)
    assert row["link_hash"] == token_hash(secret) and row["password_hash"] is None
    assert (row["role"], row["agency"], row["telegram_id"], row["active"]) == ("agency", "dinkes-mataram",
                                                                                "123456789", True)
    assert all(secret not in str(value) for value in row.values())
    page = await open_welcome(client, secret)
    assert page.status == 200
    assert "Siti Aminah" in await page.text()


@pytest.mark.parametrize("args, message", [
    (["--email", "siti-di-example.org", "--role", "operator"], '"siti-di-example.org" is not an e-mail address'),
    (["--email", "siti@example", "--role", "operator"], "is not an e-mail address"),
    (["--email", SITI, "--role", "agency", "--agency", "tidak-ada"], 'unknown agency "tidak-ada"'),
    (["--email", SITI, "--role", "agency"], "--role agency needs --agency"),
    (["--email", SITI, "--role", "operator", "--agency", "dinkes-ntb"], "--agency is only for --role agency"),
    (["--email", SITI, "--role", "supervisor", "--agency", "dinkes-ntb"], "--agency is only for --role agency"),
    (["--email", SITI, "--role", "operator", "--telegram-id", "12ab"], "--telegram-id must be"),
    (["--email", SITI, "--role", "operator", "--telegram-id", "١٢٣"], "--telegram-id must be"),
    (["--email", SITI, "--role", "admin"], "invalid choice: 'admin'"),
], ids=["no-at", "no-domain", "unknown-agency", "agency-without-agency", "operator-with-agency",
        "supervisor-with-agency", "telegram-letters", "telegram-other-digits", "unknown-role"])
def test_user_add_refuses_bad_input_and_creates_nothing(db, database_url, args, message):
    """A bad e-mail, an unknown agency, an agency officer without an agency, an agency given to an operator, a
    Telegram id that is not ASCII digits or an unknown role each exit non-zero with a message saying what is wrong,
    print no link and create nothing."""
    result = user(database_url, "add", "--name", "Siti Aminah", *args)
    assert result.returncode != 0
    assert message in result.stderr
    assert result.stdout == ""
    assert account_count(db) == 0


async def test_a_duplicate_email_in_any_case_is_refused(client, db, database_url):
    """A second `user add` for the same e-mail in another case exits 1 saying it exists and how to give a new link;
    nothing is created and the first link still works."""
    first = add(database_url, "Siti.Aminah@example.org")
    result = user(database_url, "add", "--name", "Siti Lain", "--email", "SITI.AMINAH@EXAMPLE.ORG",
                  "--role", "operator")
    assert result.returncode == 1
    assert f"an account with e-mail {SITI} exists" in result.stderr and "user link" in result.stderr
    assert result.stdout == ""
    assert account_count(db) == 1
    assert stored_user(db, SITI)["name"] == "Siti Aminah"
    assert (await open_welcome(client, first)).status == 200


def test_user_list_json_is_an_array_of_accounts_without_secrets(db, database_url):
    """`user list --json` is an array of objects with email, name, role, agency and active, and neither it nor the
    table ever shows a password hash or a link."""
    secret = add(database_url)
    add_account(db, "budi@example.org", name="Budi Santoso", role="agency", agency="dinkes-mataram",
                password=PASSWORD)
    accounts = listing(database_url)
    assert isinstance(accounts, list) and len(accounts) == 2
    for account in accounts:
        assert set(account) >= {"email", "name", "role", "agency", "active"}
        assert not [key for key in account if "hash" in key or key in ("password", "link")]
    assert [(a["email"], a["name"], a["role"], a["agency"], a["active"]) for a in accounts] == [
        (SITI, "Siti Aminah", "operator", None, True),
        ("budi@example.org", "Budi Santoso", "agency", "dinkes-mataram", True),
    ]
    hashes = [stored_user(db, email)[key] for email in (SITI, "budi@example.org") for key in ("password_hash",
                                                                                            "link_hash")]
    for result in (user(database_url, "list", "--json"), user(database_url, "list")):
        printed = result.stdout + result.stderr
        assert secret not in printed and "$argon2" not in printed
        assert [h for h in hashes if h and h in printed] == []


async def test_user_disable_ends_every_session_of_the_person_at_once(client, db, database_url):
    """`user disable` (the e-mail in any case) ends both of the person's signed-in browsers at their next page, and
    their password no longer works, and `user link` enables the account again without it; another person stays
    signed in."""
    add_account(db, SITI, password=PASSWORD)
    add_account(db, "budi@example.org", name="Budi Santoso", password=PASSWORD)
    phone = await browser(client, SITI)
    laptop = await browser(client, SITI)
    other = await browser(client, "budi@example.org")
    for cookie in (phone, laptop, other):
        assert (await page_with(client, cookie)).status == 200
    result = user(database_url, "disable", "SITI.Aminah@example.org")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{SITI} disabled: it can no longer sign in; 2 session(s) ended"
    for cookie in (phone, laptop):
        resp = await page_with(client, cookie, "/dashboard/complaints/NTB-AAAA0001")
        assert resp.status == 303
        assert resp.headers["Location"].startswith("/dashboard/login")
    assert (await page_with(client, other)).status == 200
    assert [s["end_reason"] for s in user_sessions(db, SITI)] == ["disabled", "disabled"]
    assert (await sign_in_as(client, SITI, PASSWORD)).status == 401
    assert listing(database_url)[0]["active"] is False
    # `user link` brings the account back, without its old password: only the new link signs it in again.
    back = user(database_url, "link", SITI)
    assert "active again" in back.stderr
    link_secret_of(back)
    assert listing(database_url)[0]["active"] is True
    assert (await sign_in_as(client, SITI, PASSWORD)).status == 401
    unknown = user(database_url, "disable", "tidak.ada@example.org")
    assert unknown.returncode == 1 and "no account has e-mail" in unknown.stderr


async def test_user_link_gives_a_new_link_and_the_old_one_dies(client, db, database_url):
    """`user link` prints a new link alone on stdout; the earlier one answers 404 at once; setting a password from
    the new one signs in and ends the person's sessions elsewhere (a forgotten password on a lost phone)."""
    first = add(database_url)
    second = link_secret_of(user(database_url, "link", "SITI.AMINAH@example.org"))
    assert second != first
    assert (await open_welcome(client, first)).status == 404
    resp = await set_password(client, second)
    assert resp.status == 303
    lost_phone = session_cookie_of(resp)
    client.session.cookie_jar.clear()
    assert (await page_with(client, lost_phone)).status == 200
    third = link_secret_of(user(database_url, "link", SITI))
    assert (await open_welcome(client, second)).status == 404
    resp = await set_password(client, third, "kata sandi yang baru sekali")
    assert resp.status == 303
    client.session.cookie_jar.clear()
    assert (await page_with(client, lost_phone)).status == 303
    assert (await page_with(client, session_cookie_of(resp))).status == 200
    unknown = user(database_url, "link", "tidak.ada@example.org")
    assert unknown.returncode == 1 and unknown.stdout == ""
