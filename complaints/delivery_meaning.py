"""What a delivery's failure means, in words an operator reads (Bahasa Indonesia, English), from its transport and
the provider's detail or status code (SPEC 16, FIELD-NOTES H). Pure: no I/O.

Provider codes: WhatsApp Cloud API error codes
(https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes), Messenger Send API errors
(https://developers.facebook.com/docs/messenger-platform/error-codes), the Bot API's refusals as Telegram words them.
A detail we do not recognise has no meaning here; the page shows it as it is.
"""

from __future__ import annotations

import re

MEANINGS: dict[str, dict[str, str]] = {
    "id": {
        "whatsapp_window": ("Di luar jendela 24 jam WhatsApp: warga tidak menulis dalam 24 jam terakhir, dan di luar "
                            "jendela itu WhatsApp hanya menerima pesan templat."),
        "whatsapp_not_on_whatsapp": ("Nomor ini tidak dapat menerima pesan WhatsApp: tidak terdaftar di WhatsApp, "
                                     "aplikasinya terlalu lama, atau pemiliknya belum menyetujui ketentuan baru."),
        "whatsapp_engagement": ("WhatsApp memilih tidak mengantarkan pesan ini demi menjaga keterlibatan pengguna "
                                "(terlalu banyak pesan bisnis ke nomor ini)."),
        "whatsapp_marketing_stopped": "Warga sudah berhenti menerima pesan pemasaran dari nomor bisnis ini.",
        "meta_window": ("Di luar jendela pesan Messenger/Instagram: warga tidak menulis dalam 24 jam terakhir, dan "
                        "pesan ini tidak boleh memakai tag HUMAN_AGENT."),
        "meta_tag_retired": "Tag pesan yang dipakai sudah dihentikan oleh Meta, sehingga pesan ditolak.",
        "meta_unavailable": ("Orang ini sedang tidak dapat dihubungi di Messenger (misalnya memblokir halaman atau "
                             "akunnya tidak aktif)."),
        "telegram_blocked": "Warga memblokir bot Telegram layanan ini.",
        "telegram_not_started": "Warga belum pernah memulai percakapan dengan bot, jadi bot tidak boleh mengirim pesan.",
        "telegram_group_gone": "Grup Telegram instansi tidak ditemukan, atau bot sudah dikeluarkan dari grup.",
        "telegram_flood": "Batas kecepatan Telegram: pesan dikirim lagi setelah jeda yang diminta Telegram.",
        "limit_country": "Ditolak batas kirim layanan: kode negara nomor ini tidak termasuk yang diizinkan untuk SMS.",
        "limit_destination": "Ditolak batas kirim layanan: tujuan ini sudah menerima pesan sebanyak batas hariannya.",
        "limit_hour": "Ditolak batas kirim layanan: batas SMS dan e-mail ke warga per jam sudah tercapai.",
        "limit": "Ditolak batas kirim layanan (send_limits).",
        "own_whatsapp_window": ("Tidak dikirim lewat WhatsApp: di luar jendela 24 jam dan tidak ada templat WhatsApp "
                                "untuk pemberitahuan ini."),
        "own_meta_human_agent": ("Tidak dikirim lewat Messenger/Instagram: balasan petugas lebih dari 7 hari setelah "
                                 "pesan terakhir warga (batas tag HUMAN_AGENT)."),
        "own_meta_window": ("Tidak dikirim lewat Messenger/Instagram: pemberitahuan otomatis lebih dari 24 jam setelah "
                            "pesan terakhir warga."),
    },
    "en": {
        "whatsapp_window": ("Outside WhatsApp's 24-hour window: the citizen has not written in the last 24 hours, and "
                            "outside it WhatsApp only takes template messages."),
        "whatsapp_not_on_whatsapp": ("This number cannot receive WhatsApp messages: it is not on WhatsApp, its app is "
                                     "too old, or its owner has not accepted the new terms."),
        "whatsapp_engagement": ("WhatsApp chose not to deliver this message to keep engagement healthy (too many "
                                "business messages to this number)."),
        "whatsapp_marketing_stopped": "The citizen has stopped marketing messages from this business number.",
        "meta_window": ("Outside Messenger's/Instagram's message window: the citizen has not written in the last 24 "
                        "hours, and this message may not carry the HUMAN_AGENT tag."),
        "meta_tag_retired": "The message tag used has been retired by Meta, so the message was refused.",
        "meta_unavailable": ("This person cannot be reached on Messenger right now (for example they blocked the page "
                             "or their account is inactive)."),
        "telegram_blocked": "The citizen blocked the service's Telegram bot.",
        "telegram_not_started": "The citizen never started a conversation with the bot, so the bot may not write first.",
        "telegram_group_gone": "The agency's Telegram group was not found, or the bot was removed from it.",
        "telegram_flood": "Telegram's flood control: the message is sent again after the pause Telegram asked for.",
        "limit_country": "Refused by the service's send limits: the number's calling code is not allowed for SMS.",
        "limit_destination": "Refused by the service's send limits: this destination already had its daily number of messages.",
        "limit_hour": "Refused by the service's send limits: the hourly number of SMS and e-mails to citizens was reached.",
        "limit": "Refused by the service's send limits (send_limits).",
        "own_whatsapp_window": ("Not sent on WhatsApp: outside the 24-hour window and no WhatsApp template for this "
                                "notice."),
        "own_meta_human_agent": ("Not sent on Messenger/Instagram: a person's reply more than 7 days after the "
                                 "citizen's last message (the HUMAN_AGENT tag's limit)."),
        "own_meta_window": ("Not sent on Messenger/Instagram: an automatic notice more than 24 hours after the "
                            "citizen's last message."),
    },
}

WHATSAPP_CODES = {131047: "whatsapp_window", 131026: "whatsapp_not_on_whatsapp", 131049: "whatsapp_engagement",
                  131050: "whatsapp_marketing_stopped"}
META_TRANSPORTS = ("facebook", "instagram")
TELEGRAM_TRANSPORTS = ("telegram", "telegram_chat")
LIMIT_RULES = (("sms_countries", "limit_country"), ("per_destination_per_day", "limit_destination"),
               ("per_hour", "limit_hour"))


def _has_code(text: str, code: int | str) -> bool:
    return re.search(rf"(?<![0-9]){code}(?![0-9])", text) is not None


def _own_decision(text: str) -> str | None:
    # Our own reasons for not trying a windowed platform (providers/windows.py), whatever the transport's name.
    if "24-hour window" in text and "no template" in text:
        return "own_whatsapp_window"
    if "human-agent window" in text:
        return "own_meta_human_agent"
    if "outside" in text and "automatic notice" in text:
        return "own_meta_window"
    return None


def meaning_key(transport: str, detail: str | None = None, code: int | None = None,
                state: str | None = None) -> str | None:
    """The known failure a delivery's detail (or a status callback's `code`) names, as a key of MEANINGS, or None.

    `state` "refused" is the send limits' refusal (SPEC 17), whatever its detail says."""
    text = (detail or "").lower()
    if state == "refused":
        return next((key for rule, key in LIMIT_RULES if rule in text), "limit")
    own = _own_decision(text)
    if own is not None:
        return own
    if transport == "whatsapp":
        for known, key in WHATSAPP_CODES.items():
            if code == known or _has_code(text, known):
                return key
    if transport in META_TRANSPORTS:
        if "10/2018278" in text or _has_code(text, 2018278) or code == 2018278:
            return "meta_window"
        if (code == 100 or _has_code(text, 100)) and "tag" in text:
            return "meta_tag_retired"
        if code == 551 or _has_code(text, 551):
            return "meta_unavailable"
    if transport in TELEGRAM_TRANSPORTS:
        if "flood control" in text or "too many requests" in text:
            return "telegram_flood"
        if transport == "telegram_chat" and ("chat not found" in text or "kicked" in text):
            return "telegram_group_gone"
        if "blocked by the user" in text:
            return "telegram_blocked"
        if "can't initiate conversation" in text or "chat not found" in text:
            return "telegram_not_started"
    return None


def failure_meaning(transport: str, detail: str | None = None, code: int | None = None, state: str | None = None,
                    language: str = "id") -> str | None:
    """What the failure means in the language's words (Bahasa Indonesia for any other), or None when unknown."""
    key = meaning_key(transport, detail, code, state)
    return None if key is None else MEANINGS.get(language, MEANINGS["id"])[key]
