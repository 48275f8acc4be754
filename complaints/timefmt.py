"""Show times as Indonesians read them: "24 Nov 2026 14.05 WITA" on pages, "2026-11-24 14:05 WITA" in agencies' messages."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Indonesia's three zones by their Indonesian names; Asia/Pontianak keeps WIB (IANA zone1970.tab).
ZONE_NAMES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Ujung_Pandang": "WITA",
    "Asia/Jayapura": "WIT",
}
MONTHS = {
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def _zone(name: str) -> ZoneInfo | timezone:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc


def _moment(value: datetime | str) -> datetime:
    """A time given as a datetime or ISO text; one without an offset is UTC, as the store keeps it."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def local_time(value: datetime | str | None, zone: str, language: str = "id") -> str:
    """Return a time in the given IANA zone, e.g. "24 Nov 2026 14.05 WITA"; "" for no time."""
    if value is None:
        return ""
    local = _moment(value).astimezone(_zone(zone))
    months = MONTHS.get(language, MONTHS["id"])
    separator = "." if language == "id" else ":"
    label = ZONE_NAMES.get(zone) or local.tzname() or "UTC"
    return f"{local.day} {months[local.month - 1]} {local.year} {local.hour:02d}{separator}{local.minute:02d} {label}"


def ticket_time(iso_value: str | None, tz: ZoneInfo | None) -> str:
    """Return an ISO time as agencies' tickets and digests show it, e.g. "2026-11-24 16:00 WITA" in `tz` (with no
    zone, at the offset it was written with); "-" for no time."""
    if not iso_value:
        return "-"
    moment = _moment(iso_value)
    if tz is not None:
        moment = moment.astimezone(tz)
    return moment.strftime("%Y-%m-%d %H:%M %Z").strip()
