"""Each page event Meta documents, as a fixture: the HTTP answer and the normalized messages it yields."""

from __future__ import annotations

PSID = "7400000000000001"
CDN = "https://scontent.xx.fbcdn.net/v/t1.15752-9/"


def messenger(pid: str, text: str, *, psid: str = PSID, attachments=(), lat=None, lon=None, edit_of=None) -> dict:
    """Return the normalized fields of a Messenger message: replies go to the PSID over Messenger."""
    return {"channel": "facebook", "provider_message_id": pid, "text": text, "sender_id": psid, "reply_to": psid,
            "reply_via": "facebook", "mergeable": True, "reporter": (None, None, psid), "lat": lat, "lon": lon,
            "attachments": list(attachments), "edit_of": edit_of}


def comment(pid: str, text: str, reply_to: str, attachments=()) -> dict:
    """Return the normalized fields of a comment on the page: answered by a private reply to the comment."""
    return {"channel": "facebook", "provider_message_id": pid, "text": text, "sender_id": "fbuser:5500000000000001",
            "reply_to": reply_to, "reply_via": "facebook-comment", "mergeable": True,
            "reporter": ("Ni Luh Ayu Désiani", None, "fbuser:5500000000000001"), "lat": None, "lon": None,
            "attachments": list(attachments), "edit_of": None}


# label: (fixture, HTTP status, messages as normalized fields, reasons logged as ignored)
EVENTS = {
    "text with accents and emoji": ("message__text", 200, [
        messenger("m_TEXT0001", "Jalan rusak di Désa Sukamulia, lubangnya dalam sekali 🚧")], []),
    "image": ("message__image", 200, [
        messenger("m_IMAGE0001", "[foto]", attachments=[("image", None, CDN + "jalan.jpg?_nc_cat=1", None)])], []),
    "video": ("message__video", 200, [
        messenger("m_VIDEO0001", "[video]", attachments=[("video", None, CDN + "banjir.mp4", None)])], []),
    "audio": ("message__audio", 200, [
        messenger("m_AUDIO0001", "[audio]", attachments=[("audio", None, CDN + "audioclip-1.mp4", None)])], []),
    "file with text": ("message__file", 200, [
        messenger("m_FILE0001", "Surat keterangan terlampir", attachments=[("document", None, CDN + "surat.pdf", None)])], []),
    "sticker": ("message__sticker", 200, [
        messenger("m_STICKER0001", "[stiker]", attachments=[("sticker", None, CDN + "sticker.png", None)])], []),
    "location": ("message__location", 200, [messenger("m_LOC0001", "[lokasi]", lat=-8.5833, lon=116.1167)], []),
    "quick reply": ("message__quick_reply", 200, [messenger("m_QR0001", "Jalan & jembatan")], []),
    "postback": ("postback__button", 200, [
        messenger("postback:7400000000000001:1764028800123", "Cek status aduan")], []),
    "edit": ("message_edit__text", 200, [
        messenger("edit:m_TEXT0001:1", "Jalan rusak di Désa Sukamulia RT 03", edit_of="m_TEXT0001")], []),
    "two entries, a receipt among them": ("message__batch", 200, [
        messenger("m_BATCH0001", "Lampu jalan mati di Gerung"),
        messenger("m_BATCH0002", "Sampah menumpuk di pasar Praya", psid="7400000000000002")], ["delivery"]),
    "comment on a post": ("feed__comment", 200, [
        comment("comment:200_3000001", "Air PDAM tidak mengalir 3 hari di Désa Batujai 😡", "200_3000001")], []),
    "photo comment": ("feed__comment_photo", 200, [
        comment("comment:200_3000002", "[foto]", "200_3000002",
                [("image", None, "https://scontent.xx.fbcdn.net/v/t39.30808-6/lubang.jpg", None)])], []),
}

# fixture: the reason its one event is logged as ignored (answered 200, nothing stored)
IGNORED = {
    "message__echo": "echo", "delivery__receipt": "delivery", "read__receipt": "read", "reaction__love": "reaction",
    "optin__unknown": "optin", "message__empty": "empty message", "feed__own_comment": "own comment",
    "feed__comment_edited": "feed comment edited", "feed__post_status": "feed status add",
    "feed__reaction": "feed reaction add", "field__ratings": "field ratings", "object__instagram": "object instagram",
}
