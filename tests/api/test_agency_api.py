"""Agency API: own tickets only (404 for any other), valid transitions, replies, forwarding, returns."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from api.auth import token_hash
from store import models as m
from store.queries import add_token

HEALTH = "Obat di puskesmas Aikmel kosong sudah dua minggu"
ROAD = "Jalan rusak parah dan berlubang di Selong"


@pytest.fixture
def tokens(runtime):
    with runtime.db.writer.begin() as conn:
        for code in ("puskesmas-aikmel", "pupr-lotim"):
            add_token(conn, token_hash(f"token-{code}"), "agency", code, None, datetime.now(timezone.utc))
    return {code: {"Authorization": f"Bearer token-{code}"} for code in ("puskesmas-aikmel", "pupr-lotim")}


async def submit(client, text, **extra):
    resp = await client.post("/api/v1/complaints", json={"text": text, **extra})
    assert resp.status == 201
    return await resp.json()


def citizen_notices(runtime, code):
    with runtime.db.reader.connect() as conn:
        rows = conn.execute(select(m.Outbox.event, m.Outbox.transport, m.Outbox.target, m.Outbox.payload)
                            .join(m.Complaint, m.Complaint.id == m.Outbox.complaint_id)
                            .where(m.Complaint.code == code, m.Outbox.audience == "citizen").order_by(m.Outbox.id)).all()
    return rows


async def test_agency_lists_and_reads_only_its_own_tickets(client, tokens):
    """A token sees its agency's tickets; the other agency's never appear, whatever the query says."""
    mine = await submit(client, HEALTH)
    theirs = await submit(client, ROAD)
    assert mine["agency"]["code"] == "puskesmas-aikmel" and theirs["agency"]["code"] == "pupr-lotim"
    listed = await (await client.get("/api/v1/agency/tickets?agency=pupr-lotim", headers=tokens["puskesmas-aikmel"])).json()
    assert [t["code"] for t in listed["items"]] == [mine["code"]]
    assert (await client.get(f"/api/v1/agency/tickets/{mine['code']}", headers=tokens["puskesmas-aikmel"])).status == 200


async def test_another_agencys_ticket_is_404_on_every_endpoint(client, tokens):
    """Reads, status changes, replies, forwards and returns on another agency's ticket all answer 404, saying nothing of it."""
    theirs = await submit(client, ROAD, reporter={"name": "Rahasia Sekali"})
    headers = tokens["puskesmas-aikmel"]
    code = theirs["code"]
    attempts = [
        ("GET", f"/api/v1/agency/tickets/{code}", None),
        ("GET", f"/api/v1/agency/tickets/{code.lower()}?agency=pupr-lotim", None),
        ("POST", f"/api/v1/agency/tickets/{code}/status", {"status": "acknowledged", "agency": "pupr-lotim"}),
        ("POST", f"/api/v1/agency/tickets/{code}/reply", {"message": "halo"}),
        ("POST", f"/api/v1/agency/tickets/{code}/forward", {"agency": "dinkes-lotim"}),
        ("POST", f"/api/v1/agency/tickets/{code}/return", {"reason": "bukan wewenang"}),
        ("GET", "/api/v1/agency/tickets/NTB-00000000", None),
    ]
    for method, path, body in attempts:
        resp = await client.request(method, path, json=body, headers=headers)
        assert resp.status == 404, (method, path)
        text = await resp.text()
        assert "Rahasia" not in text and "pupr-lotim" not in text and "Selong" not in text


async def test_tokens_are_checked(client, tokens, operator_headers):
    """No or a wrong token is 401; an operator's token is not an agency's (403)."""
    assert (await client.get("/api/v1/agency/tickets")).status == 401
    assert (await client.get("/api/v1/agency/tickets", headers={"Authorization": "Bearer nope"})).status == 401
    assert (await client.get("/api/v1/agency/tickets", headers=operator_headers)).status == 403


async def test_work_a_ticket_to_resolved_and_the_citizen_hears_each_step(client, runtime, tokens):
    """acknowledged → in_progress → resolved, each on the timeline and each told to the citizen."""
    created = await submit(client, HEALTH, reporter={"email": "warga@example.id"})
    headers = tokens["puskesmas-aikmel"]
    for status in ("acknowledged", "in_progress", "resolved"):
        resp = await client.post(f"/api/v1/agency/tickets/{created['code']}/status", json={"status": status, "note": "Sedang dicek"},
                                 headers=headers)
        assert resp.status == 200, await resp.text()
        assert (await resp.json())["status"] == status
    track = await (await client.get(f"/api/v1/track/{created['code']}")).json()
    assert [e["status"] for e in track["timeline"]] == ["new", "assigned", "acknowledged", "in_progress", "resolved"]
    notices = citizen_notices(runtime, created["code"])
    assert [n.event for n in notices] == ["citizen.ack", "citizen.status.acknowledged", "citizen.status.in_progress",
                                          "citizen.status.resolved"]
    assert all(n.transport == "email" and n.target == "warga@example.id" for n in notices)
    assert "Selesai ditindaklanjuti" in notices[-1].payload["text"]


async def test_invalid_transitions_are_409_and_say_what_is_allowed(client, tokens):
    """A move the ticket's status does not allow is refused with the moves it does allow."""
    created = await submit(client, HEALTH)
    headers = tokens["puskesmas-aikmel"]
    url = f"/api/v1/agency/tickets/{created['code']}/status"
    resp = await client.post(url, json={"status": "resolved"}, headers=headers)
    assert resp.status == 409
    assert "acknowledged, in_progress, rejected" in (await resp.json())["error"]["message"]
    await client.post(url, json={"status": "in_progress"}, headers=headers)
    await client.post(url, json={"status": "resolved"}, headers=headers)
    resp = await client.post(url, json={"status": "acknowledged"}, headers=headers)
    assert resp.status == 409 and "no longer" in (await resp.json())["error"]["message"]
    assert (await client.post(url, json={"status": "closed"}, headers=headers)).status == 400


async def test_rejecting_needs_a_reason(client, tokens):
    """A rejection without a reason is 400; with one, the reason is kept."""
    created = await submit(client, HEALTH)
    url = f"/api/v1/agency/tickets/{created['code']}/status"
    assert (await client.post(url, json={"status": "rejected"}, headers=tokens["puskesmas-aikmel"])).status == 400
    resp = await client.post(url, json={"status": "rejected", "note": "Laporan ganda"}, headers=tokens["puskesmas-aikmel"])
    assert resp.status == 200 and (await resp.json())["status_reason"] == "Laporan ganda"


async def test_reply_reaches_the_citizen_on_their_channel(client, runtime, tokens):
    """The agency's message is queued to the citizen with the agency's name."""
    created = await submit(client, HEALTH, reporter={"phone": "+6281234567890"})
    resp = await client.post(f"/api/v1/agency/tickets/{created['code']}/reply", json={"message": "Stok obat tiba besok."},
                             headers=tokens["puskesmas-aikmel"])
    assert resp.status == 202
    notice = citizen_notices(runtime, created["code"])[-1]
    assert notice.transport == "sms" and "Stok obat tiba besok." in notice.payload["text"]
    assert "Puskesmas Aikmel" in notice.payload["text"]


async def test_forward_hands_the_ticket_over(client, runtime, tokens):
    """Forwarded from a regency's dinas to a puskesmas of its region, the ticket is the unit's: delivered to it, worked
    by it; the dinas still reads it but can no longer act on it (403)."""
    with runtime.db.writer.begin() as conn:
        add_token(conn, token_hash("token-dinkes-lotim"), "agency", "dinkes-lotim", None, datetime.now(timezone.utc))
    dinkes = {"Authorization": "Bearer token-dinkes-lotim"}
    created = await submit(client, "Obat di RSUD Selong kosong")
    path = f"/api/v1/agency/tickets/{created['code']}"
    assert created["agency"]["code"] == "dinkes-lotim"
    resp = await client.post(f"{path}/forward", json={"agency": "puskesmas-aikmel", "note": "rujukan"}, headers=dinkes)
    assert resp.status == 200 and (await resp.json())["agency"]["code"] == "puskesmas-aikmel"
    with runtime.db.reader.connect() as conn:
        agencies = [r.agency for r in conn.execute(select(m.Outbox.agency).where(m.Outbox.audience == "agency").order_by(m.Outbox.id))]
    assert agencies[-1] == "puskesmas-aikmel"
    read = await client.get(path, headers=dinkes)
    assert read.status == 200 and (await read.json())["agency"]["code"] == "puskesmas-aikmel"
    again = await client.post(f"{path}/forward", json={"agency": "pupr-lotim"}, headers=dinkes)
    assert again.status == 403 and (await again.json())["error"]["code"] == "read_only"
    worked = await client.post(f"{path}/status", json={"status": "acknowledged"}, headers=tokens["puskesmas-aikmel"])
    assert worked.status == 200 and (await worked.json())["status"] == "acknowledged"


async def test_return_puts_the_ticket_back_in_triage_with_the_reason(client, runtime, tokens):
    """"Bukan wewenang": back to triage, the reason kept, the triage team told."""
    created = await submit(client, ROAD)
    resp = await client.post(f"/api/v1/agency/tickets/{created['code']}/return", json={"reason": "Jalan provinsi, bukan wewenang kabupaten"},
                             headers=tokens["pupr-lotim"])
    assert resp.status == 200 and (await resp.json())["status"] == "triage"
    with runtime.db.reader.connect() as conn:
        row = conn.execute(select(m.Complaint.status, m.Complaint.agency, m.Complaint.status_reason)).one()
        last = conn.execute(select(m.Outbox.agency, m.Outbox.event).where(m.Outbox.audience == "agency").order_by(m.Outbox.id.desc())).first()
    assert row.status == "triage" and row.agency is None and "bukan wewenang" in row.status_reason
    assert last.agency == runtime.config.triage and last.event == "ticket.triage"
    assert (await client.post(f"/api/v1/agency/tickets/{created['code']}/return", json={}, headers=tokens["pupr-lotim"])).status == 404


async def test_anonymous_reporter_is_withheld_from_the_agency(client, tokens):
    """An anonymous complaint reaches the agency without who sent it, in the list and in the ticket."""
    created = await submit(client, HEALTH, anonymous=True, reporter={"name": "Siti Aminah", "phone": "+62811111111"})
    headers = tokens["puskesmas-aikmel"]
    ticket = await (await client.get(f"/api/v1/agency/tickets/{created['code']}", headers=headers)).json()
    listed = await (await client.get("/api/v1/agency/tickets", headers=headers)).text()
    assert ticket["reporter"] is None and ticket["anonymous"] is True
    assert "Siti" not in listed and "62811111111" not in listed


async def test_the_agency_a_ticket_escalates_to_reads_it_but_cannot_work_it(client, runtime, tokens):
    """Overdue long enough, a puskesmas ticket escalates to its dinkes: the link in that delivery opens for the dinkes'
    token; the dinkes cannot change, answer, forward or return it (403, nothing changed); an agency it was not
    escalated to still gets 404."""
    from sweep.job import run_sweep

    ticket = await submit(client, HEALTH, anonymous=True, reporter={"name": "Warga Rahasia"})
    with runtime.db.writer.begin() as conn:
        add_token(conn, token_hash("token-dinkes-lotim"), "agency", "dinkes-lotim", None, datetime.now(timezone.utc))
    dinkes = {"Authorization": "Bearer token-dinkes-lotim"}
    path = f"/api/v1/agency/tickets/{ticket['code']}"
    assert (await client.get(path, headers=dinkes)).status == 404  # not escalated yet
    later = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=60)
    result = run_sweep(runtime.db, runtime.config, public_url="http://aduan.test", as_of=later)
    assert [(e.code, e.to_agency) for e in result.plan.escalations] == [(ticket["code"], "dinkes-lotim")]
    resp = await client.get(path, headers=dinkes)
    assert resp.status == 200
    body = await resp.json()
    assert body["code"] == ticket["code"] and body["agency"]["code"] == "puskesmas-aikmel"
    assert "Warga Rahasia" not in await resp.text()
    for action, payload in (("status", {"status": "acknowledged"}), ("reply", {"message": "halo"}),
                            ("forward", {"agency": "dinkes-lotim"}), ("return", {"reason": "bukan wewenang"})):
        refused = await client.post(f"{path}/{action}", json=payload, headers=dinkes)
        assert refused.status == 403 and (await refused.json())["error"]["code"] == "read_only", action
    assert (await client.get(path, headers=tokens["puskesmas-aikmel"])).status == 200
    with runtime.db.reader.connect() as conn:
        row = conn.execute(select(m.Complaint.status, m.Complaint.agency)).one()
    assert (row.status, row.agency) == ("assigned", "puskesmas-aikmel")
    assert (await client.get(path, headers=tokens["pupr-lotim"])).status == 404
