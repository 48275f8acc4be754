"""Measure ordinary SMS intake with hostile 20,000-character Telegram messages in flight, on SQLite; print the figures.

The service runs from a temporary folder with the sample config, the generic SMS gateway and the Telegram
webhook on (the outbox worker and the sweep off, so only intake is measured). Ordinary SMS are posted to
/webhooks/sms/generic, signed with ADUAN_SMS_SECRET, at a steady rate (an open-loop client: latency counts
from the scheduled send), each from its own number so each opens and routes a complaint. Each round runs
the SMS alone, then again with `--hostile` senders each posting long Telegram messages back to back (a new
chat each time, so every one is classified and, unless it is a command, routed and stored). The figures are
the median and p99 of the ordinary SMS latency, per round and as the median over rounds, and the ratio of
the hostile to the quiet figures. `--each` runs one round per kind of long message instead, to see what each
costs: the command (objection-blank-run) is never routed, so its row is the cost of taking 20,000-character
messages at all.

    .venv/bin/python bench/hostile_intake.py [--rounds 3] [--seconds 10] [--rate 20] [--hostile 8] [--each]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import itertools
import json
import random
import shutil
import sqlite3
import statistics
import sys
import time
from pathlib import Path

from intake_load import Connection, paced
from processes import free_port, wait_up
from sandbox import sandbox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from config.loader import load_config  # noqa: E402

SMS_SECRET = "bench-sms-secret"
TELEGRAM_SECRET = "bench-telegram-secret"
LENGTH = 20_000
ORDINARY = [
    "Obat di puskesmas Aikmel kosong sudah dua minggu",
    "Jalan rusak parah dan berlubang di Selong, mohon diperbaiki",
    "Banjir bandang di Bima, rumah warga terendam",
    "Bantuan sosial PKH belum cair di Praya",
    "Ada pungli di kantor desa untuk urus KTP",
    "Lampu lalu lintas di perempatan mati sejak kemarin",
]


def fill(pieces: list[str], length: int = LENGTH, seed: int = 7) -> str:
    """Words drawn from `pieces`, separated by spaces, cut at `length` characters."""
    rng = random.Random(seed)
    out: list[str] = []
    size = 0
    while size < length:
        word = rng.choice(pieces)
        out.append(word)
        size += len(word) + 1
    return " ".join(out)[:length]


def hostile_texts(config_dir: Path) -> dict[str, str]:
    """The long messages, by name: the two of issue 10, and the worst found for routing (see router/engine.py)."""
    config = load_config(config_dir, env={}).config
    keywords = sorted({w.rstrip("*") for r in config.rules for w in (*r.when.any, *r.when.all, *r.when.none)})
    regions = sorted({text for node in config.regions.values() for text in (node.name, *node.aliases)})
    return {
        "objection-blank-run": "keberatan NTB-7K3QX9P2 " + " \n" * 10000 + ".",
        "status-space-run": "status NTB-7K3QX9P2 " + " " * 20000 + "x",
        # "obat" again and again with no "kosong": the obat-kosong rule's `\bobat\w*\b.*\b(kosong|…)` retries
        # `.*` from every "obat" to the end of the text.
        "stock-out-words": ("obat " * (LENGTH // 5))[:LENGTH],
        # Every word a region: thousands of region matches for the region finder to choose from.
        "region-names": fill(regions),
        "one-region": ("mataram " * (LENGTH // 8))[:LENGTH],
        "keyword-words": fill(keywords),
        "one-letter": "a" * LENGTH,
        "accents": "é" * LENGTH,
    }


def sms_body(i: int, tag: str) -> tuple[bytes, dict[str, str]]:
    """One signed generic-gateway SMS from its own number."""
    body = json.dumps({"id": f"{tag}-{i}", "from": f"+62812{i % 10_000_000:07d}", "to": "+6281100001708",
                       "text": f"{ORDINARY[i % len(ORDINARY)]} #{i}", "timestamp": int(time.time())}).encode()
    digest = hmac.new(SMS_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return body, {"X-Aduan-Signature": f"sha256={digest}"}


def telegram_body(update_id: int, text: str) -> bytes:
    """A Telegram update carrying `text`, from a chat of its own."""
    chat = 500_000_000 + update_id
    return json.dumps({"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": text,
        "from": {"id": chat, "is_bot": False, "first_name": "Warga"},
        "chat": {"id": chat, "type": "private", "first_name": "Warga"}}}).encode()


async def paced_sms(base: str, seconds: float, rate: float, first: int, tag: str) -> dict:
    """Post ordinary SMS at a fixed rate whatever the answers do; return their latencies in ms."""
    answers, failed = await paced(base, int(seconds * rate), rate,
                                  lambda i: ("/webhooks/sms/generic", *sms_body(first + i, tag)), 32, lead=0.1)
    latencies = [seconds * 1000 for status, _, seconds in answers if status == 200]
    return {"latencies": latencies, "failed": failed + len(answers) - len(latencies)}


async def hostile_senders(base: str, senders: int, texts: dict[str, str], stop: asyncio.Event, first: int) -> dict:
    """Post the long Telegram messages back to back from `senders` connections until `stop` is set."""
    host, port = base.removeprefix("http://").split(":")
    counter = itertools.count(first)
    answered: dict[str, int] = {name: 0 for name in texts}
    latencies: list[float] = []
    failed = 0
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    names = list(texts)

    async def sender(s: int) -> None:
        nonlocal failed
        conn = await Connection.open(host, int(port))
        k = s
        while not stop.is_set():
            name = names[k % len(names)]
            k += 1
            t0 = time.perf_counter()
            status, _ = await conn.post("/webhooks/telegram", telegram_body(next(counter), texts[name]), headers)
            if status == 200:
                answered[name] += 1
                latencies.append((time.perf_counter() - t0) * 1000)
            else:
                failed += 1
        conn.writer.close()

    await asyncio.gather(*(sender(s) for s in range(senders)))
    return {"answered": answered, "latencies": latencies, "failed": failed}


async def with_hostile(base: str, seconds: float, rate: float, senders: int, texts: dict[str, str], first: int,
                       tag: str) -> tuple[dict, dict]:
    """Run the paced SMS while the hostile senders post; stop them when the SMS are done."""
    stop = asyncio.Event()
    attack = asyncio.create_task(hostile_senders(base, senders, texts, stop, first * 10))
    await asyncio.sleep(0.5)  # let the long messages get going first
    sms = await paced_sms(base, seconds, rate, first, tag)
    stop.set()
    return sms, await attack


def p(values: list[float], q: int) -> float:
    """The q-th percentile of the values (q in 1..99)."""
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100)[q - 1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3, help="quiet-then-hostile rounds; figures are medians over rounds")
    ap.add_argument("--seconds", type=float, default=10, help="length of each phase")
    ap.add_argument("--rate", type=float, default=20, help="ordinary SMS per second")
    ap.add_argument("--hostile", type=int, default=8, help="concurrent senders of long Telegram messages")
    ap.add_argument("--only", action="append", default=None, metavar="NAME",
                    help="send only this hostile message (repeatable); default all")
    ap.add_argument("--each", action="store_true",
                    help="one round per hostile message alone instead of --rounds with all of them: what each costs")
    ap.add_argument("--log-level", default="WARNING", help="the service's ADUAN_LOG_LEVEL")
    args = ap.parse_args()

    box = sandbox("aduan-hostile-", args.log_level, ADUAN_OUTBOX_WORKER="off", ADUAN_SMS_SECRET=SMS_SECRET,
                  ADUAN_TELEGRAM_TOKEN="123456:bench-token", ADUAN_TELEGRAM_SECRET=TELEGRAM_SECRET,
                  ADUAN_TELEGRAM_API_URL=f"http://127.0.0.1:{free_port()}")
    texts = hostile_texts(box.config)
    if args.only:
        unknown = sorted(set(args.only) - set(texts))
        if unknown:
            ap.error(f"unknown hostile message {', '.join(unknown)} (known: {', '.join(texts)})")
        texts = {name: texts[name] for name in args.only}
    # What each round sends: all the long messages in turn, or (--each) one kind a round.
    plan = [(name, {name: text}) for name, text in texts.items()] if args.each else [("all", texts)] * args.rounds
    log_file = open(box.folder / "serve.log", "w")
    proc = box.serve(log_file)
    base = box.base
    rounds: list[dict] = []
    try:
        try:
            wait_up(f"{base}/healthz", proc)
        except SystemExit:
            log_file.flush()
            print((box.folder / "serve.log").read_text(encoding="utf-8")[-3000:], file=sys.stderr)
            shutil.rmtree(box.folder, ignore_errors=True)
            raise
        asyncio.run(paced_sms(base, 2, args.rate, 0, "warmup"))
        for r, (label, sent_texts) in enumerate(plan):
            first = (r + 1) * 1_000_000
            quiet = asyncio.run(paced_sms(base, args.seconds, args.rate, first, "quiet"))
            loud, attack = asyncio.run(with_hostile(base, args.seconds, args.rate, args.hostile, sent_texts,
                                                    first + 500_000, "loud"))
            rounds.append({"label": label, "quiet": quiet, "loud": loud, "attack": attack})
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log_file.close()
    con = sqlite3.connect(box.database)
    stored = con.execute("SELECT count(*) FROM inbound_messages WHERE channel = 'sms'").fetchone()[0]
    con.close()

    print(f"ordinary SMS at {args.rate:g}/s for {args.seconds:g} s a phase, {len(plan)} round(s); "
          f"{args.hostile} hostile Telegram senders of {len(texts)} kind(s), {LENGTH:,} characters each: {', '.join(texts)}")
    print("latency of the ordinary SMS in ms, without (quiet) and with the long messages in flight (hostile); "
          "long msgs: how many were answered 200 in the hostile phase, and their own median")
    width = max(len(r["label"]) for r in rounds) + 2
    print(f"{'round':<{width}}{'quiet p50':>10}{'quiet p99':>10}  {'hostile p50':>12}{'hostile p99':>12}  "
          f"{'long msgs':>9}{'their p50':>10}{'failed':>7}")
    rows = []
    for i, rnd in enumerate(rounds, start=1):
        q, lo, at = rnd["quiet"]["latencies"], rnd["loud"]["latencies"], rnd["attack"]
        row = (p(q, 50), p(q, 99), p(lo, 50), p(lo, 99))
        rows.append(row)
        failed = rnd["quiet"]["failed"] + rnd["loud"]["failed"] + at["failed"]
        label = rnd["label"] if args.each else str(i)
        print(f"{label:<{width}}{row[0]:>10.1f}{row[1]:>10.1f}  {row[2]:>12.1f}{row[3]:>12.1f}  "
              f"{sum(at['answered'].values()):>9}{p(at['latencies'], 50):>10.1f}{failed:>7}")
    med = [statistics.median(col) for col in zip(*rows)]
    print(f"median over rounds, ms: without hostile messages p50 {med[0]:.1f}, p99 {med[1]:.1f}; "
          f"with them p50 {med[2]:.1f}, p99 {med[3]:.1f}")
    print(f"ratio with / without: p50 {med[2] / med[0]:.2f}, p99 {med[3] / med[1]:.2f}")
    answered = {name: sum(rnd["attack"]["answered"].get(name, 0) for rnd in rounds) for name in texts}
    print("long messages answered 200: " + ", ".join(f"{name} {n}" for name, n in answered.items()))
    sent = sum(len(rnd[k]["latencies"]) for rnd in rounds for k in ("quiet", "loud"))
    print(f"ordinary SMS answered 200: {sent} (+ warm-up); SMS stored: {stored}")
    shutil.rmtree(box.folder, ignore_errors=True)
    failed = sum(rnd["quiet"]["failed"] + rnd["loud"]["failed"] for rnd in rounds)
    return 0 if failed == 0 and stored >= sent else 1


if __name__ == "__main__":
    sys.exit(main())
