"""The outbox: notifications written with the request, delivered later with retries and backoff."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.schema import AppointmentRequest, OutboxMessage

# What happened, as integrators and staff hear of it (one outbox row per channel and event).
CREATED, STATUS_CHANGED = "request.created", "request.status_changed"
MAX_ATTEMPTS = 10
BASE_DELAY_S = 30
MAX_DELAY_S = 3600


def enqueue(session: Session, request: AppointmentRequest, channel: str, event: str) -> OutboxMessage:
    """Queue one delivery in the caller's transaction, so it exists exactly when the change does."""
    message = OutboxMessage(channel=channel, request_id=request.id, event=event, status="pending", attempts=0)
    session.add(message)
    session.flush()
    return message


def due(session: Session, channel: str, now: datetime, limit: int = 20) -> list[OutboxMessage]:
    return list(
        session.execute(
            select(OutboxMessage)
            .where(
                OutboxMessage.channel == channel,
                OutboxMessage.status == "pending",
                OutboxMessage.next_attempt_at <= now,
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        ).scalars()
    )


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at an hour."""
    return timedelta(seconds=min(BASE_DELAY_S * 2 ** max(attempts - 1, 0), MAX_DELAY_S))


def mark_sent(message: OutboxMessage) -> None:
    message.status = "sent"
    message.attempts += 1
    message.last_error = None


def mark_failed(message: OutboxMessage, error: str, now: datetime) -> None:
    message.attempts += 1
    message.last_error = error[:300]
    if message.attempts >= MAX_ATTEMPTS:
        message.status = "failed"
    else:
        message.next_attempt_at = now + retry_delay(message.attempts)
