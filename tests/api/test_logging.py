"""Logs as operators read them: JSON lines with a request id and the complaint code, never a secret."""

from __future__ import annotations

import io
import json

import pytest

from config.logging import configure


@pytest.fixture
def log_lines():
    buffer = io.StringIO()
    configure("INFO", json_output=True, stream=buffer)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{")]
    configure("INFO")


async def test_each_request_logs_one_line_with_request_id_and_code(client, log_lines):
    """A submission logs http.request with its request id (echoed in X-Request-ID) and the complaint code."""
    resp = await client.post("/api/v1/complaints", json={"text": "Jalan rusak di Praya"}, headers={"X-Request-ID": "req-123"})
    code = (await resp.json())["code"]
    assert resp.headers["X-Request-ID"] == "req-123"
    lines = [line for line in log_lines() if line["event"] == "http.request"]
    assert lines[-1]["request_id"] == "req-123"
    assert lines[-1]["code"] == code and lines[-1]["status"] == 201 and lines[-1]["path"] == "/api/v1/complaints"


async def test_every_line_of_a_request_carries_its_request_id(client, log_lines, runtime, operator_headers):
    """Lines logged while a request runs (here a refused reload) carry the same request id."""
    runtime.env = runtime.env.__class__(**{**runtime.env.__dict__, "config_dir": "/nonexistent"})
    resp = await client.post("/api/v1/admin/reload", headers=operator_headers)
    assert resp.status == 400
    request_id = resp.headers["X-Request-ID"]
    lines = log_lines()
    assert {line["event"] for line in lines if line.get("request_id") == request_id} >= {"config.reload_refused", "http.request"}


async def test_tokens_never_reach_the_logs(client, log_lines, operator_headers):
    """Neither the operator token nor a wrong bearer token is logged."""
    await client.get("/api/v1/complaints", headers=operator_headers)
    await client.get("/api/v1/complaints", headers={"Authorization": "Bearer wrong-secret-value"})
    text = json.dumps(log_lines())
    token = operator_headers["Authorization"].removeprefix("Bearer ")
    assert token not in text and "wrong-secret-value" not in text
