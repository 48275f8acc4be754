"""Helpers of the SMS channel's tests: fixture payloads, signed requests as each provider signs them, row counts."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

from multidict import MultiDict
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from store import models as m

FIXTURES = Path(__file__).parent / "fixtures"
PUBLIC_URL = "https://aduan.example"
TWILIO_TOKEN = "twilio-auth-token-7f3a9c"
TWILIO_SID = "AC00000000000000000000000000000000"
VONAGE_SECRET = "vonage-signature-secret-51d2"
VONAGE_METHOD = "sha256"
SMS_SECRET = "generic-sms-secret-9e8b"
# A reply of the length a real acknowledgement has, in Bahasa Indonesia.
INDONESIAN = (
    "Terima kasih, aduan Anda sudah kami terima dengan kode NTB-7K3QX9P2. Petugas Dinas Pekerjaan Umum "
    "dan Penataan Ruang Kabupaten Lombok Timur akan memeriksa laporan jalan rusak di Kecamatan Selong "
    "dalam tiga hari kerja. Untuk menanyakan status, kirim STATUS NTB-7K3QX9P2 ke nomor ini atau buka "
    "https://aduan.example/track/NTB-7K3QX9P2 kapan saja."
)


def load(name: str):
    """Read one fixture payload."""
    return json.loads((FIXTURES / name).read_text("utf-8"))


def twilio_form(pairs: list[list[str]]) -> bytes:
    """Encode Twilio's form fields as Twilio sends them (application/x-www-form-urlencoded)."""
    return urlencode([tuple(p) for p in pairs]).encode()


def twilio_signature(url: str, pairs: list[list[str]], token: str = TWILIO_TOKEN) -> str:
    """Sign a request with the twilio package's own RequestValidator (repeated names kept, as Flask's MultiDict)."""
    return RequestValidator(token).compute_signature(url, MultiDict([tuple(p) for p in pairs]))


def vonage_sign(params: dict[str, str], secret: str = VONAGE_SECRET, method: str = VONAGE_METHOD) -> str:
    """Sign Vonage parameters as the Vonage SDKs do: sorted "&k=v" with & and = in values made "_"."""
    signed = "".join(f"&{k}={v.replace('&', '_').replace('=', '_')}" for k, v in sorted(params.items()) if k != "sig")
    if method == "md5hash":
        return hashlib.md5((signed + secret).encode()).hexdigest()
    return hmac.new(secret.encode(), signed.encode(), method).hexdigest()


def vonage_params(name: str, at: float | None = None, drop: tuple[str, ...] = (), **changes) -> dict[str, str]:
    """Load a Vonage fixture with its timestamps set to `at` (now by default), `drop` left out, and signed."""
    at = time.time() if at is None else at
    stamp = datetime.fromtimestamp(int(at), timezone.utc)
    params = {k: v.format(timestamp=int(at), message_timestamp=stamp.strftime("%Y-%m-%d %H:%M:%S"))
              for k, v in load(name).items() if k not in drop}
    params.update(changes)
    params["sig"] = vonage_sign(params)
    return params


def generic_headers(body: bytes, secret: str = SMS_SECRET) -> dict[str, str]:
    """Sign a generic gateway body as SPEC section 6 defines it."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Aduan-Signature": f"sha256={digest}"}


def counts(runtime) -> tuple[int, int]:
    """Count complaints and stored inbound messages."""
    with runtime.db.reader.connect() as conn:
        complaints = conn.execute(select(func.count()).select_from(m.Complaint)).scalar_one()
        inbound = conn.execute(select(func.count()).select_from(m.InboundMessage)).scalar_one()
    return complaints, inbound


def inbound_rows(runtime) -> list[dict]:
    """Return the stored inbound messages with their normalized fields."""
    return rows(runtime, m.InboundMessage)


def rows(runtime, model) -> list[dict]:
    """Return every stored row of one table, in the order written."""
    table = model.__table__
    with runtime.db.reader.connect() as conn:
        return [dict(r) for r in conn.execute(select(table).order_by(table.c.id)).mappings().all()]
