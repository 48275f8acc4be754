"""A week of NTB Care walked as an operator walks it: complaints come in and agencies answer (or not), and
`python main.py sweep --at …` runs at chosen hours; what it prints and what the store then holds.

The week of Mon 17 Aug 2026 (Independence Day, a holiday) to Wed 26 Aug (Tue 25, the Prophet's Birthday, a holiday
too), in WITA (UTC+8). Every due time below is worked out by hand from the working-day rule: office hours 08:00–16:00
local, a clock started outside them starts at 08:00 of the next working day, N working days later at the same time.
"""

from __future__ import annotations

import re
from datetime import datetime


from sweep_helpers import (BANJIR, BANSOS, JALAN, OBAT_AIKMEL, PJU, PUNGLI, SAMPLE_CONFIG, WITA, at, complaint,
                           events, file, load, outbox, run_cli, set_status, wita, write_config)

GERUNG = "Bantuan PKH untuk lansia di Gerung belum cair"  # dinsos-lobar, normal
# What the operator reads, line by line, under "sweep as of …".
LINES = ("re-routed from triage", "due times set", "marked overdue (agency told again)", "escalated",
         "closed after resolution", "failed deliveries requeued", "digest deliveries queued")
HEADING = re.compile(r"^sweep as of (?P<as_of>\S+) \(sweep \d+\)$")
LINE = re.compile(r"^  (?P<label>\S.*?)\s{2,}(?P<count>\d+)(?:  (?P<codes>.+))?$")


def printed(stdout: str) -> tuple[str, dict[str, tuple[int, list[str]]]]:
    """The heading and, per line, the count and the codes the sweep printed."""
    head, *rest = stdout.splitlines()
    found = {}
    for line in rest:
        match = LINE.match(line)
        assert match, f"unexpected line {line!r}"
        codes = match["codes"].split(", ") if match["codes"] else []
        found[match["label"]] = (int(match["count"]), codes)
    assert tuple(found) == LINES
    return head, found


class Operator:
    """Runs `python main.py sweep` on the test's store and reads what it prints."""

    def __init__(self, db, database_url: str, config_dir) -> None:
        self.db = db
        self.environ = {"ADUAN_DATABASE_URL": database_url, "ADUAN_CONFIG_DIR": str(config_dir)}
        self.sweeps = 0

    def sweep(self, when: str) -> dict[str, tuple[int, list[str]]]:
        """Sweep as if at `when` (no offset: WITA); return the lines that did something, digests left out once
        checked against the digest rows the store gained."""
        digests_before = len(outbox(self.db, event="digest"))
        done = run_cli(self.environ, "sweep", "--at", when)
        assert done.returncode == 0, done.stderr
        self.sweeps += 1
        head, lines = printed(done.stdout)
        heading = HEADING.match(head)
        assert heading, head
        moment = datetime.fromisoformat(when)
        assert datetime.fromisoformat(heading["as_of"]) == (moment if moment.tzinfo else moment.replace(tzinfo=WITA))
        assert heading["as_of"].endswith("+08:00")  # shown in the root region's zone
        count, codes = lines.pop("digest deliveries queued")
        assert count == len(outbox(self.db, event="digest")) - digests_before > 0 and codes == []
        return {label: value for label, value in lines.items() if value != (0, [])}


def test_a_week_with_two_holidays(db, sample_config, database_url):
    """Mon 17 Aug to Wed 26 Aug 2026: an urgent flood report acknowledged in time and resolved, a high-priority
    medicine shortage nobody acknowledges (overdue, then escalated to the Dinas Kesehatan), a road complaint
    overdue, escalated to NTB Care and then acknowledged, a social-aid complaint closed after its ten working days,
    one that waits in triage past its working day there, and a bribery report filed after hours that goes overdue
    the day after the holiday."""
    config = sample_config
    operator = Operator(db, database_url, SAMPLE_CONFIG)

    # Before the week. Medicine (high: 24 clock hours) filed Fri 14 Aug 10:00: due Sat 15 Aug 10:00; its escalation
    # clock starts at the next working opening, Tue 18 08:00, and runs 2wd: Thu 20 Aug 08:00.
    medicine = file(db, config, OBAT_AIKMEL, wita("2026-08-14", "10:00"))
    # Road (3wd) filed Wed 12 Aug 14:00: Thu 13, Fri 14, Tue 18 Aug 14:00; escalation Wed 19, Thu 20 Aug 14:00.
    road = file(db, config, JALAN, wita("2026-08-12", "14:00"))
    # Social aid in Gerung resolved Wed 5 Aug 11:00: closes 10wd later, Thu 20 Aug 11:00 (Mon 17 skipped).
    aid = file(db, config, GERUNG, wita("2026-08-03", "10:00"), reply_to="warga.gerung@example.id", reply_via="email")
    set_status(db, config, aid, "acknowledged", wita("2026-08-04", "09:00"))
    set_status(db, config, aid, "resolved", wita("2026-08-05", "11:00"))
    assert complaint(db, medicine)["acknowledge_due_at"] == at(wita("2026-08-15", "10:00"))
    assert complaint(db, road)["acknowledge_due_at"] == at(wita("2026-08-18", "14:00"))

    # Mon 17 Aug, a holiday. A social-aid complaint from Selaparang arrives: its clock starts Tue 18 08:00, so
    # 3wd end Fri 21 Aug 08:00.
    bansos = file(db, config, BANSOS, wita("2026-08-17", "09:00"))
    assert complaint(db, bansos)["acknowledge_due_at"] == at(wita("2026-08-21", "08:00"))
    assert operator.sweep("2026-08-17T08:00") == {"marked overdue (agency told again)": (1, [medicine])}
    assert complaint(db, medicine)["overdue"] is True
    assert complaint(db, medicine)["escalate_due_at"] == at(wita("2026-08-20", "08:00"))
    assert [r["agency"] for r in outbox(db, code=medicine, event="ticket.updated")] == [
        "puskesmas-aikmel", "puskesmas-aikmel"]  # its e-mail and its Telegram group

    # Tue 18 Aug. A flood at 07:00 (urgent: BPBD Mataram's own 4 clock hours, but urgent's 1 h is shorter and wins:
    # by 08:00) is acknowledged at 07:40; its resolution (5wd) counts from the opening at 08:00: Wed 26 Aug 08:00.
    flood = file(db, config, BANJIR, wita("2026-08-18", "07:00"))
    assert complaint(db, flood)["acknowledge_due_at"] == at(wita("2026-08-18", "08:00"))
    set_status(db, config, flood, "acknowledged", wita("2026-08-18", "07:40"))
    assert complaint(db, flood)["resolve_due_at"] == at(wita("2026-08-26", "08:00"))
    assert operator.sweep("2026-08-18T08:00") == {}
    # A street lamp no rule routes waits in triage: one working day, until Wed 19 Aug 10:00.
    lamp = file(db, config, PJU, wita("2026-08-18", "10:00"))
    assert complaint(db, lamp)["status"] == "triage"
    assert operator.sweep("2026-08-18T16:00") == {"due times set": (1, [lamp]),
                                                  "marked overdue (agency told again)": (1, [road])}
    assert complaint(db, lamp)["acknowledge_due_at"] == at(wita("2026-08-19", "10:00"))
    assert complaint(db, flood)["overdue"] is False

    # Wed 19 Aug. Dinas Sosial Mataram acknowledges; resolution due 14wd later (Tue 25 skipped): Wed 9 Sep 10:00.
    # Nobody has routed the lamp: overdue in triage.
    set_status(db, config, bansos, "acknowledged", wita("2026-08-19", "10:00"))
    assert complaint(db, bansos)["resolve_due_at"] == at(wita("2026-09-09", "10:00"))
    assert operator.sweep("2026-08-19T16:00") == {"marked overdue (agency told again)": (1, [lamp])}

    # Thu 20 Aug. At 08:00 the medicine shortage escalates to the Dinas Kesehatan Lombok Timur; at 16:00 the road
    # to NTB Care (Dinas PUPR Lombok Timur names it), and the Gerung complaint closes.
    assert operator.sweep("2026-08-20T08:00") == {"escalated": (1, [f"{medicine}→dinkes-lotim"])}
    assert [r["transport"] for r in outbox(db, code=medicine, event="ticket.escalated")] == ["email"]
    assert complaint(db, medicine)["escalated_at"] == at(wita("2026-08-20", "08:00"))
    set_status(db, config, flood, "resolved", wita("2026-08-20", "14:00"))
    assert operator.sweep("2026-08-20T16:00") == {"escalated": (1, [f"{road}→ntb-care"]),
                                                  "closed after resolution": (1, [aid])}
    assert {r["agency"] for r in outbox(db, code=road, event="ticket.escalated")} == {"ntb-care"}
    assert complaint(db, aid)["status"] == "closed"
    [told] = outbox(db, code=aid, event="citizen.status.closed")
    assert (told["transport"], told["target"]) == ("email", "warga.gerung@example.id")
    # A bribery report after hours, high priority: 24 clock hours, shorter than the Inspektorat's own 2wd, so due
    # Fri 21 Aug 17:00.
    bribe = file(db, config, PUNGLI, wita("2026-08-20", "17:00"))
    assert complaint(db, bribe)["acknowledge_due_at"] == at(wita("2026-08-21", "17:00"))

    # Fri 21 Aug. PUPR Lombok Timur finally acknowledges the road: no longer overdue.
    set_status(db, config, road, "acknowledged", wita("2026-08-21", "09:00"))
    assert (complaint(db, road)["overdue"], complaint(db, road)["escalate_due_at"]) == (False, None)
    assert operator.sweep("2026-08-21T16:00") == {}

    # Mon 24 Aug: the bribery report is overdue; its escalation comes 2wd after the missed due time, counted from
    # the next opening (Mon 24 08:00) and skipping Tue 25, a holiday: Thu 27 Aug 08:00.
    assert operator.sweep("2026-08-24T16:00") == {"marked overdue (agency told again)": (1, [bribe])}
    assert complaint(db, bribe)["escalate_due_at"] == at(wita("2026-08-27", "08:00"))
    # Tue 25 (a holiday) and Wed 26 08:00: nothing falls due.
    assert operator.sweep("2026-08-25T16:00") == {}
    assert operator.sweep("2026-08-26T08:00") == {}

    # How the week ends, as the store holds it.
    state = {code: (complaint(db, code)["status"], complaint(db, code)["overdue"])
             for code in (medicine, road, aid, bansos, flood, lamp, bribe)}
    assert state == {medicine: ("assigned", True), road: ("acknowledged", False), aid: ("closed", False),
                     bansos: ("acknowledged", False), flood: ("resolved", False), lamp: ("triage", True),
                     bribe: ("assigned", True)}
    assert [e["data"]["clock"] for e in events(db, medicine, "overdue")] == ["acknowledge"]
    assert [e["data"]["clock"] for e in events(db, lamp, "overdue")] == ["triage"]
    assert [e["data"]["to"] for e in events(db, road, "escalated")] == ["ntb-care"]
    assert events(db, flood, "overdue") == [] and events(db, bansos, "overdue") == []

    # The history lists the ten sweeps, newest first, with what each did.
    history = run_cli(operator.environ, "sweep", "--history").stdout.splitlines()
    assert len(history) == 1 + operator.sweeps
    columns = history[0].split()
    overdue_at, escalated_at, closed_at = (columns.index(name) - 1 for name in ("overdue", "escalated", "closed"))
    rows = [line.split() for line in history[1:]]
    assert [r[1] for r in rows][:3] == ["2026-08-26T08:00:00+08:00", "2026-08-25T16:00:00+08:00",
                                        "2026-08-24T16:00:00+08:00"]
    assert [int(r[overdue_at]) for r in rows] == [0, 0, 1, 0, 0, 0, 1, 1, 0, 1]
    assert [int(r[escalated_at]) for r in rows] == [0, 0, 0, 0, 1, 1, 0, 0, 0, 0]
    assert [int(r[closed_at]) for r in rows] == [0, 0, 0, 0, 1, 0, 0, 0, 0, 0]


def test_each_complaint_goes_overdue_by_its_own_regions_clock(db, database_url, tmp_path):
    """Three complaints filed at one instant, Fri 14 Aug 07:30 WITA, in a WITA, a WIB and a WIT region: each
    3-working-day clock runs in its own zone, so each is overdue at its own hour on Thu 20 Aug."""
    # The sample is one province, all WITA; this copy adds two regions in the other zones.
    config_dir = write_config(tmp_path / "config", regions=[
        {"code": "uji-wib", "name": "Wilayah Uji WIB", "timezone": "Asia/Jakarta", "aliases": ["uji wib"]},
        {"code": "uji-wit", "name": "Wilayah Uji WIT", "timezone": "Asia/Jayapura", "aliases": ["uji wit"]}])
    config = load(config_dir)
    operator = Operator(db, database_url, config_dir)
    filed = wita("2026-08-14", "07:30")
    # 07:30 WITA: before opening, the clock starts 08:00 WITA; Tue 18, Wed 19, Thu 20 Aug 08:00 WITA.
    wita_code = file(db, config, "Bansos PKH belum cair", filed, region="ntb")
    # 06:30 WIB: before opening, 08:00 WIB; Thu 20 Aug 08:00 WIB is 09:00 WITA.
    wib_code = file(db, config, "Bansos PKH belum cair", filed, region="uji-wib")
    # 08:30 WIT: in office hours; Thu 20 Aug 08:30 WIT is 07:30 WITA.
    wit_code = file(db, config, "Bansos PKH belum cair", filed, region="uji-wit")
    assert {complaint(db, c)["agency"] for c in (wita_code, wib_code, wit_code)} == {"dinsos-ntb"}

    assert operator.sweep("2026-08-20T07:29") == {}
    assert operator.sweep("2026-08-20T08:30+09:00") == {"marked overdue (agency told again)": (1, [wit_code])}
    assert operator.sweep("2026-08-20T08:00") == {"marked overdue (agency told again)": (1, [wita_code])}
    assert operator.sweep("2026-08-20T07:59:59+07:00") == {}
    assert operator.sweep("2026-08-20T08:00+07:00") == {"marked overdue (agency told again)": (1, [wib_code])}
    # Each escalates 2wd after its own due time, in its own zone: Mon 24 Aug (Fri 21, Mon 24) at the same hour.
    assert complaint(db, wit_code)["escalate_due_at"] == at(wita("2026-08-24", "07:30"))
    assert complaint(db, wita_code)["escalate_due_at"] == at(wita("2026-08-24", "08:00"))
    assert complaint(db, wib_code)["escalate_due_at"] == at(wita("2026-08-24", "09:00"))
