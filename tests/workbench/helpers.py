"""Helpers of the workbench tests: accounts with passwords, signing in through the login form as a browser does, the
forms' CSRF tokens, and tickets written to the store with their timelines.

The inbox's data set (`seed_inbox`) is relative to the time it is written, since lateness is judged against now:

| code          | agency         | status       | due (from now)        | notes                                        |
| ------------- | -------------- | ------------ | --------------------- | -------------------------------------------- |
| NTB-DKM00003  | dinkes-mataram | in_progress  | resolve −1 day        | flagged overdue by the sweep                 |
| NTB-DKM00004  | dinkes-mataram | assigned     | acknowledge −1 hour   | past due, not yet flagged                    |
| NTB-DKM00001  | dinkes-mataram | assigned     | acknowledge +2 hours  | named reporter, photo, follow-up, notes      |
| NTB-DKM00006  | dinkes-mataram | assigned     | acknowledge +1 day    | anonymous                                    |
| NTB-DKM00002  | dinkes-mataram | acknowledged | resolve +5 days       |                                              |
| NTB-DKM00005  | dinkes-mataram | resolved     | –                     | resolved yesterday                           |
| NTB-PPR00001  | pupr-lotim     | assigned     | acknowledge +1 day    | another agency's                             |
| NTB-FWD00001  | puskesmas-ampenan | assigned  | acknowledge +1 day    | forwarded there by dinkes-mataram            |

So dinkes-mataram's inbox lists, in order, DKM00003, DKM00004, DKM00001, DKM00006, DKM00002 (two of them late).
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta, timezone
from html import unescape

from sqlalchemy import Connection, insert, select

from api.auth import token_hash
from api.passwords import hash_password
from store import models as m
from store import users

PASSWORD = "mawar merah di taman kota"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')

AGENCY = "dinkes-mataram"
AGENCY_NAME = "Dinas Kesehatan Kota Mataram"
OTHER_AGENCY = "pupr-lotim"
OTHER_AGENCY_NAME = "Dinas Pekerjaan Umum dan Penataan Ruang Kabupaten Lombok Timur"
UNIT = "puskesmas-ampenan"
UNIT_NAME = "UPT Puskesmas Ampenan"
OFFICER = "Baiq Nurul Aini"
OFFICER_EMAIL = "nurul.aini@dinkes.mataramkota.example"
OTHER_OFFICER = "Lalu Ahmad Fauzi"
OTHER_OFFICER_EMAIL = "ahmad.fauzi@pupr.lomboktimurkab.example"
OPERATOR = "Siti Hajar"
OPERATOR_EMAIL = "siti.hajar@ntbcare.example"

LATE_FLAGGED = "NTB-DKM00003"
LATE_PAST_DUE = "NTB-DKM00004"
NAMED = "NTB-DKM00001"
ANONYMOUS = "NTB-DKM00006"
ACKNOWLEDGED = "NTB-DKM00002"
RESOLVED = "NTB-DKM00005"
OTHERS = "NTB-PPR00001"
FORWARDED = "NTB-FWD00001"
OPEN_ORDER = [LATE_FLAGGED, LATE_PAST_DUE, NAMED, ANONYMOUS, ACKNOWLEDGED]

REPORTER_NAME = "Muhammad Rizki Hidayat"
REPORTER_PHONE = "+6281337001122"
HIDDEN_NAME = "Ni Luh Putu Sari"
HIDDEN_PHONE = "+6281999000111"
NAMED_TEXT = ("Obat hipertensi untuk lansia di Puskesmas Ampenan kosong sejak dua minggu, petugas meminta kami "
              "membeli sendiri di apotek luar. Banyak lansia di Kelurahan Ampenan Selatan tidak mampu membelinya "
              "dan sudah tiga kali bolak-balik tanpa hasil.")
FOLLOWUP_TEXT = "Hari ini kami datang lagi, obatnya masih kosong."
OPERATOR_NOTE = "Sudah dicek: stok gudang farmasi kota juga menipis."
OWN_NOTE = "Koordinasi dengan instalasi farmasi besok pagi."
FOREIGN_NOTE = "Catatan rahasia Dinas PUPR, bukan untuk instansi lain."
FOREIGN_STEP = "Langkah internal instansi lain"
PHOTO_NAME = "rak-obat-kosong.jpg"
PHOTO_PATH = "attachments/ab/rak-obat.jpg"  # under the var folder


# --- accounts and signing in ---------------------------------------------------------------------------


def add_account(db, email: str, name: str, role: str = "agency", agency: str | None = AGENCY,
                password: str = PASSWORD) -> int:
    """Store an account with its password set (as after its one-time link was used); return its id."""
    now = datetime.now(timezone.utc)
    with db.writer.begin() as conn:
        user_id = users.add_user(conn, email=email, name=name, role=role, agency=agency if role == "agency" else None,
                                 telegram_id=None, link_hash=token_hash(secrets.token_urlsafe(24)), now=now)
        users.set_password(conn, user_id, hash_password(password), now)
    return user_id


def csrf_of(html: str) -> str:
    """The CSRF token a rendered form carries."""
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


async def sign_in(client, email: str, password: str = PASSWORD, next_url: str | None = None):
    """Sign in through the login form (its CSRF token and pre-session cookie) and return the answer, not followed."""
    page = await client.get("/dashboard/login")
    assert page.status == 200
    form = {"csrf": csrf_of(await page.text()), "email": email, "password": password}
    if next_url is not None:
        form["next"] = next_url
    return await client.post("/dashboard/login", data=form, allow_redirects=False)


async def signed_in(client, email: str, password: str = PASSWORD) -> None:
    """Sign in and check that it worked."""
    resp = await sign_in(client, email, password)
    assert resp.status == 303, await resp.text()


async def page_and_csrf(client, path: str) -> tuple[str, str]:
    """GET a signed-in page (200) and return its HTML and its forms' CSRF token."""
    resp = await client.get(path, allow_redirects=False)
    assert resp.status == 200, (resp.status, await resp.text())
    html = await resp.text()
    return html, csrf_of(html)


async def post(client, path: str, csrf: str, headers: dict | None = None, **fields):
    """POST a form as the page's own (same origin) with the CSRF token; the answer, not followed."""
    sent = {"Origin": str(client.make_url("")).rstrip("/"), "Sec-Fetch-Site": "same-origin", **(headers or {})}
    return await client.post(path, data={"csrf": csrf, **fields}, headers=sent, allow_redirects=False)


def text_of(html: str) -> str:
    """A page's visible text, roughly: tags dropped, entities read, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


# --- tickets ------------------------------------------------------------------------------------------


def reporter(conn: Connection, name: str, phone: str, channel: str, at: datetime) -> int:
    return conn.execute(insert(m.Reporter).values(channel=channel, channel_user_id=phone, name=name, phone=phone,
                                                  email=None, created_at=at)).inserted_primary_key[0]


def ticket(conn: Connection, code: str, received_at: datetime, **columns) -> int:
    """Insert one complaint (defaults: assigned to dinkes-mataram from the web form, in Kota Mataram) with its
    opening steps on the timeline; return its id."""
    row = {
        "code": code, "kind": "complaint", "channel": "web", "sender_id": None, "reply_to": None, "reply_via": None,
        "reporter_id": None, "anonymous": False, "confidential": False, "language": "id",
        "text": f"Aduan {code} tentang layanan kesehatan", "lat": None, "lon": None, "region": "kota-mataram",
        "category": "kesehatan", "priority": "normal", "agency": AGENCY, "rule": "obat-dan-faskes",
        "rules_version": "test", "status": "assigned", "status_reason": None, "received_at": received_at,
        "assigned_at": received_at, "acknowledged_at": None, "resolved_at": None, "closed_at": None,
        "acknowledge_due_at": None, "resolve_due_at": None, "overdue": False, "overdue_since": None,
        "escalate_due_at": None, "escalated_at": None, "updated_at": received_at,
    }
    row.update(columns)
    cid = conn.execute(insert(m.Complaint).values(**row)).inserted_primary_key[0]
    step(conn, cid, received_at, "received", "new", actor=f"citizen:{row['channel']}", public=True)
    if row["agency"] is not None:
        step(conn, cid, received_at, "assigned", "assigned", actor="router", public=True,
             data={"rule": row["rule"], "to": row["agency"]})
    return cid


def step(conn: Connection, complaint_id: int, at: datetime, kind: str, status: str | None, actor: str = "router",
         public: bool = False, data: dict | None = None, by: dict | None = None) -> None:
    """Add one step to a complaint's timeline."""
    conn.execute(insert(m.Event).values(complaint_id=complaint_id, at=at, actor=actor, type=kind, status=status,
                                        public=public, data=data or {}, by=by))


def seed_inbox(conn: Connection, now: datetime) -> dict[str, int]:
    """Write the data set of this module's docstring, relative to `now`; return the complaints' ids by code."""
    ids = {}
    day, hour = timedelta(days=1), timedelta(hours=1)
    ids[LATE_FLAGGED] = ticket(conn, LATE_FLAGGED, now - 9 * day, status="in_progress",
                               acknowledged_at=now - 8 * day, acknowledge_due_at=now - 8 * day,
                               resolve_due_at=now - day, overdue=True, overdue_since=now - day + hour,
                               text="Ambulans desa rusak dan belum diperbaiki")
    ids[LATE_PAST_DUE] = ticket(conn, LATE_PAST_DUE, now - 2 * day, acknowledge_due_at=now - hour,
                                region="mataram-cakranegara", category="layanan-puskesmas",
                                text="Antrean di loket pendaftaran Puskesmas Cakranegara sampai jam 12 siang")
    named = reporter(conn, REPORTER_NAME, REPORTER_PHONE, "web", now - day)
    ids[NAMED] = ticket(conn, NAMED, now - day, reporter_id=named, acknowledge_due_at=now + 2 * hour,
                        region="mataram-ampenan", text=NAMED_TEXT)
    hidden = reporter(conn, HIDDEN_NAME, HIDDEN_PHONE, "whatsapp", now - 3 * hour)
    ids[ANONYMOUS] = ticket(conn, ANONYMOUS, now - 3 * hour, channel="whatsapp", reporter_id=hidden, anonymous=True,
                            sender_id=HIDDEN_PHONE, reply_to=HIDDEN_PHONE, acknowledge_due_at=now + day,
                            text="Petugas puskesmas meminta uang untuk surat keterangan sehat")
    ids[ACKNOWLEDGED] = ticket(conn, ACKNOWLEDGED, now - 4 * day, status="acknowledged",
                               acknowledged_at=now - 3 * day, acknowledge_due_at=now - 3 * day,
                               resolve_due_at=now + 5 * day, text="Lampu ruang tunggu IGD mati")
    ids[RESOLVED] = ticket(conn, RESOLVED, now - 6 * day, status="resolved", acknowledged_at=now - 5 * day,
                           resolved_at=now - day, acknowledge_due_at=now - 5 * day, resolve_due_at=now + day,
                           text="Air di toilet puskesmas tidak mengalir")
    ids[OTHERS] = ticket(conn, OTHERS, now - day, agency=OTHER_AGENCY, region="lombok-timur",
                         category="infrastruktur", rule="jalan-dan-jembatan", acknowledge_due_at=now + day,
                         text="Jembatan gantung di Desa Sembalun putus")
    ids[FORWARDED] = ticket(conn, FORWARDED, now - 2 * day, agency=AGENCY, region="mataram-ampenan",
                            acknowledge_due_at=now + day, text="Vaksin untuk bayi di posyandu Ampenan habis")
    conn.execute(m.Complaint.__table__.update().where(m.Complaint.id == ids[FORWARDED])
                 .values(agency=UNIT, assigned_at=now - day))
    step(conn, ids[FORWARDED], now - day, "forwarded", "assigned", actor="agency:dinkes-mataram", public=True,
         data={"from": AGENCY, "to": UNIT})

    cid = ids[NAMED]
    conn.execute(insert(m.FollowUp).values(complaint_id=cid, inbound_message_id=None, text=FOLLOWUP_TEXT,
                                           created_at=now - 20 * hour))
    step(conn, cid, now - 20 * hour, "followup", None, actor="citizen:web", data={"attachments": 1})
    conn.execute(insert(m.Attachment).values(
        complaint_id=cid, kind="image", content_type="image/jpeg", channel_ref=None,
        stored_path=PHOTO_PATH, size=48213, name=PHOTO_NAME, sha256="0" * 64, created_at=now - day))
    step(conn, cid, now - 19 * hour, "note", None, actor="user:900",
         data={"note": OPERATOR_NOTE}, by={"type": "user", "name": OPERATOR, "role": "operator", "agency": None})
    step(conn, cid, now - 18 * hour, "note", None, actor="user:901", data={"note": FOREIGN_NOTE},
         by={"type": "user", "name": OTHER_OFFICER, "role": "agency", "agency": OTHER_AGENCY})
    step(conn, cid, now - 18 * hour, "updated", None, actor="user:901", data={"note": FOREIGN_STEP},
         by={"type": "user", "name": OTHER_OFFICER, "role": "agency", "agency": OTHER_AGENCY})
    step(conn, cid, now - 17 * hour, "note", None, actor="user:902", data={"note": OWN_NOTE},
         by={"type": "user", "name": "Dewi Kartika", "role": "agency", "agency": AGENCY})
    return ids


def seed(db, now: datetime | None = None) -> dict[str, int]:
    """Write the inbox's data set to a database; return the complaints' ids by code."""
    with db.writer.begin() as conn:
        return seed_inbox(conn, now or datetime.now(timezone.utc))


def stored(db, code: str) -> dict:
    """A complaint's row as stored."""
    with db.reader.connect() as conn:
        return dict(conn.execute(select(m.Complaint.__table__).where(m.Complaint.code == code)).mappings().one())


def steps(db, code: str) -> list[dict]:
    """A complaint's timeline as stored, in order."""
    with db.reader.connect() as conn:
        cid = conn.execute(select(m.Complaint.id).where(m.Complaint.code == code)).scalar_one()
        return [dict(e) for e in conn.execute(select(m.Event.__table__).where(m.Event.complaint_id == cid)
                                              .order_by(m.Event.id)).mappings()]
