"""The integrators' webhook: new requests and status changes POSTed as signed JSON, at least once.

Each event is written to the outbox in the same unit of work as the change it reports (by
`bot.request_service`, the one place that changes a request); `bot.web`
delivers due events with retries and backoff. The delivery id is stable across retries, so receivers
dedupe by it. Signature: `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import httpx
from sqlalchemy.orm import Session

from bot.notifications.delivery import DeliveryFailed, deliver_due
from bot.settings import Settings
from bot.store.db import UnitOfWork
from bot.store.outbox import CREATED, STATUS_CHANGED, enqueue
from bot.store.schema import AppointmentRequest, OutboxMessage

WEBHOOK = "webhook"
TIMEOUT_S = 10
__all__ = ["CREATED", "STATUS_CHANGED", "announce", "deliver_due_webhooks", "request_data"]


def request_data(request: AppointmentRequest) -> dict[str, Any]:
    """The request as integrators see it (never the transcript)."""

    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "reference": request.reference,
        "kind": request.kind,
        "status": request.status,
        "full_name": request.full_name,
        "patient_name": request.patient_name,
        "patient_relation": request.patient_relation,
        "phone": request.phone,
        "phone_extension": request.phone_extension,
        "email": request.email,
        "preferred_date": iso(request.preferred_date),
        "preferred_time": request.preferred_time,
        "reason": request.reason,
        "reason_text": request.reason_text,
        "message": request.message,
        "consent_at": iso(request.consent_at),
        "channel": request.channel,
        "language": request.language,
        "created_at": iso(request.created_at),
        "updated_at": iso(request.updated_at),
    }


def announce(session: Session, settings: Settings, request: AppointmentRequest, event: str) -> None:
    """Queue the event for the webhook, if one is configured (same transaction as the change).

    Called by `bot.request_service`, which decides which changes are announced.
    """
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


Poster = Callable[[str, bytes, dict[str, str]], int]


def post_with_httpx(url: str, body: bytes, headers: dict[str, str]) -> int:
    return httpx.post(url, content=body, headers=headers, timeout=TIMEOUT_S).status_code


def deliver_due_webhooks(
    settings: Settings, uow: UnitOfWork, post: Poster = post_with_httpx, now: datetime | None = None
) -> tuple[int, int]:
    """POST the due events; returns (delivered, failed)."""
    url, secret = settings.notify_webhook_url, settings.notify_webhook_secret
    if not (url and secret):
        return 0, 0

    def send_one(message: OutboxMessage, request: AppointmentRequest) -> None:
        body = payload(message, request)
        headers = {
            "Content-Type": "application/json",
            "X-Signature": sign(secret, body, int(time.time())),
            "X-Delivery-Id": f"dlv_{message.id}",
        }
        try:
            status = post(url, body, headers)
        except httpx.HTTPError as error:
            raise DeliveryFailed(f"{type(error).__name__}: {error}") from error
        if not 200 <= status < 300:
            raise DeliveryFailed(f"DeliveryFailed: receiver answered {status}")

    return deliver_due(uow, WEBHOOK, send_one, now)
