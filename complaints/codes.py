"""Tracking codes: `<prefix>-` and 8 characters of Crockford Base32."""

from __future__ import annotations

import itertools
import random
import re
import secrets
import uuid

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
_CODE = re.compile(r"^([A-Z0-9]{1,8})-([0-9A-HJKMNP-TV-Z]{8})$")


def new_code(prefix: str) -> str:
    """Return a fresh random tracking code (40 random bits)."""
    value = secrets.randbits(40)
    chars = [ALPHABET[(value >> shift) & 31] for shift in range(35, -1, -5)]
    return f"{prefix}-{''.join(chars)}"


_ids = random.Random()  # seeded from the OS; ids need to be unique, not unpredictable
_process_id = f"{_ids.getrandbits(64):016x}"
_counter = itertools.count(1)


def random_id() -> str:
    """Return a random UUID4 string cheaply (no system call), for delivery ids."""
    return str(uuid.UUID(int=_ids.getrandbits(128), version=4))


def unique_id() -> str:
    """Return an id unique across processes and restarts: this process's random id and a counter."""
    return f"{_process_id}-{next(_counter):x}"


def canonical(text: str, prefix: str | None = None) -> str | None:
    """Return the canonical form of a code as a person may type it, or None if it cannot be one.

    Case is ignored, O reads as 0, I and L as 1; spaces and a missing dash are forgiven, and so is a missing
    prefix when the service's (`tracking_prefix`) is given: "7k3qx9p2" is NTB-7K3QX9P2.
    """
    cleaned = re.sub(r"[\s_]", "", text.strip().upper())
    if "-" in cleaned:
        prefix, _, body = cleaned.partition("-")
    elif len(cleaned) > 8:
        prefix, body = cleaned[:-8], cleaned[-8:]
    elif len(cleaned) == 8 and prefix:
        body = cleaned
    else:
        return None
    candidate = f"{prefix}-{body.translate(_READ_AS)}"
    return candidate if _CODE.match(candidate) else None
