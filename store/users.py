"""The people who sign in (SPEC section 13), in the store: accounts, their one-time sign-in links, passwords (as
Argon2id hashes made at the edge) and the failed sign-ins that limit guessing.

Every function takes a Connection and the time `now`. Only digests of secrets are stored: a link's SHA-256, a
password's Argon2id hash, an e-mail's SHA-256 for the failure count. Disabling a person or changing a password ends
their sessions with one UPDATE, on every instance at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update

from store import models as m

U = m.User.__table__
F = m.SignInFailure.__table__
S = m.Session.__table__

LINK_LIFETIME = timedelta(hours=72)
# Failed sign-ins per e-mail address: at most this many in a window, then none until the window ends.
FAILURES_ALLOWED = 5
FAILURE_WINDOW = timedelta(minutes=15)
ROLES = ("operator", "supervisor", "agency")
SHOWN = [c for c in U.c if c.name not in ("password_hash", "link_hash")]


def normal_email(email: str) -> str:
    """An e-mail address as accounts are keyed by: trimmed, lower case."""
    return email.strip().lower()


def add_user(conn: Connection, *, email: str, name: str, role: str, agency: str | None, telegram_id: str | None,
             link_hash: str, now: datetime) -> int:
    """Store a new account with a one-time link (its hash) valid 72 h; return its id."""
    return conn.execute(insert(U).values(
        email=normal_email(email), name=name, role=role, agency=agency, telegram_id=telegram_id, active=True,
        link_hash=link_hash, link_expires_at=now + LINK_LIFETIME, created_at=now).returning(U.c.id)).scalar_one()


def find_user(conn: Connection, email: str) -> Mapping | None:
    """The account of an e-mail address (any case), password hash included, or None."""
    return conn.execute(select(U).where(U.c.email == normal_email(email))).mappings().first()


def find_user_by_id(conn: Connection, user_id: int) -> Mapping | None:
    """An account by id, password hash included, while it is active."""
    return conn.execute(select(U).where(U.c.id == user_id, U.c.active.is_(True))).mappings().first()


def list_users(conn: Connection) -> list[Mapping]:
    """Every account, oldest first, without its password or link."""
    return list(conn.execute(select(*SHOWN).order_by(U.c.id)).mappings())


def end_user_sessions(conn: Connection, user_id: int, now: datetime, reason: str, keep: str | None = None) -> int:
    """End every open session of a person (but the one whose id hash is `keep`); return how many."""
    query = update(S).where(S.c.user_id == user_id, S.c.ended_at.is_(None), S.c.expires_at > now)
    if keep is not None:
        query = query.where(S.c.id_hash != keep)
    return conn.execute(query.values(ended_at=now, end_reason=reason)).rowcount


def disable_user(conn: Connection, email: str, now: datetime) -> tuple[Mapping | None, int]:
    """Disable an account, kill its link and end its sessions; return the row as it was (None: no such account) and
    how many sessions ended."""
    row = find_user(conn, email)
    if row is None:
        return None, 0
    if row["active"]:
        conn.execute(update(U).where(U.c.id == row["id"]).values(active=False, disabled_at=now, link_hash=None,
                                                                  link_expires_at=None))
    return row, end_user_sessions(conn, row["id"], now, "disabled")


def new_link(conn: Connection, email: str, link_hash: str, now: datetime) -> Mapping | None:
    """Give an account a new one-time link valid 72 h (the old one dies); a disabled account is active again, and
    signs in once the link has set its new password. None when there is no such account; else the row as it was."""
    row = find_user(conn, email)
    if row is None:
        return None
    conn.execute(update(U).where(U.c.id == row["id"]).values(
        link_hash=link_hash, link_expires_at=now + LINK_LIFETIME, active=True, disabled_at=None,
        **({} if row["active"] else {"password_hash": None, "password_set_at": None})))
    return row


def user_by_link(conn: Connection, link_hash: str, now: datetime) -> Mapping | None:
    """The active account whose one-time link this is, while the link lives."""
    return conn.execute(select(U).where(U.c.link_hash == link_hash, U.c.active.is_(True),
                                        U.c.link_expires_at > now)).mappings().first()


def set_password(conn: Connection, user_id: int, password_hash: str, now: datetime, keep: str | None = None) -> int:
    """Store a new password hash, kill the link, and end every other session of the person; return how many ended."""
    conn.execute(update(U).where(U.c.id == user_id).values(password_hash=password_hash, password_set_at=now,
                                                            link_hash=None, link_expires_at=None))
    return end_user_sessions(conn, user_id, now, "password", keep=keep)


def use_link(conn: Connection, user_id: int, link_hash: str, password_hash: str, now: datetime) -> bool:
    """Set the password of the account whose live one-time link this is, killing the link in the same UPDATE (so
    two requests racing with one link cannot both use it), and end the person's other sessions; False when the link
    is no longer that account's or has expired."""
    used = conn.execute(update(U).where(U.c.id == user_id, U.c.link_hash == link_hash, U.c.active.is_(True),
                                        U.c.link_expires_at > now)
                        .values(password_hash=password_hash, password_set_at=now, link_hash=None,
                                link_expires_at=None)).rowcount
    if not used:
        return False
    end_user_sessions(conn, user_id, now, "password")
    return True


def live_user(conn: Connection, user_id: int) -> Mapping | None:
    """An active account by id, without its secrets."""
    return conn.execute(select(*SHOWN).where(U.c.id == user_id, U.c.active.is_(True))).mappings().first()


def users_of_telegram(conn: Connection, telegram_id: str) -> list[Mapping]:
    """The active accounts linked to a Telegram user id."""
    return list(conn.execute(select(*SHOWN).where(U.c.telegram_id == telegram_id, U.c.active.is_(True))).mappings())


# --- failed sign-ins ---------------------------------------------------------------------------


def sign_in_blocked(conn: Connection, email_hash: str, now: datetime) -> datetime | None:
    """When sign-ins to this address may be tried again, while its failures in the current window are used up."""
    row = conn.execute(select(F).where(F.c.email_hash == email_hash)).mappings().first()
    if row is None or now - row["first_at"] >= FAILURE_WINDOW or row["failures"] < FAILURES_ALLOWED:
        return None
    return row["first_at"] + FAILURE_WINDOW


def record_failure(conn: Connection, email_hash: str, now: datetime) -> None:
    """Count a failed sign-in to this address (a window starts at its first failure and lasts 15 minutes)."""
    row = conn.execute(select(F).where(F.c.email_hash == email_hash)).mappings().first()
    if row is None:
        conn.execute(insert(F).values(email_hash=email_hash, failures=1, first_at=now))
    elif now - row["first_at"] >= FAILURE_WINDOW:
        conn.execute(update(F).where(F.c.email_hash == email_hash).values(failures=1, first_at=now))
    else:
        conn.execute(update(F).where(F.c.email_hash == email_hash).values(failures=F.c.failures + 1))
    conn.execute(delete(F).where(F.c.first_at < now - FAILURE_WINDOW * 4))


def clear_failures(conn: Connection, email_hash: str) -> None:
    """Forget the failures of an address once its person signs in."""
    conn.execute(delete(F).where(F.c.email_hash == email_hash))
