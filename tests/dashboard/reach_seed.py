"""Data of the delivery-detail and conversation-media tests (issue 14), written with SQLAlchemy Core as the outbox,
the status callbacks and the media fetcher would leave it.

NTB-KRM00001 (WhatsApp, Dinas Kesehatan Kota Mataram, resolved three days after the citizen last wrote) has, in order:

| # | to      | via       | notice                  | state         | what became of it                                  |
| - | ------- | --------- | ----------------------- | ------------- | -------------------------------------------------- |
| 1 | citizen | whatsapp  | citizen.ack             | delivered     | statuses sent, delivered, read                     |
| 2 | citizen | whatsapp  | citizen.status.resolved | undeliverable | taken, then `failed` 131047; fell back to #3       |
| 3 | citizen | sms       | citizen.status.resolved | delivered     | stands in for #2                                   |
| 4 | citizen | telegram  | citizen.agency_reply    | dead          | 403 bot was blocked by the user                    |
| 5 | citizen | facebook  | citizen.agency_reply    | delivered     | sent with the HUMAN_AGENT tag on day 5             |
| 6 | agency  | webhook   | ticket.assigned         | delivered     |                                                    |
| 7 | citizen | whatsapp  | citizen.status.in_progress | undeliverable | our own decision: no template, no SMS gateway   |
| 8 | citizen | sms       | citizen.followup        | refused       | per-destination send limit                         |
| 9 | citizen | facebook  | citizen.status.closed   | dead          | Graph error 10/2018278                             |

NTB-FT000001 (Telegram, Dinas Kesehatan Kota Mataram): the citizen's first message carried a stored photo, the first
follow-up a stored PDF and a photo still being fetched, the second a video the fetcher gave up on (too large) and a
voice note it could not fetch for a reason it did not know; one more photo belongs to no known message.
"""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image, ImageDraw
from sqlalchemy import Connection, insert

from store import models as m

DELIVERY_CODE = "NTB-KRM00001"
MEDIA_CODE = "NTB-FT000001"
AGENCY = "dinkes-mataram"
CITIZEN_PHONE = "+6281234500077"
CITIZEN_TELEGRAM = "5550001234"
CITIZEN_PSID = "7700112233445566"
WAMID_ACK = "wamid.HBgNNjI4MTIzNDUwMDA3NxUCABEYEkE3QjFDMDk4RkE0NDYxRjI1AA=="
WAMID_RESOLVED = "wamid.HBgNNjI4MTIzNDUwMDA3NxUCABEYEjlCMzE4RkE2QjE0NDcyQzhEAA=="
WA_FAILED = "reported failed by whatsapp: 131047 Re-engagement message; sent by SMS instead"
OWN_DECISION = ("outside WhatsApp's 24-hour window (the citizen's last message was 3 days ago) and no template for "
                "this notice; no SMS gateway is configured to fall back to")
LIMIT_REFUSAL = ("ditolak (send_limits.per_destination_per_day): sudah 5 pesan ke tujuan ini dalam 24 jam / "
                 "refused: 5 notices went to this destination in the last 24 h")
GRAPH_WINDOW = "HTTP 400: OAuthException 10/2018278: (#10) This message is sent outside of allowed window"
TELEGRAM_BLOCKED = "Forbidden: bot was blocked by the user"
HUMAN_AGENT_SENT = "HTTP 200 (messaging_type MESSAGE_TAG, tag HUMAN_AGENT)"
PHOTO_NAME = "jalan-berlubang.jpg"
PDF_NAME = "surat-keterangan-rt.pdf"
UNKNOWN_FETCH_ERROR = "HTTP 403: Forbidden"


def _complaint(conn: Connection, code: str, at: datetime, channel: str, text: str, **columns) -> int:
    reporter = conn.execute(insert(m.Reporter).values(
        channel=channel, channel_user_id=columns.pop("sender", CITIZEN_PHONE), name="Lalu Muhammad Zainul Majdi",
        phone=CITIZEN_PHONE, email=None, created_at=at)).inserted_primary_key[0]
    row = {
        "code": code, "kind": "complaint", "channel": channel, "sender_id": CITIZEN_PHONE, "reply_to": CITIZEN_PHONE,
        "reply_via": None, "reporter_id": reporter, "anonymous": False, "confidential": False, "language": "id",
        "text": text, "lat": None, "lon": None, "region": "kota-mataram", "category": "kesehatan",
        "priority": "normal", "agency": AGENCY, "rule": "obat-dan-faskes", "rules_version": "test",
        "status": "assigned", "status_reason": None, "received_at": at, "assigned_at": at, "acknowledged_at": None,
        "resolved_at": None, "closed_at": None, "acknowledge_due_at": at + timedelta(days=3), "resolve_due_at": None,
        "overdue": False, "overdue_since": None, "escalate_due_at": None, "escalated_at": None, "updated_at": at,
        **columns,
    }
    return conn.execute(insert(m.Complaint).values(**row)).inserted_primary_key[0]


def _event(conn: Connection, cid: int, at: datetime, kind: str, status: str | None, actor: str, data: dict) -> None:
    conn.execute(insert(m.Event).values(complaint_id=cid, at=at, actor=actor, type=kind, status=status,
                                        public=status is not None, data=data))


def _delivery(conn: Connection, cid: int, at: datetime, transport: str, event: str, state: str, target: str,
              attempts: list[tuple[str, str | None]], *, audience: str = "citizen", last_error: str | None = None,
              provider_message_id: str | None = None, provider_status: str | None = None,
              fallback_of: int | None = None, statuses: list[tuple[str, int | None, str | None]] = ()) -> int:
    """One outbox row with its attempts (outcome, detail), a minute apart, and its status reports, ten apart."""
    delivery_id = str(uuid.uuid4())
    row_id = conn.execute(insert(m.Outbox).values(
        delivery_id=delivery_id, complaint_id=cid, audience=audience, transport=transport,
        agency=AGENCY if audience == "agency" else None, target=target, event=event, payload={}, state=state,
        attempts=len(attempts), next_attempt_at=at, lease_until=None, last_error=last_error, created_at=at,
        updated_at=at + timedelta(minutes=len(attempts)), provider_message_id=provider_message_id,
        provider_status=provider_status, fallback_of=fallback_of)).inserted_primary_key[0]
    for n, (outcome, detail) in enumerate(attempts, start=1):
        conn.execute(insert(m.DeliveryAttempt).values(outbox_id=row_id, delivery_id=delivery_id, attempt=n,
                                                      at=at + timedelta(minutes=n), outcome=outcome, detail=detail))
    for n, (status, code, title) in enumerate(statuses, start=1):
        conn.execute(insert(m.DeliveryStatus).values(outbox_id=row_id, transport=transport,
                                                     provider_message_id=provider_message_id or delivery_id,
                                                     status=status, code=code, title=title,
                                                     at=at + timedelta(minutes=10 * n),
                                                     received_at=at + timedelta(minutes=10 * n, seconds=2)))
    return row_id


def delivery_history(conn: Connection, now: datetime) -> dict[str, int]:
    """Write NTB-KRM00001 and its nine deliveries; return the complaint's id and the rows' ids by name."""
    start = now - timedelta(days=9)
    cid = _complaint(conn, DELIVERY_CODE, start, "whatsapp",
                     "Stok insulin di Puskesmas Karang Pule habis sejak awal bulan, pasien diabetes disuruh beli sendiri.",
                     status="resolved", acknowledged_at=start + timedelta(hours=5),
                     resolved_at=now - timedelta(days=1), reply_via="whatsapp")
    _event(conn, cid, start, "received", "new", "citizen:whatsapp",
           {"channel": "whatsapp", "provider_message_id": "wamid.IN0001"})
    ids = {"complaint": cid}
    ids["ack"] = _delivery(conn, cid, start, "whatsapp", "citizen.ack", "delivered", CITIZEN_PHONE,
                           [("delivered", "HTTP 200")], provider_message_id=WAMID_ACK, provider_status="read",
                           statuses=[("sent", None, None), ("delivered", None, None), ("read", None, None)])
    resolved_at = now - timedelta(days=1)
    ids["wa_resolved"] = _delivery(
        conn, cid, resolved_at, "whatsapp", "citizen.status.resolved", "undeliverable", CITIZEN_PHONE,
        [("delivered", "HTTP 200")], last_error=WA_FAILED, provider_message_id=WAMID_RESOLVED,
        provider_status="failed", statuses=[("sent", None, None), ("failed", 131047, "Re-engagement message")])
    ids["sms_resolved"] = _delivery(conn, cid, resolved_at + timedelta(minutes=21), "sms", "citizen.status.resolved",
                                    "delivered", CITIZEN_PHONE, [("delivered", "HTTP 201")],
                                    fallback_of=ids["wa_resolved"])
    ids["telegram"] = _delivery(conn, cid, start + timedelta(days=2), "telegram", "citizen.agency_reply", "dead",
                                CITIZEN_TELEGRAM, [("permanent", TELEGRAM_BLOCKED)], last_error=TELEGRAM_BLOCKED)
    ids["messenger"] = _delivery(conn, cid, start + timedelta(days=5), "facebook", "citizen.agency_reply",
                                 "delivered", CITIZEN_PSID, [("delivered", HUMAN_AGENT_SENT)])
    ids["webhook"] = _delivery(conn, cid, start, "webhook", "ticket.assigned", "delivered",
                               "https://sikesda.mataramkota.example/aduan/hook", [("delivered", "HTTP 204")],
                               audience="agency")
    ids["wa_own"] = _delivery(conn, cid, start + timedelta(days=3), "whatsapp", "citizen.status.in_progress",
                              "undeliverable", CITIZEN_PHONE, [("undeliverable", OWN_DECISION)],
                              last_error=OWN_DECISION)
    ids["sms_refused"] = _delivery(conn, cid, start + timedelta(days=4), "sms", "citizen.followup", "refused",
                                   CITIZEN_PHONE, [("refused", LIMIT_REFUSAL)], last_error=LIMIT_REFUSAL)
    ids["messenger_window"] = _delivery(conn, cid, now - timedelta(hours=2), "facebook", "citizen.status.closed",
                                        "dead", CITIZEN_PSID, [("permanent", GRAPH_WINDOW)], last_error=GRAPH_WINDOW)
    return ids


def road_photo() -> bytes:
    """A small JPEG of a road with a hole in it, for the thumbnails."""
    image = Image.new("RGB", (640, 480), (120, 160, 200))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 240, 640, 480), fill=(90, 90, 95))
    draw.line((320, 250, 320, 470), fill=(235, 235, 235), width=8)
    draw.ellipse((160, 320, 380, 420), fill=(70, 50, 35))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _attachment(conn: Connection, cid: int, at: datetime, ref: str | None, kind: str, **columns) -> int:
    row = {"complaint_id": cid, "kind": kind, "content_type": None, "channel_ref": None, "stored_path": None,
           "size": None, "name": None, "sha256": None, "created_at": at, "message_ref": ref, "fetch_via": "telegram",
           "fetch_state": None, "fetch_attempts": 0, "fetch_error": None, **columns}
    return conn.execute(insert(m.Attachment).values(**row)).inserted_primary_key[0]


def conversation_media(conn: Connection, var_dir: str, now: datetime) -> dict[str, int]:
    """Write NTB-FT000001, its messages and their files (the stored ones under `var_dir`); return the ids by name."""
    photo = road_photo()
    folder = Path(var_dir) / "attachments" / "2026" / "12"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "jalan.jpg").write_bytes(photo)
    (folder / "surat.pdf").write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    (folder / "lama.jpg").write_bytes(photo)
    start = now - timedelta(days=2)
    cid = _complaint(conn, MEDIA_CODE, start, "telegram",
                     "Jalan di depan Puskesmas Pagesangan berlubang besar, ambulans susah lewat. Ini fotonya.",
                     sender=CITIZEN_TELEGRAM, sender_id=CITIZEN_TELEGRAM, reply_to=CITIZEN_TELEGRAM)
    first, second = start + timedelta(hours=3), start + timedelta(hours=7)
    _event(conn, cid, start, "received", "new", "citizen:telegram",
           {"channel": "telegram", "provider_message_id": f"{CITIZEN_TELEGRAM}:17"})
    for at, text, ref in ((first, "Ini surat dari RT dan satu foto lagi dari sisi lain.", f"{CITIZEN_TELEGRAM}:18"),
                          (second, "Video waktu hujan, airnya menggenang.", f"{CITIZEN_TELEGRAM}:19")):
        conn.execute(insert(m.FollowUp).values(complaint_id=cid, inbound_message_id=None, text=text, created_at=at))
        _event(conn, cid, at, "followup", None, "citizen:telegram", {"provider_message_id": ref, "attachments": 2})
    ids = {"complaint": cid}
    ids["photo"] = _attachment(conn, cid, start, f"{CITIZEN_TELEGRAM}:17", "image", content_type="image/jpeg",
                               stored_path="attachments/2026/12/jalan.jpg", size=len(photo), name=PHOTO_NAME,
                               channel_ref="AgACAgUAAxkBAAIBF2YtZm90bzE", fetch_state="stored")
    ids["pdf"] = _attachment(conn, cid, first, f"{CITIZEN_TELEGRAM}:18", "document", content_type="application/pdf",
                             stored_path="attachments/2026/12/surat.pdf", size=48_213, name=PDF_NAME,
                             channel_ref="BQACAgUAAxkBAAIBGGYtc3VyYXQ", fetch_state="stored")
    ids["pending"] = _attachment(conn, cid, first, f"{CITIZEN_TELEGRAM}:18", "image",
                                 channel_ref="AgACAgUAAxkBAAIBGGYtZm90bzI", fetch_state="pending")
    ids["too_large"] = _attachment(conn, cid, second, f"{CITIZEN_TELEGRAM}:19", "video", name="banjir.mp4",
                                   channel_ref="BAACAgUAAxkBAAIBGWYtdmlkZW8", fetch_state="dead",
                                   fetch_error="larger than max_attachment_bytes (10000000 bytes)")
    ids["unknown"] = _attachment(conn, cid, second, f"{CITIZEN_TELEGRAM}:19", "voice",
                                 channel_ref="AwACAgUAAxkBAAIBGWYtc3VhcmE", fetch_state="dead",
                                 fetch_error=UNKNOWN_FETCH_ERROR)
    ids["loose"] = _attachment(conn, cid, start, None, "image", content_type="image/jpeg",
                               stored_path="attachments/2026/12/lama.jpg", size=len(photo), name="foto-lama.jpg")
    return ids
