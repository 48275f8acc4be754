"""Seed a SQLite store with N complaints shaped like a province's two years of traffic, a set number of them due.

The fixture of bench/sweep_scale.py and bench/stats_month.py. The schema comes from the migrations
(store.migrate.upgrade); rows go in with the raw sqlite3 module, in big transactions with
journal_mode=WAL and synchronous=OFF, and the tables' secondary indexes are dropped first and made again
from their own CREATE INDEX text at the end (a benchmark fixture: a crash means seeding again).

Shape, as of the instant `--as-of` (T), with the sample config's regions, agencies, rules, SLAs:
- Background complaints arrive at an even rate over `--years` before T, in time order (so ids follow
  received_at, as in a real store). Each is routed by the real router from one of the texts below and its
  region, then lives a life: acknowledged (15% late), resolved (20% late), closed `close_resolved_after`
  later, or rejected (3%). Its status is what that life reached at T: mostly closed, some resolved in the
  last two weeks, some open. An open one past a due time was marked overdue by an earlier sweep and, once
  `escalate_after` more went by, escalated; no background complaint is due at T.
- `--due` more open complaints, not marked overdue, each whose acknowledgement (half of them) or
  resolution due time fell in the last sweep interval before T: what a sweep at T must mark overdue.
- `--triage` complaints in triage from the last three days, with texts no rule routes (a fifth of them
  returned once by an agency).
- Reporters (10% anonymous; some web reporters left nothing), 2 to 4 events per complaint, and about two
  outbox rows per complaint (the citizen's acknowledgement, one delivery per agency target): delivered,
  except 0.02% dead and a few recent failed ones.

Not seeded: inbound messages, follow-ups, attachments, delivery attempts (neither the sweep nor the stats
read them).

    .venv/bin/python bench/seed_store.py                       # 1,000,000 at <temp dir>/aduan-bench-1m.db
    .venv/bin/python bench/seed_store.py --complaints 20000 --due 10000 --db small.db
"""

from __future__ import annotations

import argparse
import bisect
import json
import multiprocessing
import os
import random
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from config.loader import Config, load_config  # noqa: E402  (the project's modules, after the path)
from router import Router, compile_router  # noqa: E402
from sla.terms import due, terms_for  # noqa: E402
from sla.workdays import parse_duration  # noqa: E402
from store.db import open_database  # noqa: E402
from store.migrate import upgrade  # noqa: E402

DEFAULT_DB = str(Path(tempfile.gettempdir()) / "aduan-bench-1m.db")
DEFAULT_AS_OF = "2026-11-24T08:00:00Z"
BATCH = 50_000  # complaints per transaction (with their reporters, events and outbox rows)
TABLES = ("reporters", "complaints", "events", "outbox")  # their secondary indexes are made after the rows

REJECTED = 0.03
LATE_ACKNOWLEDGE = 0.15
LATE_RESOLVE = 0.20
ANONYMOUS = 0.10
CONFIDENTIAL = 0.05
LOCATED = 0.20
RETURNED = 0.20  # of the triage queue: returned once by an agency as not its authority
DEAD = 0.0002  # of the outbox rows
FAILED = 20  # recent deliveries failed and waiting for their next attempt (a sweep requeues them)
TRIAGE_DAYS = 3

CHANNELS = (("whatsapp", 35), ("sms", 20), ("web", 18), ("facebook", 13), ("telegram", 12), ("api", 2))
KINDS = (("complaint", 80), ("aspiration", 12), ("inquiry", 8))
SMS_VIA = ("sms-generic", "sms-twilio", "sms-vonage")
NAMES = ("Baiq Nurul", "Lalu Ahmad", "Ni Made Sari", "Muhammad Rizki", "Siti Aminah", "I Wayan Sudarta",
         "Hj. Rabiah", "Zainul Arifin", "Dewi Lestari", "Abdul Hamid", "Nurhayati", "Agus Salim", "Fitriani",
         "Syamsul Bahri", "Rina Marlina", "Imam Syafii")
# Texts the rules route (each with the region's name added); triage texts must match no rule (checked).
TEXTS = (
    "Jalan rusak parah dan berlubang di {place}, sudah banyak pengendara motor jatuh, mohon segera diperbaiki",
    "Jembatan penghubung antar dusun di {place} retak dan hampir putus setelah hujan deras",
    "Saluran irigasi di {place} tersumbat sampah sehingga sawah warga kekeringan",
    "Obat di puskesmas {place} kosong sudah dua minggu, pasien disuruh beli sendiri di apotek",
    "Antrian di puskesmas {place} sangat lama, dokter datang siang dan pelayanan lambat",
    "Pasien BPJS di RSUD ditolak dengan alasan kamar penuh, mohon perhatian, kami dari {place}",
    "Bantuan sosial PKH untuk keluarga kami di {place} belum cair tiga bulan",
    "Nama ibu saya hilang dari DTKS padahal sangat membutuhkan bantuan sembako, {place}",
    "Ada pungli di kantor desa {place}, warga dimintai uang untuk mengurus surat",
    "Banjir merendam rumah warga di {place} sejak semalam, mohon bantuan evakuasi",
    "Tanah longsor menutup jalan di {place}, kendaraan tidak bisa lewat",
    "Guru honorer di SD {place} belum menerima gaji empat bulan",
    "Sekolah di {place} meminta pungutan untuk seragam dan buku saat PPDB",
    "Air PDAM di {place} tidak mengalir sudah seminggu, warga membeli air bersih",
    "Rumah tidak layak huni di {place} belum mendapat bantuan bedah rumah",
    "Penambangan pasir ilegal di sungai {place} merusak lingkungan",
    "Sampah menumpuk di pinggir jalan {place} dan tidak diangkut",
    "Upah buruh di pabrik {place} di bawah UMK dan THR tidak dibayar",
    "Koperasi simpan pinjam di {place} tidak mengembalikan simpanan anggota",
    "Pelayanan KTP di kantor camat {place} sangat lambat dan petugas sering tidak ada",
    "Usul agar dibangun lapangan olahraga untuk pemuda di {place}",
    "Mohon informasi jadwal imunisasi anak di posyandu {place}",
)
TRIAGE_TEXTS = (
    "Tolong tanggapi masalah di kampung kami di {place}, sudah lama tidak ada kejelasan",
    "Saya mau bertanya kapan hasilnya diumumkan, terima kasih",
    "Kenapa laporan saya belum ada kabar sampai sekarang",
    "Mohon dibantu, ada masalah dengan tetangga soal batas tanah di {place}",
    "Halo admin, mohon arahannya harus ke mana untuk urusan ini",
)
# With --vary-texts each text ends with the hamlet it is about, one of 1,000 names (each in about 0.1% of the
# complaints), so that full-text search has rare words to find (bench/list_search.py). The name comes from the
# complaint's id, not the random stream, so everything else seeds the same either way.
HAMLET_HEADS = ("Karang", "Dasan", "Lendang", "Batu", "Gubuk", "Kebon", "Pondok", "Tanjung", "Sesela", "Lingkok",
                "Bagik", "Montong", "Gunung", "Presak", "Lekong", "Otak", "Telaga", "Embung", "Rungkang", "Jurang",
                "Pelita", "Tibu", "Ketapang", "Bilek", "Orong")
HAMLET_TAILS = ("baru", "lauk", "daya", "timuk", "bat", "tengak", "asri", "jaya", "indah", "permai", "agung", "bagek",
                "nangka", "ares", "paok", "lekor", "bunut", "nyiur", "waru", "kelor", "gedang", "mangko", "pancor",
                "lelah", "sari", "gading", "raja", "tunjung", "bolong", "sawah", "kembang", "duren", "jero", "kuning",
                "petung", "rembiga", "sempage", "lilin", "tebu", "lombok")


def with_hamlet(text: str, cid: int) -> str:
    """A text with the hamlet of complaint `cid` added (an odd multiplier spreads ids evenly over the 1,000)."""
    n = cid * 2654435761 % (len(HAMLET_HEADS) * len(HAMLET_TAILS))
    return f"{text}, Dusun {HAMLET_HEADS[n // len(HAMLET_TAILS)]}{HAMLET_TAILS[n % len(HAMLET_TAILS)]}"


REJECT_REASONS = ("Bukan pengaduan", "Laporan tidak dapat diverifikasi", "Duplikat laporan sebelumnya")
DEAD_ERRORS = ("HTTP 410 Gone", "550 mailbox unavailable", "Forbidden: bot was kicked from the group chat")
EPOCH = datetime(1970, 1, 1)
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

COMPLAINT_COLUMNS = (
    "id", "code", "kind", "channel", "sender_id", "reply_to", "reply_via", "reporter_id", "anonymous", "confidential",
    "language", "text", "lat", "lon", "region", "category", "priority", "agency", "rule", "rules_version", "status",
    "status_reason", "received_at", "assigned_at", "acknowledged_at", "resolved_at", "closed_at", "acknowledge_due_at",
    "resolve_due_at", "overdue", "overdue_since", "escalate_due_at", "escalated_at", "updated_at")
REPORTER_COLUMNS = ("id", "channel", "channel_user_id", "name", "phone", "email", "created_at")
EVENT_COLUMNS = ("complaint_id", "at", "actor", "type", "status", "public", "data")
OUTBOX_COLUMNS = ("delivery_id", "complaint_id", "audience", "transport", "agency", "target", "event", "payload",
                  "state", "attempts", "next_attempt_at", "lease_until", "last_error", "created_at", "updated_at")

# What a spec is: a complaint's role in the fixture.
BACKGROUND, DUE_ACKNOWLEDGE, DUE_RESOLVE, TRIAGE = range(4)

_DAYS: dict[int, str] = {}


def stamp(ts: float) -> str:
    """A POSIX time as SQLAlchemy stores a UTC DateTime on SQLite ("2026-11-24 08:00:00.000000")."""
    day, rest = divmod(round(ts * 1_000_000), 86_400_000_000)
    date = _DAYS.get(day)
    if date is None:
        date = _DAYS[day] = (EPOCH + timedelta(days=day)).strftime("%Y-%m-%d")
    second, micro = divmod(rest, 1_000_000)
    hour, second = divmod(second, 3600)
    minute, second = divmod(second, 60)
    return f"{date} {hour:02d}:{minute:02d}:{second:02d}.{micro:06d}"


def uuid4(rng: random.Random) -> str:
    """A random UUID4 string, as delivery ids are."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def moment(value: str) -> datetime:
    """An ISO 8601 time, UTC when it has no offset."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def span(duration: str) -> float:
    """Seconds a duration usually lasts: N hours, or N working days as N × 7/5 calendar days."""
    d = parse_duration(duration)
    return d.amount * 3600.0 if d.unit == "h" else d.amount * 86400.0 * 7 / 5


def tracking_code(prefix: str, i: int) -> str:
    """A distinct code for each i (an odd multiplier is a bijection on 40 bits), as random-looking as real ones."""
    value = (i * 0x9E3779B97F + 0x5DEECE66D) & ((1 << 40) - 1)
    return f"{prefix}-{''.join(ALPHABET[(value >> s) & 31] for s in range(35, -1, -5))}"


@dataclass(frozen=True)
class Route:
    """One text in one region, as the router decided it, with the SLA spans of its agency and priority."""

    text: str
    region: str
    agency: str | None
    rule: str | None
    category: str | None
    priority: str
    acknowledge: float
    resolve: float
    targets: tuple[tuple[str, str], ...]  # (transport, address) of each delivery target
    routing: str  # the assignment event's data, as JSON


def routes(config: Config, router: Router) -> tuple[list[Route], list[Route], list[float]]:
    """Route every text in every region once: (routed, triage, cumulative weights of the routed)."""
    routed, triage, weights = [], [], []
    for code, node in config.regions.items():
        weight = 1 if code == config.root else 4 if len(config.ancestors(code)) == 2 else 3
        for text in TEXTS:
            filled = text.format(place=node.name)
            d = router.route(filled, region=code, channel="web", kind="complaint")
            if d.status != "assigned":
                continue
            t = terms_for(config, d.agency, d.priority)
            targets = tuple(("webhook", x.webhook) if x.webhook else ("email", x.email) if x.email
                            else ("telegram_chat", x.telegram_chat) for x in config.agencies[d.agency].deliver)
            routing = orjson.dumps({"rule": d.rule, "agency": {"code": d.agency, "name": d.agency_name},
                                    "region": {"code": code, "name": node.name}, "category": d.category,
                                    "priority": d.priority, "matched": list(d.matched)}).decode()
            routed.append(Route(filled, code, d.agency, d.rule, d.category, d.priority, span(str(t.acknowledge)),
                                span(str(t.resolve)), targets, routing))
            weights.append(weight)
        for text in TRIAGE_TEXTS:
            filled = text.format(place=node.name)
            d = router.route(filled, region=code, channel="web", kind="complaint")
            if d.status != "triage":
                raise SystemExit(f"the sample rules now route a triage text: {filled!r} → {d.agency}")
            triage.append(Route(filled, code, None, None, None, d.priority, 0.0, 0.0, (), "{}"))
    total, cumulative = 0.0, []
    for w in weights:
        total += w
        cumulative.append(total)
    return routed, triage, cumulative


class Picker:
    """Weighted choices from (value, weight) pairs."""

    def __init__(self, choices: tuple) -> None:
        self.values = [c for c, _ in choices]
        self.cumulative, total = [], 0
        for _, weight in choices:
            total += weight
            self.cumulative.append(total)

    def __call__(self, rng: random.Random) -> str:
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])]


CHANNEL = Picker(CHANNELS)
KIND = Picker(KINDS)


class Seeder:
    """Build the rows of one store; `rows` turns one spec into its complaint, reporter, events and outbox rows."""

    def __init__(self, config: Config, as_of: datetime, seed: int, vary_texts: bool = False) -> None:
        self.config = config
        self.vary_texts = vary_texts
        self.rng = random.Random(seed)
        self.T = as_of.timestamp()
        self.router = compile_router(config)
        self.routed, self.triage, self.cumulative = routes(config, self.router)
        s = config.settings
        self.interval = s.sweep_interval_hours * 3600.0
        self.escalate = span(s.sla.escalate_after)
        self.close = span(s.close_resolved_after)
        self.version = config.version
        self.prefix = s.tracking_prefix
        self.agencies = sorted(config.agencies)
        self.seed = seed
        self.counts: dict[str, int] = {}

    def route(self) -> int:
        """The index of a routed text and region, drawn by the regions' weights."""
        return bisect.bisect_left(self.cumulative, self.rng.random() * self.cumulative[-1])

    def specs(self, n: int, due_count: int, triage: int, years: float) -> list[tuple]:
        """(received_at, role, route index, due time) for every complaint, in time order."""
        rng, T = self.rng, self.T
        background = n - due_count - triage
        if background < 0:
            raise SystemExit(f"--complaints {n} cannot hold --due {due_count} and --triage {triage}")
        horizon = years * 365 * 86400.0
        step = horizon / max(background, 1)
        specs = [(T - horizon + (i + rng.random()) * step, BACKGROUND, self.route(), 0.0) for i in range(background)]
        for i in range(due_count):
            r = self.route()
            route = self.routed[r]
            due_at = T - rng.random() * self.interval
            if i % 2 == 0:
                received = due_at - route.acknowledge - rng.uniform(0.05, 2.0)
                specs.append((received, DUE_ACKNOWLEDGE, r, due_at))
            else:
                acknowledged = due_at - route.resolve
                received = acknowledged - route.acknowledge * rng.uniform(0.05, 0.9) - rng.uniform(0.05, 2.0)
                specs.append((received, DUE_RESOLVE, r, due_at))
        for _ in range(triage):
            specs.append((T - rng.random() * TRIAGE_DAYS * 86400, TRIAGE, rng.randrange(len(self.triage)), 0.0))
        specs.sort()
        return specs

    # -- one complaint ----------------------------------------------------------------------------------

    def reporter(self, rid: int, channel: str, received: float) -> tuple[tuple | None, dict]:
        """The reporter row (or None) and the complaint's channel fields."""
        rng = self.rng
        anonymous = rng.random() < ANONYMOUS
        name = rng.choice(NAMES)
        phone = f"+628{rng.randrange(10**8, 10**10)}"
        fields = {"sender_id": None, "reply_to": None, "reply_via": None, "anonymous": anonymous}
        if channel == "sms":
            fields.update(sender_id=phone, reply_to=phone, reply_via=rng.choice(SMS_VIA))
            row = (rid, channel, phone, None, phone, None)
        elif channel == "whatsapp":
            wa = phone[1:]
            fields.update(sender_id=wa, reply_to=wa)
            row = (rid, channel, wa, name, phone, None)
        elif channel == "telegram":
            chat = str(rng.randrange(10**8, 7 * 10**9))
            fields.update(sender_id=chat, reply_to=chat)
            row = (rid, channel, chat, name, None, None)
        elif channel == "facebook":
            psid = str(rng.randrange(10**15, 10**16))
            fields.update(sender_id=psid, reply_to=psid, reply_via="facebook")
            row = (rid, channel, psid, name, None, None)
        else:  # web or api: a form's fields, any of them left empty; anonymous reporters often leave all
            if anonymous and rng.random() < 0.5:
                return None, fields
            email = f"{name.split()[-1].lower()}{rng.randrange(1000)}@mail.example" if rng.random() < 0.6 else None
            row = (rid, channel, None, name, None if email else phone, email)
        return (*row, stamp(received)), fields

    def life(self, spec: tuple, route: Route) -> dict:
        """The complaint's times and status at T."""
        rng, T = self.rng, self.T
        received, role, _, due_at = spec
        c = dict.fromkeys(("assigned_at", "acknowledged_at", "resolved_at", "closed_at", "acknowledge_due_at",
                           "resolve_due_at", "overdue_since", "escalate_due_at", "escalated_at", "status_reason"))
        c["overdue"] = False
        if role == TRIAGE:
            c["status"] = "triage"
            c["updated_at"] = received
            return c
        assigned = received + rng.uniform(0.05, 2.0)
        c["assigned_at"], c["acknowledge_due_at"] = assigned, assigned + route.acknowledge
        if role == DUE_ACKNOWLEDGE:
            c["acknowledge_due_at"] = due_at
            c.update(status="assigned", updated_at=assigned)
            return c
        if role == DUE_RESOLVE:
            acknowledged = due_at - route.resolve
            c.update(acknowledged_at=acknowledged, resolve_due_at=due_at, updated_at=acknowledged,
                     status="in_progress" if rng.random() < 0.5 else "acknowledged")
            return c
        late = rng.random() < LATE_ACKNOWLEDGE
        acknowledged = assigned + route.acknowledge * (rng.uniform(1.02, 3.0) if late else rng.uniform(0.05, 0.9))
        if rng.random() < REJECTED and acknowledged <= T:
            c.update(status="rejected", status_reason=rng.choice(REJECT_REASONS), updated_at=acknowledged)
            return c
        if acknowledged > T:
            c.update(status="assigned", updated_at=assigned)
            return self.overdue(c, c["acknowledge_due_at"])
        resolve_due = acknowledged + route.resolve
        late = rng.random() < LATE_RESOLVE
        resolved = acknowledged + route.resolve * (rng.uniform(1.02, 2.5) if late else rng.uniform(0.1, 0.95))
        c.update(acknowledged_at=acknowledged, resolve_due_at=resolve_due)
        if resolved > T:
            c.update(status="in_progress" if rng.random() < 0.6 else "acknowledged", updated_at=acknowledged)
            return self.overdue(c, resolve_due)
        c["resolved_at"] = resolved
        if resolved + self.close <= T:  # a sweep at or before T closed it
            closed = min(T, resolved + self.close + rng.random() * self.interval)
            c.update(status="closed", closed_at=closed, updated_at=closed)
        else:
            c.update(status="resolved", updated_at=resolved)
        return c

    def overdue(self, c: dict, due_at: float) -> dict:
        """An open complaint past a due time was marked by an earlier sweep, and escalated when its time came."""
        if due_at > self.T:
            return c
        rng, T = self.rng, self.T
        c.update(overdue=True, overdue_since=min(T, due_at + rng.random() * self.interval))
        escalate = due_at + self.escalate
        if escalate <= T:
            c["escalated_at"] = min(T, escalate + rng.random() * self.interval)
        else:
            c["escalate_due_at"] = escalate
        c["updated_at"] = max(c["updated_at"], c["escalated_at"] or c["overdue_since"])
        return c

    def rows(self, cid: int, spec: tuple, reporters: list, complaints: list, events: list, outbox: list) -> None:
        """Append one complaint's rows."""
        rng = self.rng
        received, role, r, _ = spec
        route = self.triage[r] if role == TRIAGE else self.routed[r]
        channel, kind = CHANNEL(rng), KIND(rng)
        while role == TRIAGE and self.router.route(route.text, region=route.region, channel=channel,
                                                   kind=kind).status != "triage":
            channel, kind = CHANNEL(rng), KIND(rng)  # rules with a channel or kind condition route some
        reporter, fields = self.reporter(cid, channel, received)
        if reporter is not None:
            reporters.append(reporter)
        c = self.life(spec, route)
        if c["status"] == "resolved":
            # The sweep closes by working days and holidays; keep only those it would not close at T.
            close_at = due(self.config, {"agency": route.agency, "priority": route.priority, "region": route.region},
                           "close_resolved_after", datetime.fromtimestamp(c["resolved_at"], timezone.utc)).timestamp()
            if close_at <= self.T:
                c.update(status="closed", closed_at=close_at, updated_at=close_at)
        status = c["status"]
        self.counts[status] = self.counts.get(status, 0) + 1
        if c["overdue"]:
            self.counts["overdue"] = self.counts.get("overdue", 0) + 1
        code = tracking_code(self.prefix, cid)
        located = rng.random() < LOCATED
        language = "en" if rng.random() < 0.02 else "id"
        agency = route.agency if role != TRIAGE else None
        at = lambda key: stamp(c[key]) if c[key] is not None else None  # noqa: E731
        complaints.append((
            cid, code, kind, channel, fields["sender_id"], fields["reply_to"], fields["reply_via"],
            reporter[0] if reporter else None, fields["anonymous"], rng.random() < CONFIDENTIAL, language,
            with_hamlet(route.text, cid) if self.vary_texts else route.text,
            -8.6 + rng.uniform(-0.4, 0.4) if located else None,
            116.6 + rng.uniform(-1.0, 1.8) if located else None, route.region, route.category, route.priority, agency,
            route.rule, self.version, status, c["status_reason"],
            stamp(received), at("assigned_at"), at("acknowledged_at"), at("resolved_at"), at("closed_at"),
            at("acknowledge_due_at"), at("resolve_due_at"), c["overdue"], at("overdue_since"), at("escalate_due_at"),
            at("escalated_at"), stamp(c["updated_at"])))
        pmid = f"{channel}:{cid}"
        events.append((cid, stamp(received), f"citizen:{channel}", "received", "new", True,
                       f'{{"channel":"{channel}","provider_message_id":"{pmid}"}}'))
        if role == TRIAGE:
            events.append((cid, stamp(received + 0.5), "router", "triage", "triage", True, route.routing))
            if rng.random() < RETURNED:
                by = rng.choice(self.agencies)
                events.append((cid, stamp(min(self.T, received + 3600)), f"agency:{by}", "returned", "triage", True,
                               orjson.dumps({"from": by, "reason": "Bukan wewenang kami"}).decode()))
        else:
            events.append((cid, at("assigned_at"), "router", "assigned", "assigned", True, route.routing))
            last = {"acknowledged": "acknowledged_at", "in_progress": "acknowledged_at", "resolved": "resolved_at",
                    "closed": "closed_at", "rejected": "updated_at"}.get(status)
            if last is not None:
                actor = "sweep" if status == "closed" else f"agency:{agency}"
                events.append((cid, at(last), actor, "status", status, True,
                               '{"note":"%s"}' % c["status_reason"] if c["status_reason"] else "{}"))
            if c["overdue_since"] is not None:
                events.append((cid, at("overdue_since"), "sweep", "overdue", None, False, "{}"))
            if c["escalated_at"] is not None:
                events.append((cid, at("escalated_at"), "sweep", "escalated", None, False, "{}"))
        # The citizen's acknowledgement where they can be reached, and the agency's deliveries.
        target = fields["reply_to"] or (reporter and (reporter[5] or reporter[4]))
        if target:
            if fields["reply_to"]:
                transport = fields["reply_via"] or channel
            else:
                transport = "email" if reporter[5] else "sms"
            payload = orjson.dumps({"code": code, "language": language, "text": (
                f"Terima kasih, aduan Anda kami terima dengan kode {code}. Cek status: STATUS {code} atau "
                f"http://127.0.0.1:8080/track/{code}")}).decode()
            outbox.append(self.delivery(cid, "citizen", transport, None, target, "citizen.ack", payload, received))
        if agency is not None:
            payload = f'{{"code":"{code}"}}'
            for transport, address in route.targets:
                outbox.append(self.delivery(cid, "agency", transport, agency, address, "ticket.assigned", payload,
                                            c["assigned_at"]))

    def delivery(self, cid: int, audience: str, transport: str, agency: str | None, target: str, event: str,
                 payload: str, created: float) -> tuple:
        """One outbox row, delivered seconds after it was written (or, rarely, dead after 72 hours of retries)."""
        rng = self.rng
        state, attempts, next_at, error, updated = "delivered", 1, created, None, created + rng.uniform(0.2, 20)
        if rng.random() < DEAD:
            state, attempts, error = "dead", 14, rng.choice(DEAD_ERRORS)
            updated = next_at = created + 72 * 3600
        self.counts[f"outbox_{state}"] = self.counts.get(f"outbox_{state}", 0) + 1
        return (uuid4(rng), cid, audience, transport, agency, target, event, payload, state, attempts, stamp(next_at),
                None, error, stamp(created), stamp(updated))

    def batch(self, start: int, specs: list[tuple]) -> tuple[list, list, list, list, dict]:
        """The rows of complaints start+1, start+2, ... (one random stream per batch, so any worker gives the same)."""
        self.rng = random.Random(f"{self.seed}:{start}")
        self.counts = {}
        reporters, complaints, events, outbox = [], [], [], []
        for i, spec in enumerate(specs, start=start + 1):
            self.rows(i, spec, reporters, complaints, events, outbox)
        return reporters, complaints, events, outbox, self.counts


# -- the store ----------------------------------------------------------------------------------------------

_worker: Seeder | None = None


def _start_worker(config_dir: str, as_of: datetime, seed_value: int, vary_texts: bool) -> None:
    global _worker
    _worker = Seeder(load_config(config_dir).config, as_of, seed_value, vary_texts)


def _make_batch(job: tuple[int, list[tuple]]) -> tuple:
    return _worker.batch(*job)


def mark_failed(cur: sqlite3.Cursor, as_of: datetime, count: int) -> int:
    """Make the latest `count` agency deliveries of the last six hours failed, their next attempt after `as_of`."""
    T = as_of.timestamp()
    rows = cur.execute("SELECT id FROM outbox WHERE audience = 'agency' AND state = 'delivered' AND created_at > ? "
                       "ORDER BY id DESC LIMIT ?", (stamp(T - 6 * 3600), count)).fetchall()
    cur.executemany("UPDATE outbox SET state = 'failed', attempts = 3, last_error = 'HTTP 503 Service Unavailable', "
                    "next_attempt_at = ?, updated_at = ? WHERE id = ?",
                    [(stamp(T + 60 * (i + 1)), stamp(T - 60), r[0]) for i, r in enumerate(rows)])
    return len(rows)


def _insert(cur: sqlite3.Cursor, table: str, columns: tuple[str, ...], rows: list) -> None:
    cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)


def seed(path: str, complaints: int, due_count: int, as_of: datetime, *, triage: int = 100, years: float = 2.0,
         config_dir: str | None = None, seed_value: int = 20261124, workers: int = 1, quiet: bool = False,
         vary_texts: bool = False) -> dict:
    """Create a store at `path` (replacing one there) and fill it; return what went in and how long it took."""
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    config = load_config(config_dir or str(ROOT / "config")).config
    if config is None:
        raise SystemExit("the sample config has errors; see `python main.py rules check`")
    t0 = time.perf_counter()
    db = open_database(f"sqlite:///{path}")
    upgrade(db)
    db.dispose()
    specs = Seeder(config, as_of, seed_value).specs(complaints, due_count, triage, years)
    say(f"seeding {complaints:,} complaints ({due_count:,} due, {triage} in triage) into {path}")
    conn = sqlite3.connect(path, isolation_level=None)
    cur = conn.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=OFF", "cache_size=-524288", "temp_store=MEMORY"):
        cur.execute(f"PRAGMA {pragma}")
    indexes = cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN "
                          f"({', '.join('?' * len(TABLES))})", TABLES).fetchall()
    for name, _ in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    totals = dict.fromkeys(TABLES, 0)
    counts: dict[str, int] = {}
    t_rows = time.perf_counter()
    jobs = ((start, specs[start:start + BATCH]) for start in range(0, len(specs), BATCH))
    # Worker processes build the rows while this one writes them (SQLite takes one writer).
    initargs = (config_dir or str(ROOT / "config"), as_of, seed_value, vary_texts)
    with multiprocessing.get_context("fork").Pool(workers, _start_worker, initargs) as pool:
        for batch in pool.imap(_make_batch, jobs):
            *tables, batch_counts = batch
            cur.execute("BEGIN")
            for table, columns, rows in zip(TABLES, (REPORTER_COLUMNS, COMPLAINT_COLUMNS, EVENT_COLUMNS, OUTBOX_COLUMNS),
                                            tables):
                _insert(cur, table, columns, rows)
                totals[table] += len(rows)
            cur.execute("COMMIT")
            for key, n in batch_counts.items():
                counts[key] = counts.get(key, 0) + n
            done = totals["complaints"]
            if done % (BATCH * 4) == 0 or done == len(specs):
                elapsed = time.perf_counter() - t_rows
                say(f"  {done:>9,} complaints  {sum(totals.values()) / elapsed:>9,.0f} rows/s")
    failed = mark_failed(cur, as_of, FAILED)
    counts["outbox_failed"], counts["outbox_delivered"] = failed, counts.get("outbox_delivered", 0) - failed
    t_index = time.perf_counter()
    for _, sql in indexes:
        cur.execute(sql)
    index_seconds = time.perf_counter() - t_index
    cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    seconds = time.perf_counter() - t0
    rows_total = sum(totals.values())
    summary = {"path": path, "complaints": complaints, "due": due_count, "triage": triage, "years": years,
               "as_of": as_of.isoformat(), "seed": seed_value, "vary_texts": vary_texts, "rows": totals,
               "seconds": round(seconds, 1),
               "index_seconds": round(index_seconds, 1), "rows_per_second": round(rows_total / seconds),
               "statuses": dict(sorted(counts.items())),
               "bytes": os.path.getsize(path)}
    say(f"  {rows_total:,} rows ({', '.join(f'{t} {n:,}' for t, n in totals.items())}) in {seconds:.1f} s "
        f"(indexes {index_seconds:.1f} s): {rows_total / seconds:,.0f} rows/s, {summary['bytes'] / 2**20:,.0f} MiB")
    return summary


def due_now(path: str, as_of: datetime) -> dict[str, int]:
    """Count what a sweep at `as_of` should find, with plain SQL over the seeded rows."""
    at = stamp(as_of.timestamp())
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        one = lambda sql, *args: conn.execute(sql, args).fetchone()[0]  # noqa: E731
        return {
            "due_acknowledge": one("SELECT count(*) FROM complaints WHERE overdue = 0 AND status = 'assigned' "
                                   "AND acknowledge_due_at <= ?", at),
            "due_resolve": one("SELECT count(*) FROM complaints WHERE overdue = 0 AND status IN "
                               "('acknowledged', 'in_progress') AND resolve_due_at <= ?", at),
            "missing_due": one("SELECT count(*) FROM complaints WHERE (status = 'assigned' AND acknowledge_due_at IS NULL) "
                               "OR (status IN ('acknowledged', 'in_progress') AND resolve_due_at IS NULL)"),
            "escalation_due": one("SELECT count(*) FROM complaints WHERE escalate_due_at <= ?", at),
            "open": one("SELECT count(*) FROM complaints WHERE status IN ('assigned', 'acknowledged', 'in_progress')"),
            "overdue_marked": one("SELECT count(*) FROM complaints WHERE overdue = 1"),
            "triage": one("SELECT count(*) FROM complaints WHERE status = 'triage'"),
        }
    finally:
        conn.close()


def sidecar(path: str) -> Path:
    """The file beside a seeded store that says how it was seeded (so benchmarks can reuse it)."""
    return Path(path + ".seed.json")


def reuse_or_seed(path: str, complaints: int, due_count: int, as_of: datetime, **options) -> dict:
    """Return the summary of a store seeded with these parameters at `path`, seeding it unless one is there."""
    wanted = {"complaints": complaints, "due": due_count, "as_of": as_of.isoformat(),
              "triage": options.get("triage", 100), "years": options.get("years", 2.0),
              "seed": options.get("seed_value", 20261124)}
    note = sidecar(path)
    if note.exists() and os.path.exists(path):
        summary = json.loads(note.read_text())
        same_texts = summary.get("vary_texts", False) == options.get("vary_texts", False)
        if {k: summary.get(k) for k in wanted} == wanted and same_texts:
            print(f"reusing {path} (seeded in {summary['seconds']} s; delete it to seed again)", flush=True)
            return summary
    summary = seed(path, complaints, due_count, as_of, **options)
    note.write_text(json.dumps(summary, indent=2))
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="Seeding 1,000,000 complaints takes a few minutes on 2 shared cores.")
    parser.add_argument("--db", default=DEFAULT_DB, help=f"SQLite file to create, replaced if there (default {DEFAULT_DB})")
    parser.add_argument("--complaints", type=int, default=1_000_000, metavar="N", help="complaints in all (default 1,000,000)")
    parser.add_argument("--due", type=int, default=10_000, metavar="N",
                        help="open complaints whose due time falls in the sweep interval before --as-of (default 10,000)")
    parser.add_argument("--triage", type=int, default=100, metavar="N", help="complaints waiting in triage (default 100)")
    parser.add_argument("--as-of", default=DEFAULT_AS_OF, metavar="ISO-TIME",
                        help=f"the instant the store is seeded for (default {DEFAULT_AS_OF})")
    parser.add_argument("--years", type=float, default=2.0, help="history before --as-of (default 2)")
    parser.add_argument("--seed", type=int, default=20261124, help="random seed (default 20261124)")
    parser.add_argument("--config", default=str(ROOT / "config"), metavar="DIR", help="config folder (default the sample)")
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="processes building rows while the main one writes (default 1)")
    parser.add_argument("--vary-texts", action="store_true", help="end each text with one of 1,000 hamlet names")
    args = parser.parse_args()
    as_of = moment(args.as_of)
    summary = seed(args.db, args.complaints, args.due, as_of, triage=args.triage, years=args.years,
                   config_dir=args.config, seed_value=args.seed, workers=args.workers, vary_texts=args.vary_texts)
    sidecar(args.db).write_text(json.dumps(summary, indent=2))
    print("statuses:", ", ".join(f"{k} {v:,}" for k, v in summary["statuses"].items()))
    print("a sweep at", as_of.isoformat(), "finds:", ", ".join(f"{k} {v:,}" for k, v in due_now(args.db, as_of).items()))
    print(f"kept: {args.db} (and {sidecar(args.db).name}); delete them when done")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
