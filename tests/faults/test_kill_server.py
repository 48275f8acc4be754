"""kill -9 of `serve` under steady load through the API and the Telegram, WhatsApp and Twilio SMS webhooks: after a
restart on the same database every message answered 2xx has its complaint, and none is stored twice."""

from __future__ import annotations

from tests.e2e.test_serve import free_port
from tests.faults.helpers import Load, Server, count_stored, fault_config, serve_env, upgrade


def test_kill_9_under_load_then_restart_keeps_every_acknowledged_message_once(tmp_path, database_url):
    """Every message answered 2xx before or after a kill -9 is stored with its complaint exactly once, and the
    messages left unanswered by the kill are stored once when their senders retry them."""
    port = free_port()
    env = serve_env(tmp_path, database_url, port, fault_config(tmp_path))
    upgrade(env)
    server = Server(env, tmp_path / "serve.log")
    load = Load(server.base)
    try:
        server.start()
        server.wait_healthy()
        load.start()
        load.wait_acked(25, seconds=60)
        server.kill()  # mid-load: requests in flight lose their connection and are sent again
        acked_before = len(load.acknowledged)
        server.start()
        server.wait_healthy()
        load.wait_acked(25, seconds=60)
        load.drain(seconds=45)
        code = server.stop()
    finally:
        load.stop()
        server.close()
    counts = count_stored(database_url, load.sent, load.acknowledged)
    print(counts.line(acknowledged_before_kill=acked_before, retried=load.statuses["no answer"] + load.statuses[503]))
    assert load.unexpected == []
    assert code == 0, server.log_tail()
    assert counts.lost == 0 and counts.duplicated == 0
    # Every message was answered 2xx in the end (its sender retried it), and stored.
    assert counts.acknowledged == counts.sent == counts.stored
    assert acked_before >= 100
