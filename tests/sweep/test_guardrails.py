"""Guardrails of the SLA and the sweep (issue 13): an urgent case is due by the shorter term, never by an office's
longer general one; the sweep never sends a complaint back to an agency that forwarded it on; what a sweep as of a
future time queues goes out now.

Times are NTB's (WITA, UTC+8). August 2026: Mon 17 and Tue 25 are holidays.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, select

from store import actions
from store import models as m
from sweep import decide
from sweep.job import run_sweep, triage_queue
from sweep_helpers import BANJIR, OBAT_AIKMEL, PUBLIC_URL, at, complaint, events, file, give_back, outbox, wita

C = m.Complaint.__table__


def sweep(db, config, moment: datetime | None):
    """Run one sweep as if at `moment` (None: now)."""
    return run_sweep(db, config, public_url=PUBLIC_URL, as_of=moment)


def test_an_urgent_flood_at_bpbd_is_due_in_one_hour_not_by_its_own_four(db, sample_config):
    """BPBD Mataram's own `acknowledge: 4h` is longer than urgent's 1h: the flood filed at 07:00 is due at 08:00, and
    the sweep at 08:00 finds it overdue."""
    flood = file(db, sample_config, BANJIR, wita("2026-08-18", "07:00"))
    ticket = complaint(db, flood)
    assert (ticket["agency"], ticket["priority"]) == ("bpbd-mataram", "urgent")
    assert ticket["acknowledge_due_at"] == at(wita("2026-08-18", "08:00"))
    result = sweep(db, sample_config, wita("2026-08-18", "08:00"))
    assert [(o.code, o.clock, o.due_at) for o in result.plan.overdue] == [(flood, "acknowledge", wita("2026-08-18", "08:00"))]
    # Its resolution is BPBD's own 5wd: the priority gives no resolve term.
    with db.writer.begin() as conn:
        row = conn.execute(select(C).where(C.c.code == flood)).mappings().one()
        actions.change_status(conn, row, sample_config, "acknowledged", "agency:bpbd-mataram", None,
                              wita("2026-08-18", "09:00"), PUBLIC_URL, ())
    assert complaint(db, flood)["resolve_due_at"] == at(wita("2026-08-26", "09:00"))


def test_the_sweep_does_not_route_back_to_an_agency_that_forwarded_the_complaint_on(db, sample_config):
    """The rules send the medicine shortage to Puskesmas Aikmel, which forwarded it to the Dinas Kesehatan Lombok
    Timur; the Dinas returns it to triage. The sweep leaves it there for an operator: not back to the Dinas (it returned
    it), nor to the Puskesmas (it forwarded it on)."""
    code = file(db, sample_config, OBAT_AIKMEL, wita("2026-08-10", "09:00"))
    with db.writer.begin() as conn:
        row = conn.execute(select(C).where(C.c.code == code)).mappings().one()
        actions.forward(conn, row, sample_config, "dinkes-lotim", "agency:puskesmas-aikmel", "bukan di wilayah kami",
                        wita("2026-08-10", "10:00"))
    give_back(db, sample_config, code, wita("2026-08-10", "11:00"), reason="bukan wewenang dinas")
    with db.reader.connect() as conn:
        waiting, handed_on = triage_queue(conn)
    assert [w["code"] for w in waiting] == [code]
    assert handed_on == {waiting[0]["id"]: {"puskesmas-aikmel", "dinkes-lotim"}}

    result = sweep(db, sample_config, wita("2026-08-10", "12:00"))
    assert result.counts["rerouted"] == 0
    stored = complaint(db, code)
    assert (stored["status"], stored["agency"]) == ("triage", None)
    # Intake's assignment and the Puskesmas's forward only: the sweep assigned nothing.
    assert [(e["type"], e["actor"]) for e in events(db, code) if e["type"] in ("assigned", "forwarded")] == [
        ("assigned", "router"), ("forwarded", "agency:puskesmas-aikmel")]


def test_a_reroute_skips_only_the_agencies_that_handed_the_complaint_on(sample_config):
    """Decided alone: the rules' agency is skipped when it forwarded the complaint, not when another agency did."""
    from router import compile_router

    router = compile_router(sample_config)
    waiting = [{"id": 9, "code": "NTB-TEST0009", "text": OBAT_AIKMEL, "region": "lotim-aikmel", "channel": "web",
                "kind": "complaint", "category": None}]
    assert decide.reroutes(sample_config, router, waiting, {9: {"puskesmas-aikmel"}}) == []
    [rerouted] = decide.reroutes(sample_config, router, waiting, {9: {"dinkes-lotim"}})
    assert rerouted.agency == "puskesmas-aikmel"


def test_a_sweep_as_of_twelve_days_ahead_queues_deliveries_due_now(db, sample_config):
    """`sweep --at <now + 12 days>` acts as of then (overdue, escalated, the timeline at that time), but every
    delivery it queues, and the failed one it requeues, is due now: the outbox worker sends them at once."""
    started = datetime.now(timezone.utc)
    code = file(db, sample_config, OBAT_AIKMEL, started - timedelta(minutes=1))  # high: 24 h, then escalated
    with db.writer.begin() as conn:
        conn.execute(insert(m.Outbox), [{
            "delivery_id": "failed-before-the-sweep", "audience": "agency", "transport": "email",
            "agency": "dinkes-lotim", "target": "x@example.id", "event": "ticket.assigned", "payload": {"code": code},
            "state": "failed", "attempts": 2, "next_attempt_at": started + timedelta(hours=1),
            "created_at": started, "updated_at": started}])
    before = {r["delivery_id"] for r in outbox(db)}
    ahead = (started + timedelta(days=12)).replace(microsecond=0)

    result = sweep(db, sample_config, ahead)
    finished = datetime.now(timezone.utc)
    assert (result.counts["overdue"], result.counts["escalated"], result.counts["requeued"]) == (1, 1, 1)
    assert [e["at"] for e in events(db, code, "escalated")] == [at(ahead)]
    queued = [r for r in outbox(db) if r["delivery_id"] not in before]
    assert {r["event"] for r in queued} >= {"ticket.updated", "ticket.escalated", "digest"}
    for row in queued:
        assert started <= row["next_attempt_at"] <= finished, (row["event"], row["next_attempt_at"])
        assert row["created_at"] == row["next_attempt_at"]
    [requeued] = outbox(db, delivery_id="failed-before-the-sweep")
    assert started <= requeued["next_attempt_at"] <= finished


def test_a_sweep_as_of_a_past_time_queues_as_of_then(db, sample_config):
    """A sweep as of an earlier time (catching up) dates its deliveries then: they are due already."""
    code = file(db, sample_config, OBAT_AIKMEL, wita("2026-08-10", "09:00"))
    swept_at = wita("2026-08-11", "16:00")
    sweep(db, sample_config, swept_at)
    [reminder, *_] = outbox(db, code=code, event="ticket.updated")
    assert (reminder["created_at"], reminder["next_attempt_at"]) == (at(swept_at), at(swept_at))
