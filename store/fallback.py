"""A citizen notice the platform would not carry goes by SMS instead (SPEC 16), and a provider's status callbacks are
kept with the delivery they belong to.

`fall_back` runs in the transaction that recorded a row undeliverable (the outbox worker's outcome, or a `failed`
status callback): when the reporter's number is known and an SMS gateway is configured, an SMS row with the same
notice is queued, pointing back at the row it stands in for (`fallback_of`); else the row's reason says why the
citizen could not be told. The send limits (SPEC 17) still apply to the SMS when it is claimed.
`record_statuses` matches status callbacks to deliveries by the provider's message id and applies them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from providers.outcome import StatusReport
from store import models as m
from store.rows import outbox_row

OUTBOX = m.Outbox.__table__
STATUSES = m.DeliveryStatus.__table__
SMS_TRANSPORT = "sms"  # the first configured gateway (channels/sms deliverers)
NO_GATEWAY = "no SMS gateway is configured to fall back to"
NO_NUMBER = "the citizen's phone number is not known, so no SMS either"
BY_SMS = "sent by SMS instead"
# A status only ever moves forward; a failure ends it.
RANK = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}
DETAIL_MAX = 500


def _reporter_phone(conn: Connection, complaint_id: int | None) -> str | None:
    if complaint_id is None:
        return None
    C, R = m.Complaint.__table__, m.Reporter.__table__
    return conn.execute(select(R.c.phone).select_from(C.join(R, C.c.reporter_id == R.c.id))
                        .where(C.c.id == complaint_id)).scalar()


def fall_back(conn: Connection, row_id: int, now: datetime, sms: bool) -> str | None:
    """Queue the SMS standing in for an undeliverable citizen notice; return its delivery id, or None when there is
    none (the row's reason then says why). `sms`: whether an SMS gateway is configured."""
    row = conn.execute(select(OUTBOX.c.audience, OUTBOX.c.transport, OUTBOX.c.complaint_id, OUTBOX.c.event,
                              OUTBOX.c.payload, OUTBOX.c.last_error).where(OUTBOX.c.id == row_id)).mappings().first()
    if row is None or row["audience"] != "citizen" or row["transport"].startswith("sms"):
        return None
    if conn.execute(select(OUTBOX.c.id).where(OUTBOX.c.fallback_of == row_id).limit(1)).first() is not None:
        return None  # sent again by an operator and refused again: the SMS already went (or waits)
    phone = _reporter_phone(conn, row["complaint_id"]) if sms else None
    if phone is None:
        _add_reason(conn, row_id, row["last_error"], NO_NUMBER if sms else NO_GATEWAY)
        return None
    given = row["payload"] or {}
    payload = {k: v for k, v in given.items() if k in ("code", "text", "language")}
    if isinstance(given.get("sms_text"), str):
        payload["text"] = given["sms_text"]  # without the answers the citizen could only give on their channel
    sms_row = dict(outbox_row("citizen", SMS_TRANSPORT, None, phone, row["event"], payload, now),
                   complaint_id=row["complaint_id"], fallback_of=row_id)
    conn.execute(insert(OUTBOX).values(**sms_row))
    _add_reason(conn, row_id, row["last_error"], BY_SMS)
    return sms_row["delivery_id"]


def _add_reason(conn: Connection, row_id: int, reason: str | None, more: str) -> None:
    text = f"{reason}; {more}" if reason else more
    conn.execute(update(OUTBOX).where(OUTBOX.c.id == row_id).values(last_error=text[:DETAIL_MAX]))


def failure_reason(report: StatusReport) -> str:
    """A `failed` status in words for the delivery's record: "reported failed by WhatsApp: 131047 Re-engagement…"."""
    parts = [str(p) for p in (report.code, report.title) if p not in (None, "")]
    return f"reported failed by {report.transport}: {' '.join(parts) or 'no reason given'}"[:DETAIL_MAX]


def _apply(conn: Connection, row: Mapping, report: StatusReport, now: datetime, sms: bool) -> bool:
    """Apply a status to its delivery: the latest status moves forward only; a `failed` one makes a delivered notice
    undeliverable and falls back. Returns whether an SMS was queued."""
    if RANK.get(report.status, 0) > RANK.get(row["provider_status"] or "", 0):
        conn.execute(update(OUTBOX).where(OUTBOX.c.id == row["id"]).values(provider_status=report.status))
    if report.status != "failed":
        return False
    flipped = conn.execute(update(OUTBOX).where(OUTBOX.c.id == row["id"], OUTBOX.c.state == "delivered")
                           .values(state="undeliverable", last_error=failure_reason(report), updated_at=now))
    return flipped.rowcount == 1 and fall_back(conn, row["id"], now, sms) is not None


def _status_row(report: StatusReport, outbox_id: int | None, now: datetime) -> dict:
    return {"outbox_id": outbox_id, "transport": report.transport, "provider_message_id": report.provider_message_id,
            "status": report.status, "code": report.code, "title": report.title[:500] if report.title else None,
            "at": report.at, "received_at": now}


def record_statuses(conn: Connection, reports: Sequence[StatusReport], now: datetime, sms: bool) -> dict[str, int]:
    """Keep each status with its delivery and apply it (`_apply`); the same status again (the provider's retry) is
    kept once. A status that outruns our record of the send (a notice to that recipient still being sent) waits for
    it (`adopt_statuses`); other statuses of messages we did not send are dropped. Returns counts: matched, waiting,
    unmatched, fell_back."""
    counts = {"matched": 0, "waiting": 0, "unmatched": 0, "fell_back": 0}
    for report in reports:
        row = conn.execute(select(OUTBOX.c.id, OUTBOX.c.provider_status)
                           .where(OUTBOX.c.transport == report.transport,
                                  OUTBOX.c.provider_message_id == report.provider_message_id)
                           .limit(1)).mappings().first()
        if row is None:
            if report.recipient and _sending_to(conn, report.transport, report.recipient):
                if not _kept(conn, None, report):
                    conn.execute(insert(STATUSES).values(**_status_row(report, None, now)))
                counts["waiting"] += 1
            else:
                counts["unmatched"] += 1
            continue
        counts["matched"] += 1
        if _kept(conn, row["id"], report):
            continue
        conn.execute(insert(STATUSES).values(**_status_row(report, row["id"], now)))
        counts["fell_back"] += _apply(conn, row, report, now, sms)
    return counts


def _sending_to(conn: Connection, transport: str, recipient: str) -> bool:
    return conn.execute(select(OUTBOX.c.id).where(OUTBOX.c.transport == transport, OUTBOX.c.target == recipient,
                                                  OUTBOX.c.state == "sending").limit(1)).first() is not None


def _kept(conn: Connection, outbox_id: int | None, report: StatusReport) -> bool:
    """Whether this status of this message is kept already."""
    where = [STATUSES.c.status == report.status, STATUSES.c.transport == report.transport,
             STATUSES.c.provider_message_id == report.provider_message_id]
    where.append(STATUSES.c.outbox_id.is_(None) if outbox_id is None else STATUSES.c.outbox_id == outbox_id)
    return conn.execute(select(STATUSES.c.id).where(*where).limit(1)).first() is not None


def adopt_statuses(conn: Connection, sent: Sequence[tuple[int, str, str]], now: datetime, sms: bool) -> int:
    """Give the statuses that arrived before their send was recorded to the rows now named (row id, transport,
    provider message id), and apply them; returns how many SMS were queued. One read when none wait."""
    by_id = {(transport, mid): row_id for row_id, transport, mid in sent}
    # Both columns of ix_delivery_statuses_provider, so the look-up reads the index, however many statuses are kept.
    waiting = list(conn.execute(select(STATUSES).where(
        STATUSES.c.transport.in_(sorted({t for _, t, _ in sent})),
        STATUSES.c.provider_message_id.in_(sorted({mid for _, _, mid in sent})), STATUSES.c.outbox_id.is_(None))
        .order_by(STATUSES.c.id)).mappings()) if sent else []
    queued = 0
    for status in waiting:
        row_id = by_id.get((status["transport"], status["provider_message_id"]))
        if row_id is None:
            continue
        conn.execute(update(STATUSES).where(STATUSES.c.id == status["id"]).values(outbox_id=row_id))
        row = conn.execute(select(OUTBOX.c.id, OUTBOX.c.provider_status).where(OUTBOX.c.id == row_id)).mappings().one()
        report = StatusReport(status["transport"], status["provider_message_id"], status["status"], status["at"],
                              status["code"], status["title"])
        queued += _apply(conn, row, report, now, sms)
    return queued
