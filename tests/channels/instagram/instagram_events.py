"""Each Instagram Direct event Meta documents, as a fixture: the HTTP answer and the normalized messages it yields."""

from __future__ import annotations

IGSID = "1234000000000001"
CDN = "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id="
FIRST_MID = ("aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAxOjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI1"
             "OTAwMDAwMDAwMDAwMDAwMToxMDAwMDAwMDAwMDAwMDAwMDAw")


def direct(pid: str, text: str, *, igsid: str = IGSID, attachments=(), edit_of=None) -> dict:
    """Return the normalized fields of a Direct message: replies go back to the IGSID on Instagram."""
    return {"channel": "instagram", "provider_message_id": pid, "text": text, "sender_id": igsid, "reply_to": igsid,
            "reply_via": "instagram", "mergeable": True, "reporter": (None, None, igsid), "lat": None, "lon": None,
            "attachments": list(attachments), "edit_of": edit_of}


# label: (fixture, HTTP status, messages as normalized fields, reasons logged as ignored)
EVENTS = {
    "text with accents and emoji": ("message__text", 200, [
        direct(FIRST_MID, "Lampu jalan di Désa Gerung, depan SDN 2, mati sejak minggu lalu 🚧")], []),
    "image": ("message__image", 200, [
        direct("ig_IMAGE0001", "[foto]", attachments=[("image", None, CDN + "1001&signature=abc", None)])], []),
    "video": ("message__video", 200, [
        direct("ig_VIDEO0001", "[video]", attachments=[("video", None, CDN + "1002&signature=abc", None)])], []),
    "audio": ("message__audio", 200, [
        direct("ig_AUDIO0001", "[audio]", attachments=[("audio", None, CDN + "1003&signature=abc", None)])], []),
    "file with text": ("message__file", 200, [
        direct("ig_FILE0001", "Surat pengantar dari desa",
               attachments=[("document", None, CDN + "1004&signature=abc", None)])], []),
    "a shared post keeps its link": ("message__share", 200, [
        direct("ig_SHARE0001", "https://www.instagram.com/p/C0ABCDEFGHI/")], []),
    "a story mentioning the office": ("message__story_mention", 200, [
        direct("ig_STORY0001", "[foto]", attachments=[("image", None, CDN + "1005&signature=abc", None)])], []),
    "a reply to a story": ("message__story_reply", 200, [direct("ig_REPLY0001", "Ini jalannya, belum diperbaiki")], []),
    "a reel": ("message__ig_reel", 200, [
        direct("ig_REEL0001", "[video]", attachments=[("video", None, CDN + "1007&signature=abc", None)])], []),
    "an edit": ("message_edit__text", 200, [
        direct("edit:ig_TEXT0002:1", "Lampu jalan di depan SDN 2 Gerung, Lombok Barat", edit_of="ig_TEXT0002")], []),
    "a button": ("postback__button", 200, [direct("postback:1234000000000001:1764028800123", "Cek status aduan")], []),
    "two entries, a seen receipt among them": ("message__batch", 200, [
        direct("ig_BATCH0001", "Sampah menumpuk di pasar Praya"),
        direct("ig_BATCH0002", "Air PDAM mati di Selong", igsid="1234000000000002")], ["read"]),
}

# fixture: the reason its one event is logged as ignored (answered 200, nothing stored)
IGNORED = {
    "message__echo": "echo", "message__deleted": "deleted", "reaction__love": "reaction", "read__receipt": "read",
    "message__other_account": "another recipient", "changes__comments": "field comments", "object__page": "object page",
}
