"""Triage has a clock (SPEC sections 9 and 15): a complaint waiting in triage longer than `sla.triage` (the sample's
1 working day, in the root region's zone) from its arrival, or from its latest return by an agency, is overdue; the
sweep marks it, the operators' digest lists it, and the console shows it first in the triage queue with its badge.

Times are NTB's (WITA, UTC+8). August 2026: Mon 17 (Independence Day) is a holiday.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from delivery.digest import digest_text
from store import actions
from store import models as m
from sweep.job import run_sweep
from sweep_helpers import OBAT_AIKMEL, PJU, PUBLIC_URL, at, complaint, events, file, give_back, outbox, wita
from tests.dashboard.people import signed_in_client

WITA = ZoneInfo("Asia/Makassar")
REGION = "Kecamatan Ampenan"  # where the lamp's text places it
DUE_TEXT = "2026-08-18 15:00 WITA"


def sweep(db, config, moment: datetime):
    """Run one sweep as if at `moment`."""
    return run_sweep(db, config, public_url=PUBLIC_URL, as_of=moment)


def operators_digest(db, moment: datetime) -> dict:
    """The digest the sweep at `moment` queued for the operators (the triage team's e-mail)."""
    [row] = [r for r in outbox(db, event="digest", agency="ntb-care", transport="email") if r["created_at"] == at(moment)]
    return row["payload"]["digest"]


def test_triage_is_overdue_after_one_working_day_not_after_a_weekend_and_a_holiday(db, sample_config):
    """Filed Fri 14 Aug 15:00: its working day in triage skips the weekend and Mon 17 (a holiday), so it is overdue
    from Tue 18 15:00, not on Friday night nor on the holiday; once marked, the operators' digest lists it."""
    lamp = file(db, sample_config, PJU, wita("2026-08-14", "15:00"))
    assert complaint(db, lamp)["status"] == "triage"

    friday_night = sweep(db, sample_config, wita("2026-08-14", "22:00"))  # seven hours on
    assert [(s.code, s.due_at) for s in friday_night.plan.schedules] == [(lamp, wita("2026-08-18", "15:00"))]
    assert friday_night.counts["overdue"] == 0
    assert complaint(db, lamp)["acknowledge_due_at"] == at(wita("2026-08-18", "15:00"))
    for moment in (wita("2026-08-17", "16:00"), wita("2026-08-18", "14:59")):  # the holiday; a minute before
        assert sweep(db, sample_config, moment).counts["overdue"] == 0
    assert complaint(db, lamp)["overdue"] is False
    assert operators_digest(db, wita("2026-08-17", "16:00"))["triage_overdue"] == 0

    due = wita("2026-08-18", "15:00")
    result = sweep(db, sample_config, due)
    assert [(o.code, o.clock, o.agency) for o in result.plan.overdue] == [(lamp, "triage", None)]
    stored = complaint(db, lamp)
    assert (stored["status"], stored["overdue"], stored["overdue_since"], stored["escalate_due_at"]) == (
        "triage", True, at(due), None)
    [marked] = events(db, lamp, "overdue")
    assert marked["data"] == {"clock": "triage", "due_at": at(due).isoformat()}
    # No agency holds it: nobody is sent a reminder of it; the operators read it in their digest.
    assert outbox(db, code=lamp, event="ticket.updated") == []
    digest = operators_digest(db, due)
    assert (digest["audience"], digest["triage"], digest["triage_overdue"], digest["overdue"]) == ("operators", 1, 1, 1)
    [listed] = digest["overdue_tickets"]
    assert (listed["code"], listed["status"], listed["due_at"]) == (lamp, "triage", "2026-08-18T15:00:00+08:00")
    assert listed["ticket_url"] == f"{PUBLIC_URL}/dashboard/complaints/{lamp}"
    text = digest_text(digest, WITA)
    assert "Terlambat di triase: 1" in re.sub(r":\s+", ": ", text)
    assert f"- {lamp} · Menunggu verifikasi tim · {REGION} · batas {DUE_TEXT}" in text

    # Marked once; and it escalates to no one, however long it waits.
    later = sweep(db, sample_config, wita("2026-08-28", "15:00"))
    assert (later.counts["overdue"], later.counts["escalated"]) == (0, 0)


def test_a_returned_complaint_waits_one_working_day_from_its_return(db, sample_config):
    """Filed Mon 10 Aug 09:00 and returned by its Puskesmas on Wed 12 at 11:00: its working day in triage runs from
    the return (to Thu 13 11:00), not from its arrival; an operator's assignment ends the overdue spell."""
    code = file(db, sample_config, OBAT_AIKMEL, wita("2026-08-10", "09:00"))
    give_back(db, sample_config, code, wita("2026-08-12", "11:00"))
    early = sweep(db, sample_config, wita("2026-08-13", "10:59"))
    assert early.counts["overdue"] == 0 and early.counts["rerouted"] == 0  # not back to the Puskesmas either
    assert complaint(db, code)["acknowledge_due_at"] == at(wita("2026-08-13", "11:00"))
    assert [o.code for o in sweep(db, sample_config, wita("2026-08-13", "11:00")).plan.overdue] == [code]

    assigned_at = wita("2026-08-13", "13:00")
    with db.writer.begin() as conn:
        row = conn.execute(select(m.Complaint.__table__).where(m.Complaint.code == code)).mappings().one()
        actions.assign(conn, row, sample_config, "dinkes-lotim", "operator", None, assigned_at, public_url=PUBLIC_URL)
    held = complaint(db, code)
    assert (held["status"], held["overdue"], held["overdue_since"]) == ("assigned", False, None)
    # Now the agency's clock: the Dinas Kesehatan's high-priority 24 h from the assignment.
    assert held["acknowledge_due_at"] == at(assigned_at + timedelta(hours=24))


async def test_the_console_shows_overdue_triage_first_with_its_badge_and_on_the_overview(client, runtime):
    """In the triage queue the complaint past its day comes first with "Terlambat"; a fresh one follows without it;
    the overview's overdue list counts it."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    late = file(runtime.db, runtime.config, PJU, now - timedelta(days=10))
    fresh = file(runtime.db, runtime.config, PJU, now - timedelta(minutes=5))
    result = run_sweep(runtime.db, runtime.config, public_url=PUBLIC_URL)
    assert [o.code for o in result.plan.overdue] == [late]

    desk = await signed_in_client(client, runtime, "rina@ntbcare.example", "Rina Wulandari")
    html = await (await desk.get("/dashboard/complaints?status=triage")).text()
    cases = {code: item for item in html.split('<li class="case')[1:]
             for code in re.findall(r'class="code">([A-Z0-9-]+)</a>', item)[:1]}
    assert list(cases) == [late, fresh]
    assert cases[late].startswith(" case-overdue") and 'badge-alert">Terlambat</span>' in cases[late]
    assert "Terlambat" not in cases[fresh]

    overview = await (await desk.get("/dashboard")).text()
    overdue = overview.split('id="overdue"')[1].split("</section>")[0]
    assert 'data-count="overdue">1<' in overdue and late in overdue and fresh not in overdue
