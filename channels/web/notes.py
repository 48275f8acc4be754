"""What the confirmation page must still tell after the redirect: the files that were not kept, and why.

The list rides in a short-lived cookie signed with the service's key and bound to the complaint's code, so
a link cannot make the page say anything we did not.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

COOKIE = "aduan_note"
MAX_AGE_SECONDS = 600


def _signature(key: bytes, body: bytes) -> str:
    return hmac.new(key, b"aduan-web-note\x00" + body, hashlib.sha256).hexdigest()


def sign(key: bytes, code: str, items: list[tuple[str, str]]) -> str:
    """Return the cookie value telling the tracking page of `code` the (message key, file name) pairs."""
    body = base64.urlsafe_b64encode(json.dumps({"code": code, "items": items}, ensure_ascii=False).encode())
    return f"{body.decode()}.{_signature(key, body)}"


def read(key: bytes, value: str | None, code: str) -> list[tuple[str, str]]:
    """Return the pairs a cookie value carries for `code`; none when absent, forged or for another complaint."""
    if not value or "." not in value:
        return []
    body, _, signature = value.rpartition(".")
    if not hmac.compare_digest(_signature(key, body.encode()).encode(), signature.encode("utf-8", "replace")):
        return []
    try:
        note = json.loads(base64.urlsafe_b64decode(body.encode()))
        if note["code"] != code:
            return []
        return [(str(k), str(name)) for k, name in note["items"]][:10]
    except (ValueError, KeyError, TypeError):
        return []
