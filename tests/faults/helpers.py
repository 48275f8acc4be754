"""Helpers of the fault suite: a real `serve` started, killed and restarted; provider messages signed as each provider
signs them; a load generator that sends each message again (same id, same Idempotency-Key) until it is answered
2xx; and the counts of what the store holds for the messages sent.

Shapes: https://core.telegram.org/bots/api#update (a private text message),
https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples (a text message) and
https://www.twilio.com/docs/messaging/guides/webhook-request (an incoming SMS, signed as
https://www.twilio.com/docs/usage/security describes).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

import requests
from sqlalchemy import create_engine, func, select
from twilio.request_validator import RequestValidator

from channels.meta import signature_of
from store import models as m
from store.db import normalize_url
from tests.e2e.platform_helpers import TWILIO_FROM, TWILIO_SID, TWILIO_TOKEN, whatsapp_message
from tests.e2e.test_serve import free_port

ROOT = Path(__file__).resolve().parents[2]
TELEGRAM_TOKEN = "7000000001:AAFaultSuiteTokenForLoopbackOnly00"
TELEGRAM_SECRET = "fault-suite-webhook-secret"
WHATSAPP_SECRET = "fault-suite-whatsapp-app-secret"
SECRET_KEY = "fault-suite-secret-key"  # shared by every instance: an Idempotency-Key means the same on each
TEXT = "Jalan rusak parah dan berlubang di Selong, Lombok Timur, motor warga sering jatuh"
MESSAGE_CHANNELS = ("api", "telegram", "whatsapp", "sms")


def fault_config(tmp_path: Path) -> Path:
    """Copy the sample configuration with room for one address (the load generator) to submit as fast as it can."""
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config, ignore=shutil.ignore_patterns("*.py", "schema", "__pycache__"))
    settings = config / "settings.yaml"
    text = settings.read_text(encoding="utf-8")
    raised = text.replace("rate_limit_per_minute: 20", "rate_limit_per_minute: 1000000")
    assert raised != text, "settings.yaml no longer sets rate_limit_per_minute: 20"
    settings.write_text(raised, encoding="utf-8")
    return config


def serve_env(tmp_path: Path, database_url: str, port: int, config: Path, *, name: str = "1",
              log_level: str = "WARNING") -> dict[str, str]:
    """The environment of one `serve`: every channel under test on, its provider's API root a closed port."""
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there: replies wait in the outbox and retry
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADUAN_")}
    env.update(
        ADUAN_DATABASE_URL=database_url, ADUAN_CONFIG_DIR=str(config), ADUAN_PORT=str(port),
        ADUAN_PUBLIC_URL=f"http://127.0.0.1:{port}", ADUAN_VAR_DIR=str(tmp_path / f"var-{name}"),
        ADUAN_SECRET_KEY=SECRET_KEY, ADUAN_LOG_LEVEL=log_level,
        ADUAN_TELEGRAM_TOKEN=TELEGRAM_TOKEN, ADUAN_TELEGRAM_SECRET=TELEGRAM_SECRET, ADUAN_TELEGRAM_API_URL=closed,
        ADUAN_WHATSAPP_APP_SECRET=WHATSAPP_SECRET, ADUAN_WHATSAPP_VERIFY_TOKEN="fault-verify",
        ADUAN_WHATSAPP_TOKEN="fault-whatsapp-token", ADUAN_WHATSAPP_PHONE_ID="106540352242922",
        ADUAN_GRAPH_API_URL=f"{closed}/v26.0",
        ADUAN_TWILIO_AUTH_TOKEN=TWILIO_TOKEN, ADUAN_TWILIO_ACCOUNT_SID=TWILIO_SID, ADUAN_TWILIO_FROM=TWILIO_FROM,
        ADUAN_TWILIO_API_URL=closed,
    )
    return env


def upgrade(env: dict[str, str]) -> None:
    """Run `python main.py db upgrade` on the environment's database."""
    done = subprocess.run([sys.executable, "main.py", "db", "upgrade"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


class Server:
    """One `python main.py serve` subprocess, its log in a file (every start appends to it)."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.base = env["ADUAN_PUBLIC_URL"]
        self.proc: subprocess.Popen | None = None
        self.orphans: list[int] = []  # writer children of a killed server, to see gone

    def start(self) -> None:
        """Start serve (without waiting for it)."""
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "main.py", "serve"], cwd=ROOT, env=self.env,
                                         stdout=subprocess.DEVNULL, stderr=log)

    def wait_healthy(self, seconds: float = 60) -> None:
        """Wait until /healthz answers 200; fail with the log's end if serve exits or never gets there."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"serve exited with {self.proc.returncode}: {self.log_tail()}")
            try:
                if requests.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise AssertionError(f"serve did not become healthy: {self.log_tail()}")

    def kill(self) -> None:
        """kill -9 the server process (its writer child is left to notice the closed pipe and end)."""
        self.orphans.extend(self.writer_pids())
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self, seconds: float = 30) -> int:
        """SIGTERM, wait for the exit and return its code (kill -9 and fail when it takes longer)."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"serve did not stop within {seconds} s: {self.log_tail()}") from None

    def close(self) -> None:
        """Make sure nothing this server started is left running."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
        for pid in self.orphans:
            if not wait_gone(pid, 10):
                os.kill(pid, signal.SIGKILL)

    def writer_pids(self) -> list[int]:
        """The intake writer children of serve (multiprocessing's spawned processes, not its resource tracker)."""
        found = []
        for pid in children(self.proc.pid):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if any(b"spawn_main" in part for part in cmdline):
                found.append(pid)
        return found

    def log_tail(self, size: int = 3000) -> str:
        """The end of the server's log."""
        try:
            return self.log_path.read_text(errors="replace")[-size:]
        except OSError:
            return ""


def children(pid: int) -> list[int]:
    """The child processes of `pid`, from /proc/<pid>/task/*/children."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def wait_gone(pid: int, seconds: float) -> bool:
    """Wait until process `pid` has ended (or is a zombie nobody reaped yet); False if it is still running."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


@dataclass(frozen=True)
class Message:
    """One message as a provider (or an API client) sends it, and the id the store keeps it under."""

    channel: str  # the complaint's channel: api | telegram | whatsapp | sms
    key: str  # the provider message id intake stores (for the API: the Idempotency-Key)
    path: str
    body: bytes
    headers: dict[str, str]


def api_message(n: int, _base: str) -> Message:
    """A complaint through `POST /api/v1/complaints` with its own Idempotency-Key."""
    key = f"fault-{n}-{uuid.uuid4().hex[:12]}"
    body = json.dumps({"text": f"{TEXT} (laporan API {n})"}).encode()
    return Message("api", key, "/api/v1/complaints", body,
                   {"Content-Type": "application/json", "Idempotency-Key": key})


def telegram_message(n: int, _base: str) -> Message:
    """A private chat's text message as Telegram posts it to the webhook (its own chat, so its own complaint)."""
    chat = 7_100_000_000 + n
    sender = {"id": chat, "is_bot": False, "first_name": "Lalu", "last_name": f"Warga {n}", "language_code": "id"}
    update = {"update_id": 900_000_000 + n, "message": {
        "message_id": 1 + n % 1000, "from": sender,
        "chat": {"id": chat, "first_name": "Lalu", "last_name": f"Warga {n}", "type": "private"},
        "date": int(time.time()), "text": f"{TEXT} (pesan Telegram {n})"}}
    return Message("telegram", f"{chat}:{1 + n % 1000}", "/webhooks/telegram", json.dumps(update).encode(),
                   {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})


def whatsapp_text(n: int, _base: str) -> Message:
    """A Cloud API text message notification, signed with the app secret (its own number, so its own complaint)."""
    wamid = f"wamid.FAULT{n:08d}{uuid.uuid4().hex[:16].upper()}"
    body = whatsapp_message(wamid, f"{TEXT} (pesan WhatsApp {n})", datetime.now(timezone.utc),
                            wa_id=f"62817{n:07d}")
    return Message("whatsapp", wamid, "/webhooks/whatsapp", body,
                   {"Content-Type": "application/json", "X-Hub-Signature-256": signature_of(WHATSAPP_SECRET, body)})


def twilio_sms(n: int, base: str) -> Message:
    """An incoming SMS as Twilio posts it, signed with the auth token over the public URL and the sorted fields."""
    sid = "SM" + uuid.uuid4().hex
    fields = {"ToCountry": "ID", "SmsMessageSid": sid, "NumMedia": "0", "SmsSid": sid, "SmsStatus": "received",
              "Body": f"{TEXT} (SMS {n})", "FromCountry": "ID", "To": TWILIO_FROM, "NumSegments": "1",
              "MessageSid": sid, "AccountSid": TWILIO_SID, "From": f"+62813{n:07d}", "ApiVersion": "2010-04-01"}
    path = "/webhooks/sms/twilio"
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(base + path, fields)
    return Message("sms", f"twilio:{sid}", path, urlencode(fields).encode(),
                   {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature})


MAKERS: dict[str, Callable[[int, str], Message]] = {
    "api": api_message, "telegram": telegram_message, "whatsapp": whatsapp_text, "sms": twilio_sms}


@dataclass
class Load:
    """Steady load on one server: a thread per channel makes new messages and sends again, with the same ids, every
    one not answered 2xx (a refused connection, a reset, a timeout or a 503)."""

    base: str
    channels: tuple[str, ...] = MESSAGE_CHANNELS
    sent: dict[str, Message] = field(default_factory=dict)
    acknowledged: set[str] = field(default_factory=set)
    statuses: Counter = field(default_factory=Counter)  # every answer by status; "no answer" for none
    unexpected: list[str] = field(default_factory=list)  # answers other than 2xx and 503
    making: threading.Event = field(default_factory=threading.Event)
    stopping: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._pending: dict[str, deque[Message]] = {c: deque() for c in self.channels}
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._numbers = iter(range(1, 10**7))

    def start(self) -> None:
        """Start making and sending messages."""
        self.making.set()
        for channel in self.channels:
            thread = threading.Thread(target=self._run, args=(channel,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def acked(self, channel: str) -> int:
        """How many messages of `channel` have been answered 2xx."""
        return sum(1 for key in list(self.acknowledged) if self.sent[key].channel == channel)

    def wait_acked(self, each: int, seconds: float) -> None:
        """Wait until every channel has `each` more messages answered 2xx than now."""
        start = {c: self.acked(c) for c in self.channels}
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if all(self.acked(c) >= start[c] + each for c in self.channels):
                return
            time.sleep(0.05)
        raise AssertionError(f"the load did not get {each} answers per channel in {seconds} s: {dict(self.statuses)}")

    def drain(self, seconds: float) -> None:
        """Stop making messages, and send the unanswered ones until every one is answered 2xx (or time runs out)."""
        self.making.clear()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and any(self._pending.values()):
            time.sleep(0.05)
        self.stop()

    def stop(self) -> None:
        """Stop the threads."""
        self.stopping.set()
        for thread in self._threads:
            thread.join(timeout=15)

    def _next(self, channel: str) -> Message | None:
        pending = self._pending[channel]
        if pending:
            return pending.popleft()
        if not self.making.is_set():
            return None
        with self._lock:
            n = next(self._numbers)
        msg = MAKERS[channel](n, self.base)
        self.sent[msg.key] = msg
        return msg

    def _run(self, channel: str) -> None:
        with requests.Session() as session:
            while not self.stopping.is_set():
                msg = self._next(channel)
                if msg is None:
                    time.sleep(0.05)
                    continue
                try:
                    resp = session.post(self.base + msg.path, data=msg.body, headers=msg.headers, timeout=15)
                except requests.RequestException:
                    self.statuses["no answer"] += 1
                    self._pending[channel].append(msg)
                    time.sleep(0.02)
                    continue
                self.statuses[resp.status_code] += 1
                if 200 <= resp.status_code < 300:
                    self.acknowledged.add(msg.key)
                    continue
                if resp.status_code != 503:
                    self.unexpected.append(f"{channel} {resp.status_code}: {resp.text[:200]}")
                self._pending[channel].append(msg)
                time.sleep(0.02)


@dataclass(frozen=True)
class Counts:
    """What was sent and answered against what the store holds."""

    sent: int
    acknowledged: int
    stored: int
    duplicated: int
    lost: int

    def line(self, **more) -> str:
        """The one line a fault test prints."""
        extra = "".join(f" {k}={v}" for k, v in more.items())
        return (f"sent={self.sent} acknowledged={self.acknowledged} stored={self.stored} "
                f"duplicated={self.duplicated} lost={self.lost}{extra}")


def store_key(channel: str, provider_message_id: str) -> str:
    """The key a Message names its stored row by (an API row's id ends with the Idempotency-Key)."""
    return provider_message_id.split(":", 3)[3] if channel == "api" else provider_message_id


def count_stored(database_url: str, sent: dict[str, Message], acknowledged: set[str]) -> Counts:
    """Count, in the store, the messages sent: each with its inbound row and its own complaint, none twice.

    The store is the test's own: every complaint of these channels in it came from `sent`, so a complaint more than
    the messages stored is a duplicate, whether or not an inbound row names it."""
    I, C = m.InboundMessage.__table__, m.Complaint.__table__
    engine = create_engine(normalize_url(database_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(I.c.channel, I.c.provider_message_id, I.c.complaint_id)
                                .where(I.c.channel.in_(MESSAGE_CHANNELS))).all()
            complaints = conn.execute(select(func.count()).select_from(C)
                                      .where(C.c.channel.in_(MESSAGE_CHANNELS))).scalar_one()
            existing = set(conn.execute(select(C.c.id)).scalars())
    finally:
        engine.dispose()
    per_key = Counter(store_key(channel, pid) for channel, pid, _cid in rows)
    complaint_of: dict[str, set[int]] = {}
    for channel, pid, cid in rows:
        if cid is not None and cid in existing:
            complaint_of.setdefault(store_key(channel, pid), set()).add(cid)
    stored = {key for key in sent if per_key[key] >= 1 and complaint_of.get(key)}
    # A message twice: a second inbound row under its id, or a complaint more than one per message stored.
    duplicated = sum(n - 1 for n in per_key.values() if n > 1) + max(0, complaints - len(stored))
    return Counts(sent=len(sent), acknowledged=len(acknowledged), stored=len(stored), duplicated=duplicated,
                  lost=len(acknowledged - stored))
