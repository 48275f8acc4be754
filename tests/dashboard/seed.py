"""The dashboard tests' data set: complaints, events and deliveries of March 2026, written with SQLAlchemy Core.

In the period 1–31 March 2026 (Asia/Makassar) five complaints are received:

| code          | status   | agency         | region       | category      | channel  | outcome                   |
| ------------- | -------- | -------------- | ------------ | ------------- | -------- | ------------------------- |
| NTB-AAAA0001  | assigned | dinkes-mataram | kota-mataram | kesehatan     | web      | in process, in time       |
| NTB-AAAA0002  | resolved | dinkes-mataram | kota-mataram | kesehatan     | web      | resolved in time (2 h, 10 h) |
| NTB-AAAA0003  | assigned | pupr-lotim     | lombok-timur | infrastruktur | sms      | overdue                   |
| NTB-SCR1PT00  | triage   | (none)         | ntb          | (none)        | telegram | in process; text has <script> |
| NTB-AAAA0005  | rejected | dinsos-mataram | kota-mataram | sosial        | whatsapp | rejected; anonymous       |

and one more, NTB-AAAA0000, in February (new: the oldest of the triage queue, outside the period).
So the period counts 5 received, 1 resolved, 1 rejected, 3 in process, 1 overdue, 50% within SLA
(1 of 2 known), medians 2 h to acknowledge and 10 h to resolve. The outbox holds 2 pending, 3 delivered
and 1 dead delivery (pupr-lotim's webhook for NTB-AAAA0003).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import Connection, insert

from store import models as m

SINCE, UNTIL = "2026-03-01", "2026-03-31"
MARCH = datetime(2026, 3, 10, 1, 0, tzinfo=timezone.utc)  # 10 March 09.00 WITA
FAR = datetime(2100, 1, 1, tzinfo=timezone.utc)
SCRIPT_TEXT = "<script>alert('aduan')</script> Jalan di depan kantor desa rusak"
OVERDUE_CODE = "NTB-AAAA0003"
ANONYMOUS_CODE = "NTB-AAAA0005"
SCRIPT_CODE = "NTB-SCR1PT00"
NAMED_CODE = "NTB-AAAA0001"
REPORTER_NAME = "Budi Santoso"
ANONYMOUS_NAME = "Siti Rahmawati"
ANONYMOUS_PHONE = "+6281199990000"


def _reporter(conn: Connection, name: str, phone: str, channel: str) -> int:
    result = conn.execute(insert(m.Reporter).values(channel=channel, channel_user_id=phone, name=name, phone=phone,
                                                    email=None, created_at=MARCH))
    return result.inserted_primary_key[0]


def complaint(conn: Connection, code: str, received_at: datetime, **columns) -> int:
    """Insert one complaint (defaults: assigned to dinkes-mataram from the web form) and return its id."""
    row = {
        "code": code, "kind": "complaint", "channel": "web", "sender_id": None, "reply_to": None, "reply_via": None,
        "reporter_id": None, "anonymous": False, "confidential": False, "language": "id",
        "text": f"Aduan {code}", "lat": None, "lon": None, "region": "kota-mataram", "category": "kesehatan",
        "priority": "normal", "agency": "dinkes-mataram", "rule": "obat-dan-faskes", "rules_version": "test",
        "status": "assigned", "status_reason": None, "received_at": received_at, "assigned_at": received_at,
        "acknowledged_at": None, "resolved_at": None, "closed_at": None, "acknowledge_due_at": FAR,
        "resolve_due_at": None, "overdue": False, "overdue_since": None, "escalate_due_at": None, "escalated_at": None,
        "updated_at": received_at,
    }
    row.update(columns)
    return conn.execute(insert(m.Complaint).values(**row)).inserted_primary_key[0]


def event(conn: Connection, complaint_id: int, at: datetime, kind: str, status: str | None, actor: str = "router",
          data: dict | None = None) -> None:
    conn.execute(insert(m.Event).values(complaint_id=complaint_id, at=at, actor=actor, type=kind, status=status,
                                        public=status is not None, data=data or {}))


def delivery(conn: Connection, state: str, complaint_id: int | None = None, agency: str | None = "dinkes-mataram",
             transport: str = "webhook", event_name: str = "ticket.assigned", last_error: str | None = None,
             at: datetime = MARCH) -> None:
    conn.execute(insert(m.Outbox).values(
        delivery_id=str(uuid.uuid4()), complaint_id=complaint_id, audience="agency" if agency else "citizen",
        transport=transport, agency=agency, target="https://agency.test/hook", event=event_name, payload={},
        state=state, attempts=0 if state == "pending" else 3, next_attempt_at=at, lease_until=None,
        last_error=last_error, created_at=at, updated_at=at))


def seed(conn: Connection) -> dict[str, int]:
    """Write the data set of this module's docstring; return the complaints' ids by code."""
    ids = {}
    ids["NTB-AAAA0000"] = complaint(conn, "NTB-AAAA0000", datetime(2026, 2, 20, 3, 0, tzinfo=timezone.utc),
                                    status="new", agency=None, assigned_at=None, acknowledge_due_at=None)
    named = _reporter(conn, REPORTER_NAME, "+6281234567890", "web")
    ids[NAMED_CODE] = complaint(conn, NAMED_CODE, MARCH, reporter_id=named,
                                text="Obat di Puskesmas Ampenan kosong sejak minggu lalu")
    ids["NTB-AAAA0002"] = complaint(
        conn, "NTB-AAAA0002", MARCH + timedelta(hours=1), status="resolved",
        acknowledged_at=MARCH + timedelta(hours=3), resolved_at=MARCH + timedelta(hours=11),
        acknowledge_due_at=MARCH + timedelta(days=3), resolve_due_at=MARCH + timedelta(days=14))
    ids[OVERDUE_CODE] = complaint(
        conn, OVERDUE_CODE, MARCH + timedelta(hours=2), channel="sms", region="lombok-timur", category="infrastruktur",
        agency="pupr-lotim", rule="jalan-dan-jembatan", text="Jembatan di Selong putus, warga tidak bisa lewat",
        acknowledge_due_at=MARCH + timedelta(days=3), overdue=True, overdue_since=MARCH + timedelta(days=3, hours=1))
    ids[SCRIPT_CODE] = complaint(conn, SCRIPT_CODE, MARCH + timedelta(hours=3), channel="telegram", region="ntb",
                                 category=None, agency=None, rule=None, status="triage", assigned_at=None,
                                 acknowledge_due_at=None, text=SCRIPT_TEXT)
    hidden = _reporter(conn, ANONYMOUS_NAME, ANONYMOUS_PHONE, "whatsapp")
    ids[ANONYMOUS_CODE] = complaint(
        conn, ANONYMOUS_CODE, MARCH + timedelta(hours=4), channel="whatsapp", category="sosial",
        agency="dinsos-mataram", status="rejected", status_reason="Bukan aduan", reporter_id=hidden, anonymous=True,
        sender_id=ANONYMOUS_PHONE, reply_to=ANONYMOUS_PHONE, text="Bantuan sosial tidak sampai ke keluarga kami")

    overdue_id = ids[OVERDUE_CODE]
    event(conn, overdue_id, MARCH + timedelta(hours=2), "received", "new", actor="citizen:sms")
    event(conn, overdue_id, MARCH + timedelta(hours=2), "assigned", "assigned",
          data={"rule": "jalan-dan-jembatan", "matched": ["jembatan"],
                "agency": {"code": "pupr-lotim", "name": "Dinas PUPR Lombok Timur"}})
    event(conn, overdue_id, MARCH + timedelta(days=3, hours=1), "overdue", None, actor="sweep",
          data={"clock": "acknowledge", "due_at": (MARCH + timedelta(days=3)).isoformat()})
    delivery(conn, "dead", overdue_id, agency="pupr-lotim", last_error="HTTP 410 Gone from the agency's webhook")
    for _ in range(2):
        delivery(conn, "pending")
    for _ in range(3):
        delivery(conn, "delivered", ids[NAMED_CODE])
    return ids
