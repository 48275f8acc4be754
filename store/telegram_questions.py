"""The store's side of the buttons in agencies' Telegram groups (SPEC section 15): the ticket read and locked for a
press, and the questions the bot asks after **Bukan wewenang**, kept until the officer's reply answers them.

Every function takes the Connection of the press's one write transaction. The ticket is locked first (FOR UPDATE
on PostgreSQL; SQLite has one writer at a time), so two presses on one ticket, or a press and Telegram delivering
it again, are decided one after the other on what the first one wrote.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from store import models as m

C = m.Complaint.__table__
Q = m.TelegramQuestion.__table__


def locked_ticket(conn: Connection, code: str) -> Mapping | None:
    """A complaint by its canonical code, locked until the transaction ends; None when there is no such code."""
    return conn.execute(select(C).where(C.c.code == code).with_for_update()).mappings().first()


def locked_complaint(conn: Connection, complaint_id: int) -> Mapping | None:
    """A complaint by its id, locked until the transaction ends."""
    return conn.execute(select(C).where(C.c.id == complaint_id).with_for_update()).mappings().first()


def asked_by(conn: Connection, callback_id: str) -> Mapping | None:
    """The question a press asked, if that press was taken before (Telegram sends an update again when unsure)."""
    return conn.execute(select(Q).where(Q.c.callback_id == callback_id)).mappings().first()


def open_question(conn: Connection, complaint_id: int, chat_id: str, telegram_user_id: str,
                  since: datetime) -> Mapping | None:
    """The latest question sent since `since` to this person about this ticket in this chat, still unanswered."""
    return conn.execute(select(Q).where(
        Q.c.complaint_id == complaint_id, Q.c.chat_id == chat_id, Q.c.telegram_user_id == telegram_user_id,
        Q.c.message_id.is_not(None), Q.c.answered_at.is_(None), Q.c.asked_at >= since,
    ).order_by(Q.c.id.desc())).mappings().first()


def add_question(conn: Connection, *, complaint_id: int, callback_id: str, chat_id: str, telegram_user_id: str,
                 ticket_message_id: int | None, ticket_text: str | None, ticket_entities: Sequence[Mapping],
                 now: datetime) -> int:
    """Remember a question about to be asked (its own message id comes once Telegram took it); return its id."""
    return conn.execute(insert(Q).values(
        complaint_id=complaint_id, callback_id=callback_id, chat_id=chat_id, message_id=None,
        telegram_user_id=telegram_user_id, ticket_message_id=ticket_message_id, ticket_text=ticket_text,
        ticket_entities=list(ticket_entities) if ticket_text is not None else None, asked_at=now,
    ).returning(Q.c.id)).scalar_one()


def question_sent(conn: Connection, question_id: int, message_id: int) -> None:
    """Note the message id Telegram gave the question: a reply to that message answers it."""
    conn.execute(update(Q).where(Q.c.id == question_id).values(message_id=message_id))


def forget_question(conn: Connection, question_id: int) -> None:
    """Drop a question Telegram did not take, so that pressing again asks again."""
    conn.execute(delete(Q).where(Q.c.id == question_id))


def question_at(conn: Connection, chat_id: str, message_id: int) -> Mapping | None:
    """The question that is this message of this chat, answered or not."""
    return conn.execute(select(Q).where(Q.c.chat_id == chat_id, Q.c.message_id == message_id)).mappings().first()


def answer_question(conn: Connection, question_id: int, now: datetime) -> bool:
    """Mark a question answered; False when it already was (a reply delivered twice answers once)."""
    return conn.execute(update(Q).where(Q.c.id == question_id, Q.c.answered_at.is_(None))
                        .values(answered_at=now)).rowcount == 1
