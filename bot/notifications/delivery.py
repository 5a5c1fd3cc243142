"""Delivering the outbox: one loop for every channel (staff e-mail, integrators' webhook).

Each due message is sent in its own unit of work; a send that fails is retried later with backoff
(see `bot.store.outbox`), so one bad receiver never holds up the others or the conversation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone

from bot.store.db import UnitOfWork
from bot.store.outbox import due, mark_failed, mark_sent
from bot.store.schema import AppointmentRequest, OutboxMessage

logger = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """A send that did not go through and is worth retrying; the message says why."""


Sender = Callable[[OutboxMessage, AppointmentRequest], None]


def deliver_due(uow: UnitOfWork, channel: str, send: Sender, now: datetime | None = None) -> tuple[int, int]:
    """Send the channel's due messages; returns (sent, failed)."""
    moment = now or datetime.now(timezone.utc)
    with uow() as session:
        ids = [message.id for message in due(session, channel, moment)]
    sent = failed = 0
    for message_id in ids:
        with uow() as session:
            # Several web servers deliver from one outbox: the row lock (PostgreSQL; SQLite's writes are
            # serialised anyway) keeps one message from going out twice at the same moment.
            message = session.get(OutboxMessage, message_id, with_for_update={"skip_locked": True})
            if message is None or message.status != "pending":
                continue
            request = session.get(AppointmentRequest, message.request_id)
            try:
                send(message, request)
            except DeliveryFailed as error:
                mark_failed(message, str(error), moment)
                logger.warning(
                    "%s delivery %s for request %s failed (attempt %s)",
                    channel,
                    message.id,
                    request.reference,
                    message.attempts,
                )
                failed += 1
            else:
                mark_sent(message)
                sent += 1
    return sent, failed
