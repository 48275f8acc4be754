"""Check the complaint form's fields: plain strings in, a submission or errors per field out."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from complaints.model import EMAIL, breaks_line

KINDS = ("complaint", "aspiration", "inquiry")
MAX_TEXT_CHARS = 10_000
MAX_FILES = 3
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_FILE_NAME_CHARS = 100

# The longest value each field may have, in characters (columns of the store: name 200,
# phone 40, e-mail 254, category and region 64).
FIELD_LIMITS = {
    "text": MAX_TEXT_CHARS,
    "kind": 16,
    "region": 64,
    "category": 64,
    "name": 200,
    "phone": 40,
    "email": 254,
    "lat": 32,
    "lon": 32,
}
TEXT_FIELDS = (*FIELD_LIMITS, "anonymous", "confidential")

SINGLE_LINE_FIELDS = ("region", "category", "name", "phone", "email")
_PHONE = re.compile(r"^\+?[0-9 ().\-]{6,40}$")


@dataclass(frozen=True, slots=True)
class Submission:
    """The form's fields once checked; empty optional fields are None."""

    text: str
    kind: str
    region: str | None
    category: str | None
    name: str | None
    phone: str | None
    email: str | None
    anonymous: bool
    confidential: bool
    lat: float | None
    lon: float | None


def _clean(value: str | None) -> str | None:
    """Trim a single-line value; None when empty."""
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None


def checked(value: str | None) -> bool:
    """Tell whether a checkbox was ticked."""
    return value is not None and value.strip().lower() in ("1", "on", "true", "yes", "ya")


def _coordinate(value: str | None, bound: float) -> tuple[float | None, bool]:
    """Parse a latitude or longitude (comma or dot decimal); return (value, ok)."""
    value = _clean(value)
    if value is None:
        return None, True
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        return None, False
    if not math.isfinite(number) or abs(number) > bound:
        return None, False
    return number, True


def validate(fields: Mapping[str, str]) -> tuple[Submission | None, dict[str, str]]:
    """Check the form's fields; return the submission, or None and an error key per field."""
    errors: dict[str, str] = {}
    text = (fields.get("text") or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        errors["text"] = "error_text_required"
    elif len(text) > MAX_TEXT_CHARS:
        errors["text"] = "error_text_too_long"

    kind = _clean(fields.get("kind")) or "complaint"
    if kind not in KINDS:
        errors["kind"] = "error_kind"

    single = {key: _clean(fields.get(key)) for key in SINGLE_LINE_FIELDS}
    for key, value in single.items():
        if breaks_line(fields.get(key)):
            errors[key] = "error_control_characters"
        elif value is not None and len(value) > FIELD_LIMITS[key]:
            errors[key] = "error_too_long"

    email = single["email"]
    if email is not None and "email" not in errors and not EMAIL.match(email):
        errors["email"] = "error_email"
    phone = single["phone"]
    if phone is not None and "phone" not in errors and (not _PHONE.match(phone) or sum(c.isdigit() for c in phone) < 6):
        errors["phone"] = "error_phone"

    lat, lat_ok = _coordinate(fields.get("lat"), 90)
    lon, lon_ok = _coordinate(fields.get("lon"), 180)
    if not lat_ok:
        errors["lat"] = "error_lat"
    if not lon_ok:
        errors["lon"] = "error_lon"
    if lat_ok and lon_ok and (lat is None) != (lon is None):
        errors["lat" if lat is None else "lon"] = "error_location_pair"

    if errors:
        return None, errors
    return (
        Submission(
            text=text,
            kind=kind,
            region=single["region"],
            category=single["category"],
            name=single["name"],
            phone=phone,
            email=email,
            anonymous=checked(fields.get("anonymous")),
            confidential=checked(fields.get("confidential")),
            lat=lat,
            lon=lon,
        ),
        {},
    )


def file_name(raw: str | None) -> str | None:
    """Return an uploaded file's own name, without any folder, cut to 100 characters; None when empty."""
    if not raw:
        return None
    name = re.split(r"[\\/]", raw)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:MAX_FILE_NAME_CHARS] or None
