"""Words the service says to citizens, in Bahasa Indonesia first and English."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "ack": {
        "id": (
            "Terima kasih, aduan Anda sudah kami terima dengan kode {code}. "
            "Untuk cek status, balas: STATUS {code} atau buka {track_url}"
        ),
        "en": (
            "Thank you, we have received your complaint under code {code}. "
            "To check its status, reply: STATUS {code} or open {track_url}"
        ),
    },
}

STATUS_NAMES: dict[str, dict[str, str]] = {
    "new": {"id": "Diterima", "en": "Received"},
    "triage": {"id": "Menunggu verifikasi tim", "en": "Waiting for triage"},
    "assigned": {"id": "Diteruskan ke instansi", "en": "Forwarded to the agency"},
    "acknowledged": {"id": "Diterima instansi", "en": "Acknowledged by the agency"},
    "in_progress": {"id": "Sedang ditindaklanjuti", "en": "In progress"},
    "resolved": {"id": "Selesai ditindaklanjuti", "en": "Resolved"},
    "closed": {"id": "Ditutup", "en": "Closed"},
    "rejected": {"id": "Ditolak", "en": "Rejected"},
}


def say(key: str, language: str, **values: str) -> str:
    """Return a message in the language (Bahasa Indonesia when the language is unknown)."""
    texts = MESSAGES[key]
    return texts.get(language, texts["id"]).format(**values)


def status_name(status: str, language: str) -> str:
    """Return a status as citizens read it."""
    names = STATUS_NAMES.get(status, {})
    return names.get(language) or names.get("id") or status
