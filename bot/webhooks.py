"""The integrators' webhook: new requests and status changes POSTed as signed JSON, at least once.

Each event is written to the outbox in the same unit of work as the change it reports; `bot.web`
delivers due events with retries and backoff. The delivery id is stable across retries, so receivers
dedupe by it. Signature: `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import httpx
from sqlalchemy.orm import Session

from bot.settings import Settings
from bot.store.db import UnitOfWork
from bot.store.outbox import due, enqueue, mark_failed, mark_sent
from bot.store.schema import AppointmentRequest, OutboxMessage

logger = logging.getLogger(__name__)

WEBHOOK = "webhook"
TIMEOUT_S = 10
CREATED, STATUS_CHANGED = "request.created", "request.status_changed"


def request_data(request: AppointmentRequest) -> dict[str, Any]:
    """The request as integrators see it (never the transcript)."""

    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "reference": request.reference,
        "kind": request.kind,
        "status": request.status,
        "full_name": request.full_name,
        "phone": request.phone,
        "email": request.email,
        "preferred_date": iso(request.preferred_date),
        "preferred_time": request.preferred_time,
        "reason": request.reason,
        "message": request.message,
        "consent_at": iso(request.consent_at),
        "channel": request.channel,
        "created_at": iso(request.created_at),
        "updated_at": iso(request.updated_at),
    }


def announce(session: Session, settings: Settings, request: AppointmentRequest, event: str) -> None:
    """Queue the event for the webhook, if one is configured (same transaction as the change)."""
    if settings.notify_webhook_url:
        enqueue(session, request, WEBHOOK, event)


def sign(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def payload(message: OutboxMessage, request: AppointmentRequest) -> bytes:
    body = {
        "id": f"dlv_{message.id}",
        "type": message.event,
        "created_at": message.created_at.astimezone(timezone.utc).isoformat(),
        "data": request_data(request),
    }
    return json.dumps(body, separators=(",", ":")).encode()


class DeliveryFailed(Exception):
    pass


Poster = Callable[[str, bytes, dict[str, str]], int]


def post_with_httpx(url: str, body: bytes, headers: dict[str, str]) -> int:
    return httpx.post(url, content=body, headers=headers, timeout=TIMEOUT_S).status_code


def deliver_due_webhooks(
    settings: Settings, uow: UnitOfWork, post: Poster = post_with_httpx, now: datetime | None = None
) -> tuple[int, int]:
    """POST the due events; returns (delivered, failed). Each delivery is its own unit of work."""
    if not (settings.notify_webhook_url and settings.notify_webhook_secret):
        return 0, 0
    moment = now or datetime.now(timezone.utc)
    with uow() as session:
        ids = [message.id for message in due(session, WEBHOOK, moment)]
    delivered = failed = 0
    for message_id in ids:
        with uow() as session:
            message = session.get(OutboxMessage, message_id)
            if message is None or message.status != "pending":
                continue
            request = session.get(AppointmentRequest, message.request_id)
            body = payload(message, request)
            headers = {
                "Content-Type": "application/json",
                "X-Signature": sign(settings.notify_webhook_secret, body, int(time.time())),
                "X-Delivery-Id": f"dlv_{message.id}",
            }
            try:
                status = post(settings.notify_webhook_url, body, headers)
                if not 200 <= status < 300:
                    raise DeliveryFailed(f"receiver answered {status}")
            except (httpx.HTTPError, DeliveryFailed) as error:
                mark_failed(message, f"{type(error).__name__}: {error}", moment)
                logger.warning("webhook delivery dlv_%s failed (attempt %s)", message.id, message.attempts)
                failed += 1
            else:
                mark_sent(message)
                delivered += 1
    return delivered, failed
