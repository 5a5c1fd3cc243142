"""Providers' message ids: recorded once, a second time recognised, forgotten after the retry windows."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bot.store.db import UnitOfWork
from bot.store.deliveries import KEEP, first_delivery, prune_deliveries
from bot.store.schema import ProviderDelivery

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)


def test_an_id_is_new_once_per_provider(uow: UnitOfWork) -> None:
    sid = f"SM{uuid.uuid4().hex}"
    with uow() as session:
        assert first_delivery(session, "twilio", sid, NOW)
        assert not first_delivery(session, "twilio", sid, NOW)  # the unit of work goes on
        assert first_delivery(session, "telegram", sid, NOW)
    with uow() as session:
        assert not first_delivery(session, "twilio", sid, NOW)
        long_id = "m." + uuid.uuid4().hex * 20
        assert first_delivery(session, "facebook", long_id, NOW)
        assert not first_delivery(session, "facebook", long_id, NOW)


def test_old_ids_are_pruned(uow: UnitOfWork) -> None:
    old, recent = f"Ev-old-{uuid.uuid4().hex}", f"Ev-recent-{uuid.uuid4().hex}"
    with uow() as session:
        first_delivery(session, "slack", old, NOW - KEEP - timedelta(minutes=1))
        first_delivery(session, "slack", recent, NOW - timedelta(hours=1))
    with uow() as session:
        assert prune_deliveries(session, NOW) >= 1
    with uow() as session:
        kept = select(ProviderDelivery.message_id).where(ProviderDelivery.message_id.in_([old, recent]))
        assert list(session.execute(kept).scalars()) == [recent]
        assert first_delivery(session, "slack", old, NOW)
