"""Tables of the appointment store. Schema changes go through Alembic (`bot/store/migrations`)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.types import TypeDecorator

from bot.conversation.wording import DEFAULT_LANGUAGE, LANGUAGES

Base = declarative_base()

KINDS = ("appointment", "callback")
STATUSES = ("new", "contacted", "scheduled", "declined", "cancelled")
REQUEST_LANGUAGES = LANGUAGES  # the conversation's language, so staff call back in it


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Aware datetimes stored as UTC and read back aware, also on SQLite (which drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: the store keeps only time-zone-aware moments")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


class AppointmentRequest(Base):
    __tablename__ = "appointment_requests"

    id = Column(Integer, primary_key=True)
    reference = Column(String(16), nullable=False, unique=True)
    kind = Column(String(16), nullable=False, default="appointment")
    full_name = Column(String(200), nullable=False)
    phone = Column(String(32))  # E.164, so searches and contact checks match with or without an extension
    phone_extension = Column(String(20))
    email = Column(String(320))
    preferred_date = Column(Date)
    preferred_time = Column(String(64))
    reason = Column(String(500))
    reason_text = Column(String(500))  # the visitor's own words, when they say more than `reason`
    patient_name = Column(String(200))  # when the appointment is for someone else
    patient_relation = Column(String(40))  # "mother", "son", … (to the visitor)
    message = Column(Text)
    consent_at = Column(UTCDateTime())
    channel = Column(String(64))
    conversation_id = Column(String(255))
    idempotency_key = Column(String(400), unique=True)
    transcript = Column(JSON)
    # The conversation's language: staff call back in it. Rows from before it existed are "en".
    language = Column(String(2), nullable=False, default=DEFAULT_LANGUAGE, server_default=DEFAULT_LANGUAGE)
    status = Column(String(16), nullable=False, default="new")
    staff_note = Column(Text)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow)

    changes = relationship(
        "StatusChange",
        back_populates="request",
        order_by="StatusChange.id",
        cascade="all, delete-orphan",
    )

    __table_args__ = (
        Index("ix_requests_status_created", "status", "created_at"),
        Index("ix_requests_conversation", "conversation_id"),
    )


class StatusChange(Base):
    """The audit trail: one row per status move (and for the creation itself)."""

    __tablename__ = "status_changes"

    id = Column(Integer, primary_key=True)
    request_id = Column(
        Integer, ForeignKey("appointment_requests.id", ondelete="CASCADE"), nullable=False, index=True
    )
    from_status = Column(String(16))
    to_status = Column(String(16), nullable=False)
    actor = Column(String(120), nullable=False)
    note = Column(Text)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)

    request = relationship("AppointmentRequest", back_populates="changes")


class StaffUser(Base):
    """A member of staff. Disabling deletes their sessions (staff_sessions); `session_epoch`, which
    signed cookies once carried, still counts the disables."""

    __tablename__ = "staff_users"

    id = Column(Integer, primary_key=True)
    username = Column(String(80), nullable=False, unique=True)
    password_hash = Column(String(255), nullable=False)
    disabled = Column(Boolean, nullable=False, default=False)
    session_epoch = Column(Integer, nullable=False, default=0)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)


class ApiKey(Base):
    """An integrator's key for the read API; only its SHA-256 is kept."""

    __tablename__ = "api_keys"

    id = Column(Integer, primary_key=True)
    name = Column(String(80), nullable=False, unique=True)
    key_hash = Column(String(64), nullable=False, unique=True)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    revoked_at = Column(UTCDateTime())


class AccessEvent(Base):
    """Who looked at or exported patient data, and when (the other half of the audit trail)."""

    __tablename__ = "access_events"

    id = Column(Integer, primary_key=True)
    actor = Column(String(120), nullable=False)
    action = Column(String(32), nullable=False)
    request_id = Column(
        Integer, ForeignKey("appointment_requests.id", ondelete="CASCADE"), nullable=True, index=True
    )
    detail = Column(Text)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)


class OutboxMessage(Base):
    """A notification to deliver (staff e-mail now; integrators' webhooks later), written in the same
    unit of work as the request, so a crash or a failing receiver never loses it and never blocks it."""

    __tablename__ = "outbox"

    id = Column(Integer, primary_key=True)
    channel = Column(String(16), nullable=False)
    request_id = Column(
        Integer, ForeignKey("appointment_requests.id", ondelete="CASCADE"), nullable=False, index=True
    )
    event = Column(String(40), nullable=False)
    status = Column(String(16), nullable=False, default="pending")
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    last_error = Column(String(300))
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)

    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)


class ContactCheck(Base):
    """Failed contact checks of one reference code, whether or not a request holds it: the count
    behind the lockout against guessing a patient's phone or e-mail (or which codes exist)."""

    __tablename__ = "contact_checks"

    reference = Column(String(16), primary_key=True)
    failures = Column(Integer, nullable=False, default=0)
    locked_until = Column(UTCDateTime())
    updated_at = Column(UTCDateTime(), nullable=False, default=utcnow)

    __table_args__ = (Index("ix_contact_checks_updated", "updated_at"),)


class StaffSessionRecord(Base):
    """A signed-in staff session. The cookie holds a random token; only its SHA-256 is kept, so a copy
    of the database opens no session. Logging out deletes the row, so a saved cookie opens nothing."""

    __tablename__ = "staff_sessions"

    token_hash = Column(String(64), primary_key=True)
    user_id = Column(Integer, ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    last_seen_at = Column(UTCDateTime(), nullable=False, default=utcnow)


class LoginFailure(Base):
    """One failed staff login (account as typed, client network), counted by every web server."""

    __tablename__ = "login_failures"

    id = Column(Integer, primary_key=True)
    username = Column(String(80), nullable=False)
    client = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)

    __table_args__ = (Index("ix_login_failures_username_created", "username", "created_at"),)


class ProviderDelivery(Base):
    """A messaging provider's message id already handled, so a replayed or retried delivery is not
    answered twice (providers retry for up to a day; ids are kept 48 h, shared by every web server)."""

    __tablename__ = "provider_deliveries"

    provider = Column(String(16), primary_key=True)
    message_id = Column(String(128), primary_key=True)
    received_at = Column(UTCDateTime(), nullable=False, default=utcnow)

    __table_args__ = (Index("ix_provider_deliveries_received", "received_at"),)


class ChannelLanguage(Base):
    """The language a messaging-channel conversation started in (Spanish when its first text clearly
    was), so its later messages, whatever they say, reach the same language's Rasa servers."""

    __tablename__ = "channel_languages"

    channel = Column(String(16), primary_key=True)
    sender = Column(String(128), primary_key=True)  # the provider's id of the person (or its hash)
    language = Column(String(8), nullable=False)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)

    __table_args__ = (Index("ix_channel_languages_created", "created_at"),)


HANDOFF_STATES = ("waiting", "held", "returned", "closed", "expired")  # the first two are active


class Handoff(Base):
    """A visitor's request to chat with the practice's staff, from the queue to the hand-back.

    Kept in the database, not in a web server's memory, so every `bot.web` replica serves the same
    inbox and a restart loses nothing. Only one staff member holds it (`take` is one conditional update).
    """

    __tablename__ = "handoffs"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(128), nullable=False)
    channel = Column(String(32), nullable=False, default="web")
    state = Column(String(16), nullable=False, default="waiting")
    requested_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    taken_at = Column(UTCDateTime())
    staff_user = Column(String(64))  # who holds it
    ended_at = Column(UTCDateTime())
    staff_typing_at = Column(UTCDateTime())
    transcript = Column(JSON, nullable=False, default=list)  # the conversation with the bot before it

    messages = relationship("HandoffMessage", order_by="HandoffMessage.id", cascade="all, delete-orphan")

    __table_args__ = (
        Index("ix_handoffs_conversation", "conversation_id"),
        Index("ix_handoffs_state_requested", "state", "requested_at"),
    )


class HandoffMessage(Base):
    """One turn while staff hold (or the visitor waits): visitor, staff, a staff note, bot or system."""

    __tablename__ = "handoff_messages"

    id = Column(Integer, primary_key=True)
    handoff_id = Column(Integer, ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False)
    sender = Column(String(16), nullable=False)  # visitor | staff | note | bot | system
    staff_user = Column(String(64))
    text = Column(Text, nullable=False)
    red_flag = Column(Boolean, nullable=False, default=False)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)

    __table_args__ = (Index("ix_handoff_messages_handoff", "handoff_id", "id"),)
