"""Show times as Indonesians read them: "24 Nov 2026 14.05 WITA", in the complaint region's zone."""

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


def local_time(value: datetime | str | None, zone: str, language: str = "id") -> str:
    """Return a time in the given IANA zone, e.g. "24 Nov 2026 14.05 WITA"; "" for no time."""
    if value is None:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:  # the store keeps UTC
        moment = moment.replace(tzinfo=timezone.utc)
    local = moment.astimezone(_zone(zone))
    months = MONTHS.get(language, MONTHS["id"])
    separator = "." if language == "id" else ":"
    label = ZONE_NAMES.get(zone) or local.tzname() or "UTC"
    return f"{local.day} {months[local.month - 1]} {local.year} {local.hour:02d}{separator}{local.minute:02d} {label}"
