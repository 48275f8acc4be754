"""Each WhatsApp notification Meta documents, as a fixture: the HTTP answer and the normalized messages it yields."""

from __future__ import annotations

WA = "6281234567890"


def wa_message(pid: str, text: str, *, wa_id: str = WA, name: str | None = "Baiq Nurul Désy", attachments=(),
               lat=None, lon=None) -> dict:
    """Return the normalized fields of a WhatsApp message: replies go back to the sender's wa_id."""
    return {"channel": "whatsapp", "provider_message_id": pid, "text": text, "sender_id": wa_id, "reply_to": wa_id,
            "reply_via": None, "mergeable": True, "reporter": (name, f"+{wa_id}", wa_id), "lat": lat, "lon": lon,
            "attachments": list(attachments), "edit_of": None}


# label: (fixture, HTTP status, messages as normalized fields, reasons logged as ignored)
EVENTS = {
    "text with accents and emoji": ("messages__text", 200, [
        wa_message("wamid.TEXT0001", "Jalan rusak di Désa Sukamulia, lubangnya dalam sekali 🚧")], []),
    "username sender (no phone number)": ("messages__text_username", 200, [{
        "channel": "whatsapp", "provider_message_id": "wamid.USER0001",
        "text": "Saluran air tersumbat di Désa Kuta, Lombok Tengah", "sender_id": "ID.1502576394655843",
        "reply_to": "ID.1502576394655843", "reply_via": None, "mergeable": True,
        "reporter": ("Putu Ayu", None, "ID.1502576394655843"), "lat": None, "lon": None, "attachments": [],
        "edit_of": None}], []),
    "image with caption": ("messages__image", 200, [
        wa_message("wamid.IMAGE0001", "Lubang di depan SDN 2 Praya",
                   attachments=[("image", "image/jpeg", "1003383421387256", None)])], []),
    "video": ("messages__video", 200, [
        wa_message("wamid.VIDEO0001", "[video]", attachments=[("video", "video/mp4", "1003383421387257", None)])], []),
    "voice note": ("messages__audio_voice", 200, [
        wa_message("wamid.VOICE0001", "[pesan suara]",
                   attachments=[("voice", "audio/ogg; codecs=opus", "1003383421387258", None)])], []),
    "audio file": ("messages__audio_file", 200, [
        wa_message("wamid.AUDIO0001", "[audio]", attachments=[("audio", "audio/mpeg", "1003383421387259", None)])], []),
    "document with file name": ("messages__document", 200, [
        wa_message("wamid.DOC0001", "Surat dari kepala désa",
                   attachments=[("document", "application/pdf", "1003383421387260", "surat_désa.pdf")])], []),
    "sticker": ("messages__sticker", 200, [
        wa_message("wamid.STICKER0001", "[stiker]", attachments=[("sticker", "image/webp", "1003383421387261", None)])], []),
    "named location": ("messages__location", 200, [
        wa_message("wamid.LOC0001", "[lokasi] Pasar Renteng, Jl. Gajah Mada, Praya", lat=-8.5833, lon=116.1167)], []),
    "dropped pin": ("messages__location_pin", 200, [wa_message("wamid.LOC0002", "[lokasi]", lat=-8.71, lon=116.27)], []),
    "reply button": ("messages__interactive_button", 200, [wa_message("wamid.BTN0001", "Jalan & jembatan")], []),
    "list reply": ("messages__interactive_list", 200, [wa_message("wamid.LIST0001", "Air bersih")], []),
    "template button": ("messages__button", 200, [wa_message("wamid.TPL0001", "Cek status")], []),
    "two senders and a status in two entries": ("messages__batch", 200, [
        wa_message("wamid.BATCH0001", "Lampu jalan mati di Gerung"),
        wa_message("wamid.BATCH0002", "Sampah menumpuk di pasar Praya", wa_id="6287700000002", name="Lalu Ahmad"),
    ], []),
}

# fixture: the reason its one event is logged as ignored (answered 200, nothing stored)
IGNORED = {
    "messages__reaction": "type reaction", "messages__unsupported": "type unsupported",
    "field__account_update": "field account_update", "object__page": "object page",
}
