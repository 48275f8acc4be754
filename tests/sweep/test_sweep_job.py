"""The sweep end to end on the test's store: complaints filed through intake, worked by their agencies, swept at
chosen instants; what the store then holds and what the agencies (fake webhooks on loopback) receive.

Times are NTB's (WITA, UTC+8). Working days of August 2026: Mon 17 (Independence Day) and Tue 25 are holidays.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from app.server import create_app
from api.auth import token_hash
from app.build import build_runtime
from store import models as m
from store.queries import add_token
from sweep import job
from sweep.job import COUNTS, run_sweep
from sweep.lease import acquire, release
from tests.conftest import with_env
from sweep_helpers import (BANSOS, JALAN, OBAT_AIKMEL, PJU, PJU_RULE, PUBLIC_URL, WEBHOOK_AGENCIES, at, complaint,
                           drain, events, file, give_back, load, outbox, run_cli, secrets_env, set_status, snapshot, wita,
                           write_config)

RSUD = "Dokter di RSUD Selong jarang ada"  # dinkes-lotim, normal


def sweep(runtime, at: datetime, config=None, **kwargs):
    """Run one sweep as if at `at`."""
    return run_sweep(runtime.db, config or runtime.config, public_url=PUBLIC_URL, as_of=at, **kwargs)


def counts(**nonzero: int) -> dict[str, int]:
    """A sweep's counts: these, and zero for the rest."""
    return {name: nonzero.get(name, 0) for name in COUNTS}


def digest_rows(db, since_id: int = 0) -> list[dict]:
    """The digest deliveries queued after outbox row `since_id`."""
    return [r for r in outbox(db, event="digest") if r["id"] > since_id]


def without_digests(result_counts: dict[str, int]) -> dict[str, int]:
    """A sweep's counts but the digests (every sweep sends some; tests about them count them apart)."""
    return {k: v for k, v in result_counts.items() if k != "digests"}


# -- overdue, the agency told again, escalation -----------------------------------------------------------------

async def test_an_unacknowledged_ticket_goes_overdue_its_agency_hears_again_then_it_escalates(sweep_runtime, agencies):
    """Past its acknowledgement due time a ticket is marked overdue (on its timeline) and its agency gets it again
    as ticket.updated; 2 working days after that due time the agency's escalate_to gets it as ticket.escalated."""
    rt = sweep_runtime
    db, config = rt.db, rt.config
    filed = wita("2026-08-10", "09:00")
    code = file(db, config, OBAT_AIKMEL, filed)
    ticket = complaint(db, code)
    assert (ticket["agency"], ticket["priority"], ticket["status"]) == ("puskesmas-aikmel", "high", "assigned")
    assert ticket["acknowledge_due_at"] == at(wita("2026-08-11", "09:00"))  # high: 24 clock hours
    await drain(rt, filed)
    assert [b["ticket"]["code"] for b in agencies.got("puskesmas-aikmel", "ticket.assigned")] == [code]

    assert without_digests(sweep(rt, wita("2026-08-11", "08:59")).counts) == without_digests(counts())
    assert not complaint(db, code)["overdue"] and events(db, code, "overdue") == []

    marked_at = wita("2026-08-11", "16:00")
    result = sweep(rt, marked_at)
    assert without_digests(result.counts) == without_digests(counts(overdue=1))
    assert [o.code for o in result.plan.overdue] == [code]
    ticket = complaint(db, code)
    # Escalation 2wd after the missed due time: Wed 12, Thu 13 Aug 09:00.
    assert (ticket["overdue"], ticket["overdue_since"], ticket["escalate_due_at"], ticket["escalated_at"]) == (
        True, at(marked_at), at(wita("2026-08-13", "09:00")), None)
    [event] = events(db, code, "overdue")
    assert (event["actor"], event["at"], event["data"]["clock"]) == ("sweep", at(marked_at), "acknowledge")
    assert datetime.fromisoformat(event["data"]["due_at"]) == wita("2026-08-11", "09:00")
    again = outbox(db, code=code, event="ticket.updated")
    assert sorted((r["agency"], r["transport"]) for r in again) == [
        ("puskesmas-aikmel", "email"), ("puskesmas-aikmel", "telegram_chat"), ("puskesmas-aikmel", "webhook")]
    await drain(rt, marked_at)
    [updated] = agencies.got("puskesmas-aikmel", "ticket.updated")
    assert (updated["ticket"]["code"], updated["ticket"]["overdue"], updated["ticket"]["status"]) == (code, True, "assigned")
    assert updated["ticket"]["reason"] == "overdue"  # a reminder, not a follow-up from the citizen
    assert agencies.got("dinkes-lotim", "ticket.escalated") == [] and agencies.refused == []

    assert without_digests(sweep(rt, wita("2026-08-13", "08:59")).counts) == without_digests(counts())
    escalated_at = wita("2026-08-13", "09:00")
    result = sweep(rt, escalated_at)
    assert without_digests(result.counts) == without_digests(counts(escalated=1))
    assert [(e.code, e.to_agency) for e in result.plan.escalations] == [(code, "dinkes-lotim")]
    ticket = complaint(db, code)
    assert (ticket["escalated_at"], ticket["escalate_due_at"], ticket["overdue"], ticket["agency"]) == (
        at(escalated_at), None, True, "puskesmas-aikmel")
    [event] = events(db, code, "escalated")
    assert event["data"] == {"from": "puskesmas-aikmel", "to": "dinkes-lotim"}
    await drain(rt, escalated_at)
    [escalation] = agencies.got("dinkes-lotim", "ticket.escalated")
    assert escalation["ticket"]["code"] == code and escalation["ticket"]["agency"]["code"] == "puskesmas-aikmel"
    assert escalation["ticket"]["overdue"] is True

    # Nothing happens twice: not marked again, not escalated again.
    later = sweep(rt, wita("2026-08-14", "16:00"))
    assert (later.counts["overdue"], later.counts["escalated"]) == (0, 0)

    # The agency acknowledges: the overdue spell ends and the resolution clock (14wd) starts. Tue 18 … Mon 7 Sep.
    set_status(db, config, code, "acknowledged", wita("2026-08-14", "10:00"))
    ticket = complaint(db, code)
    assert (ticket["overdue"], ticket["escalate_due_at"]) == (False, None)
    assert ticket["resolve_due_at"] == at(wita("2026-09-07", "10:00"))
    assert sweep(rt, wita("2026-09-07", "09:59")).counts["overdue"] == 0
    result = sweep(rt, wita("2026-09-07", "10:00"))
    assert [(o.code, o.clock) for o in result.plan.overdue] == [(code, "resolve")]
    assert complaint(db, code)["escalate_due_at"] == at(wita("2026-09-09", "10:00"))


async def test_a_sweep_after_a_long_stop_catches_up_in_one_pass(sweep_runtime, agencies):
    """Complaints stored without due times (before SLA clocks existed) get them from their assignment or
    acknowledgement, and one sweep weeks later schedules, marks overdue and escalates each, delivering the
    escalation; a recent one is only scheduled."""
    rt = sweep_runtime
    db, config = rt.db, rt.config
    old_road = file(db, config, JALAN, wita("2026-07-06", "09:00"))
    old_health = file(db, config, OBAT_AIKMEL, wita("2026-06-30", "09:00"))
    set_status(db, config, old_health, "acknowledged", wita("2026-07-01", "10:00"))
    recent = file(db, config, JALAN, wita("2026-08-07", "15:00"))
    with db.writer.begin() as conn:
        conn.execute(update(m.Complaint).where(m.Complaint.code.in_([old_road, recent]))
                     .values(acknowledge_due_at=None))
        conn.execute(update(m.Complaint).where(m.Complaint.code == old_health).values(resolve_due_at=None))

    swept_at = wita("2026-08-10", "08:00")
    result = sweep(rt, swept_at)
    assert without_digests(result.counts) == without_digests(counts(scheduled=3, overdue=2, escalated=2))
    # Road: 3wd from Mon 6 Jul 09:00 is Thu 9 Jul; escalation Fri 10, Mon 13 Jul 09:00, long past: escalated now.
    road = complaint(db, old_road)
    assert (road["acknowledge_due_at"], road["overdue"], road["overdue_since"], road["escalated_at"]) == (
        at(wita("2026-07-09", "09:00")), True, at(swept_at), at(swept_at))
    # Health: 14wd from Wed 1 Jul 10:00 is Tue 21 Jul 10:00.
    health = complaint(db, old_health)
    assert (health["resolve_due_at"], health["overdue"], health["escalated_at"]) == (
        at(wita("2026-07-21", "10:00")), True, at(swept_at))
    # Recent: Mon 10, Tue 11, Wed 12 Aug 15:00; nothing else yet.
    fresh = complaint(db, recent)
    assert (fresh["acknowledge_due_at"], fresh["overdue"]) == (at(wita("2026-08-12", "15:00")), False)
    assert [e["data"]["to"] for e in events(db, old_road, "escalated")] == ["ntb-care"]
    await drain(rt, swept_at)
    assert [b["ticket"]["code"] for b in agencies.got("dinkes-lotim", "ticket.escalated")] == [old_health]
    assert [b["ticket"]["code"] for b in agencies.got("ntb-care", "ticket.escalated")] == [old_road]
    assert {b["ticket"]["code"] for b in agencies.got("pupr-lotim", "ticket.updated")} == {old_road}
    assert without_digests(sweep(rt, swept_at + timedelta(hours=8)).counts) == without_digests(counts())


async def test_the_agency_api_acknowledges_and_resolves_and_the_sweep_follows(env, sample_config, aiohttp_client):
    """Through the agency API (times are now): an acknowledged ticket is not overdue when its neighbour is; later
    its resolution goes overdue, the agency sees that; once resolved it closes and the citizen is told."""
    rt = build_runtime(with_env(env, outbox_worker=False), sample_config)
    try:
        client = await aiohttp_client(create_app(rt))
        with rt.db.writer.begin() as conn:
            add_token(conn, token_hash("token-aikmel"), "agency", "puskesmas-aikmel", None, datetime.now(timezone.utc))
        headers = {"Authorization": "Bearer token-aikmel"}

        async def submit(text: str, **extra) -> str:
            resp = await client.post("/api/v1/complaints", json={"text": text, **extra})
            assert resp.status == 201, await resp.text()
            return (await resp.json())["code"]

        async def move(code: str, status: str) -> None:
            resp = await client.post(f"/api/v1/agency/tickets/{code}/status", json={"status": status}, headers=headers)
            assert resp.status == 200, await resp.text()

        mine = await submit(OBAT_AIKMEL, reporter={"email": "warga@example.id"})
        neighbour = await submit(JALAN)
        await move(mine, "acknowledged")
        t0 = datetime.now(timezone.utc)

        # Two weeks on: the unacknowledged road ticket (3wd) is overdue; the acknowledged one (14wd) is not.
        result = sweep(rt, t0 + timedelta(days=14))
        assert [o.code for o in result.plan.overdue] == [neighbour]
        assert complaint(rt.db, mine)["overdue"] is False
        # Six weeks on: its resolution is overdue too, and the agency sees it so.
        result = sweep(rt, t0 + timedelta(days=42))
        assert [(o.code, o.clock) for o in result.plan.overdue] == [(mine, "resolve")]
        seen = await (await client.get(f"/api/v1/agency/tickets/{mine}", headers=headers)).json()
        assert seen["overdue"] is True and seen["status"] == "acknowledged"

        await move(mine, "resolved")
        assert complaint(rt.db, mine)["overdue"] is False
        result = sweep(rt, t0 + timedelta(days=84))
        assert [c.code for c in result.plan.closings] == [mine] and result.counts["closed"] == 1
        assert complaint(rt.db, mine)["status"] == "closed"
        [notice] = outbox(rt.db, code=mine, event="citizen.status.closed")
        assert (notice["audience"], notice["transport"], notice["target"]) == ("citizen", "email", "warga@example.id")
        assert mine in notice["payload"]["text"] and "Ditutup" in notice["payload"]["text"]
        public = await (await client.get(f"/api/v1/track/{mine}")).json()
        assert public["status"] == "closed"
    finally:
        rt.readers.shutdown(wait=True)
        rt.db.dispose()


async def test_a_ticket_acknowledged_while_the_sweep_runs_is_not_marked_overdue(sweep_runtime, monkeypatch):
    """The sweep decides again on each chunk's fresh rows: a ticket its agency acknowledged after the sweep read the
    store is neither marked overdue nor re-notified, and the sweep reports only what it did."""
    rt = sweep_runtime
    db, config = rt.db, rt.config
    late = file(db, config, OBAT_AIKMEL, wita("2026-08-10", "09:00"))  # due Tue 11 09:00
    saved = file(db, config, OBAT_AIKMEL, wita("2026-08-10", "09:30"))  # due Tue 11 09:30, acknowledged mid-sweep
    decided = job.make_plan

    def plan_then_acknowledge(conn, config_, now):
        p = decided(conn, config_, now)
        set_status(db, config, saved, "acknowledged", wita("2026-08-11", "15:59"))
        return p

    monkeypatch.setattr(job, "make_plan", plan_then_acknowledge)
    result = sweep(rt, wita("2026-08-11", "16:00"))
    assert result.counts["overdue"] == 1
    assert [o.code for o in result.plan.overdue] == [late]
    assert (complaint(db, late)["overdue"], complaint(db, saved)["overdue"]) == (True, False)
    assert events(db, saved, "overdue") == [] and outbox(db, code=saved, event="ticket.updated") == []


# -- closing -----------------------------------------------------------------------------------------------------

async def test_a_resolved_complaint_closes_after_ten_working_days_and_the_citizen_is_told(sweep_runtime):
    """Resolved Fri 14 Aug after office hours: the clock starts Tue 18 08:00 (Mon 17 is a holiday) and 10 working
    days (Tue 25 a holiday too) end Wed 2 Sep 08:00; then it closes and the citizen hears it on their channel."""
    rt = sweep_runtime
    db, config = rt.db, rt.config
    code = file(db, config, BANSOS, wita("2026-08-10", "09:00"), channel="telegram", sender_id="5550001",
                reply_to="5550001")
    set_status(db, config, code, "acknowledged", wita("2026-08-11", "10:00"))
    set_status(db, config, code, "resolved", wita("2026-08-14", "17:30"))

    result = sweep(rt, wita("2026-09-01", "16:00"))
    assert result.counts["closed"] == 0 and complaint(db, code)["status"] == "resolved"
    assert outbox(db, code=code, event="citizen.status.closed") == []

    closing = wita("2026-09-02", "08:00")
    result = sweep(rt, closing)
    assert result.counts["closed"] == 1 and [c.code for c in result.plan.closings] == [code]
    ticket = complaint(db, code)
    assert (ticket["status"], ticket["closed_at"], ticket["resolved_at"]) == (
        "closed", at(closing), at(wita("2026-08-14", "17:30")))
    [event] = events(db, code, "status")[-1:]
    assert (event["status"], event["actor"], event["public"], event["at"]) == ("closed", "sweep", True, at(closing))
    [notice] = outbox(db, code=code, event="citizen.status.closed")
    assert (notice["audience"], notice["transport"], notice["target"]) == ("citizen", "telegram", "5550001")
    assert f"{PUBLIC_URL}/track/{code}" in notice["payload"]["text"]
    assert sweep(rt, wita("2026-09-03", "08:00")).counts["closed"] == 0


# -- triage ------------------------------------------------------------------------------------------------------

async def test_triage_is_rerouted_with_the_rules_in_force_but_not_back_to_an_agency_that_returned_it(
        sweep_runtime, webhook_config_dir, tmp_path, agencies):
    """A complaint no rule routed goes out once a new rule matches it (its citizen told); one returned by its agency
    as not its authority stays in triage for an operator, though the rules still point there, and so does one whose
    region the config no longer knows."""
    rt = sweep_runtime
    db, config = rt.db, rt.config
    lamp = file(db, config, PJU, wita("2026-08-10", "09:00"), reply_to="warga@example.id", reply_via="email")
    returned = file(db, config, OBAT_AIKMEL, wita("2026-08-10", "09:00"))
    give_back(db, config, returned, wita("2026-08-10", "11:00"), reason="bukan wewenang puskesmas")
    # A complaint whose region has since left regions.yaml (renamed): it cannot be routed, and must not stop the sweep.
    orphan = file(db, config, PJU, wita("2026-08-10", "09:00"))
    with db.writer.begin() as conn:
        conn.execute(update(m.Complaint).where(m.Complaint.code == orphan).values(region="kecamatan-lama"))
    assert complaint(db, lamp)["status"] == complaint(db, returned)["status"] == "triage"

    # The rules in force still route neither.
    assert sweep(rt, wita("2026-08-10", "12:00")).counts["rerouted"] == 0

    newer = load(write_config(tmp_path / "config-b", webhooks={a: agencies.hook(a) for a in WEBHOOK_AGENCIES},
                              rules=[PJU_RULE]), secrets_env(WEBHOOK_AGENCIES))
    swept_at = wita("2026-08-10", "14:00")
    result = sweep(rt, swept_at, config=newer)
    assert result.counts["rerouted"] == 1
    assert [(r.code, r.agency) for r in result.plan.reroutes] == [(lamp, "pupr-mataram")]
    ticket = complaint(db, lamp)
    assert (ticket["status"], ticket["agency"], ticket["rule"], ticket["category"], ticket["priority"]) == (
        "assigned", "pupr-mataram", "penerangan-jalan", "infrastruktur", "normal")
    assert (ticket["assigned_at"], ticket["acknowledge_due_at"]) == (at(swept_at), at(wita("2026-08-13", "14:00")))
    [assigned] = events(db, lamp, "assigned")
    assert assigned["actor"] == "sweep" and assigned["data"]["to"] == "pupr-mataram"
    assert [(r["agency"], r["transport"]) for r in outbox(db, code=lamp, event="ticket.assigned")] == [
        ("pupr-mataram", "email")]
    [told] = outbox(db, code=lamp, event="citizen.status.assigned")
    assert (told["transport"], told["target"]) == ("email", "warga@example.id")

    back = complaint(db, returned)
    assert (back["status"], back["agency"], back["status_reason"]) == ("triage", None, "bukan wewenang puskesmas")
    # Only intake's first assignment, one row per target of the agency; none from the sweep.
    assert {r["created_at"] for r in outbox(db, code=returned, event="ticket.assigned")} == {at(wita("2026-08-10", "09:00"))}
    assert (complaint(db, orphan)["status"], complaint(db, orphan)["agency"]) == ("triage", None)
    assert sweep(rt, wita("2026-08-10", "16:00"), config=newer).counts["rerouted"] == 0


# -- deliveries and digests --------------------------------------------------------------------------------------

async def test_failed_deliveries_are_requeued_and_dead_ones_reach_the_digest(sweep_runtime, agencies):
    """A delivery waiting for its retry is tried again at the sweep; one that went dead is counted in its agency's
    and the operators' digests."""
    rt = sweep_runtime
    db, config = rt.db, rt.config
    filed = wita("2026-08-10", "09:00")
    road = file(db, config, JALAN, filed)
    clinic = file(db, config, RSUD, filed)
    agencies.answer.update({"pupr-lotim": 503, "dinkes-lotim": 410})
    await drain(rt, filed)
    [failed] = outbox(db, code=road, transport="webhook")
    [dead] = outbox(db, code=clinic, transport="webhook")
    assert (failed["state"], dead["state"]) == ("failed", "dead")
    assert failed["next_attempt_at"] > at(filed)

    result = sweep(rt, filed)
    assert result.counts["requeued"] == 1
    [requeued] = outbox(db, code=road, transport="webhook")
    assert (requeued["state"], requeued["next_attempt_at"]) == ("failed", at(filed))

    agencies.answer.clear()
    agencies.clear()
    await drain(rt, filed)
    assert [b["ticket"]["code"] for b in agencies.got("pupr-lotim", "ticket.assigned")] == [road]
    [clinic_digest] = agencies.got("dinkes-lotim", "digest")
    assert (clinic_digest["digest"]["open"], clinic_digest["digest"]["dead_deliveries"]) == (1, 1)
    [operators] = agencies.got("ntb-care", "digest")
    assert operators["digest"]["audience"] == "operators"
    assert [d["delivery_id"] for d in operators["digest"]["dead"]] == [dead["delivery_id"]]
    assert operators["digest"]["dead_deliveries"] == 1


async def test_each_agency_and_the_operators_get_a_digest_of_their_open_and_overdue_tickets(sweep_runtime, agencies):
    """After the sweep every agency with open tickets gets X-Aduan-Event: digest with its own counts and tickets,
    and the triage team the operators' overview; an agency with nothing open gets none."""
    rt = sweep_runtime
    db, config = rt.db, rt.config
    late = file(db, config, OBAT_AIKMEL, wita("2026-08-10", "09:00"))  # acknowledgement due Tue 11 09:00
    fresh = file(db, config, OBAT_AIKMEL, wita("2026-08-11", "10:00"))  # due Wed 12 10:00
    road = file(db, config, JALAN, wita("2026-08-10", "09:00"))
    set_status(db, config, road, "acknowledged", wita("2026-08-10", "10:00"))
    lamp = file(db, config, PJU, wita("2026-08-10", "09:00"))  # triage: overdue there from Tue 11 09:00 (1wd)
    swept_at = wita("2026-08-11", "16:00")
    await drain(rt, swept_at)
    agencies.clear()

    result = sweep(rt, swept_at)
    queued = digest_rows(db)
    assert result.counts["digests"] == len(queued)
    assert {r["agency"] for r in queued} == {"puskesmas-aikmel", "pupr-lotim", "ntb-care"}
    await drain(rt, swept_at)
    assert agencies.refused == []

    [aikmel] = [b["digest"] for b in agencies.got("puskesmas-aikmel", "digest")]
    assert (aikmel["audience"], aikmel["at"], aikmel["open"], aikmel["overdue"]) == (
        "agency", "2026-08-11T16:00:00+08:00", 2, 1)
    assert aikmel["by_status"] == {"assigned": 2, "acknowledged": 0, "in_progress": 0}
    assert [t["code"] for t in aikmel["overdue_tickets"]] == [late]
    assert [t["code"] for t in aikmel["open_tickets"]] == [fresh]
    assert aikmel["overdue_tickets"][0]["due_at"] == "2026-08-11T09:00:00+08:00"
    [roads] = [b["digest"] for b in agencies.got("pupr-lotim", "digest")]
    assert (roads["open"], roads["overdue"], roads["by_status"]["acknowledged"]) == (1, 0, 1)
    [operators] = [b["digest"] for b in agencies.got("ntb-care", "digest")]
    assert (operators["audience"], operators["open"], operators["overdue"], operators["triage"],
            operators["triage_overdue"]) == ("operators", 3, 2, 1, 1)
    assert [t["code"] for t in operators["overdue_tickets"]] == [late, lamp]  # both due Tue 11 09:00, filed in turn
    assert agencies.got("dinkes-lotim", "digest") == []


# -- a busy store: every kind of decision at one instant ---------------------------------------------------------

BUSY_AT = wita("2026-08-11", "16:00")


async def busy_store(rt, agencies) -> dict[str, str]:
    """Fill the store so that a sweep at BUSY_AT has each kind of work: a complaint to reroute (with the PJU rule),
    one to mark overdue, one to escalate, one to close, a failed delivery to requeue, digests to send."""
    db, config = rt.db, rt.config
    codes = {}
    codes["reroute"] = file(db, config, PJU, wita("2026-08-10", "09:00"))
    codes["overdue"] = file(db, config, OBAT_AIKMEL, wita("2026-08-10", "09:00"))  # due Tue 11 09:00
    # Due Thu 6 Aug 09:00, marked then; escalation due 2wd later, Mon 10 Aug 09:00.
    codes["escalate"] = file(db, config, OBAT_AIKMEL, wita("2026-08-05", "09:00"))
    sweep(rt, wita("2026-08-06", "16:00"))
    # Resolved Fri 24 Jul 10:00: 10wd end Fri 7 Aug 10:00.
    codes["close"] = file(db, config, BANSOS, wita("2026-07-20", "09:00"), reply_to="warga@example.id", reply_via="email")
    set_status(db, config, codes["close"], "acknowledged", wita("2026-07-21", "09:00"))
    set_status(db, config, codes["close"], "resolved", wita("2026-07-24", "10:00"))
    codes["requeue"] = file(db, config, JALAN, wita("2026-08-11", "15:00"))
    agencies.answer["pupr-lotim"] = 503
    await drain(rt, BUSY_AT)
    agencies.answer.clear()
    return codes


async def test_a_dry_run_writes_nothing_and_prints_what_the_sweep_then_does(sweep_runtime, agencies, cli_env, tmp_path):
    """`sweep --dry-run` leaves every table as it was and prints the very counts and codes that the real sweep at
    the same instant then prints."""
    rt = sweep_runtime
    codes = await busy_store(rt, agencies)
    config_b = write_config(tmp_path / "config-b", webhooks={a: agencies.hook(a) for a in WEBHOOK_AGENCIES},
                            rules=[PJU_RULE])
    environ = dict(cli_env, ADUAN_CONFIG_DIR=str(config_b))
    before = snapshot(rt.db)

    dry = run_cli(environ, "sweep", "--at", "2026-08-11T16:00", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    assert snapshot(rt.db) == before
    text = run_cli(environ, "sweep", "--at", "2026-08-11T16:00", "--dry-run")
    assert text.returncode == 0 and "dry run: nothing written" in text.stdout
    assert snapshot(rt.db) == before

    real = run_cli(environ, "sweep", "--at", "2026-08-11T16:00", "--json")
    assert real.returncode == 0, real.stderr
    would, did = json.loads(dry.stdout), json.loads(real.stdout)
    assert (would["dry_run"], did["dry_run"], would["as_of"], did["as_of"]) == (
        True, False, "2026-08-11T16:00:00+08:00", "2026-08-11T16:00:00+08:00")
    assert would["counts"] == did["counts"]
    assert would["complaints"] == did["complaints"]
    assert did["counts"] == counts(rerouted=1, overdue=1, escalated=1, closed=1, requeued=1,
                                   digests=len(digest_rows(rt.db, max(r[0] for r in before["outbox"]))))
    assert did["complaints"] == {
        "rerouted": [f"{codes['reroute']}→pupr-mataram"], "scheduled": [], "overdue": [codes["overdue"]],
        "escalated": [f"{codes['escalate']}→dinkes-lotim"], "closed": [codes["close"]]}
    for line in (f"{codes['escalate']}→dinkes-lotim", codes["close"], codes["overdue"]):
        assert line in text.stdout


async def test_a_second_sweep_at_the_same_instant_changes_nothing(sweep_runtime, agencies):
    """Sweeping twice as if at one instant does the work once: the second finds nothing to do, writes nothing but
    its own record, and sends no second digest."""
    rt = sweep_runtime
    await busy_store(rt, agencies)
    first = sweep(rt, BUSY_AT)
    # Overdue: the ticket past its acknowledgement, and the lamp past its working day in triage.
    assert (first.counts["overdue"], first.counts["escalated"], first.counts["closed"]) == (2, 1, 1)
    assert first.counts["requeued"] == 1 and first.counts["digests"] > 0
    before = snapshot(rt.db)
    second = sweep(rt, BUSY_AT)
    assert second.counts == counts()
    after = snapshot(rt.db)
    assert {name: rows for name, rows in after.items() if name != "sweeps"} == \
        {name: rows for name, rows in before.items() if name != "sweeps"}
    assert len(after["sweeps"]) == len(before["sweeps"]) + 1


# -- the record, the history, the lease --------------------------------------------------------------------------

async def test_each_sweep_is_recorded_and_history_lists_it_with_its_counts(sweep_runtime, agencies, cli_env):
    """`sweep --history` lists the sweeps newest first with when they swept as of and what they did."""
    rt = sweep_runtime
    assert run_cli(cli_env, "sweep", "--history").stdout == "no sweep has run yet\n"
    code = file(rt.db, rt.config, OBAT_AIKMEL, wita("2026-08-10", "09:00"))
    first = run_cli(cli_env, "sweep", "--at", "2026-08-11T08:00", "--json")
    second = run_cli(cli_env, "sweep", "--at", "2026-08-11T16:00")
    assert first.returncode == second.returncode == 0, (first.stderr, second.stderr)
    assert json.loads(first.stdout)["counts"]["overdue"] == 0
    assert "marked overdue (agency told again)" in second.stdout and code in second.stdout

    listed = run_cli(cli_env, "sweep", "--history", "--json")
    assert listed.returncode == 0, listed.stderr
    newest, oldest = json.loads(listed.stdout)
    assert (newest["as_of"], newest["trigger"], newest["error"]) == ("2026-08-11T16:00:00+08:00", "command", None)
    assert oldest["as_of"] == "2026-08-11T08:00:00+08:00" and newest["id"] > oldest["id"]
    assert (newest["counts"]["overdue"], oldest["counts"]["overdue"]) == (1, 0)
    assert newest["counts"]["digests"] == len([r for r in outbox(rt.db, event="digest")
                                               if r["created_at"] == at(wita("2026-08-11", "16:00"))])

    table = run_cli(cli_env, "sweep", "--history").stdout.splitlines()
    assert table[0].split() == ["id", "as", "of", "started", "seconds", "trigger", *COUNTS, "error"]
    cells = table[1].split()
    assert (cells[0], cells[1], cells[4]) == (str(newest["id"]), "2026-08-11T16:00:00+08:00", "command")
    assert cells[5:5 + len(COUNTS)] == [str(newest["counts"][name]) for name in COUNTS]
    assert len(table) == 3


async def test_a_sweep_while_another_instance_holds_the_lease_is_skipped(sweep_runtime, agencies, cli_env):
    """One sweep at a time: while another instance holds the lease the command writes nothing and exits 3; once
    the lease is released, or has run out, the sweep runs."""
    rt = sweep_runtime
    file(rt.db, rt.config, OBAT_AIKMEL, wita("2026-08-10", "09:00"))
    now = datetime.now(timezone.utc)
    assert acquire(rt.db, job.LEASE, "other-host:4242", now, timedelta(minutes=30))
    before = snapshot(rt.db)

    skipped = run_cli(cli_env, "sweep", "--at", "2026-08-11T16:00")
    assert skipped.returncode == 3, skipped.stderr
    assert skipped.stdout == "sweep as of 2026-08-11T16:00:00+08:00: skipped, another instance is sweeping\n"
    assert snapshot(rt.db) == before
    assert sweep(rt, wita("2026-08-11", "16:00"), instance="this-host:1").skipped == "another instance is sweeping"
    assert snapshot(rt.db) == before
    assert run_cli(cli_env, "sweep", "--at", "2026-08-11T16:00", "--dry-run").returncode == 0  # takes no lease

    release(rt.db, job.LEASE, "other-host:4242")
    ran = run_cli(cli_env, "sweep", "--at", "2026-08-11T16:00", "--json")
    assert ran.returncode == 0 and json.loads(ran.stdout)["counts"]["overdue"] == 1

    # A holder that died leaves its lease to run out; then the next sweep takes it over.
    assert acquire(rt.db, job.LEASE, "dead-host:1", now - timedelta(hours=1), timedelta(minutes=30))
    assert run_cli(cli_env, "sweep", "--at", "2026-08-12T08:00").returncode == 0


async def test_a_slot_swept_by_another_instance_is_not_swept_again(sweep_runtime):
    """With unless_swept_since (the scheduler's guard), a slot already swept by a scheduled sweep is skipped."""
    rt = sweep_runtime
    slot = datetime(2026, 8, 11, 8, 0, tzinfo=timezone.utc)
    first = sweep(rt, slot, trigger="schedule", clock=lambda: slot + timedelta(seconds=5))
    assert first.skipped is None and first.sweep_id is not None
    again = sweep(rt, slot, trigger="schedule", clock=lambda: slot + timedelta(seconds=9), unless_swept_since=slot)
    assert again.skipped == "this slot was swept already" and again.sweep_id is None
    other = sweep(rt, slot, trigger="schedule", clock=lambda: slot + timedelta(hours=8, seconds=1),
                  unless_swept_since=slot + timedelta(hours=8))
    assert other.skipped is None


async def test_a_failing_sweep_is_recorded_with_its_error_and_frees_the_lease(sweep_runtime, monkeypatch):
    """A sweep that fails half-way is in the history with its error, and the next sweep can run."""
    rt = sweep_runtime
    file(rt.db, rt.config, OBAT_AIKMEL, wita("2026-08-10", "09:00"))

    def broken(*args, **kwargs):
        raise RuntimeError("digest store gone\nsecond line")

    monkeypatch.setattr(job, "_send_digests", broken)
    with pytest.raises(RuntimeError):
        sweep(rt, wita("2026-08-11", "16:00"))
    with rt.db.reader.connect() as conn:
        [failed] = job.history(conn)
        assert job.last_sweep(conn) is None
    assert failed["error"] == "RuntimeError: digest store gone" and failed["finished_at"] is not None
    monkeypatch.undo()
    assert sweep(rt, wita("2026-08-11", "16:00")).skipped is None
