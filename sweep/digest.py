"""The sweep's digests: each agency's open and overdue tickets and dead deliveries, and the operators' overview.

`load_digest_facts` reads what the digests need with grouped counts and at most LISTED rows per agency (window
functions), so its cost follows the open tickets, never the closed history. The operators' digest counts the triage
queue and lists, among all overdue tickets, the complaints overdue in triage (past `sla.triage`). `build_digests` is pure: facts in,
one digest object per audience out, as the deliverers render it (delivery/digest.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from complaints.links import agency_api_url, page_url_for
from config.loader import Config
from store import models as m
from store import inbox

LISTED = 50  # tickets (and dead deliveries) listed by name in one digest; the rest are counted
WORKING = ("assigned", "acknowledged", "in_progress")  # with an agency, waiting for it
TRIAGE = ("new", "triage")  # with the operators, waiting to be routed
C = m.Complaint.__table__
O = m.Outbox.__table__


@dataclass
class DigestFacts:
    """What the digests are made of, as read from the store."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # agency -> status -> open tickets
    overdue_counts: dict[str, int] = field(default_factory=dict)  # agency -> overdue tickets
    overdue_rows: dict[str, list[Mapping]] = field(default_factory=dict)  # agency -> most overdue first
    open_rows: dict[str, list[Mapping]] = field(default_factory=dict)  # agency -> not overdue, soonest due first
    all_overdue: list[Mapping] = field(default_factory=list)  # across agencies and triage, most overdue first
    triage: int = 0
    triage_overdue: int = 0  # in triage past `sla.triage` (marked by the sweep)
    dead_counts: dict[str | None, int] = field(default_factory=dict)  # agency (None: citizen replies) -> dead rows
    dead_rows: list[Mapping] = field(default_factory=list)  # the latest dead deliveries


def _listed(conn: Connection, overdue: bool) -> dict[str, list[Mapping]]:
    due_at = inbox.due_at()
    ranked = (select(C.c.code, C.c.status, C.c.category, C.c.region, C.c.agency, due_at.label("due_at"),
                     func.row_number().over(partition_by=C.c.agency,
                                            order_by=(due_at.is_(None), due_at, C.c.id)).label("rank"))
              .where(C.c.status.in_(WORKING), C.c.overdue.is_(overdue), C.c.agency.is_not(None))
              .subquery())
    found: dict[str, list[Mapping]] = defaultdict(list)
    for row in conn.execute(select(ranked).where(ranked.c.rank <= LISTED)
                            .order_by(ranked.c.agency, ranked.c.rank)).mappings():
        found[row["agency"]].append(row)
    return dict(found)


def load_digest_facts(conn: Connection) -> DigestFacts:
    """Read the open tickets' counts and the listed rows, the triage queue and the dead deliveries."""
    facts = DigestFacts()
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    overdue_counts: dict[str, int] = defaultdict(int)
    for agency, status, is_overdue, n in conn.execute(
        select(C.c.agency, C.c.status, C.c.overdue, func.count())
        .where(C.c.status.in_(WORKING), C.c.agency.is_not(None)).group_by(C.c.agency, C.c.status, C.c.overdue)
    ):
        counts[agency][status] = counts[agency].get(status, 0) + n
        if is_overdue:
            overdue_counts[agency] += n
    facts.counts, facts.overdue_counts = dict(counts), dict(overdue_counts)
    facts.overdue_rows = _listed(conn, True)
    facts.open_rows = _listed(conn, False)
    due_at = inbox.due_at()
    facts.all_overdue = list(conn.execute(
        select(C.c.code, C.c.status, C.c.category, C.c.region, C.c.agency, due_at.label("due_at"))
        .where(C.c.status.in_(WORKING + TRIAGE), C.c.overdue.is_(True)).order_by(due_at, C.c.id).limit(LISTED))
        .mappings())
    for is_overdue, n in conn.execute(select(C.c.overdue, func.count()).where(C.c.status.in_(TRIAGE))
                                      .group_by(C.c.overdue)):
        facts.triage += n
        if is_overdue:
            facts.triage_overdue += n
    facts.dead_counts = dict(conn.execute(select(O.c.agency, func.count()).where(O.c.state == "dead")
                                          .group_by(O.c.agency)).all())
    facts.dead_rows = list(conn.execute(
        select(O.c.delivery_id, O.c.agency, O.c.transport, O.c.event, O.c.last_error)
        .where(O.c.state == "dead").order_by(O.c.updated_at.desc(), O.c.id.desc()).limit(LISTED)).mappings())
    return facts


def _named(config: Config, code: str | None, table: Mapping) -> dict | None:
    if code is None:
        return None
    known = table.get(code)
    return {"code": code, "name": known.name if known is not None else code}


def _ticket(config: Config, row: Mapping, public_url: str, tz: ZoneInfo, reader: str) -> dict:
    """A listed ticket, linked to the page the digest's reader (an agency's code) opens."""
    due_at = row["due_at"]
    return {"code": row["code"], "status": row["status"], "category": row["category"],
            "region": _named(config, row["region"], config.regions),
            "due_at": due_at.astimezone(tz).isoformat() if due_at is not None else None,
            "ticket_url": page_url_for(public_url, row["code"], reader, config.triage),
            "api_url": agency_api_url(public_url, row["code"])}


def build_digests(config: Config, facts: DigestFacts, now: datetime, public_url: str) -> list[tuple[str, dict]]:
    """Return (agency code, digest) pairs: one for each agency with open tickets or dead deliveries, and one for
    the operators, addressed to the triage team's agency."""
    tz = ZoneInfo(config.regions[config.root].timezone)
    at = now.astimezone(tz).isoformat()
    digests = []
    agencies = (set(facts.counts) | {a for a in facts.dead_counts if a is not None}) & set(config.agencies)
    for code in sorted(agencies):
        by_status = facts.counts.get(code, {})
        overdue_rows = facts.overdue_rows.get(code, [])
        open_rows = facts.open_rows.get(code, [])
        open_total = sum(by_status.values())
        overdue_total = facts.overdue_counts.get(code, 0)
        digests.append((code, {
            "audience": "agency",
            "agency": _named(config, code, config.agencies),
            "at": at,
            "open": open_total,
            "overdue": overdue_total,
            "dead_deliveries": facts.dead_counts.get(code, 0),
            "by_status": {status: by_status.get(status, 0) for status in WORKING},
            "overdue_tickets": [_ticket(config, r, public_url, tz, code) for r in overdue_rows],
            "open_tickets": [_ticket(config, r, public_url, tz, code) for r in open_rows],
            "more_overdue": overdue_total - len(overdue_rows),
            "more_open": open_total - overdue_total - len(open_rows),
        }))
    totals = {status: sum(c.get(status, 0) for c in facts.counts.values()) for status in WORKING}
    overdue_total = sum(facts.overdue_counts.values()) + facts.triage_overdue
    digests.append((config.triage, {
        "audience": "operators",
        "agency": _named(config, config.triage, config.agencies),
        "at": at,
        "open": sum(totals.values()),
        "overdue": overdue_total,
        "dead_deliveries": sum(facts.dead_counts.values()),
        "by_status": totals,
        "overdue_tickets": [_ticket(config, r, public_url, tz, config.triage) for r in facts.all_overdue],
        "open_tickets": [],
        "more_overdue": overdue_total - len(facts.all_overdue),
        "more_open": 0,
        "triage": facts.triage,
        "triage_overdue": facts.triage_overdue,
        "dead": [{"delivery_id": r["delivery_id"], "agency": _named(config, r["agency"], config.agencies),
                  "transport": r["transport"], "event": r["event"], "last_error": r["last_error"]}
                 for r in facts.dead_rows],
        "dashboard_url": f"{public_url}/dashboard",
    }))
    return digests
