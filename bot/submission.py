"""Storing a confirmed request: in the database when it answers, else in the local spool until it does.

The action and the drain store through the same `store_request`, so a request kept in the spool gets
the same reference code, idempotency key and notifications as one stored at once, exactly once.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from bot.notify import EMAIL
from bot.settings import Settings
from bot.store.db import UnitOfWork, describe_error
from bot.store.outbox import enqueue
from bot.store.requests import NewRequest, StoreError, create_request
from bot.store.schema import AppointmentRequest
from bot.store.spool import Spool
from bot.webhooks import CREATED, announce

logger = logging.getLogger(__name__)


def store_request(
    session: Session, settings: Settings, new: NewRequest, reference: str | None = None
) -> tuple[AppointmentRequest, bool]:
    """Store once per idempotency key and queue the staff e-mail and webhook with it."""
    request, created = create_request(session, new, reference=reference)
    if created:  # delivered later from the outbox; never blocks the visitor
        if settings.smtp:
            enqueue(session, request, EMAIL, CREATED)
        announce(session, settings, request, CREATED)
    return request, created


def is_outage(error: BaseException) -> bool:
    """Errors that mean "the database is not there right now", not "this request is wrong"."""
    timeouts = (TimeoutError, asyncio.TimeoutError, sa_exc.TimeoutError)  # distinct classes before 3.11
    if isinstance(error, (*timeouts, ConnectionError, sa_exc.DisconnectionError)):
        return True
    if isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError)):
        return True
    return isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated


@dataclass
class DrainResult:
    stored: int = 0  # new rows written
    already: int = 0  # the database held them already (replay after a crash, or a late insert)
    left: int = 0  # still in the spool (the database went away again, or the entry was refused)


def drain(spool: Spool, uow: UnitOfWork, settings: Settings) -> DrainResult:
    """Move every spooled request into the database, oldest first; stops at the first outage.

    Each entry is committed, then its file removed: a crash in between replays it, and the
    idempotency key turns the replay into a no-op.
    """
    result = DrainResult()
    pending = list(spool.entries())
    for index, (path, entry) in enumerate(pending):
        try:
            with uow() as session:
                request, created = store_request(session, settings, entry.request, entry.reference)
                reference = request.reference
        except Exception as error:
            if is_outage(error):
                result.left += len(pending) - index
                logger.info("database still unavailable; %d request(s) wait in the spool", result.left)
                return result
            if isinstance(error, StoreError):
                logger.error("spooled request %s refused: %s; file kept", entry.reference, error)
            else:
                logger.error(
                    "storing spooled request %s failed (%s); file kept",
                    entry.reference,
                    describe_error(error),
                )
            result.left += 1
            continue
        if reference != entry.reference:  # e.g. retried through another action server meanwhile
            logger.warning("spooled request %s was stored earlier as %s", entry.reference, reference)
        spool.remove(path)
        if created:
            result.stored += 1
            logger.info("spooled %s request %s stored", entry.request.kind, reference)
        else:
            result.already += 1
            logger.info("spooled %s request %s was already stored", entry.request.kind, reference)
    return result
