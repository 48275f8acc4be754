"""Two `serve` instances on one PostgreSQL database, the same provider messages sent to both at once: one complaint
per message, one acknowledgement per complaint in the outbox, and one sweep for the slot with both schedulers on."""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import create_engine, func, select

from store import models as m
from store.db import normalize_url
from tests.e2e.test_serve import free_port
from tests.faults.helpers import (Message, Server, api_message, count_stored, fault_config, serve_env, telegram_message,
                                  upgrade, whatsapp_text)

pytestmark = pytest.mark.skipif(not os.environ.get("ADUAN_TEST_DATABASE_URL"),
                                reason="two instances share one PostgreSQL: set ADUAN_TEST_DATABASE_URL")

EACH = 60  # messages per channel, every one sent to both instances


def send_until_taken(base: str, msg: Message, seconds: float = 60) -> requests.Response:
    """Send one message to one instance, again (same id) until it answers 2xx; any other answer than 503 fails."""
    deadline = time.monotonic() + seconds
    with requests.Session() as session:
        while time.monotonic() < deadline:
            try:
                resp = session.post(base + msg.path, data=msg.body, headers=msg.headers, timeout=15)
            except requests.RequestException:
                time.sleep(0.1)
                continue
            if 200 <= resp.status_code < 300:
                return resp
            assert resp.status_code == 503, f"{msg.channel} {resp.status_code}: {resp.text[:200]}"
            time.sleep(0.1)
    raise AssertionError(f"{msg.channel} {msg.key} was never taken by {base}")


def outbox_and_sweeps(database_url: str) -> tuple[dict[int, int], int, list[tuple[str, str, bool]]]:
    """Citizen acknowledgements per messaging-channel complaint, those complaints, and the schedule's sweep rows."""
    C, O, S = m.Complaint.__table__, m.Outbox.__table__, m.Sweep.__table__
    engine = create_engine(normalize_url(database_url))
    try:
        with engine.connect() as conn:
            messaging = select(C.c.id).where(C.c.channel.in_(("telegram", "whatsapp")))
            acks = dict(conn.execute(select(O.c.complaint_id, func.count()).where(
                O.c.event == "citizen.ack", O.c.complaint_id.in_(messaging)).group_by(O.c.complaint_id)).all())
            complaints = conn.execute(select(func.count()).select_from(messaging.subquery())).scalar_one()
            sweeps = [(row.trigger, row.instance, row.finished_at is not None) for row in conn.execute(
                select(S.c.trigger, S.c.instance, S.c.finished_at).where(S.c.trigger.in_(("schedule", "catch-up"))))]
    finally:
        engine.dispose()
    return acks, complaints, sweeps


def scheduled(server: Server) -> list[dict]:
    """The `sweep.scheduled` lines of a server's JSON log (one per start of its scheduler)."""
    lines = []
    for line in server.log_path.read_text(errors="replace").splitlines():
        if '"sweep.scheduled"' in line:
            lines.append(json.loads(line))
    return lines


def test_the_same_messages_to_two_instances_make_one_complaint_one_ack_and_one_sweep(tmp_path, database_url):
    """Each Telegram update, WhatsApp message and Idempotency-Key sent to both instances at once is one complaint (both
    answer 2xx, the API both with the same code), with one acknowledgement queued; the slot is swept once."""
    config = fault_config(tmp_path)
    servers = []
    for name in ("1", "2"):
        env = serve_env(tmp_path, database_url, free_port(), config, name=name, log_level="INFO")
        servers.append(Server(env, tmp_path / f"serve-{name}.log"))
    upgrade(servers[0].env)
    messages = [make(n, "") for n in range(1, EACH + 1) for make in (telegram_message, whatsapp_text)]
    messages += [api_message(n, "") for n in range(1, EACH // 2 + 1)]
    try:
        for server in servers:  # both at once: both schedulers look for the slot's sweep as they start
            server.start()
        for server in servers:
            server.wait_healthy()
        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = {msg.key: [pool.submit(send_until_taken, server.base, msg) for server in servers]
                       for msg in messages}
            answers = {key: [f.result() for f in futures] for key, futures in answers.items()}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(done for *_, done in outbox_and_sweeps(database_url)[2]):
            time.sleep(0.2)
        time.sleep(2)  # the other instance's scheduler has had its look at the slot too
        codes = [server.stop() for server in servers]
    finally:
        for server in servers:
            server.close()
    sent = {msg.key: msg for msg in messages}
    counts = count_stored(database_url, sent, set(answers))
    acks, complaints, sweeps = outbox_and_sweeps(database_url)
    extra_acks = sum(n - 1 for n in acks.values())
    catch_ups = sum(1 for server in servers for line in scheduled(server) if line.get("catch_up"))
    print(counts.line(acknowledgements=sum(acks.values()), duplicate_acknowledgements=extra_acks,
                      sweeps=len(sweeps), instances_behind_at_start=catch_ups))
    assert codes == [0, 0], [server.log_tail() for server in servers]
    assert counts.lost == 0 and counts.duplicated == 0
    assert counts.stored == counts.sent == len(messages)
    api = [msg.key for msg in messages if msg.channel == "api"]
    assert all(answers[key][0].json()["code"] == answers[key][1].json()["code"] for key in api)
    assert complaints == 2 * EACH
    assert len(acks) == complaints and extra_acks == 0
    assert all(scheduled(server) for server in servers)  # both instances ran their sweep schedulers
    assert len(sweeps) == 1 and sweeps[0][2], sweeps
