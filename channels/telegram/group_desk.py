"""Acting on a ticket from an agency's Telegram group (SPEC section 15): a press of **Terima** or **Bukan wewenang**,
and the officer's reply that gives the reason of a return.

Each press or reply is decided in one write transaction (the ticket locked, the person's linked accounts read,
complaints.group_buttons deciding, store.actions applying), then told to the group through the Bot API: the
callback answered, the ticket's message edited to say what was done and by whom, the question asked. A Bot API
failure after the commit is logged and changes nothing stored; the store down answers 503, so Telegram sends the
update again. Telegram sending an update again is harmless: an acknowledged ticket answers "Sudah diterima", a
press that asked already asks no more, an answered question takes no second answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import structlog
from sqlalchemy import Connection
from telegram import ForceReply, LinkPreviewOptions, MessageEntity, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import TelegramError

from channels.descriptor import Ports
from channels.ladder import Ignored, Ladder
from channels.telegram.group_updates import Answer, Press
from channels.telegram.settings import TelegramSettings
from complaints.group_buttons import (ACKNOWLEDGE, RETURN, STALE, Officer, Refused, done_line, judge, names_ticket,
                                      reason_of, refusal, words)
from complaints.links import agency_page_url
from delivery.group_render import edited_message, group_keyboard, question_message
from delivery.telegram_group import markup
from providers.telegram import ready_bot, redact
from store import actions, telegram_questions as questions, users
from store.db import StoreUnavailable

log = structlog.get_logger("channels.telegram")

# How long a question stays the one a second press points to, instead of asking again.
QUESTION_OPEN = timedelta(days=1)


# --- what one transaction decided --------------------------------------------------------------------


@dataclass(frozen=True)
class Acknowledged:
    """Terima honoured: the ticket as it now stands."""

    officer: Officer
    ticket: Mapping


@dataclass(frozen=True)
class Ask:
    """Bukan wewenang honoured: the question to send (its row is `question_id`)."""

    officer: Officer
    question_id: int


@dataclass(frozen=True)
class AskedBefore:
    """This press, or an earlier one of the same person, asked already: no second question."""


@dataclass(frozen=True)
class Returned:
    """The reply gave the reason: the ticket is back in triage."""

    officer: Officer
    question: Mapping
    reason: str


@dataclass(frozen=True)
class NotReturned:
    """The reply came, but the ticket can no longer be returned by that person."""

    refused: Refused
    code: str


def decide_press(conn: Connection, press: Press, config, public_url: str, now: datetime):
    """Decide a press and apply it, in the caller's transaction: Acknowledged, Ask, AskedBefore or Refused."""
    ticket = questions.locked_ticket(conn, press.code)
    earlier = None
    if press.action == RETURN and ticket is not None:
        earlier = questions.asked_by(conn, press.query_id)
        if earlier is not None and earlier["message_id"] is not None:
            return AskedBefore()
    verdict = judge(press.action, users.users_of_telegram(conn, press.user_id), ticket)
    if isinstance(verdict, Refused):
        return verdict
    officer = verdict.officer
    if press.action == ACKNOWLEDGE:
        # `objecting` only matters to a resolution's notice; acknowledging never mentions an objection.
        fresh = actions.change_status(conn, ticket, config, "acknowledged", officer.who, None, now, public_url, ())
        return Acknowledged(officer, fresh)
    if earlier is not None:  # taken before, but its question never reached Telegram: ask it now
        return Ask(officer, earlier["id"])
    if questions.open_question(conn, ticket["id"], str(press.chat_id), press.user_id, now - QUESTION_OPEN):
        return AskedBefore()
    question_id = questions.add_question(
        conn, complaint_id=ticket["id"], callback_id=press.query_id, chat_id=str(press.chat_id),
        telegram_user_id=press.user_id, ticket_message_id=press.message_id, ticket_text=press.text,
        ticket_entities=press.entities, now=now)
    return Ask(officer, question_id)


def decide_answer(conn: Connection, answer: Answer, config, now: datetime):
    """Decide a reply to the bot and apply it, in the caller's transaction: Returned, NotReturned or Ignored."""
    question = questions.question_at(conn, str(answer.chat_id), answer.replied_to)
    if question is None:
        return Ignored("reply to a message that is not the bot's question", ref=answer.update_id)
    if question["telegram_user_id"] != answer.user_id:
        return Ignored("reply to a question asked of someone else", ref=answer.update_id)
    reason = reason_of(answer.text)
    if reason is None:
        return Ignored("reply without a reason", ref=answer.update_id)
    ticket = questions.locked_complaint(conn, question["complaint_id"])
    if not questions.answer_question(conn, question["id"], now):
        return Ignored("question answered already", ref=answer.update_id)
    verdict = judge(RETURN, users.users_of_telegram(conn, answer.user_id), ticket)
    if isinstance(verdict, Refused):
        return NotReturned(verdict, ticket["code"])
    actions.return_to_triage(conn, ticket, config, verdict.officer.who, reason, now)
    return Returned(verdict.officer, question, reason)


# --- the edge --------------------------------------------------------------------------------------


def _zone(config, agency: str) -> ZoneInfo | timezone:
    """The time zone of an agency's region (its root's when it has none of its own)."""
    region = config.agencies[agency].region if agency in config.agencies else config.root
    try:
        return ZoneInfo(config.regions[region].timezone)
    except (KeyError, ZoneInfoNotFoundError, ValueError):
        return timezone.utc


class GroupDesk:
    """Presses and replies from agencies' groups, each decided in the store and then told to the group."""

    def __init__(self, ports: Ports, settings: TelegramSettings) -> None:
        self.ports = ports
        self.settings = settings
        self.ladder = Ladder("telegram", ports.intake)

    async def take(self, update: Press | Answer) -> bool:
        """Act on a press or a reply; False when the store cannot take it now (Telegram is to send it again)."""
        now = datetime.now(timezone.utc)
        try:
            if isinstance(update, Press):
                await self._press(update, now)
            else:
                await self._answer(update, now)
        except StoreUnavailable as exc:
            log.warning("channel.store_unavailable", channel="telegram", update_id=update.update_id, detail=str(exc))
            return False
        return True

    async def _press(self, press: Press, now: datetime) -> None:
        config = self.ports.config
        language = config.settings.language
        if not names_ticket(press.text, press.code):
            await self._reply_to_press(press, refusal(Refused(STALE), language), alert=True)
            self._logged(press, "refused", why=STALE)
            return
        if press.action == RETURN and press.chat_id is None:
            # The message is no longer shown to the bot: there is no chat to ask in.
            await self._reply_to_press(press, words(language)["ask_failed"], alert=True)
            self._logged(press, "refused", why="no_chat")
            return
        decided = await self.ports.write(decide_press, press, config, self.ports.public_url, now)
        t = words(language)
        if isinstance(decided, Refused):
            await self._reply_to_press(press, refusal(decided, language), alert=True)
            self._logged(press, "refused", why=decided.why)
        elif isinstance(decided, AskedBefore):
            await self._reply_to_press(press, t["asked_before"])
            self._logged(press, "asked_before")
        elif isinstance(decided, Acknowledged):
            self.ports.wake_outbox()
            officer, ticket = decided.officer, decided.ticket
            await self._reply_to_press(press, t["acknowledged"].format(name=officer.name))
            line = done_line(ACKNOWLEDGE, officer.name, now, _zone(config, officer.agency), language)
            keyboard = group_keyboard(press.code, ticket["status"], agency_page_url(self.ports.public_url, press.code),
                                      language, works=True)
            await self._edit(press.chat_id, press.message_id, press.text, press.entities, line, keyboard)
            self._logged(press, "acknowledged", user=officer.user_id)
        else:
            await self._ask(press, decided)

    async def _ask(self, press: Press, ask: Ask) -> None:
        """Send the question of a Bukan wewenang press and remember its message; forget it if Telegram refused."""
        language = self.ports.config.settings.language
        t = words(language)
        try:
            bot = await self._bot()
            sent = await bot.send_message(
                chat_id=press.chat_id, text=question_message(press.code, ask.officer.name, press.user_id, language),
                parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True),
                # Selective: the reply box opens for the officer the question names, not for the whole group.
                reply_markup=ForceReply(selective=True, input_field_placeholder=t["placeholder"]),
                reply_parameters=ReplyParameters(message_id=press.message_id, allow_sending_without_reply=True)
                if press.message_id is not None else None)
        except TelegramError as exc:
            self._failed("sendMessage", exc, press.update_id)
            await self.ports.write(questions.forget_question, ask.question_id)
            await self._reply_to_press(press, t["ask_failed"], alert=True)
            return
        await self.ports.write(questions.question_sent, ask.question_id, sent.message_id)
        await self._reply_to_press(press, t["asked"])
        self._logged(press, "asked", user=ask.officer.user_id, question=sent.message_id)

    async def _answer(self, answer: Answer, now: datetime) -> None:
        config = self.ports.config
        language = config.settings.language
        decided = await self.ports.write(decide_answer, answer, config, now)
        if isinstance(decided, Ignored):
            self.ladder.ignored(decided)
            return
        if isinstance(decided, NotReturned):
            why = refusal(decided.refused, language).rstrip(".")
            text = words(language)["answer_refused"].format(code=decided.code, why=why)
            try:
                bot = await self._bot()
                await bot.send_message(chat_id=answer.chat_id, text=text,
                                       reply_parameters=ReplyParameters(message_id=answer.message_id,
                                                                        allow_sending_without_reply=True))
            except TelegramError as exc:
                self._failed("sendMessage", exc, answer.update_id)
            log.info("telegram.group_answer", channel="telegram", code=decided.code, outcome="refused",
                     why=decided.refused.why, update_id=answer.update_id)
            return
        self.ports.wake_outbox()
        officer, question = decided.officer, decided.question
        line = done_line(RETURN, officer.name, now, _zone(config, officer.agency), language, decided.reason)
        await self._edit(int(question["chat_id"]), question["ticket_message_id"], question["ticket_text"],
                         question["ticket_entities"] or (), line, None)
        log.info("telegram.group_answer", channel="telegram", outcome="returned", user=officer.user_id,
                 complaint_id=question["complaint_id"], update_id=answer.update_id)

    # --- Bot API calls ---------------------------------------------------------------------------

    async def _bot(self):
        return await ready_bot(self.settings.telegram_token, self.settings.telegram_api_url)

    async def _reply_to_press(self, press: Press, text: str, alert: bool = False) -> None:
        """Answer the callback (clients show a progress bar until it is answered), as a toast or an alert."""
        try:
            bot = await self._bot()
            await bot.answer_callback_query(press.query_id, text=text, show_alert=alert)
        except TelegramError as exc:
            self._failed("answerCallbackQuery", exc, press.update_id)

    async def _edit(self, chat_id: int | None, message_id: int | None, text: str | None, entities, line: str,
                    keyboard: dict | None) -> None:
        """Edit the ticket's message: its text with `line` added, and `keyboard` (None: no buttons left)."""
        if chat_id is None or message_id is None or text is None:
            return  # a message Telegram no longer shows us cannot be edited
        new_text, new_entities = edited_message(text, entities, line)
        try:
            bot = await self._bot()
            await bot.edit_message_text(new_text, chat_id=chat_id, message_id=message_id,
                                        entities=[MessageEntity.de_json(e, bot) for e in new_entities],
                                        link_preview_options=LinkPreviewOptions(is_disabled=True),
                                        reply_markup=markup(keyboard))
        except TelegramError as exc:
            self._failed("editMessageText", exc, None)

    # --- logs -------------------------------------------------------------------------------------

    def _logged(self, press: Press, outcome: str, **fields) -> None:
        log.info("telegram.group_press", channel="telegram", code=press.code, action=press.action, outcome=outcome,
                 update_id=press.update_id, **fields)

    def _failed(self, call: str, exc: TelegramError, update_id: int | None) -> None:
        log.warning("telegram.group_call_failed", channel="telegram", call=call, error=type(exc).__name__,
                    detail=redact(str(exc), self.settings.telegram_token)[:300], update_id=update_id)
