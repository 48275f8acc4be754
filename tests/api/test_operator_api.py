"""Operator API: token checks, list filters and pages, one complaint in full, config reload."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from api.auth import token_hash
from store.queries import add_token
from tests.conftest import with_env

TEXTS = [
    ("Obat di puskesmas Aikmel kosong", None),
    ("Jalan rusak parah di Praya", None),
    ("Banjir bandang di Bima, rumah warga terendam", None),
    ("Saya mau tanya saja", None),
]


async def submit(client, text, **extra):
    resp = await client.post("/api/v1/complaints", json={"text": text, **extra})
    assert resp.status == 201, await resp.text()
    return (await resp.json())["code"]


async def test_operator_endpoints_need_a_token(client):
    """No token → 401; a wrong token → 401; both JSON errors."""
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}):
        resp = await client.get("/api/v1/complaints", headers=headers)
        assert resp.status == 401
        assert (await resp.json())["error"]["code"] == "unauthorized"


async def test_agency_token_is_forbidden_on_operator_endpoints(client, runtime):
    """An agency's token is a valid token but not an operator's: 403."""
    with runtime.db.writer.begin() as conn:
        add_token(conn, token_hash("agency-token"), "agency", "dinkes-ntb", None, datetime.now(timezone.utc))
    resp = await client.get("/api/v1/complaints", headers={"Authorization": "Bearer agency-token"})
    assert resp.status == 403


async def test_cli_created_operator_token_works(client, runtime):
    """A token stored by hash (as `token create` does) opens the operator API."""
    with runtime.db.writer.begin() as conn:
        add_token(conn, token_hash("desk-token"), "operator", None, "desk", datetime.now(timezone.utc))
    resp = await client.get("/api/v1/complaints", headers={"Authorization": "Bearer desk-token"})
    assert resp.status == 200


async def test_list_filters_and_pages(client, runtime, operator_headers):
    """Filters narrow the list; pages follow the cursor until `next` is null, each item once."""
    runtime.limiter.per_minute = 1000
    codes = [await submit(client, text) for text, _ in TEXTS]
    resp = await client.get("/api/v1/complaints", headers=operator_headers)
    body = await resp.json()
    assert [i["code"] for i in body["items"]] == codes[::-1]
    assert body["next"] is None
    triage = await (await client.get("/api/v1/complaints?status=triage", headers=operator_headers)).json()
    assert [i["code"] for i in triage["items"]] == [codes[3]]
    lotim = await (await client.get("/api/v1/complaints?region=lombok-timur", headers=operator_headers)).json()
    assert [i["code"] for i in lotim["items"]] == [codes[0]]
    search = await (await client.get("/api/v1/complaints?q=banjir", headers=operator_headers)).json()
    assert [i["code"] for i in search["items"]] == [codes[2]]
    api = await (await client.get("/api/v1/complaints?channel=api&agency=puskesmas-aikmel", headers=operator_headers)).json()
    assert [i["code"] for i in api["items"]] == [codes[0]]
    seen, cursor = [], None
    while True:
        url = "/api/v1/complaints?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = await (await client.get(url, headers=operator_headers)).json()
        seen += [i["code"] for i in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == codes[::-1]


async def test_list_date_filters_include_the_until_day(client, runtime, operator_headers):
    """since/until are dates in the province's time zone; until includes its whole day."""
    await submit(client, "Jalan rusak parah di Praya")
    zone = ZoneInfo(runtime.config.regions[runtime.config.root].timezone)
    today = datetime.now(zone).date().isoformat()
    hit = await (await client.get(f"/api/v1/complaints?since=2020-01-01&until={today}", headers=operator_headers)).json()
    miss = await (await client.get("/api/v1/complaints?until=2020-01-01", headers=operator_headers)).json()
    assert len(hit["items"]) == 1 and miss["items"] == []


async def test_list_rejects_bad_filters(client, operator_headers):
    """Unknown statuses, regions, bad limits, dates and cursors are 400 with the reason."""
    for query, word in (("status=lost", "status"), ("region=atlantis", "atlantis"), ("limit=0", "limit"),
                        ("limit=501", "limit"), ("since=yesterday", "since"), ("cursor=%%%", "cursor"),
                        ("channel=fax", "channel")):
        resp = await client.get(f"/api/v1/complaints?{query}", headers=operator_headers)
        assert resp.status == 400, query
        assert word in (await resp.json())["error"]["message"], query


async def test_one_complaint_has_everything(client, operator_headers):
    """The operator view has reporter, timeline, deliveries and the routing explanation."""
    code = await submit(client, "Obat di puskesmas Aikmel kosong", reporter={"name": "Siti", "phone": "+62 812 3456 789"},
                        anonymous=True)
    resp = await client.get(f"/api/v1/complaints/{code}", headers=operator_headers)
    view = await resp.json()
    assert view["reporter"]["name"] == "Siti"
    assert view["anonymous"] is True
    assert [e["type"] for e in view["events"]] == ["received", "assigned"]
    assert view["events"][1]["data"]["rule"] == view["rule"]
    assert view["deliveries"] and {d["state"] for d in view["deliveries"]} == {"pending"}
    assert view["agency"]["code"] == "puskesmas-aikmel"
    missing = await client.get("/api/v1/complaints/NTB-00000000", headers=operator_headers)
    assert missing.status == 404


async def test_reload_keeps_the_old_config_when_the_new_is_invalid(client, runtime, operator_headers, tmp_path):
    """An invalid config is refused with its errors; a valid one takes over."""
    folder = tmp_path / "cfg"
    shutil.copytree(runtime.env.config_dir, folder)
    runtime.env = with_env(runtime.env, config_dir=str(folder))
    old = runtime.config.version
    (folder / "rules.yaml").write_text("triage: ntb-care\nrules:\n  - name: x\n    then: {agency: nope}\n", encoding="utf-8")
    resp = await client.post("/api/v1/admin/reload", headers=operator_headers)
    assert resp.status == 400
    body = await resp.json()
    assert body["error"]["code"] == "invalid_config"
    assert 'rules.yaml:4: rule "x": unknown agency "nope"' in body["error"]["details"]
    assert runtime.config.version == old
    (folder / "rules.yaml").write_text("triage: ntb-care\nrules:\n  - name: semua-ke-dinsos\n    then: {agency: dinsos-ntb}\n",
                                      encoding="utf-8")
    resp = await client.post("/api/v1/admin/reload", headers=operator_headers)
    assert resp.status == 200
    assert runtime.config.version != old
    created = await (await client.post("/api/v1/complaints", json={"text": "apa saja"})).json()
    assert created["agency"]["code"] == "dinsos-ntb"


async def test_list_refuses_dates_out_of_range_and_control_characters(client, operator_headers):
    """Dates at the ends of the calendar and control characters in filters are 400, not 500."""
    for query in ("until=9999-12-31", "since=0001-01-01", "until=0001-01-01T00:00", "q=%00", "category=a%07b"):
        resp = await client.get(f"/api/v1/complaints?{query}", headers=operator_headers)
        assert resp.status == 400, query


async def test_list_items_carry_the_reporter(client, operator_headers):
    """Operators see who wrote in the list too, not only in the detail."""
    await submit(client, "Jalan rusak parah di Praya", reporter={"name": "Wayan", "phone": "+6281999"})
    page = await (await client.get("/api/v1/complaints", headers=operator_headers)).json()
    assert page["items"][0]["reporter"]["name"] == "Wayan"


async def test_operator_assigns_from_triage_and_reassigns(client, runtime, operator_headers):
    """Assigning takes a complaint out of triage; reassigning moves it; each is on the timeline and delivered."""
    from sqlalchemy import select

    from store import models as m

    code = await submit(client, "Saya mau tanya saja", reporter={"email": "warga@example.id"})
    resp = await client.post(f"/api/v1/complaints/{code}/assign", json={"agency": "dinsos-ntb", "note": "soal bansos"},
                             headers=operator_headers)
    assert resp.status == 200
    assert (await resp.json())["status"] == "assigned" and (await resp.json())["agency"]["code"] == "dinsos-ntb"
    resp = await client.post(f"/api/v1/complaints/{code}/assign", json={"agency": "dinsos-lotim"}, headers=operator_headers)
    assert resp.status == 200
    detail = await (await client.get(f"/api/v1/complaints/{code}", headers=operator_headers)).json()
    assert [e["type"] for e in detail["events"]][-2:] == ["assigned", "reassigned"]
    assert [d["agency"] for d in detail["deliveries"] if d["audience"] == "agency"][-1] == "dinsos-lotim"
    with runtime.db.reader.connect() as conn:
        events = conn.execute(select(m.Outbox.event).where(m.Outbox.audience == "citizen").order_by(m.Outbox.id)).scalars().all()
    assert events == ["citizen.ack", "citizen.status.assigned"]


async def test_operator_assign_refuses_unknown_agencies_and_final_complaints(client, operator_headers):
    """An unknown agency is 400; a rejected complaint cannot be assigned (409)."""
    code = await submit(client, "Jalan rusak parah di Praya")
    assert (await client.post(f"/api/v1/complaints/{code}/assign", json={"agency": "atlantis"}, headers=operator_headers)).status == 400
    await client.post(f"/api/v1/complaints/{code}/status", json={"status": "rejected", "note": "ganda"}, headers=operator_headers)
    resp = await client.post(f"/api/v1/complaints/{code}/assign", json={"agency": "dinsos-ntb"}, headers=operator_headers)
    assert resp.status == 409
    assert (await client.post("/api/v1/complaints/NTB-00000000/assign", json={"agency": "dinsos-ntb"},
                              headers=operator_headers)).status == 404


async def test_operator_status_changes_follow_the_rules_and_tell_the_agency(client, runtime, operator_headers):
    """Triage must be assigned first; resolved can be closed; closed is final; the agency hears of each change."""
    from sqlalchemy import select

    from store import models as m

    triage = await submit(client, "Saya mau tanya saja")
    resp = await client.post(f"/api/v1/complaints/{triage}/status", json={"status": "resolved"}, headers=operator_headers)
    assert resp.status == 409 and "assign it" in (await resp.json())["error"]["message"]
    code = await submit(client, "Jalan rusak parah di Praya")
    url = f"/api/v1/complaints/{code}/status"
    assert (await client.post(url, json={"status": "closed"}, headers=operator_headers)).status == 409
    assert (await client.post(url, json={"status": "resolved"}, headers=operator_headers)).status == 200
    assert (await client.post(url, json={"status": "closed"}, headers=operator_headers)).status == 200
    resp = await client.post(url, json={"status": "in_progress"}, headers=operator_headers)
    assert resp.status == 409 and "no longer" in (await resp.json())["error"]["message"]
    assert (await client.post(url, json={"status": "lost"}, headers=operator_headers)).status == 400
    with runtime.db.reader.connect() as conn:
        updates = conn.execute(select(m.Outbox.event).join(m.Complaint, m.Complaint.id == m.Outbox.complaint_id)
                               .where(m.Complaint.code == code, m.Outbox.audience == "agency", m.Outbox.event == "ticket.updated")).all()
        closed_at = conn.execute(select(m.Complaint.closed_at).where(m.Complaint.code == code)).scalar_one()
    assert len(updates) == 2 * len(runtime.config.agencies["pupr-loteng"].deliver)
    assert closed_at is not None


async def test_operator_reject_needs_a_reason(client, operator_headers):
    """Rejecting without a note is 400."""
    code = await submit(client, "Jalan rusak parah di Praya")
    resp = await client.post(f"/api/v1/complaints/{code}/status", json={"status": "rejected"}, headers=operator_headers)
    assert resp.status == 400 and "note" in (await resp.json())["error"]["message"]


async def test_failed_and_dead_deliveries_are_listed_and_retried(client, runtime, operator_headers):
    """Operators list deliveries by state and put a dead one back in line under the same delivery id."""
    from sqlalchemy import select, update

    from store import models as m

    code = await submit(client, "Jalan rusak parah di Praya")
    with runtime.db.writer.begin() as conn:
        target = conn.execute(select(m.Outbox.id, m.Outbox.delivery_id).where(m.Outbox.audience == "agency")).first()
        conn.execute(update(m.Outbox).where(m.Outbox.id == target.id).values(state="dead", last_error="HTTP 410: gone", attempts=3))
    dead = await (await client.get("/api/v1/deliveries?state=dead", headers=operator_headers)).json()
    assert [(d["id"], d["complaint"], d["last_error"]) for d in dead["items"]] == [(target.delivery_id, code, "HTTP 410: gone")]
    resp = await client.post(f"/api/v1/deliveries/{target.delivery_id}/retry", headers=operator_headers)
    assert resp.status == 200 and (await resp.json())["state"] == "pending" and (await resp.json())["id"] == target.delivery_id
    again = await client.post(f"/api/v1/deliveries/{target.delivery_id}/retry", headers=operator_headers)
    assert again.status == 409
    assert (await client.post("/api/v1/deliveries/nope/retry", headers=operator_headers)).status == 404
    assert (await client.get("/api/v1/deliveries?state=lost", headers=operator_headers)).status == 400
    assert (await client.get("/api/v1/deliveries")).status == 401
