"""Sessions and tokens in the store (store/access.py), with the clock passed in: idle and absolute limits, throttled
writes, logout, revocation, expiry and clean-up."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from api.dashboard import session
from store import access
from store import models as m

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
MINUTE = timedelta(minutes=1)


def opened(db, kind: str = "env", token_id: int | None = None, at: datetime = T0) -> str:
    """Open a session at `at` and return its id hash."""
    id_hash = session.id_hash(session.new_session_id())
    with db.writer.begin() as conn:
        access.open_session(conn, id_hash=id_hash, principal_kind=kind, token_id=token_id, env_token_mac=None, now=at,
                            address="203.0.113.9", user_agent="Mozilla/5.0")
    return id_hash


def token(db, role: str = "operator", expires_at: datetime | None = None, label: str = "desk") -> int:
    """Store a token created at T0 and return its id."""
    with db.writer.begin() as conn:
        return access.add_token(conn, f"hash-of-{label}", role, "dinkes-ntb" if role == "agency" else None, label, T0,
                                expires_at)


def live(db, id_hash: str, at: datetime) -> bool:
    """Tell whether the session is live at `at`."""
    with db.reader.connect() as conn:
        return access.live_session(conn, id_hash, at) is not None


def seen(db, id_hash: str, at: datetime) -> bool:
    """Record a page view of a live session at `at`; tell whether last_seen_at was written."""
    with db.writer.begin() as conn:
        row = access.live_session(conn, id_hash, at)
        assert row is not None
        return access.record_session_seen(conn, row["id"], at)


def test_a_session_lives_12_hours_without_a_view(db):
    """Unseen, a session is live 11 h 59 min after it opened and over at 12 h."""
    s = opened(db)
    assert live(db, s, T0 + timedelta(hours=11, minutes=59))
    assert not live(db, s, T0 + timedelta(hours=12))


def test_views_keep_a_session_alive_but_never_past_7_days(db):
    """A view every 11 hours keeps the session live up to its 7th day, and not one moment longer."""
    s = opened(db)
    at = T0
    while at + timedelta(hours=11) < T0 + timedelta(days=7):
        at += timedelta(hours=11)
        assert live(db, s, at)
        assert seen(db, s, at)
    assert at > T0 + timedelta(days=6, hours=12)
    assert live(db, s, T0 + timedelta(days=7) - MINUTE)
    assert not live(db, s, T0 + timedelta(days=7))


def test_last_seen_is_written_at_most_once_a_minute(db):
    """A view within a minute of the recorded one writes nothing; a view a minute later writes."""
    s = opened(db)
    assert not seen(db, s, T0 + timedelta(seconds=59))
    assert seen(db, s, T0 + MINUTE)
    with db.reader.connect() as conn:
        assert conn.execute(select(m.Session.last_seen_at)).scalar_one() == T0 + MINUTE


def test_ending_a_session_is_at_once_and_once(db):
    """An ended session is not live a moment later; ending it again reports it was no longer open."""
    s, other = opened(db), opened(db)
    with db.writer.begin() as conn:
        assert access.end_session(conn, s, T0 + MINUTE, "logout")
        assert not access.end_session(conn, s, T0 + 2 * MINUTE, "logout")
    assert not live(db, s, T0 + MINUTE)
    assert live(db, other, T0 + MINUTE)


def test_revoking_a_token_ends_its_sessions_and_no_others(db):
    """Revocation refuses the token and ends the sessions opened with it; other tokens' and env sessions stay."""
    revoked, kept = token(db, label="revoked"), token(db, label="kept")
    mine = [opened(db, "token", revoked), opened(db, "token", revoked)]
    theirs, env = opened(db, "token", kept), opened(db)
    with db.writer.begin() as conn:
        row, ended = access.revoke_token(conn, revoked, T0 + MINUTE)
        assert row["label"] == "revoked" and row["revoked_at"] is None
        assert ended == 2
        assert access.live_token(conn, "hash-of-revoked", T0 + MINUTE) is None
        again, ended_again = access.revoke_token(conn, revoked, T0 + 2 * MINUTE)
        assert again["revoked_at"] == T0 + MINUTE and ended_again == 0
        assert access.revoke_token(conn, 999, T0) == (None, 0)
    assert [live(db, s, T0 + MINUTE) for s in mine] == [False, False]
    assert live(db, theirs, T0 + MINUTE) and live(db, env, T0 + MINUTE)
    with db.reader.connect() as conn:
        reasons = conn.execute(select(m.Session.end_reason).where(m.Session.token_id == revoked)).scalars().all()
    assert reasons == ["token_revoked", "token_revoked"]


def test_an_expired_token_is_refused_and_so_are_its_sessions(db):
    """A token past its expiry is not found and its session is not live, without anyone revoking it."""
    t = token(db, expires_at=T0 + timedelta(hours=1))
    s = opened(db, "token", t)
    with db.reader.connect() as conn:
        assert access.live_token(conn, "hash-of-desk", T0 + timedelta(minutes=59)) is not None
        assert access.live_token(conn, "hash-of-desk", T0 + timedelta(hours=1)) is None
    assert live(db, s, T0 + timedelta(minutes=59))
    assert not live(db, s, T0 + timedelta(hours=1))


def test_a_session_of_an_agency_token_is_never_live(db):
    """Only operator tokens open dashboard sessions: a row naming an agency token is refused."""
    s = opened(db, "token", token(db, role="agency"))
    assert not live(db, s, T0)


def test_token_use_is_recorded_at_most_once_a_minute_across_instances(db):
    """The first use writes last_used_at; another instance's use within the minute writes nothing."""
    t = token(db)
    with db.writer.begin() as conn:
        assert access.record_token_use(conn, t, T0 + timedelta(seconds=5))
    with db.writer.begin() as conn:
        assert not access.record_token_use(conn, t, T0 + timedelta(seconds=64))
        assert access.record_token_use(conn, t, T0 + timedelta(seconds=65))
    with db.reader.connect() as conn:
        [row] = access.list_tokens(conn)
    assert row["last_used_at"] == T0 + timedelta(seconds=65)
    assert "token_hash" not in row


def test_sessions_long_gone_are_deleted_at_the_next_sign_in(db):
    """Sessions 30 days past their 7 are dropped when a new one opens; younger ended ones are kept."""
    old = opened(db, at=T0)
    recent = opened(db, at=T0 + timedelta(days=30))
    opened(db, at=T0 + timedelta(days=37, minutes=1))
    with db.reader.connect() as conn:
        hashes = set(conn.execute(select(m.Session.id_hash)).scalars())
        assert conn.execute(select(func.count()).select_from(m.Session)).scalar_one() == 2
    assert old not in hashes and recent in hashes
