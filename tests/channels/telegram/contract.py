"""The Telegram channel in the registry contract: a private chat's update, signed with the webhook's secret token."""

from __future__ import annotations

import json
import time

from tests.channels.contract_helpers import ContractCase, Sent, without_header

TOKEN = "123456:TEST-telegram-bot-token"
SECRET = "tg-secret-Abc_123"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ME = {"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "Aduan", "username": "AduanNtbBot"}}
SENT = {"ok": True, "result": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}}}


def signed(_body: bytes) -> dict[str, str]:
    """Return the headers Telegram sends with any body: JSON, and the secret token set with setWebhook."""
    return {"Content-Type": "application/json", SECRET_HEADER: SECRET}


def build(text: str, mid: str, sender: str) -> tuple[bytes, dict[str, str], str]:
    """Return a text message update from a citizen's private chat (update and message ids both `mid`)."""
    body = json.dumps({"update_id": int(mid), "message": {
        "message_id": int(mid), "date": int(time.time()), "text": text,
        "from": {"id": int(sender), "is_bot": False, "first_name": "Siti"},
        "chat": {"id": int(sender), "type": "private", "first_name": "Siti"}}}).encode()
    return body, signed(body), ""


def bot_api(path: str, data: dict) -> Sent | None:
    """Take a Bot API sendMessage: to a citizen's chat, or to an agency's group (its ticket, kept apart)."""
    if not path.endswith("/sendMessage"):
        return None
    chat = str(data.get("chat_id"))
    # Agencies' groups (negative ids, @names) get tickets through the same bot.
    return Sent("telegram_chat" if chat.startswith(("-", "@")) else "telegram", chat, data.get("text", ""), SENT)


def get_me(path: str) -> dict | None:
    """Answer getMe, how the bot learns its @name, even while the Bot API is down for replies."""
    return ME if path.endswith("/getMe") else None


CASES = (
    ContractCase("telegram", "/webhooks/telegram", "POST", settings={"telegram_token": TOKEN, "telegram_secret": SECRET},
                 api_urls={"telegram_api_url": ""}, build=build, spoil=without_header(SECRET_HEADER),
                 sign_garbage=signed, fake=bot_api, setup=get_me),
)
