"""Drain N pending agency webhook deliveries through the outbox worker to a fake agency on loopback; print the figures.

In a temporary folder: a migrated database (SQLite, or PostgreSQL with `--database-url`), a copy of the
sample config where puskesmas-aikmel gets a webhook target pointing at a fake agency (a bare aiohttp app in a
separate process on 127.0.0.1 that reads the body and answers 200) and its secret set in the environment.
A few complaints are opened through the intake; N pending webhook rows naming them by code are inserted
directly (see insert_rows).
An OutboxWorker holding only the webhook deliverer drains them (each delivery loads its ticket, renders,
signs and POSTs it), timed from start until every row is delivered. Then, in the same run, a raw aiohttp
ClientSession POSTs as many signed bodies of the same size at the same concurrency to the same fake.
Printed: deliveries/s, raw POSTs/s, their ratio (target >= 0.5), and how many rows ended in each state.
Exit 1 unless every row ended delivered.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from processes import free_port, wait_up  # noqa: E402  (bench/ is the script's folder)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

AGENCY = "puskesmas-aikmel"
SECRET = "bench-agency-secret-7f3c1a9e"
# The sample config's line the webhook target goes before (as in tests/delivery/agency_webhook).
AGENCY_EMAIL_LINE = "      - email: pkm.aikmel@dinkes.lomboktimurkab.example\n"
TEXTS = [
    "Obat di puskesmas Aikmel kosong sudah 2 minggu",
    "Obat di puskesmas Aikmel habis, pasien disuruh beli sendiri",
    "Antrian di puskesmas Aikmel sangat lama, obat kosong",
    "Puskesmas Aikmel kehabisan obat anak",
]
OUTBOX_COLUMNS = ("delivery_id", "audience", "transport", "agency", "target", "event", "payload",
                  "state", "attempts", "next_attempt_at", "created_at", "updated_at")


# -- the fake agency (run as a separate process: `outbox_load.py --fake-agency PORT`) -----------------------

def run_fake_agency(port: int) -> None:
    from aiohttp import web

    counts = {"posts": 0, "bytes": 0}

    async def hook(request: web.Request) -> web.Response:
        body = await request.read()
        counts["posts"] += 1
        counts["bytes"] += len(body)
        return web.Response(text="ok")

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(counts)

    app = web.Application()
    app.add_routes([web.post("/aduan/hook", hook), web.get("/stats", stats),
                    web.get("/healthz", lambda r: web.json_response({"status": "ok"}))])
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


# -- setup --------------------------------------------------------------------------------------------------

def fake_stats(base: str) -> dict:
    import requests

    return requests.get(f"{base}/stats", timeout=5).json()


async def open_complaints(runtime, count: int) -> list[str]:
    """Open complaints routed to the agency through the intake, as citizens would."""
    from complaints.model import InboundMessage, Reporter

    async def one(i: int) -> str:
        msg = InboundMessage(channel="web", provider_message_id=f"bench-outbox-{i}-{time.time_ns()}",
                             text=TEXTS[i % len(TEXTS)], received_at=datetime.now(timezone.utc),
                             reporter=Reporter(name="Warga Bench", email=f"warga{i}@example.org"))
        result = await runtime.intake.accept(msg)
        if not result.agency or result.agency.get("code") != AGENCY:
            raise SystemExit(f"the sample config no longer routes {msg.text!r} to {AGENCY}: {result.agency}")
        return result.code

    runtime.intake.writer.start()
    try:
        codes: list[str] = []
        for start in range(0, count, 64):  # as many at once as a busy intake batches together
            codes += await asyncio.gather(*(one(i) for i in range(start, min(count, start + 64))))
        return codes
    finally:
        await runtime.intake.writer.stop()


def insert_rows(db, codes: list[str], target: str, n: int) -> None:
    """Drop the rows the intake queued; insert n pending webhook rows spread over the complaints.

    The rows name their complaint by code in the payload (what the worker renders the ticket from) and
    leave complaint_id empty, which the send does not read.
    """
    from sqlalchemy import delete, func, select

    from store.rows import outbox_row
    from store.bulk import bulk_insert
    from store.models import Complaint, Outbox

    table = Outbox.__table__
    now = datetime.now(timezone.utc)
    with db.writer.begin() as conn:
        found = conn.execute(select(func.count()).select_from(Complaint).where(Complaint.code.in_(codes))).scalar_one()
        if found != len(codes):
            raise SystemExit(f"only {found} of the {len(codes)} complaints are stored")
        conn.execute(delete(table))
        rows = []
        for i in range(n):
            code = codes[i % len(codes)]
            rows.append(outbox_row("agency", "webhook", AGENCY, target, "ticket.created", {"code": code}, now))
        bulk_insert(conn, table, rows, OUTBOX_COLUMNS)


def state_counts(db) -> dict[str, int]:
    from sqlalchemy import func, select

    from store.models import Outbox

    with db.reader.connect() as conn:
        return dict(conn.execute(select(Outbox.state, func.count()).group_by(Outbox.state)).all())


def delivered_count(db) -> int:
    from sqlalchemy import func, select

    from store.models import Outbox

    with db.reader.connect() as conn:
        return conn.execute(select(func.count()).select_from(Outbox).where(Outbox.state == "delivered")).scalar_one()


# -- the two runs -------------------------------------------------------------------------------------------

async def drain(runtime, n: int, concurrency: int, batch: int, timeout: float, caps: dict) -> float:
    """Start a worker with only the webhook deliverer; return the seconds until all n rows are delivered.

    `caps` gets the worker's effective per-transport and per-agency limits (all rows go to one agency).
    """
    import inspect

    from delivery.ticket import ticket_preparer
    from delivery.webhook import TRANSPORT, make_webhook_deliverer
    from delivery.worker import OutboxWorker

    extra = {}
    if caps.get("per_agency") is not None:
        if "per_agency" not in inspect.signature(OutboxWorker).parameters:
            raise SystemExit("this OutboxWorker has no per_agency setting")
        extra["per_agency"] = caps["per_agency"]
    worker = OutboxWorker(runtime.db, {TRANSPORT: make_webhook_deliverer(runtime.tickets)}, concurrency=concurrency, batch=batch,
                          prepare=ticket_preparer(runtime.tickets), **extra)
    caps.update(per_transport=getattr(worker, "per_transport", None), per_agency=getattr(worker, "per_agency", None))
    t0 = time.perf_counter()
    await worker.start()
    try:
        while True:
            await asyncio.sleep(0.05)
            if await asyncio.to_thread(delivered_count, runtime.db) >= n:
                return time.perf_counter() - t0
            if time.perf_counter() - t0 > timeout:
                print(f"gave up after {timeout:g} s", file=sys.stderr)
                return time.perf_counter() - t0
    finally:
        await worker.stop()


async def sample_body(runtime, code: str) -> bytes:
    """A body as the deliverer renders it, for the raw client to send."""
    from providers.outcome import Delivery
    from delivery.ticket import load_ticket
    from delivery.webhook import render

    ticket = await runtime.read(load_ticket, code, runtime.config, runtime.env.public_url)
    delivery = Delivery("00000000-0000-4000-8000-000000000000", "webhook", None, "ticket.created", {"code": code}, 1,
                        AGENCY)
    return render(delivery, ticket, datetime.now(timezone.utc))


async def raw_posts(url: str, body: bytes, n: int, concurrency: int) -> tuple[float, int]:
    """POST n signed bodies with a bare ClientSession, `concurrency` at a time; return seconds and failures."""
    import aiohttp

    from complaints.codes import random_id

    failed = 0
    left = iter(range(n))
    connector = aiohttp.TCPConnector(limit=max(100, concurrency))

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15), connector=connector) as session:

        async def one_lane() -> None:
            nonlocal failed
            for _ in left:
                signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
                headers = {"Content-Type": "application/json", "User-Agent": "Aduan", "X-Aduan-Event": "ticket.created",
                           "X-Aduan-Delivery": random_id(), "X-Aduan-Signature": signature}
                try:
                    async with session.post(url, data=body, headers=headers, allow_redirects=False) as resp:
                        await resp.read()
                        if resp.status != 200:
                            failed += 1
                except aiohttp.ClientError:
                    failed += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(one_lane() for _ in range(concurrency)))
        return time.perf_counter() - t0, failed


# -- main ---------------------------------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--rows", type=int, default=10_000, help="pending webhook deliveries to drain")
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--batch", type=int, default=50, help="the worker's claim batch (its default is 50)")
    ap.add_argument("--per-agency", type=int, default=None,
                    help="the worker's per-agency cap (default: the worker's own); every row goes to one agency")
    ap.add_argument("--complaints", type=int, default=None,
                    help="complaints the rows are spread over (default: a quarter of the rows, four deliveries each, "
                         "as assignment, follow-up and escalation do; fewer complaints flatter the worker, which "
                         "renders each complaint's ticket once per claim)")
    ap.add_argument("--database-url", default=None,
                    help="postgresql://... of an empty throwaway database (default: SQLite in the temporary folder)")
    ap.add_argument("--log-level", default="INFO", help="the worker's log level (INFO logs a line per delivery)")
    ap.add_argument("--timeout", type=float, default=600.0, help="give up draining after this many seconds")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--fake-agency", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.fake_agency:
        run_fake_agency(args.fake_agency)
        return 0


    from config.logging import configure
    from app.build import build_runtime
    from config.env import Env
    from config.loader import agency_secret_variable, load_config

    tmp = Path(tempfile.mkdtemp(prefix="aduan-bench-outbox-"))
    fake_port = free_port()
    fake = f"http://127.0.0.1:{fake_port}"
    hook_url = f"{fake}/aduan/hook"
    cfg = tmp / "config"
    shutil.copytree(ROOT / "config", cfg)
    agencies = (cfg / "agencies.yaml").read_text(encoding="utf-8")
    if agencies.count(AGENCY_EMAIL_LINE) != 1:
        raise SystemExit("the sample config changed: update AGENCY_EMAIL_LINE")
    (cfg / "agencies.yaml").write_text(agencies.replace(AGENCY_EMAIL_LINE, f"      - webhook: {hook_url}\n" + AGENCY_EMAIL_LINE),
                                       encoding="utf-8")
    os.environ[agency_secret_variable(AGENCY)] = SECRET
    database_url = args.database_url or f"sqlite:///{tmp / 'aduan.db'}"
    backend = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    env_vars = dict(os.environ, ADUAN_DATABASE_URL=database_url, ADUAN_CONFIG_DIR=str(cfg), ADUAN_VAR_DIR=str(tmp / "var"))
    subprocess.run([sys.executable, "main.py", "db", "upgrade"], cwd=ROOT, env=env_vars, check=True, capture_output=True)

    result = load_config(cfg)
    if result.config is None:
        raise SystemExit(f"config errors: {result.errors}")
    env = Env(database_url=database_url, config_dir=str(cfg), public_url="http://127.0.0.1:8080", var_dir=str(tmp / "var"),
              intake_writer="thread", outbox_worker=False)
    log_file = open(tmp / "outbox.log", "w")  # the worker's JSON lines, as a deployment would keep them
    configure(args.log_level, json_output=True, stream=log_file)
    runtime = build_runtime(env, result.config)
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--fake-agency", str(fake_port)])
    try:
        wait_up(f"{fake}/healthz", proc)
        if state_counts(runtime.db):
            raise SystemExit("the database already holds outbox rows: give an empty, freshly created one")
        codes = asyncio.run(open_complaints(runtime, args.complaints or max(1, args.rows // 4)))
        insert_rows(runtime.db, codes, hook_url, args.rows)
        before = state_counts(runtime.db)
        if before != {"pending": args.rows}:
            raise SystemExit(f"unexpected outbox before the run: {before}")

        caps = {"per_agency": args.per_agency}

        async def both() -> tuple[float, float, int, int]:
            seconds = await drain(runtime, args.rows, args.concurrency, args.batch, args.timeout, caps)
            body = await sample_body(runtime, codes[0])
            raw_seconds, raw_failed = await raw_posts(hook_url, body, args.rows, args.concurrency)
            return seconds, raw_seconds, raw_failed, len(body)

        seconds, raw_seconds, raw_failed, body_size = asyncio.run(both())
        received = fake_stats(fake)
        states = state_counts(runtime.db)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        runtime.readers.shutdown(wait=True)
        runtime.db.dispose()
        log_file.close()

    delivered = states.get("delivered", 0)
    rate, raw_rate = delivered / seconds, args.rows / raw_seconds
    print(f"{backend}: {args.rows} webhook deliveries over {len(codes)} complaints, body ~{body_size} bytes, "
          f"concurrency {args.concurrency}, claim batch {args.batch}, worker log level {args.log_level}")
    print(f"worker caps in effect: per transport {caps['per_transport']}, per agency {caps['per_agency'] or '(none)'}")
    print(f"{'':24}{'per s':>10}{'seconds':>10}{'failed':>8}")
    print(f"{'outbox worker':24}{rate:>10.0f}{seconds:>10.2f}{args.rows - delivered:>8}")
    print(f"{'raw aiohttp POSTs':24}{raw_rate:>10.0f}{raw_seconds:>10.2f}{raw_failed:>8}")
    print(f"ratio worker / raw: {rate / raw_rate:.2f} (target >= 0.5)")
    print(f"rows: delivered {delivered}, failed {states.get('failed', 0)}, dead {states.get('dead', 0)}, "
          f"other {sum(v for k, v in states.items() if k not in ('delivered', 'failed', 'dead'))}; "
          f"fake agency received {received['posts']} POSTs")
    if args.keep:
        print(f"kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if delivered == args.rows and raw_failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
