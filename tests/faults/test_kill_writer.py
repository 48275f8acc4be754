"""kill -9 of the intake writer child alone under load: what it held is answered 503 (never 2xx unstored), serve starts
a new child and goes on, and the messages retried are stored once."""

from __future__ import annotations

import os
import signal
import time

from tests.e2e.test_serve import free_port
from tests.faults.helpers import Load, Server, count_stored, fault_config, serve_env, upgrade, wait_gone


def test_kill_9_of_the_writer_child_answers_503_restarts_it_and_loses_nothing(tmp_path, database_url):
    """The server outlives its writer: submissions meanwhile get 503, a new writer takes over, every message answered
    2xx is stored once and every one refused is stored once when sent again."""
    port = free_port()
    env = serve_env(tmp_path, database_url, port, fault_config(tmp_path))
    upgrade(env)
    server = Server(env, tmp_path / "serve.log")
    load = Load(server.base)
    try:
        server.start()
        server.wait_healthy()
        [writer] = server.writer_pids()
        load.start()
        load.wait_acked(25, seconds=60)
        refused_before = load.statuses[503]
        os.kill(writer, signal.SIGKILL)
        assert wait_gone(writer, 10)
        deadline = time.monotonic() + 30
        while not (others := [pid for pid in server.writer_pids() if pid != writer]) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert others, f"no new writer child: {server.log_tail()}"
        load.wait_acked(25, seconds=60)  # the service goes on with the new writer
        load.drain(seconds=45)
        assert server.proc.poll() is None, server.log_tail()  # serve itself never went down
        code = server.stop()
    finally:
        load.stop()
        server.close()
    counts = count_stored(database_url, load.sent, load.acknowledged)
    refused = load.statuses[503] - refused_before
    print(counts.line(answered_503_after_kill=refused, no_answer=load.statuses["no answer"]))
    assert load.unexpected == []
    assert load.statuses["no answer"] == 0  # the server kept every connection: the kill is answered, not dropped
    assert refused > 0  # the kill and the restart are seen as 503, the answer that makes the sender retry
    assert code == 0, server.log_tail()
    assert counts.lost == 0 and counts.duplicated == 0
    assert counts.acknowledged == counts.sent == counts.stored
