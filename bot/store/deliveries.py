"""Providers' message ids already handled: a replayed delivery is recognised on any web server."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.store.schema import ProviderDelivery

KEEP = timedelta(hours=48)  # beyond every provider's retries (Slack ~1 h, Facebook and Telegram ~24 h)
MAX_ID_LENGTH = 128


def first_delivery(session: Session, provider: str, message_id: str, now: datetime) -> bool:
    """Record the id; False when it was recorded before (a replay or a provider's retry).

    The insert runs in a savepoint, so two servers receiving the same delivery at once see one
    succeed and the other fail on the primary key, without spoiling the caller's unit of work.
    """
    try:
        with session.begin_nested():
            session.add(ProviderDelivery(provider=provider, message_id=_fitting(message_id), received_at=now))
    except IntegrityError:
        return False
    return True


def prune_deliveries(session: Session, now: datetime) -> int:
    """Forget ids older than the retry windows."""
    result = session.execute(delete(ProviderDelivery).where(ProviderDelivery.received_at < now - KEEP))
    return result.rowcount or 0


def _fitting(message_id: str) -> str:
    """Ids longer than the column are kept as their hash, which stays unique."""
    if len(message_id) <= MAX_ID_LENGTH:
        return message_id
    return "sha256:" + hashlib.sha256(message_id.encode()).hexdigest()
