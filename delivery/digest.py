"""A sweep's digest as its readers see it: checked, then written as an e-mail (plain text and HTML) or a group message.

Every sweep (SPEC section 9) writes an outbox row per target of each agency, and of the operators, with event
"digest" and payload {"digest": {...}}: the counts, the overdue and open tickets (at most 50 of each, most overdue
first; `more_overdue` and `more_open` say how many were left out; each with the `ticket_url` of the page its reader
opens, the agency inbox's or, in the triage team's, the operator console's) and, for the operators, the complaints
waiting in triage (and how many of them are overdue there; their overdue ones are listed with the others), the dead
deliveries and the dashboard's link. Names, categories and agencies' error answers are shown
escaped in every HTML rendering, and without anything shaped like a phone number or an e-mail address.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from complaints.messages import STATUS_NAMES, status_name
from complaints.timefmt import ticket_time
from delivery.redact import redact
from delivery.telegram_text import MAX_TEXT, escaped_within, units
from delivery.words import region_name
from providers.outcome import Delivery, Permanent

DIGEST_EVENT = "digest"
AUDIENCES = ("agency", "operators")
# The counts every digest carries, and those only the operators' carries.
COUNTS = ("open", "overdue", "dead_deliveries", "more_overdue", "more_open")
OPERATOR_COUNTS = ("triage",)
# Counts a digest queued before they existed lacks: shown when given.
OPERATOR_COUNTS_SINCE = ("triage_overdue",)
# (heading, list, how many the sweep left out of it)
TICKET_LISTS = (("Tiket terlambat", "overdue_tickets", "more_overdue"), ("Tiket terbuka", "open_tickets", "more_open"))
DEAD_HEADING = "Pengiriman gagal"
NONE_LINE = "Tidak ada."
# The most of one name, category or error a group message shows: the lists, not one value, fill a message.
FIELD_UNITS = 200


# -- checking -------------------------------------------------------------------------------


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_time(value) -> bool:
    """Whether a value is an ISO 8601 time with an offset."""
    if not isinstance(value, str):
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def _is_named(value) -> bool:
    return isinstance(value, Mapping) and isinstance(value.get("name"), str)


def _ticket_problem(ticket) -> str | None:
    if not isinstance(ticket, Mapping):
        return "a ticket is not an object"
    code = ticket.get("code")
    if not isinstance(code, str) or not code:
        return "a ticket has no code"
    if not isinstance(ticket.get("ticket_url"), str) or not isinstance(ticket.get("status"), str):
        return f"ticket {code} has no ticket_url or status"
    if ticket.get("category") is not None and not isinstance(ticket["category"], str):
        return f"ticket {code} has a category that is not text"
    if ticket.get("region") is not None and not _is_named(ticket["region"]):
        return f"ticket {code} has a region without a name"
    if ticket.get("due_at") is not None and not _is_time(ticket["due_at"]):
        return f"ticket {code} has a due_at that is not an ISO 8601 time with an offset"
    return None


def _dead_problem(dead) -> str | None:
    if not isinstance(dead, Mapping) or not isinstance(dead.get("delivery_id"), str):
        return "a dead delivery has no delivery_id"
    if not all(isinstance(dead.get(key), str) for key in ("transport", "event")):
        return f"dead delivery {dead['delivery_id']} has no transport or event"
    if dead.get("agency") is not None and not _is_named(dead["agency"]):
        return f"dead delivery {dead['delivery_id']} has an agency without a name"
    if dead.get("last_error") is not None and not isinstance(dead["last_error"], str):
        return f"dead delivery {dead['delivery_id']} has a last_error that is not text"
    return None


def digest_problem(digest) -> str | None:
    """Say what keeps a digest from being shown (a field missing or of the wrong type), or None if nothing does."""
    if not isinstance(digest, Mapping):
        return "the digest is not an object"
    audience = digest.get("audience")
    if audience not in AUDIENCES:
        return f"audience is {audience!r}, not agency or operators"
    if not _is_named(digest.get("agency")):
        return "agency is not an object with a name"
    if not _is_time(digest.get("at")):
        return "at is not an ISO 8601 time with an offset"
    for key in COUNTS + (OPERATOR_COUNTS if audience == "operators" else ()):
        if not _is_count(digest.get(key)):
            return f"{key} is not a count"
    for key in OPERATOR_COUNTS_SINCE if audience == "operators" else ():
        if key in digest and not _is_count(digest[key]):
            return f"{key} is not a count"
    by_status = digest.get("by_status")
    if not isinstance(by_status, Mapping) or not all(s in STATUS_NAMES and _is_count(n) for s, n in by_status.items()):
        return "by_status is not a count per status"
    for _heading, key, _more in TICKET_LISTS:
        if not isinstance(digest.get(key), list):
            return f"{key} is not a list"
        for ticket in digest[key]:
            if problem := _ticket_problem(ticket):
                return f"{key}: {problem}"
    if audience == "operators":
        if not isinstance(digest.get("dead"), list):
            return "dead is not a list"
        for dead in digest["dead"]:
            if problem := _dead_problem(dead):
                return f"dead: {problem}"
        if not isinstance(digest.get("dashboard_url"), str):
            return "dashboard_url is not text"
    return None


def digest_of(delivery: Delivery) -> Mapping | Permanent:
    """The digest a delivery carries, or the final failure of a row whose digest is missing or unreadable."""
    payload = delivery.payload if isinstance(delivery.payload, Mapping) else {}
    if "digest" not in payload:
        return Permanent('digest delivery has no "digest" object in its payload')
    digest = payload["digest"]
    problem = digest_problem(digest)
    if problem:
        return Permanent(f"digest delivery cannot be shown: {problem}"[:300])
    if digest.get("dead"):
        # The worker stores details redacted; a row written before it did, or by hand, must not reach a reader either.
        digest = dict(digest, dead=[dict(d, last_error=redact(d["last_error"])) if d.get("last_error") else d
                                    for d in digest["dead"]])
    return digest


# -- what every rendering says ----------------------------------------------------------------


def _operators(digest: Mapping) -> bool:
    return digest["audience"] == "operators"


def digest_title(digest: Mapping) -> str:
    """`Ringkasan Dinas Kesehatan Provinsi NTB`, or `Ringkasan tim pengaduan` for the operators."""
    return "Ringkasan tim pengaduan" if _operators(digest) else f"Ringkasan {digest['agency']['name']}"


def digest_subject(digest: Mapping) -> str:
    """`[Aduan] Ringkasan Dinas Kesehatan Provinsi NTB: 12 terbuka, 3 terlambat`; the operators' subject also counts
    triage and failed deliveries."""
    counts = [f"{digest['open']} terbuka", f"{digest['overdue']} terlambat"]
    if _operators(digest):
        counts += [f"{digest['triage']} menunggu triase", f"{digest['dead_deliveries']} pengiriman gagal"]
    return f"[Aduan] {digest_title(digest)}: {', '.join(counts)}"


def _counts(digest: Mapping) -> list[tuple[str, int]]:
    counts = [("Terbuka", digest["open"]), ("Terlambat", digest["overdue"])]
    if _operators(digest):
        counts.append(("Menunggu triase", digest["triage"]))
        if "triage_overdue" in digest:
            counts.append(("Terlambat di triase", digest["triage_overdue"]))
    counts.append(("Pengiriman gagal", digest["dead_deliveries"]))
    return counts


def _by_status(digest: Mapping) -> list[tuple[str, int]]:
    """Open tickets per status, in the order a ticket goes through them."""
    return [(status_name(status, "id"), digest["by_status"][status]) for status in STATUS_NAMES
            if status in digest["by_status"]]


def _ticket_facts(ticket: Mapping, tz: ZoneInfo | None) -> list[str]:
    """A listed ticket's status, category, region and due time, those it has."""
    facts = [status_name(ticket["status"], "id"), ticket.get("category"), region_name(ticket)]
    if ticket.get("due_at"):
        facts.append(f"batas {ticket_time(ticket['due_at'], tz)}")
    return [fact for fact in facts if fact]


def _dead_facts(dead: Mapping) -> list[str]:
    agency = dead.get("agency")
    return [fact for fact in (agency["name"] if agency else None, dead["transport"], dead["event"]) if fact]


def _more_dead(digest: Mapping) -> int:
    return max(0, digest["dead_deliveries"] - len(digest["dead"]))


def more_line(count: int) -> str:
    """What stands for the items a list leaves out."""
    return f"… dan {count} lainnya"


# -- e-mail -----------------------------------------------------------------------------------


def digest_text(digest: Mapping, tz: ZoneInfo | None) -> str:
    """The plain-text part of a digest's e-mail."""
    counts = _counts(digest)
    width = max(len(label) for label, _ in counts) + 2
    lines = [digest_title(digest), f"Per {ticket_time(digest['at'], tz)}", ""]
    lines += [f"{label + ':':<{width}}{count}" for label, count in counts]
    if statuses := _by_status(digest):
        lines += ["", "Menurut status:"] + [f"- {name}: {count}" for name, count in statuses]
    for heading, key, more in TICKET_LISTS:
        lines += ["", f"{heading}:"]
        for ticket in digest[key]:
            lines += [f"- {' · '.join([ticket['code'], *_ticket_facts(ticket, tz)])}", f"  {ticket['ticket_url']}"]
        if digest[more]:
            lines.append(more_line(digest[more]))
        elif not digest[key]:
            lines.append(NONE_LINE)
    if _operators(digest):
        lines += ["", f"{DEAD_HEADING}:"]
        for dead in digest["dead"]:
            lines += [f"- {' · '.join([dead['delivery_id'], *_dead_facts(dead)])}",
                      f"  Kesalahan terakhir: {dead.get('last_error') or '-'}"]
        if _more_dead(digest):
            lines.append(more_line(_more_dead(digest)))
        elif not digest["dead"]:
            lines.append(NONE_LINE)
        lines += ["", f"Dasbor: {digest['dashboard_url']}"]
    lines.append("")
    return "\n".join(lines)


def _table(head: list[str], rows: list[list[str]]) -> str:
    """An HTML table of values already escaped."""
    cell = 'style="text-align:left;padding:2px 12px 2px 0;vertical-align:top"'
    header = "".join(f"<th {cell}>{label}</th>" for label in head)
    body = "".join("<tr>" + "".join(f"<td {cell}>{value}</td>" for value in row) + "</tr>" for row in rows)
    return f"<table><tr>{header}</tr>{body}</table>"


def digest_html(digest: Mapping, tz: ZoneInfo | None) -> str:
    """The HTML part of a digest's e-mail: every value escaped, tickets linked, no external assets."""
    e = html.escape
    counts = "".join(f'<tr><th style="text-align:left;padding:2px 12px 2px 0">{e(label)}</th><td>{count}</td></tr>'
                     for label, count in _counts(digest))
    body = [
        '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">',
        f"<title>{e(digest_subject(digest))}</title></head>",
        '<body style="font-family:sans-serif;font-size:14px;color:#222">',
        f'<h2 style="font-size:18px">{e(digest_title(digest))}</h2>',
        f"<p>Per {e(ticket_time(digest['at'], tz))}</p>",
        f"<table>{counts}</table>",
    ]
    if statuses := _by_status(digest):
        items = "".join(f"<li>{e(name)}: {count}</li>" for name, count in statuses)
        body.append(f'<h3 style="font-size:15px">Menurut status</h3><ul>{items}</ul>')
    for heading, key, more in TICKET_LISTS:
        body.append(f'<h3 style="font-size:15px">{e(heading)}</h3>')
        rows = [[f'<a href="{e(t["ticket_url"])}">{e(t["code"])}</a>', e(status_name(t["status"], "id")),
                 e(t.get("category") or "-"), e(region_name(t) or "-"), e(ticket_time(t.get("due_at"), tz))]
                for t in digest[key]]
        if rows:
            body.append(_table(["Kode", "Status", "Kategori", "Wilayah", "Batas waktu"], rows))
        if digest[more]:
            body.append(f"<p>{e(more_line(digest[more]))}</p>")
        elif not rows:
            body.append(f"<p>{NONE_LINE}</p>")
    if _operators(digest):
        body.append(f'<h3 style="font-size:15px">{DEAD_HEADING}</h3>')
        rows = [[f"<code>{e(d['delivery_id'])}</code>", e(d["agency"]["name"] if d.get("agency") else "-"),
                 e(d["transport"]), e(d["event"]), e(d.get("last_error") or "-")] for d in digest["dead"]]
        if rows:
            body.append(_table(["Pengiriman", "Instansi", "Saluran", "Peristiwa", "Kesalahan terakhir"], rows))
        if _more_dead(digest):
            body.append(f"<p>{e(more_line(_more_dead(digest)))}</p>")
        elif not rows:
            body.append(f"<p>{NONE_LINE}</p>")
        url = e(digest["dashboard_url"])
        body.append(f'<p><a href="{url}">Buka dasbor</a><br><small>{url}</small></p>')
    body.append("</body></html>")
    return "\n".join(body)


# -- Telegram group -----------------------------------------------------------------------------


def _cut(value: str) -> str:
    return escaped_within(value, FIELD_UNITS)


def _heading(heading: str) -> str:
    return f"\n\n<b>{html.escape(heading)}</b>"


def _closing(count: int, left: int) -> str:
    """A section's last line: how many of its items it left out, or that it has none."""
    if left:
        return "\n" + more_line(left)
    return "" if count else "\n" + NONE_LINE


def _fit(sections: list[tuple[str, list[str], int]], budget: int) -> str:
    """Each section's heading, as many of its lines as fit, then how many it left out (or that it has none).

    Room for every heading and its closing line (at its longest) is set aside first; then the sections take a
    line each in turn, so one long list cannot crowd out the others, and a short one leaves its room to the rest.
    Each section shows a prefix of its list: the lists come most urgent first.
    """
    reserved = [units(_heading(h)) + max(units(_closing(0, len(lines) + more)), units(_closing(0, 0)))
                for h, lines, more in sections]
    budget -= sum(reserved)
    shown = [0] * len(sections)
    open_sections = [i for i, (_h, lines, _more) in enumerate(sections) if lines]
    while open_sections:
        for i in list(open_sections):
            lines = sections[i][1]
            cost = units("\n" + lines[shown[i]])
            if cost > budget:
                open_sections.remove(i)
                continue
            budget -= cost
            shown[i] += 1
            if shown[i] == len(lines):
                open_sections.remove(i)
    parts = []
    for (heading, lines, more), count in zip(sections, shown, strict=True):
        end = _closing(len(lines), len(lines) - count + more)
        parts.append(_heading(heading) + "".join("\n" + line for line in lines[:count]) + end)
    return "".join(parts)


def digest_group_message(digest: Mapping, tz: ZoneInfo | None, limit: int = MAX_TEXT) -> str:
    """One HTML message for a Telegram group: heading and counts, then the lists cut to fit `limit` with
    "… dan N lainnya", and for the operators the dashboard's link last; every value escaped."""
    e = html.escape
    head = f"<b>{_cut(digest_title(digest))}</b>\nPer {e(ticket_time(digest['at'], tz))}\n"
    head += " · ".join(f"{e(label)}: {count}" for label, count in _counts(digest))
    if statuses := _by_status(digest):
        head += "\n" + " · ".join(f"{e(name)}: {count}" for name, count in statuses)
    sections = []
    for heading, key, more in TICKET_LISTS:
        lines = [" · ".join([f'• <a href="{e(t["ticket_url"])}">{_cut(t["code"])}</a>',
                             *(_cut(fact) for fact in _ticket_facts(t, tz))])
                 for t in digest[key]]
        sections.append((heading, lines, digest[more]))
    tail = ""
    if _operators(digest):
        lines = [" · ".join([f"• <code>{_cut(d['delivery_id'])}</code>", *(_cut(f) for f in _dead_facts(d))])
                 + f": {_cut(d.get('last_error') or '-')}" for d in digest["dead"]]
        sections.append((DEAD_HEADING, lines, _more_dead(digest)))
        tail = f'\n\n<a href="{e(digest["dashboard_url"])}">Buka dasbor</a>'
    return head + _fit(sections, limit - units(head) - units(tail)) + tail
