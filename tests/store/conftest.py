"""Every store test runs twice: on a fresh SQLite file and on the real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.store.db import UnitOfWork, make_engine
from bot.store.migrate import upgrade


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        upgrade(url)
        yield url
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "TRUNCATE access_events, outbox, status_changes, appointment_requests, staff_users, "
                "api_keys, contact_checks, handoff_messages, handoffs "
                "RESTART IDENTITY CASCADE"
            )
        )
    engine.dispose()


@pytest.fixture
def uow(store_url: str) -> Iterator[UnitOfWork]:
    engine = make_engine(store_url)
    yield UnitOfWork(engine)
    engine.dispose()
