"""The sweep tests' tools (importable, unlike a conftest): config copies, filing and acting at chosen times, a fake
agency webhook, the store read back, the sweep command run as an operator runs it."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import yaml
from aiohttp import web
from sqlalchemy import select

from channels import REGISTRY
from complaints.model import InboundMessage
from config.loader import agency_secret_variable, load_config
from delivery.ticket import ticket_preparer
from delivery.webhook import make_webhook_deliverer
from delivery.worker import OutboxWorker
from intake.batch import WriteItem, write_batch
from store import actions
from store import models as m
from store.db import Database

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_CONFIG = ROOT / "config"
WITA = ZoneInfo("Asia/Makassar")
PUBLIC_URL = "http://aduan.test"
MESSAGING = frozenset(channel.name for channel in REGISTRY if channel.messaging)
C = m.Complaint.__table__
E = m.Event.__table__
O = m.Outbox.__table__

# Agencies of the sample config that get a webhook to the fake agencies (besides their e-mail and Telegram targets).
WEBHOOK_AGENCIES = ("puskesmas-aikmel", "dinkes-lotim", "pupr-lotim", "ntb-care")
# Texts the sample rules route (checked with `python main.py route`).
OBAT_AIKMEL = "Obat di puskesmas Aikmel kosong sudah 2 minggu"  # puskesmas-aikmel, high (24h), escalates to dinkes-lotim
BANSOS = "Bansos PKH belum cair di Selaparang"  # dinsos-mataram, normal (3wd)
JALAN = "Jalan rusak parah dan berlubang di Selong"  # pupr-lotim, normal (3wd)
BANJIR = "Banjir setinggi lutut di Ampenan"  # bpbd-mataram, urgent (1h, shorter than its own 4h; resolve 5wd)
PUNGLI = "Pungli di kantor desa Praya"  # inspektorat-ntb, high (its own 2wd)
PJU = "Lampu PJU di Ampenan padam sejak seminggu"  # no rule: triage (ntb-care)
# A rule the sample lacks: added in a later config, it routes PJU to pupr-mataram.
PJU_RULE = {"name": "penerangan-jalan", "when": {"any": ["pju", "lampu jalan"]},
            "then": {"service": "pupr", "category": "infrastruktur", "priority": "normal"}}


def wita(day: str, clock: str) -> datetime:
    """A local time in NTB: wita("2026-08-13", "10:00")."""
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=WITA)


def at(moment: datetime) -> datetime:
    """A time as the store gives it back (UTC), to compare with what it holds."""
    return moment.astimezone(timezone.utc)


def secret_of(agency: str) -> str:
    """The webhook secret the tests give an agency."""
    return f"secret-of-{agency}-7c21"


def secrets_env(agencies: Iterable[str]) -> dict[str, str]:
    """The ADUAN_AGENCY_SECRET_* variables of these agencies."""
    return {agency_secret_variable(a): secret_of(a) for a in agencies}


def write_config(target: Path, *, webhooks: Mapping[str, str] | None = None, rules: Iterable[dict] = (),
                 regions: Iterable[dict] = ()) -> Path:
    """Copy the sample config to `target`, giving agencies a webhook first among their targets, adding rules before
    the sample's and regions under the root."""
    target.mkdir(parents=True)
    for name in ("regions.yaml", "agencies.yaml", "rules.yaml", "settings.yaml"):
        (target / name).write_text((SAMPLE_CONFIG / name).read_text(encoding="utf-8"), encoding="utf-8")
    webhooks = dict(webhooks or {})
    if webhooks:
        doc = yaml.safe_load((target / "agencies.yaml").read_text(encoding="utf-8"))
        for agency in doc["agencies"]:
            if agency["code"] in webhooks:
                agency["deliver"].insert(0, {"webhook": webhooks.pop(agency["code"])})
        assert not webhooks, f"not in the sample config: {sorted(webhooks)}"
        (target / "agencies.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    rules = list(rules)
    if rules:
        doc = yaml.safe_load((target / "rules.yaml").read_text(encoding="utf-8"))
        doc["rules"][:0] = rules
        (target / "rules.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    regions = list(regions)
    if regions:
        doc = yaml.safe_load((target / "regions.yaml").read_text(encoding="utf-8"))
        doc["regions"][0]["children"].extend(regions)
        (target / "regions.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def load(directory: Path, env: Mapping[str, str] | None = None):
    """Load a config folder that must check clean."""
    result = load_config(directory, env=env or {})
    assert result.errors == [], result.errors
    return result.config


# -- filing and acting at chosen times ------------------------------------------------------------------------

_ids = itertools.count(1)


def file(db: Database, config, text: str, at: datetime, **fields) -> str:
    """File a message through intake's writer at `at`, as a channel would; return the complaint's code."""
    fields.setdefault("channel", "web")
    msg = InboundMessage(provider_message_id=f"sweep-test-{next(_ids)}", text=text, received_at=at, raw="{}", **fields)
    item = WriteItem(msg, config)
    assert write_batch(db, [item], at, PUBLIC_URL) is None
    return item.result.code


def _row(conn, code: str) -> Mapping:
    return conn.execute(select(C).where(C.c.code == code)).mappings().one()


def set_status(db: Database, config, code: str, status: str, at: datetime, note: str | None = None) -> None:
    """The agency moves its ticket to `status` at `at` (store.actions, as the agency API does)."""
    with db.writer.begin() as conn:
        row = _row(conn, code)
        actions.change_status(conn, row, config, status, f"agency:{row['agency']}", note, at, PUBLIC_URL, MESSAGING)


def give_back(db: Database, config, code: str, at: datetime, reason: str = "bukan wewenang kami") -> None:
    """The agency returns its ticket to triage at `at`."""
    with db.writer.begin() as conn:
        row = _row(conn, code)
        actions.return_to_triage(conn, row, config, f"agency:{row['agency']}", reason, at)


# -- reading the store back ------------------------------------------------------------------------------------

def complaint(db: Database, code: str) -> Mapping:
    """The complaint's row as the store holds it now."""
    with db.reader.connect() as conn:
        return _row(conn, code)


def events(db: Database, code: str, kind: str | None = None) -> list[Mapping]:
    """The complaint's timeline (of one event type), oldest first."""
    with db.reader.connect() as conn:
        query = select(E).join(C, C.c.id == E.c.complaint_id).where(C.c.code == code).order_by(E.c.id)
        if kind is not None:
            query = query.where(E.c.type == kind)
        return list(conn.execute(query).mappings())


def outbox(db: Database, *, code: str | None = None, **equal) -> list[Mapping]:
    """Outbox rows (of one complaint, with columns equal to the given values), oldest first."""
    with db.reader.connect() as conn:
        query = select(O).order_by(O.c.id)
        if code is not None:
            query = query.join(C, C.c.id == O.c.complaint_id).where(C.c.code == code)
        for column, value in equal.items():
            query = query.where(O.c[column] == value)
        return [dict(r) for r in conn.execute(query).mappings()]


def snapshot(db: Database) -> dict[str, list[tuple]]:
    """Every row of every table, in key order: two equal snapshots mean nothing was written in between."""
    tables = {}
    with db.reader.connect() as conn:
        for table in m.Base.metadata.sorted_tables:
            tables[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key.columns))]
    return tables


# -- the fake agencies and the outbox drained to them ----------------------------------------------------------

@dataclass(frozen=True)
class Received:
    """One request an agency's webhook accepted."""

    agency: str
    event: str
    delivery_id: str
    body: dict


class FakeAgencies:
    """Agencies' webhooks on one loopback server at /hook/<agency>, each checking the signature with its own secret."""

    def __init__(self) -> None:
        self.url = ""
        self.received: list[Received] = []
        self.refused: list[str] = []  # agencies whose request carried a bad signature
        self.answer: dict[str, int] = {}  # agency -> HTTP status it answers (default 200)

    def hook(self, agency: str) -> str:
        """The webhook URL of one agency."""
        return f"{self.url}/hook/{agency}"

    async def handle(self, request: web.Request) -> web.Response:
        """Accept a signed delivery (answering as told), refuse a badly signed one with 401."""
        agency = request.match_info["agency"]
        body = await request.read()
        expected = "sha256=" + hmac.new(secret_of(agency).encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, request.headers.get("X-Aduan-Signature", "")):
            self.refused.append(agency)
            return web.Response(status=401, text="bad signature")
        status = self.answer.get(agency, 200)
        if status < 300:
            self.received.append(Received(agency, request.headers["X-Aduan-Event"],
                                          request.headers["X-Aduan-Delivery"], orjson.loads(body)))
        return web.Response(status=status, text="ok" if status < 300 else "agency down")

    def got(self, agency: str, event: str) -> list[dict]:
        """The bodies of one event this agency accepted, in arrival order."""
        return [r.body for r in self.received if r.agency == agency and r.event == event]

    def clear(self) -> None:
        """Forget what was received so far."""
        self.received.clear()


async def drain(runtime, now: datetime) -> int:
    """Send every webhook row due at `now` with the real outbox worker; return how many were sent."""
    worker = OutboxWorker(runtime.db, {"webhook": make_webhook_deliverer(runtime.tickets)}, prepare=ticket_preparer(runtime.tickets))
    sent = 0
    while n := await worker.run_once(now=now):
        sent += n
    return sent


# -- the command line ------------------------------------------------------------------------------------------

def run_cli(environ: Mapping[str, str], *args: str) -> subprocess.CompletedProcess:
    """Run `python main.py ARGS` as an operator does, in the project folder, with these ADUAN_* variables."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("ADUAN_")}
    full.update({"ADUAN_SWEEP": "off", "ADUAN_OUTBOX_WORKER": "off", "ADUAN_PUBLIC_URL": PUBLIC_URL})
    full.update(environ)
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, env=full, capture_output=True, text=True,
                          timeout=120)
