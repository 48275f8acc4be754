"""Who may act, in the store: API tokens (expiry, revocation, last use) and the dashboard's sessions.

Every function takes a Connection and the time `now`, so tests move the clock by passing a later `now`.
Only digests are stored: a token's SHA-256, a session id's SHA-256. Nothing here lives in process memory,
so several instances on one database see the same revocations and logouts at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, delete, insert, or_, select, update

from store import models as m

SESSION_IDLE = timedelta(hours=12)  # SPEC section 13: 12 h idle
SESSION_LIFETIME = timedelta(days=7)  # and 7 days at most, however active
# last_used_at and last_seen_at move at most once a minute: a request is a read, not a write each time.
TOUCH_EVERY = timedelta(minutes=1)
# Ended and expired sessions stay this long past their 7 days (who was signed in when), then go.
SESSIONS_KEPT = timedelta(days=30)

T = m.ApiToken.__table__
S = m.Session.__table__
U = m.User.__table__


# --- tokens ----------------------------------------------------------------------------------


def add_token(conn: Connection, token_hash: str, role: str, agency: str | None, label: str | None, now: datetime,
              expires_at: datetime | None = None) -> int:
    """Store a new token's hash and return its id."""
    return conn.execute(insert(T).values(token_hash=token_hash, role=role, agency=agency, label=label, created_at=now,
                                         expires_at=expires_at).returning(T.c.id)).scalar_one()


def _token_live(now: datetime):
    return and_(T.c.revoked_at.is_(None), or_(T.c.expires_at.is_(None), T.c.expires_at > now))


def live_token(conn: Connection, token_hash: str, now: datetime) -> Mapping | None:
    """Return the token with this hash unless it is unknown, revoked or expired at `now`."""
    return conn.execute(select(T).where(T.c.token_hash == token_hash, _token_live(now))).mappings().first()


def touch_due(last: datetime | None, now: datetime) -> bool:
    """Tell whether a last_used_at or last_seen_at read as `last` is old enough to be written again."""
    return last is None or now - last >= TOUCH_EVERY


def record_token_use(conn: Connection, token_id: int, now: datetime) -> bool:
    """Set the token's last_used_at to `now` unless it moved less than a minute ago (by any instance)."""
    result = conn.execute(update(T).where(T.c.id == token_id, or_(T.c.last_used_at.is_(None),
                                                                  T.c.last_used_at <= now - TOUCH_EVERY))
                          .values(last_used_at=now))
    return result.rowcount > 0


def list_tokens(conn: Connection) -> list[Mapping]:
    """Every token, oldest first, without its hash."""
    columns = [c for c in T.c if c.name != "token_hash"]
    return list(conn.execute(select(*columns).order_by(T.c.id)).mappings())


def revoke_token(conn: Connection, token_id: int, now: datetime) -> tuple[Mapping | None, int]:
    """Revoke a token and end the sessions opened with it; return its row as it was (None: no such token) and
    how many sessions ended. Revoking twice keeps the first time."""
    row = conn.execute(select(*[c for c in T.c if c.name != "token_hash"]).where(T.c.id == token_id)).mappings().first()
    if row is None:
        return None, 0
    if row["revoked_at"] is None:
        conn.execute(update(T).where(T.c.id == token_id).values(revoked_at=now))
    return row, end_token_sessions(conn, token_id, now)


# --- sessions --------------------------------------------------------------------------------


def open_session(conn: Connection, *, id_hash: str, principal_kind: str, token_id: int | None,
                 env_token_mac: str | None, now: datetime, address: str | None, user_agent: str | None,
                 replaces: str | None = None, user_id: int | None = None) -> None:
    """Store a new session (by its id's hash); end the one it replaces (the browser's earlier cookie), and drop
    sessions long gone."""
    if replaces is not None:
        end_session(conn, replaces, now, "replaced")
    conn.execute(delete(S).where(S.c.expires_at < now - SESSIONS_KEPT))
    conn.execute(insert(S).values(
        id_hash=id_hash, principal_kind=principal_kind, token_id=token_id, user_id=user_id, env_token_mac=env_token_mac,
        created_at=now, last_seen_at=now, expires_at=now + SESSION_LIFETIME,
        address=(address or "")[:64] or None, user_agent=(user_agent or "")[:200] or None))


def live_session(conn: Connection, id_hash: str, now: datetime) -> Mapping | None:
    """Return the session with this id hash while it is live at `now`: not ended, seen within 12 hours, within its
    7 days, and its token still an operator's, not revoked nor expired, or its person's account still active. The
    row carries the token's label and the person's name, role and agency."""
    found = conn.execute(
        select(S, T.c.label.label("token_label"), U.c.name.label("user_name"), U.c.role.label("user_role"),
               U.c.agency.label("user_agency"))
        .outerjoin(T, T.c.id == S.c.token_id).outerjoin(U, U.c.id == S.c.user_id)
        .where(S.c.id_hash == id_hash, S.c.ended_at.is_(None), S.c.expires_at > now,
               S.c.last_seen_at > now - SESSION_IDLE,
               or_(S.c.principal_kind == "env",
                   and_(S.c.principal_kind == "token", T.c.role == "operator", _token_live(now)),
                   and_(S.c.principal_kind == "user", U.c.active.is_(True))))
    ).mappings().first()
    return found


def record_session_seen(conn: Connection, session_id: int, now: datetime) -> bool:
    """Move a live session's last_seen_at to `now` unless it moved less than a minute ago."""
    result = conn.execute(update(S).where(S.c.id == session_id, S.c.ended_at.is_(None),
                                          S.c.last_seen_at <= now - TOUCH_EVERY).values(last_seen_at=now))
    return result.rowcount > 0


def end_session(conn: Connection, id_hash: str, now: datetime, reason: str) -> bool:
    """End one session at once; tell whether it was still open."""
    result = conn.execute(update(S).where(S.c.id_hash == id_hash, S.c.ended_at.is_(None))
                          .values(ended_at=now, end_reason=reason))
    return result.rowcount > 0


def end_token_sessions(conn: Connection, token_id: int, now: datetime) -> int:
    """End every open session opened with a token; return how many."""
    result = conn.execute(update(S).where(S.c.token_id == token_id, S.c.ended_at.is_(None), S.c.expires_at > now)
                          .values(ended_at=now, end_reason="token_revoked"))
    return result.rowcount
