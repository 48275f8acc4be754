"""Load the intake on SQLite against a bare aiohttp handler, in one run; print the figures.

The target is POST /api/v1/complaints (`--target api`) or Telegram updates to /webhooks/telegram
(`--target telegram`). Phase 1, fixed concurrency for a fixed time (wrk when installed, else a lean
asyncio client): messages/s, p50 and p99 for the service and for the bare handler, and their ratio.
Phase 2, a fixed rate at half the service's measured throughput (an open-loop client that times from
the scheduled send): p50 and p99. Then the answers are checked against the database: every message
answered as stored is stored.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
import json
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from processes import free_port, wait_up
from sandbox import sandbox

HERE = Path(__file__).resolve().parent
# The complaints sent, in turn (to the wrk scripts too, as their arguments).
TEXTS = [
    "Obat di puskesmas Aikmel kosong sudah dua minggu",
    "Jalan rusak parah dan berlubang di Selong, mohon diperbaiki",
    "Banjir bandang di Bima, rumah warga terendam",
    "Bantuan sosial PKH belum cair di Praya",
    "Ada pungli di kantor desa untuk urus KTP",
    "Saya mau bertanya tentang jadwal pelayanan",
]


@dataclass(frozen=True)
class Target:
    """What is loaded: the API's complaint endpoint or the Telegram webhook."""

    path: str
    lua: str
    ok: int
    headers: dict

    def body(self, i: int, tag: str) -> bytes:
        text = f"{TEXTS[i % len(TEXTS)]} {tag} #{i}"
        if self.path == "/api/v1/complaints":
            return json.dumps({"text": text}).encode()
        update = 900_000_000 + i if tag == "paced" else 800_000_000 + i
        chat = 200_000 + i % 50_000
        return json.dumps({"update_id": update, "message": {
            "message_id": update, "date": int(time.time()), "text": text,
            "from": {"id": chat, "is_bot": False, "first_name": "Warga"},
            "chat": {"id": chat, "type": "private", "first_name": "Warga"}}}).encode()


TARGETS = {
    "api": Target("/api/v1/complaints", "post.lua", 201, {}),
    "telegram": Target("/webhooks/telegram", "post_telegram.lua", 200, {"X-Telegram-Bot-Api-Secret-Token": "bench-secret"}),
}


def run_wrk(base: str, seconds: int, connections: int, target: Target) -> dict:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(HERE / target.lua), f"{base}{target.path}",
         "--", *TEXTS],  # the script's arguments: the texts it sends
        capture_output=True, text=True, check=True,
    ).stdout
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))

    def ms(label: str) -> float:
        value, unit = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    return {"ok": total - non2xx, "failed": non2xx + errors, "rps": (total - non2xx) / seconds,
            "p50_ms": ms("50"), "p99_ms": ms("99"), "tool": "wrk"}


class Connection:
    """A keep-alive HTTP/1.1 connection that posts JSON and reads the answer, with nothing else on top."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> None:
        self.reader, self.writer, self.host = reader, writer, host

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer, f"{host}:{port}")

    async def post(self, path: str, body: bytes, headers: dict | None = None) -> tuple[int, bytes]:
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n{extra}"
            f"Content-Length: {len(body)}\r\n\r\n".encode() + body
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
        return status, await self.reader.readexactly(length)


async def paced(base: str, total: int, rate: float, request, connections: int, lead: float = 0.2):
    """Send `total` requests at a fixed rate whatever the answers do; `request(i)` gives (path, body, headers).

    Return (answers, failed): each answer is (status, body, seconds from its scheduled send time to the answer).
    """
    host, port = base.removeprefix("http://").split(":")
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await Connection.open(host, int(port)))
    answers, failed = [], 0
    start = time.perf_counter() + lead

    async def one(i: int) -> None:
        nonlocal failed
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        conn = await pool.get()
        try:
            status, answer = await conn.post(*request(i))
        except (OSError, asyncio.IncompleteReadError):
            failed += 1
            return
        pool.put_nowait(conn)
        answers.append((status, answer, time.perf_counter() - scheduled))

    await asyncio.gather(*(one(i) for i in range(total)))
    while not pool.empty():
        pool.get_nowait().writer.close()
    return answers, failed


async def open_loop(base: str, seconds: int, rate: float, target: Target, connections: int = 256) -> dict:
    """Send at a fixed rate whatever the answers do; latency counts from the scheduled send time."""
    answers, failed = await paced(base, int(seconds * rate), rate,
                                  lambda i: (target.path, target.body(i, "paced"), target.headers), connections)
    ok = [a for a in answers if a[0] == target.ok]
    failed += len(answers) - len(ok)
    latencies = [seconds for _, _, seconds in ok]
    codes = [json.loads(answer)["code"] for _, answer, _ in ok] if target.ok == 201 else []
    q = statistics.quantiles(latencies, n=100)
    return {"ok": len(latencies), "failed": failed, "rate": rate, "p50_ms": q[49] * 1000, "p99_ms": q[98] * 1000, "codes": codes}


async def closed_loop(base: str, seconds: int, connections: int, target: Target) -> dict:
    """Fallback when wrk is missing: N connections each posting back to back."""
    host, port = base.removeprefix("http://").split(":")
    latencies, failed, stop = [], 0, time.perf_counter() + seconds

    async def worker(w: int) -> None:
        nonlocal failed
        conn = await Connection.open(host, int(port))
        i = 0
        while time.perf_counter() < stop:
            i += 1
            t0 = time.perf_counter()
            status, _ = await conn.post(target.path, target.body(w * 1_000_000 + i, "loop"), target.headers)
            if status == target.ok:
                latencies.append(time.perf_counter() - t0)
            else:
                failed += 1
        conn.writer.close()

    await asyncio.gather(*(worker(w) for w in range(connections)))
    q = statistics.quantiles(latencies, n=100)
    return {"ok": len(latencies), "failed": failed, "rps": len(latencies) / seconds, "p50_ms": q[49] * 1000,
            "p99_ms": q[98] * 1000, "tool": "asyncio client"}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=128)
    ap.add_argument("--paced-seconds", type=int, default=10)
    ap.add_argument("--log-level", default="INFO", help="the service's ADUAN_LOG_LEVEL (INFO logs a line per request)")
    ap.add_argument("--target", choices=list(TARGETS), default="api",
                    help="api: POST /api/v1/complaints; telegram: Telegram updates to /webhooks/telegram")
    args = ap.parse_args()
    target = TARGETS[args.target]
    use_wrk = shutil.which("wrk") is not None

    channel_env = {}
    if args.target == "telegram":
        # The acknowledgements are queued in the outbox and not sent during the run (as the API's agency
        # deliveries are not): what is measured is the intake, not the Bot API.
        channel_env = dict(ADUAN_TELEGRAM_TOKEN="123456:bench-token", ADUAN_TELEGRAM_SECRET="bench-secret",
                           ADUAN_TELEGRAM_API_URL=f"http://127.0.0.1:{free_port()}", ADUAN_OUTBOX_WORKER="off")
    box = sandbox("aduan-bench-", args.log_level, **channel_env)
    bare_port = free_port()
    log_file = open(box.folder / "serve.log", "w")  # the service's JSON log lines, as a deployment would keep them
    procs = [
        box.serve(log_file),
        subprocess.Popen([sys.executable, str(HERE / "bare_server.py"), str(bare_port)], stderr=subprocess.PIPE),
    ]
    base, bare = box.base, f"http://127.0.0.1:{bare_port}"
    try:
        wait_up(f"{base}/healthz", procs[0])
        wait_up(f"{bare}/healthz", procs[1])
        def load(url: str, seconds: int) -> dict:
            if use_wrk:
                return run_wrk(url, seconds, args.connections, target)
            return asyncio.run(closed_loop(url, seconds, args.connections, target))

        warmup = load(base, 2)  # warm-up: first connections, caches, the database file's first pages
        service = load(base, args.seconds)
        baseline = load(bare, args.seconds)
        paced = asyncio.run(open_loop(base, args.paced_seconds, service["rps"] / 2, target))
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
        log_file.close()
    con = sqlite3.connect(box.database)
    stored = con.execute("SELECT count(*) FROM inbound_messages").fetchone()[0]
    queued = con.execute("SELECT count(*) FROM outbox WHERE audience = 'citizen'").fetchone()[0]
    found = 0
    for i in range(0, len(paced["codes"]), 500):
        chunk = paced["codes"][i : i + 500]
        found += con.execute(f"SELECT count(*) FROM complaints WHERE code IN ({','.join('?' * len(chunk))})", chunk).fetchone()[0]
    con.close()

    print(f"load: {service['tool']}, {args.connections} connections, {args.seconds} s each, same machine as the servers; "
          f"service log level {args.log_level}")
    print(f"target: {target.path}")
    print(f"{'':22}{'messages/s':>14}{'p50 ms':>10}{'p99 ms':>10}{'failed':>8}")
    print(f"{'aduan (SQLite)':22}{service['rps']:>14.0f}{service['p50_ms']:>10.1f}{service['p99_ms']:>10.1f}{service['failed']:>8}")
    print(f"{'bare aiohttp':22}{baseline['rps']:>14.0f}{baseline['p50_ms']:>10.1f}{baseline['p99_ms']:>10.1f}{baseline['failed']:>8}")
    print(f"ratio aduan / bare: {service['rps'] / baseline['rps']:.2f}")
    print(f"paced at {paced['rate']:.0f}/s for {args.paced_seconds} s: p50 {paced['p50_ms']:.1f} ms, p99 {paced['p99_ms']:.1f} ms, "
          f"{paced['ok']} answered {target.ok}, {paced['failed']} failed")
    answered = warmup["ok"] + service["ok"] + paced["ok"]
    print(f"answered {target.ok}: {answered}; messages stored: {stored} (requests cut off at the end of a run may add a few); "
          f"citizen replies queued in the outbox: {queued}; of the paced run's {len(paced['codes'])} codes, {found} are stored")
    shutil.rmtree(box.folder, ignore_errors=True)
    return 0 if found == len(paced["codes"]) and stored >= answered else 1


if __name__ == "__main__":
    sys.exit(main())
