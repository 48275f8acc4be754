"""SQLAlchemy models of SPEC section 4: complaints, reporters, messages, attachments, events, outbox."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets BIGINT identity.
Id = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator):
    """Store times as UTC and always read them back timezone-aware, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use UTC-aware times")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


UTC = UTCDateTime()


class Base(DeclarativeBase):
    """Declarative base of every table."""


class Reporter(Base):
    """Who sent a complaint, as far as the channel told us."""

    __tablename__ = "reporters"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    channel_user_id: Mapped[str | None] = mapped_column(String(128))
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTC)


class Complaint(Base):
    """One tracked case, whatever the channel."""

    __tablename__ = "complaints"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    sender_id: Mapped[str | None] = mapped_column(String(128))
    reply_to: Mapped[str | None] = mapped_column(String(256))
    reply_via: Mapped[str | None] = mapped_column(String(32))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("reporters.id"))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(2))
    text: Mapped[str] = mapped_column(Text)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    region: Mapped[str] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(64))
    priority: Mapped[str] = mapped_column(String(8))
    agency: Mapped[str | None] = mapped_column(String(64))
    rule: Mapped[str | None] = mapped_column(String(128))
    rules_version: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    status_reason: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTC)
    assigned_at: Mapped[datetime | None] = mapped_column(UTC)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTC)
    resolved_at: Mapped[datetime | None] = mapped_column(UTC)
    closed_at: Mapped[datetime | None] = mapped_column(UTC)
    acknowledge_due_at: Mapped[datetime | None] = mapped_column(UTC)
    resolve_due_at: Mapped[datetime | None] = mapped_column(UTC)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    overdue_since: Mapped[datetime | None] = mapped_column(UTC)  # when a sweep found it past its due time
    escalate_due_at: Mapped[datetime | None] = mapped_column(UTC)  # overdue and not escalated yet: when it will be
    escalated_at: Mapped[datetime | None] = mapped_column(UTC)
    # Waiting for the citizen's answer to a question (SPEC section 15): since when, and until the window closes.
    waiting_since: Mapped[datetime | None] = mapped_column(UTC)
    waiting_until: Mapped[datetime | None] = mapped_column(UTC)
    followup_acked_at: Mapped[datetime | None] = mapped_column(UTC)  # the last follow-up acknowledged (once an hour)
    # The citizen's satisfaction (SPEC section 15): asked once on resolution, answered once.
    rating_asked_at: Mapped[datetime | None] = mapped_column(UTC)
    rating_link_hash: Mapped[str | None] = mapped_column(String(64))  # an e-mail reporter's rating page: its SHA-256
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column(UTC)
    updated_at: Mapped[datetime] = mapped_column(UTC)

    __table_args__ = (
        Index("ix_complaints_sender", "channel", "sender_id", "received_at"),
        Index("ix_complaints_status", "status", "received_at"),
        Index("ix_complaints_agency", "agency", "status"),
        Index("ix_complaints_received", "received_at"),
        # The sweep's questions, each a range read of what is due, whatever the store holds.
        Index("ix_complaints_acknowledge_due", "overdue", "status", "acknowledge_due_at"),
        Index("ix_complaints_resolve_due", "overdue", "status", "resolve_due_at"),
        Index("ix_complaints_escalate_due", "escalate_due_at"),
        Index("ix_complaints_resolved", "status", "resolved_at"),
        Index("ix_complaints_waiting", "channel", "sender_id", "waiting_until"),
    )


class InboundMessage(Base):
    """A provider's message exactly as received, and what we answered; one per provider id."""

    __tablename__ = "inbound_messages"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    provider_message_id: Mapped[str] = mapped_column(String(255))
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    role: Mapped[str] = mapped_column(String(16))  # opened | followup | command
    sender_id: Mapped[str | None] = mapped_column(String(128))
    raw: Mapped[str] = mapped_column(Text)
    normalized: Mapped[dict] = mapped_column(JSON)
    response: Mapped[dict] = mapped_column(JSON)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTC)
    # When the citizen sent it, by the provider's own clock where it says (WhatsApp's and Meta's `timestamp`), else
    # when it reached us: the platforms' reply windows are counted from it (SPEC section 16).
    sent_at: Mapped[datetime | None] = mapped_column(UTC)

    __table_args__ = (UniqueConstraint("channel", "provider_message_id", name="uq_inbound_provider_id"),
                      Index("ix_inbound_sender", "channel", "sender_id", "sent_at"))


class FollowUp(Base):
    """A later message joined to an open complaint."""

    __tablename__ = "followups"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    inbound_message_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTC)


class Attachment(Base):
    """A photo, document, voice note or video: a channel reference or a file under var/."""

    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    content_type: Mapped[str | None] = mapped_column(String(100))
    channel_ref: Mapped[str | None] = mapped_column(Text)
    stored_path: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int | None] = mapped_column(BigInteger)
    name: Mapped[str | None] = mapped_column(String(255))
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTC)
    message_ref: Mapped[str | None] = mapped_column(String(255))  # the provider id of the message that carried it
    # The media fetcher's queue (SPEC section 16): a provider reference waiting to be downloaded through `fetch_via`
    # (the channel or SMS transport it came by). fetch_state: None (nothing to fetch) | pending | fetching | stored |
    # failed (to be tried again at fetch_next_at) | dead (given up, or refused: the reason in fetch_error).
    fetch_via: Mapped[str | None] = mapped_column(String(32))
    fetch_state: Mapped[str | None] = mapped_column(String(12))
    fetch_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    fetch_next_at: Mapped[datetime | None] = mapped_column(UTC)
    fetch_lease_until: Mapped[datetime | None] = mapped_column(UTC)
    fetch_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_attachments_fetch", "fetch_state", "fetch_next_at"),)


class Event(Base):
    """One line of a complaint's append-only timeline."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTC)
    actor: Mapped[str] = mapped_column(String(80))
    type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str | None] = mapped_column(String(16))
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict] = mapped_column(JSON)
    # Who took the step (SPEC section 13): {"type": "user", "name", "role", "agency"} and the like; None on rows
    # older than accounts, whose `actor` says it (complaints.who.by_of reads either).
    by: Mapped[dict | None] = mapped_column(JSON)


class Outbox(Base):
    """A message to send (citizen reply or agency delivery), written with the change that caused it."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    delivery_id: Mapped[str] = mapped_column(String(36), unique=True)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), index=True)
    audience: Mapped[str] = mapped_column(String(16))  # citizen | agency
    transport: Mapped[str] = mapped_column(String(16))  # telegram | facebook | ... | webhook | email | telegram_chat
    agency: Mapped[str | None] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(Text)
    event: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict] = mapped_column(JSON)
    # pending | sending | delivered | failed | dead | refused | undeliverable (refused by the platform's rules, or
    # reported failed by its status callback: the reason in last_error, a fallback row pointing here when one was made)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTC)
    lease_until: Mapped[datetime | None] = mapped_column(UTC)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTC)
    updated_at: Mapped[datetime] = mapped_column(UTC)
    provider_message_id: Mapped[str | None] = mapped_column(String(255))  # what the provider named it (a wamid)
    provider_status: Mapped[str | None] = mapped_column(String(16))  # its latest status callback: sent | delivered | read | failed
    fallback_of: Mapped[int | None] = mapped_column(Id)  # the row this one stands in for (an SMS for a WhatsApp notice)

    # ix_outbox_sends: the send limits count a transport's recent sends (SPEC 17) while a claim holds the lock.
    __table_args__ = (Index("ix_outbox_due", "state", "next_attempt_at"), Index("ix_outbox_sends", "transport", "updated_at"),
                      Index("ix_outbox_provider", "transport", "provider_message_id"),
                      Index("ix_outbox_fallback", "fallback_of"))


class DeliveryStatus(Base):
    """A provider's status callback for a delivery it took (WhatsApp's `statuses[]`): one row per status reached.

    `outbox_id` is None while the callback has outrun our record of the send (its id not written yet): the outcome's
    write adopts it (store/fallback.adopt_statuses)."""

    __tablename__ = "delivery_statuses"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    transport: Mapped[str] = mapped_column(String(16))
    provider_message_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))  # sent | delivered | read | failed
    code: Mapped[int | None] = mapped_column(Integer)  # the provider's error code of a failure (131047, 131026, ...)
    title: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime | None] = mapped_column(UTC)  # the provider's timestamp
    received_at: Mapped[datetime] = mapped_column(UTC)

    __table_args__ = (UniqueConstraint("outbox_id", "status", name="uq_delivery_statuses_status"),
                      Index("ix_delivery_statuses_provider", "transport", "provider_message_id"))


class DeliveryAttempt(Base):
    """One attempt at an outbox row, written with the outcome it recorded."""

    __tablename__ = "delivery_attempts"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"), index=True)
    delivery_id: Mapped[str] = mapped_column(String(36))
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTC)
    # delivered | retry | permanent | gave_up | released | lost | refused | undeliverable
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)


class Sweep(Base):
    """One triage sweep: when it ran, as if at what time, what started it and what it did."""

    __tablename__ = "sweeps"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    as_of: Mapped[datetime] = mapped_column(UTC, index=True)  # the time the sweep judged by (now, or --at)
    started_at: Mapped[datetime] = mapped_column(UTC)
    finished_at: Mapped[datetime | None] = mapped_column(UTC)
    trigger: Mapped[str] = mapped_column(String(16))  # schedule | catch-up | command
    instance: Mapped[str] = mapped_column(String(128))
    counts: Mapped[dict] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)


class Lease(Base):
    """A named lease one instance holds until a time (one sweep at a time across instances)."""

    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    until: Mapped[datetime] = mapped_column(UTC)


class ApiToken(Base):
    """An operator or agency API token, stored only as its SHA-256."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # operator | agency
    agency: Mapped[str | None] = mapped_column(String(64))
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTC)
    revoked_at: Mapped[datetime | None] = mapped_column(UTC)
    expires_at: Mapped[datetime | None] = mapped_column(UTC)  # None: until revoked
    last_used_at: Mapped[datetime | None] = mapped_column(UTC)  # written at most once a minute (store/access.py)


class User(Base):
    """A person who signs in (SPEC section 13): an operator, a supervisor or an agency's officer."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # lower case
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))  # operator | supervisor | agency
    agency: Mapped[str | None] = mapped_column(String(64))
    telegram_id: Mapped[str | None] = mapped_column(String(32), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))  # Argon2id; None until the first link is used
    password_set_at: Mapped[datetime | None] = mapped_column(UTC)
    # The one-time sign-in link: only its SHA-256, and when it dies (72 h); a new link replaces it.
    link_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    link_expires_at: Mapped[datetime | None] = mapped_column(UTC)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTC)
    disabled_at: Mapped[datetime | None] = mapped_column(UTC)


class SignInFailure(Base):
    """Failed sign-ins per e-mail address typed (known or not, so the limit tells nothing of who has an account)."""

    __tablename__ = "sign_in_failures"
    email_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    first_at: Mapped[datetime] = mapped_column(UTC)


class FormSubmission(Base):
    """A page's form that was sent (its one-time token's SHA-256), so that sending it again does nothing twice."""

    __tablename__ = "form_submissions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTC, index=True)


class Session(Base):
    """A signed-in browser: the cookie holds a random id, this row only its SHA-256 (SPEC section 13)."""

    __tablename__ = "sessions"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Who it belongs to: "env" (ADUAN_OPERATOR_TOKEN), "token" (token_id) or "user" (user_id), so that disabling a
    # person or revoking a token ends their sessions with one UPDATE.
    principal_kind: Mapped[str] = mapped_column(String(16))
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # "env" sessions: HMAC of the operator token in force at sign-in, keyed by the session id, so a changed
    # ADUAN_OPERATOR_TOKEN ends them and this column alone cannot be tested against guesses.
    env_token_mac: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTC)
    last_seen_at: Mapped[datetime] = mapped_column(UTC)  # written at most once a minute
    expires_at: Mapped[datetime] = mapped_column(UTC, index=True)  # created_at + 7 days, however active
    ended_at: Mapped[datetime | None] = mapped_column(UTC)
    end_reason: Mapped[str | None] = mapped_column(String(16))  # logout | replaced | token_revoked | disabled | password
    address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(200))


class TelegramQuestion(Base):
    """A question the bot asked in an agency's Telegram group after **Bukan wewenang** (SPEC section 15): why the
    ticket is not the agency's. The officer's reply to it, found by (chat_id, message_id), is the return's reason."""

    __tablename__ = "telegram_questions"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    callback_id: Mapped[str] = mapped_column(String(64), unique=True)  # the press that asked: Telegram may send it again
    chat_id: Mapped[str] = mapped_column(String(32))
    message_id: Mapped[int | None] = mapped_column(BigInteger)  # the question's, once Telegram took it
    telegram_user_id: Mapped[str] = mapped_column(String(32))  # who pressed, the only one whose reply counts
    # The ticket's message the button sat on, as the group saw it, to be edited once the ticket is returned.
    ticket_message_id: Mapped[int | None] = mapped_column(BigInteger)
    ticket_text: Mapped[str | None] = mapped_column(Text)
    ticket_entities: Mapped[list | None] = mapped_column(JSON)
    asked_at: Mapped[datetime] = mapped_column(UTC)
    answered_at: Mapped[datetime | None] = mapped_column(UTC)

    __table_args__ = (UniqueConstraint("chat_id", "message_id", name="uq_telegram_questions_message"),)
