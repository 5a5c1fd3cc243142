"""`purge` with both stores on the real PostgreSQL: old conversations (booked or not) and requests go,
recent ones stay, and an unreachable tracker database deletes nothing."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, text

from bot.settings import get_settings
from bot.staff.cli import main
from bot.store.db import UnitOfWork, create_database, drop_database, make_engine
from bot.store.requests import NewRequest, create_request, get_request
from tests.conftest import _postgres_server

pytestmark = pytest.mark.postgres

EVENTS = (
    "CREATE TABLE events (id SERIAL PRIMARY KEY, sender_id VARCHAR(255), type_name VARCHAR(255), "
    "timestamp DOUBLE PRECISION, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"
)


@pytest.fixture
def tracker_url(postgres_url: str) -> Iterator[str]:
    server, _ = _postgres_server()
    url = create_database(server, "tracker_test")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(EVENTS))
    engine.dispose()
    yield url
    drop_database(server, url)


def test_purge_on_postgresql(postgres_url: str, tracker_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("TRACKER_DATABASE_URL", tracker_url)
    get_settings.cache_clear()
    uow = UnitOfWork(make_engine(postgres_url))
    long_ago = datetime.now(timezone.utc) - timedelta(days=400)
    with uow() as session:
        old, _ = create_request(session, NewRequest(full_name="Pgold Patient", phone="+12125550111"))
        old.created_at = long_ago
        recent, _ = create_request(session, NewRequest(full_name="Pgnew Patient", phone="+12125550112"))
        old_ref, recent_ref = old.reference, recent.reference
    tracker = create_engine(tracker_url)
    rows = [
        ("abandoned", "user", long_ago.timestamp(), "Pgabandoned 212 555 0113"),
        ("live", "session_started", long_ago.timestamp(), "{}"),
        ("live", "user", long_ago.timestamp() + 1, "Pgearlier session"),
        ("live", "session_started", time.time() - 60, "{}"),
        ("live", "user", time.time(), "Pgcurrent session"),
    ]
    with tracker.begin() as connection:
        for sender, kind, at, data in rows:
            connection.execute(
                text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (:s, :k, :t, :d)"),
                {"s": sender, "k": kind, "t": at, "d": data},
            )

    monkeypatch.setenv("TRACKER_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    get_settings.cache_clear()
    assert main(["purge", "--older-than", "30", "--yes"], out=io.StringIO()) == 1
    with uow() as session:
        assert get_request(session, old_ref) is not None

    monkeypatch.setenv("TRACKER_DATABASE_URL", tracker_url)
    get_settings.cache_clear()
    out = io.StringIO()
    assert main(["purge", "--older-than", "30", "--yes"], out=out) == 0, out.getvalue()
    assert "1 whole conversation(s), 3 conversation event(s)" in out.getvalue()
    with uow() as session:
        assert get_request(session, old_ref) is None and get_request(session, recent_ref) is not None
    with tracker.connect() as connection:
        left = connection.execute(text("SELECT data FROM events ORDER BY id")).scalars().all()
    assert left == ["{}", "Pgcurrent session"]
    tracker.dispose()
    uow.engine.dispose()
