"""What an agency's Telegram group sends the bot besides commands: a press of a ticket's button (a `callback_query`
update, https://core.telegram.org/bots/api#callbackquery) and an officer's reply to the bot's question (a group
message whose `reply_to_message` is the bot's). Pure: read from the decoded update, checked in the store later
(channels/telegram/group_desk.py). Neither ever reaches intake: a group message never opens a complaint.
"""

from __future__ import annotations

from dataclasses import dataclass

from channels.ladder import Ignored
from complaints.group_buttons import read_button


@dataclass(frozen=True)
class Press:
    """A press of one of our buttons: who pressed which, and the message it sat on (when Telegram still shows it)."""

    update_id: int
    query_id: str  # answered with answerCallbackQuery
    user_id: str  # the pressing Telegram user (`from.id`), as accounts keep it
    action: str  # complaints.group_buttons ACKNOWLEDGE or RETURN
    code: str  # the ticket the button names: a hint, checked at the press
    chat_id: int | None  # the message's chat and id, to edit it; None when the message is not shown to us
    message_id: int | None
    text: str | None  # the message as the group reads it (text and entities, as Telegram gives them)
    entities: tuple[dict, ...] = ()


@dataclass(frozen=True)
class Answer:
    """A group message replying to one of the bot's messages: perhaps the answer to its question."""

    update_id: int
    chat_id: int
    message_id: int
    replied_to: int  # the bot's message it replies to
    user_id: str
    text: str


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _entities(value) -> tuple[dict, ...]:
    """The message's entities when every one is well formed, else none (the text is then edited plain)."""
    if not isinstance(value, list):
        return ()
    for entity in value:
        if not (isinstance(entity, dict) and isinstance(entity.get("type"), str) and _is_int(entity.get("offset"))
                and _is_int(entity.get("length")) and entity["offset"] >= 0 and entity["length"] > 0):
            return ()
    return tuple(value)


def press(query, update_id: int) -> Press | Ignored:
    """Read a callback_query: one of our buttons pressed by someone, or why it is ignored."""
    if not isinstance(query, dict):
        return Ignored("callback_query is not an object", understood=False, ref=update_id)
    sender, data = query.get("from"), query.get("data")
    if not (isinstance(query.get("id"), str) and query["id"] and isinstance(sender, dict) and _is_int(sender.get("id"))):
        return Ignored("callback_query without its id or sender", understood=False, ref=update_id)
    button = read_button(data) if isinstance(data, str) else None
    if button is None:
        return Ignored("callback_query not one of our buttons", ref=update_id)
    chat_id = message_id = text = None
    entities: tuple[dict, ...] = ()
    message = query.get("message")
    chat = message.get("chat") if isinstance(message, dict) else None
    if isinstance(chat, dict) and _is_int(chat.get("id")) and _is_int(message.get("message_id")):
        chat_id, message_id = chat["id"], message["message_id"]
        # An inaccessible message (date 0, https://core.telegram.org/bots/api#inaccessiblemessage) has no text.
        if isinstance(message.get("text"), str):
            text, entities = message["text"], _entities(message.get("entities"))
    return Press(update_id, query["id"], str(sender["id"]), button[0], button[1], chat_id, message_id, text, entities)


def answer(message: dict, chat: dict, sender: dict | None, update_id: int, bot_username: str | None) -> Answer | None:
    """Read a group message (well typed, not a command for us) as a reply to the bot, or None when it is not one.

    A reply to another bot's message is not ours; before getMe has told the bot's name any bot's message may be,
    and the store decides (only a question the bot asked there is answered).
    """
    replied = message.get("reply_to_message")
    text = message.get("text")
    if not (isinstance(replied, dict) and _is_int(replied.get("message_id")) and isinstance(text, str) and text.strip()
            and sender is not None and not sender["is_bot"]):
        return None
    author = replied.get("from")
    if not (isinstance(author, dict) and author.get("is_bot") is True):
        return None
    username = author.get("username")
    if bot_username is not None and not (isinstance(username, str) and username.lower() == bot_username.lower()):
        return None
    return Answer(update_id, chat["id"], message["message_id"], replied["message_id"], str(sender["id"]), text)
