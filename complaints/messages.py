"""Words the service says to citizens, in Bahasa Indonesia first and English."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "help": {
        "id": (
            "Selamat datang di layanan pengaduan. Tulis aduan Anda dalam satu pesan: apa yang terjadi, "
            "di mana (desa/kecamatan/kabupaten) dan kapan. Anda akan menerima kode pelacakan. "
            "Untuk cek status, kirim: STATUS <kode>, misalnya STATUS {example}."
        ),
        "en": (
            "Welcome to the complaint service. Write your complaint in one message: what happened, where "
            "(village/district/regency) and when. You will receive a tracking code. "
            "To check its status, send: STATUS <code>, for example STATUS {example}."
        ),
    },
    "status": {
        "id": "Status aduan {code}: {status}.{agency} Detail: {track_url}",
        "en": "Complaint {code} is: {status}.{agency} Details: {track_url}",
    },
    "status_agency": {
        "id": " Ditangani oleh {agency}.",
        "en": " Handled by {agency}.",
    },
    "status_changed": {
        "id": "Aduan {code}: status berubah menjadi {status}.{note} Detail: {track_url}",
        "en": "Complaint {code} is now: {status}.{note} Details: {track_url}",
    },
    "agency_reply": {
        "id": "Balasan {agency} untuk aduan {code}: {message}",
        "en": "{agency} replies on complaint {code}: {message}",
    },
    "reply_ask": {
        "id": " Mohon balas pesan ini untuk menjawab.",
        "en": " Please reply to this message to answer.",
    },
    "followup_ack": {
        "id": "Pesan Anda kami tambahkan ke aduan {code} dan diteruskan kepada petugas yang menanganinya. Detail: {track_url}",
        "en": "We added your message to complaint {code} and passed it to the staff handling it. Details: {track_url}",
    },
    "rating_ask": {
        "id": " Bagaimana penanganan aduan ini? Balas dengan angka 1 sampai 5 (5 = sangat puas), boleh disertai komentar.",
        "en": " How was this complaint handled? Reply with a number from 1 to 5 (5 = very satisfied), with a comment if you like.",
    },
    "rating_link": {
        "id": " Beri penilaian atas penanganannya (1 sampai 5): {url}",
        "en": " Rate how it was handled (1 to 5): {url}",
    },
    "rating_thanks": {
        "id": "Terima kasih atas penilaian Anda ({rating} dari 5) untuk aduan {code}.",
        "en": "Thank you for rating complaint {code} ({rating} out of 5).",
    },
    "rating_already": {
        "id": "Penilaian Anda untuk aduan {code} sudah kami terima sebelumnya. Terima kasih.",
        "en": "We already have your rating of complaint {code}. Thank you.",
    },
    "merged": {
        "id": ("Aduan {code} sama dengan aduan {other} yang sudah kami terima, jadi keduanya kami tangani sebagai satu "
               "aduan. Ikuti perkembangannya dengan kode {other}: {track_url}"),
        "en": ("Complaint {code} is the same as complaint {other}, which we had already received, so we handle both "
               "as one. Follow it with code {other}: {track_url}"),
    },
    "status_unknown": {
        "id": "Kode {code} tidak ditemukan. Periksa kembali kode pelacakan Anda, misalnya {example}.",
        "en": "We found no complaint with code {code}. Please check the tracking code, for example {example}.",
    },
    "objection_accepted": {
        "id": ("Keberatan Anda atas penyelesaian aduan {code} kami terima. Aduan dibuka kembali dan diteruskan lagi "
               "ke {agency}. Detail: {track_url}"),
        "en": ("We have received your objection to the resolution of complaint {code}. It is open again and back "
               "with {agency}. Details: {track_url}"),
    },
    "objection_not_resolved": {
        "id": ("Keberatan hanya dapat diajukan untuk aduan yang berstatus selesai ditindaklanjuti. Status aduan {code} "
               "saat ini: {status}."),
        "en": "You can only object to a complaint once it is resolved. Complaint {code} is now: {status}.",
    },
    "objection_hint": {
        "id": " Jika masalahnya belum tuntas, balas: KEBERATAN {code} <alasan>.",
        "en": " If the problem is not solved, reply: KEBERATAN {code} <reason>.",
    },
    "objection_how": {
        "id": ("Untuk mengajukan keberatan atas penyelesaian aduan, kirim: KEBERATAN <kode> <alasan>, misalnya "
               "KEBERATAN {example} jalan masih rusak."),
        "en": ("To object to how a complaint was resolved, send: KEBERATAN <code> <reason>, for example "
               "KEBERATAN {example} the road is still broken."),
    },
    "status_unreadable": {
        "id": "Kode pelacakan tidak terbaca. Kirim: STATUS <kode>, misalnya STATUS {example}.",
        "en": "We could not read that tracking code. Send: STATUS <code>, for example STATUS {example}.",
    },
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
