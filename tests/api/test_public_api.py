"""The public API: submit, idempotency, tracking, health and every bad input's clear error."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from store import models as m

HEALTH_TEXT = "Obat di puskesmas Aikmel kosong sudah dua minggu, mohon ditindaklanjuti"


def count(runtime, model) -> int:
    with runtime.db.reader.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


async def test_submit_returns_code_status_agency_and_track_url(client, runtime):
    """A routed complaint answers 201 with its code, status, agency and tracking link."""
    resp = await client.post("/api/v1/complaints", json={"text": HEALTH_TEXT})
    assert resp.status == 201
    body = await resp.json()
    assert body["code"].startswith("NTB-") and len(body["code"]) == 12
    assert body["status"] == "assigned"
    assert body["agency"]["code"] == "puskesmas-aikmel"
    assert body["agency"]["name"]
    assert body["track_url"] == f"http://aduan.test/track/{body['code']}"
    assert count(runtime, m.Complaint) == 1


async def test_unroutable_complaint_waits_in_triage(client, runtime):
    """Text no rule matches goes to triage with no agency, and the triage team gets a delivery."""
    resp = await client.post("/api/v1/complaints", json={"text": "Saya ingin bertanya sesuatu yang umum saja"})
    body = await resp.json()
    assert resp.status == 201
    assert body["status"] == "triage" and body["agency"] is None
    with runtime.db.reader.connect() as conn:
        agencies = {r.agency for r in conn.execute(select(m.Outbox.agency).where(m.Outbox.audience == "agency"))}
    assert agencies == {runtime.config.triage}


async def test_writes_events_and_pending_outbox_rows_with_the_complaint(client, runtime):
    """The complaint, its timeline and its pending deliveries are written together."""
    resp = await client.post(
        "/api/v1/complaints",
        json={"text": HEALTH_TEXT, "reporter": {"name": "Siti", "email": "siti@example.id"}},
    )
    code = (await resp.json())["code"]
    with runtime.db.reader.connect() as conn:
        cid = conn.execute(select(m.Complaint.id).where(m.Complaint.code == code)).scalar_one()
        events = [r.type for r in conn.execute(select(m.Event.type).where(m.Event.complaint_id == cid).order_by(m.Event.id))]
        outbox = conn.execute(select(m.Outbox.audience, m.Outbox.transport, m.Outbox.state, m.Outbox.target)
                              .where(m.Outbox.complaint_id == cid)).all()
    assert events == ["received", "assigned"]
    assert ("citizen", "email", "pending", "siti@example.id") in outbox
    assert any(o.audience == "agency" and o.state == "pending" for o in outbox)


async def test_repeated_idempotency_key_returns_the_first_answer(client, runtime):
    """The same Idempotency-Key gives the first result and no second complaint, even concurrently."""
    runtime.limiter.per_minute = 1000
    headers = {"Idempotency-Key": "c0ffee-1"}
    first = await client.post("/api/v1/complaints", json={"text": HEALTH_TEXT}, headers=headers)
    again = await client.post("/api/v1/complaints", json={"text": HEALTH_TEXT}, headers=headers)
    assert first.status == again.status == 201
    assert await first.json() == await again.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    storm = await asyncio.gather(*(client.post("/api/v1/complaints", json={"text": HEALTH_TEXT},
                                               headers={"Idempotency-Key": "storm"}) for _ in range(20)))
    codes = {(await r.json())["code"] for r in storm}
    assert len(codes) == 1
    assert count(runtime, m.Complaint) == 2
    assert count(runtime, m.InboundMessage) == 2


async def test_concurrent_submissions_each_get_their_own_code(client, runtime):
    """Requests that arrive together are stored together, each as its own complaint."""
    runtime.limiter.per_minute = 1000
    resps = await asyncio.gather(*(client.post("/api/v1/complaints", json={"text": f"jalan rusak di selong nomor {i}"})
                                   for i in range(50)))
    assert {r.status for r in resps} == {201}
    assert len({(await r.json())["code"] for r in resps}) == 50
    assert count(runtime, m.Complaint) == 50


async def test_track_shows_public_view_without_identity(client):
    """Tracking shows status, agency and timeline, never the reporter."""
    resp = await client.post("/api/v1/complaints", json={"text": HEALTH_TEXT, "reporter": {"name": "Budi Santoso", "phone": "+6281234567"}})
    code = (await resp.json())["code"]
    resp = await client.get(f"/api/v1/track/{code.lower()}")
    assert resp.status == 200
    view = await resp.json()
    assert view["code"] == code and view["status"] == "assigned"
    assert [e["status"] for e in view["timeline"]] == ["new", "assigned"]
    assert "reporter" not in view
    assert "Budi" not in await resp.text() and "6281234567" not in await resp.text()


async def test_track_hides_text_of_confidential_complaint(client):
    """A confidential complaint's text is not on public tracking."""
    resp = await client.post("/api/v1/complaints", json={"text": HEALTH_TEXT, "confidential": True})
    code = (await resp.json())["code"]
    view = await (await client.get(f"/api/v1/track/{code}")).json()
    assert "text" not in view
    assert view["status"] == "assigned"


async def test_track_reads_o_as_zero_and_i_l_as_one(client):
    """Lookups ignore case and read O as 0 and I or L as 1."""
    code = (await (await client.post("/api/v1/complaints", json={"text": HEALTH_TEXT})).json())["code"]
    typed = code.lower().replace("0", "o").replace("1", "l")
    assert (await client.get(f"/api/v1/track/{typed}")).status == 200


async def test_invalid_json_is_400(client):
    """A body that is not JSON gets a 400 JSON error."""
    resp = await client.post("/api/v1/complaints", data=b"{not json", headers={"Content-Type": "application/json"})
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == "invalid_json"


async def test_missing_or_blank_text_is_400(client, runtime):
    """Without text there is no complaint, and the error says so."""
    for body in ({}, {"text": "   "}, {"text": 5}):
        resp = await client.post("/api/v1/complaints", json=body)
        assert resp.status == 400, body
        error = (await resp.json())["error"]
        assert "text" in error["message"]
    assert count(runtime, m.Complaint) == 0


async def test_bad_fields_are_400_with_the_field_named(client):
    """Unknown fields, kinds, regions, e-mails and locations are named in the error."""
    cases = [
        ({"text": "x", "colour": "red"}, "colour"),
        ({"text": "x", "kind": "praise"}, "kind"),
        ({"text": "x", "reporter": {"email": "not-an-address"}}, "email"),
        ({"text": "x", "location": {"lat": 120, "lon": 0}}, "lat"),
        ({"text": "x", "region": "atlantis"}, "atlantis"),
    ]
    for body, word in cases:
        resp = await client.post("/api/v1/complaints", json=body)
        assert resp.status == 400, body
        assert word in (await resp.json())["error"]["message"], body


async def test_body_over_limit_is_413(client, runtime):
    """A body over max_body_bytes is refused with 413 and nothing stored."""
    limit = runtime.config.settings.max_body_bytes
    resp = await client.post("/api/v1/complaints", json={"text": "a" * (limit + 10)})
    assert resp.status == 413
    assert (await resp.json())["error"]["code"] == "body_too_large"
    assert count(runtime, m.Complaint) == 0


async def test_unknown_code_is_404(client):
    """An unknown or malformed code answers 404 as JSON."""
    for code in ("NTB-ZZZZZZZZ", "hello"):
        resp = await client.get(f"/api/v1/track/{code}")
        assert resp.status == 404
        assert (await resp.json())["error"]["code"] == "not_found"


async def test_rate_limit_per_address_is_429(client, runtime):
    """Past the per-address limit the API answers 429 with Retry-After."""
    runtime.limiter.per_minute = 3
    statuses = [(await client.post("/api/v1/complaints", json={"text": HEALTH_TEXT})).status for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
    resp = await client.post("/api/v1/complaints", json={"text": HEALTH_TEXT})
    assert int(resp.headers["Retry-After"]) > 0


async def test_healthz_ok(client):
    """Health answers ok while the database is reachable."""
    resp = await client.get("/healthz")
    assert resp.status == 200 and await resp.json() == {"status": "ok"}


async def test_database_unavailable_is_503_and_nothing_half_written(client, runtime, tmp_path):
    """With the database unreachable, submission answers 503, health 503, and nothing is stored."""
    from store.db import open_database

    good = runtime.db
    (tmp_path / "blocker").write_text("a file where a folder should be")
    broken = open_database(
        f"sqlite:///{tmp_path}/blocker/aduan.db" if good.dialect == "sqlite"
        else "postgresql://postgres@127.0.0.1:1/aduan"
    )
    runtime.db = broken
    runtime.intake.writer.db = broken
    try:
        resp = await client.post("/api/v1/complaints", json={"text": HEALTH_TEXT})
        assert resp.status == 503
        assert (await resp.json())["error"]["code"] == "store_unavailable"
        assert (await client.get("/healthz")).status == 503
    finally:
        runtime.db = good
        runtime.intake.writer.db = good
        broken.dispose()
    assert count(runtime, m.Complaint) == 0
    assert count(runtime, m.Outbox) == 0
    resp = await client.post("/api/v1/complaints", json={"text": HEALTH_TEXT})
    assert resp.status == 201


async def test_openapi_document_lists_the_endpoints(client):
    """The OpenAPI document names the public and operator paths."""
    doc = await (await client.get("/api/v1/openapi.json")).json()
    assert doc["openapi"].startswith("3.")
    for path in ("/api/v1/complaints", "/api/v1/track/{code}", "/healthz", "/api/v1/complaints/{code}"):
        assert path in doc["paths"]


async def test_metrics_count_messages_and_statuses(client):
    """Metrics expose messages per channel and complaints per status in Prometheus text."""
    await client.post("/api/v1/complaints", json={"text": HEALTH_TEXT})
    text = await (await client.get("/metrics")).text()
    assert 'aduan_messages_in_total{channel="api"} 1.0' in text
    assert 'aduan_complaints{status="assigned"} 1.0' in text
    assert "aduan_request_seconds_bucket" in text


async def test_idempotency_key_reused_for_another_complaint_is_422(client, runtime):
    """A key already used for a different body is refused with 422, and the first complaint is untouched."""
    headers = {"Idempotency-Key": "reused"}
    first = await client.post("/api/v1/complaints", json={"text": HEALTH_TEXT}, headers=headers)
    other = await client.post("/api/v1/complaints", json={"text": "Jalan rusak di Dompu"}, headers=headers)
    assert first.status == 201
    assert other.status == 422
    assert (await other.json())["error"]["code"] == "idempotency_key_reused"
    assert count(runtime, m.Complaint) == 1


async def test_control_characters_are_removed_and_the_batch_is_stored(client, runtime):
    """A NUL or other control character in the text never fails the complaint or its neighbours."""
    runtime.limiter.per_minute = 1000
    texts = ["jalan rusak di Praya"] * 10 + ["racun \u0000 di sini\u0007, jalan rusak"]
    resps = await asyncio.gather(*(client.post("/api/v1/complaints", json={"text": t}) for t in texts))
    assert {r.status for r in resps} == {201}
    with runtime.db.reader.connect() as conn:
        stored = conn.execute(select(m.Complaint.text).where(m.Complaint.text.like("racun%"))).scalar_one()
    assert stored == "racun  di sini, jalan rusak"


async def test_field_types_are_not_guessed(client, runtime):
    """A string where a boolean or number belongs is a 400 naming the field, not a guess."""
    for body, word in (({"text": "x", "anonymous": "yes"}, "anonymous"), ({"text": "x", "location": {"lat": "1", "lon": 2}}, "lat")):
        resp = await client.post("/api/v1/complaints", json=body)
        assert resp.status == 400, body
        assert word in (await resp.json())["error"]["message"]
    assert count(runtime, m.Complaint) == 0
