"""What agencies' messages call things: an event's title, a ticket's labelled facts, and the zone times are shown in.

Every rendering of a ticket (e-mail, Telegram group) and of a digest takes its wording from here, in Bahasa
Indonesia, as agencies read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from complaints.messages import status_name
from complaints.names import KIND_NAMES, PRIORITY_NAMES
from complaints.timefmt import ticket_time

# What each agency event is called in a subject line and a message's heading.
EVENT_TITLES = {
    "ticket.assigned": "Aduan baru",
    "ticket.updated": "Tambahan informasi",
    "ticket.escalated": "Eskalasi",
    "ticket.triage": "Perlu verifikasi",
}
# What a ticket.updated is about when its delivery gives a reason.
REASON_TITLES = {
    "overdue": "Pengingat: lewat batas waktu",  # the sweep's reminder of an overdue ticket
    "objection": "Keberatan warga: aduan dibuka kembali",  # the citizen objected to the resolution
}


def event_title(event: str, ticket: Mapping | None = None) -> str:
    """What an agency event is called in a subject or a heading."""
    reason = ticket.get("reason") if ticket is not None else None
    if reason in REASON_TITLES:
        return REASON_TITLES[reason]
    return EVENT_TITLES.get(event, "Pemberitahuan")


def region_name(ticket: Mapping) -> str | None:
    """The name of the ticket's region, if it has one."""
    region = ticket.get("region")
    return region["name"] if region else None


def root_zone(config) -> ZoneInfo | None:
    """The root region's time zone (checked at config load), or None for UTC."""
    name = config.regions[config.root].timezone
    return ZoneInfo(name) if name else None


def reporter_line(ticket: Mapping) -> str:
    """Who reported, as the agency may see it: "Anonim" when the identity is withheld."""
    reporter = ticket.get("reporter")
    if ticket.get("anonymous") or reporter is None:
        return "Anonim" if ticket.get("anonymous") else "Tidak diketahui"
    known = [v for v in (reporter.get("name"), reporter.get("phone"), reporter.get("email")) if v]
    return ", ".join(known) if known else "Tidak diketahui"


def ticket_facts(ticket: Mapping, tz: ZoneInfo | None) -> list[tuple[str, str]]:
    """The labelled facts of a ticket, in the order an agency reads them."""
    location = ticket.get("location")
    facts = [
        ("Kode", ticket["code"]),
        ("Jenis", KIND_NAMES["id"].get(ticket.get("kind"), ticket.get("kind") or "-")),
        ("Kategori", ticket.get("category") or "-"),
        ("Prioritas", PRIORITY_NAMES["id"].get(ticket.get("priority"), ticket.get("priority") or "-")),
        ("Wilayah", region_name(ticket) or "-"),
        ("Status", status_name(ticket["status"], "id") if ticket.get("status") else "-"),
        ("Diterima", ticket_time(ticket.get("created_at"), tz)),
        ("Pelapor", reporter_line(ticket)),
        ("Lokasi", f"{location['lat']}, {location['lon']}" if location else "-"),
        ("Lampiran", str(len(ticket.get("attachments") or []))),
    ]
    if ticket.get("confidential"):
        facts.append(("Sifat", "Rahasia: isi aduan tidak tampil di halaman publik"))
    return facts
