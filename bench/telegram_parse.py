"""Time Telegram's inbound parse against python-telegram-bot's `Update.de_json` on the same fixtures, in one run.

Over the message and edited_message fixtures of tests/channels/telegram/fixtures (the updates that reach intake,
and the ones PTB can build): `channels.telegram.inbound.parse(body, …)` from the body's bytes, and
`orjson.loads(body)` then `telegram.Update.de_json(...)`, which the parse used to do. Each is looped over the
fixtures for about a second per run; printed: µs per update, the median of the runs (and the spread), and the ratio.
The parse over every fixture (ignored update types too) is printed as well.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402

from channels.telegram.inbound import parse  # noqa: E402

FIXTURES = ROOT / "tests" / "channels" / "telegram" / "fixtures"
BOT_USERNAME = "AduanTestBot"
NOW = datetime(2026, 1, 1, 3, 0, tzinfo=timezone.utc)


def parse_new(body: bytes) -> None:
    parse(body, BOT_USERNAME, NOW)


def parse_ptb(body: bytes) -> None:
    Update.de_json(orjson.loads(body), None)


def per_update(fn, bodies: list[bytes], seconds: float) -> float:
    """Loop `fn` over the bodies for about `seconds`; return µs per update."""
    loops, done, start = max(1, int(2000 / len(bodies))), 0, time.perf_counter()
    while True:
        for _ in range(loops):
            for body in bodies:
                fn(body)
        done += loops * len(bodies)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return elapsed / done * 1e6


def figure(fn, bodies: list[bytes], runs: int, seconds: float) -> tuple[float, float, float]:
    """Return (median, min, max) µs per update over `runs` runs."""
    for body in bodies:
        fn(body)  # warm up (imports, caches)
    times = [per_update(fn, bodies, seconds) for _ in range(runs)]
    return statistics.median(times), min(times), max(times)


def main() -> None:
    """Print µs per update of the new parse and of Update.de_json over the same fixtures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--seconds", type=float, default=1.0, help="length of one run")
    args = ap.parse_args()
    every = [path.read_bytes() for path in sorted(FIXTURES.glob("*.json"))]
    messages = [path.read_bytes() for path in sorted(FIXTURES.glob("*message__*.json"))]
    for body in messages:
        Update.de_json(orjson.loads(body), None)  # fails loudly if a fixture is one PTB cannot build
    new = figure(parse_new, messages, args.runs, args.seconds)
    ptb = figure(parse_ptb, messages, args.runs, args.seconds)
    every_new = figure(parse_new, every, args.runs, args.seconds)
    print(f"{len(messages)} message/edited_message fixtures, {args.runs} runs of {args.seconds:g} s, µs per update "
          "(median, min-max):")
    print(f"  inbound.parse (new)                {new[0]:8.2f}   ({new[1]:.2f}-{new[2]:.2f})")
    print(f"  orjson + telegram.Update.de_json   {ptb[0]:8.2f}   ({ptb[1]:.2f}-{ptb[2]:.2f})")
    print(f"  ratio Update.de_json / parse       {ptb[0] / new[0]:8.1f}")
    print(f"  inbound.parse over all {len(every)} fixtures {every_new[0]:6.2f}   ({every_new[1]:.2f}-{every_new[2]:.2f})")


if __name__ == "__main__":
    main()
