"""Rasa's SQL tracker store, failing a turn while its database is away instead of forgetting the talk.

Rasa wraps every tracker store in a FailSafeTrackerStore which, when the database fails, carries on
with an empty in-memory conversation: a visitor would be greeted as new in the middle of a booking,
and what they answered during the outage would be gone once the database returns (and on another
Rasa server, never seen). With this store, and the corrections `python -m bot.rasa` installs in
every Rasa server (bot/rasa/patches.py), such a turn fails instead, so bot.web tells the visitor
the assistant is unavailable and gives the practice's phone, and the conversation resumes where it
was when the database is back. PostgreSQL connections are bounded so that takes seconds, not minutes.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import bindparam, create_engine, event, func, insert, or_, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import NullPool, QueuePool

from bot.store.db import postgres_connect_args, sqlite_pragmas

_EVENTS = SQLTrackerStore.SQLEvent.__table__
_SENDER = bindparam("sender_id")
_SESSION_START = (
    select(func.max(_EVENTS.c.timestamp))
    .where(_EVENTS.c.sender_id == _SENDER, _EVENTS.c.type_name == SessionStarted.type_name)
    .scalar_subquery()
)
_IN_LATEST_SESSION = or_(_EVENTS.c.timestamp >= _SESSION_START, _SESSION_START.is_(None))
# Rasa's queries (SQLTrackerStore._event_query), built once and reading only what they need.
ALL_EVENTS = select(_EVENTS.c.data).where(_EVENTS.c.sender_id == _SENDER).order_by(_EVENTS.c.id)
SESSION_EVENTS = ALL_EVENTS.where(_IN_LATEST_SESSION)
SESSION_EVENT_COUNT = select(func.count()).where(_EVENTS.c.sender_id == _SENDER, _IN_LATEST_SESSION)


def event_row(sender_id: str, event: Event) -> dict[str, Any]:
    """The row Rasa's SQLTrackerStore.save writes for an event."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


def _tracker_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL without an fsync per commit: every turn survives a killed process, not a power cut.

    The fsync at each commit was most of the store's cost (docs/performance.md). What a power cut can
    take is the last turns of a conversation, never a request: those live in the appointment store,
    which syncs every commit. Rasa's Redis tracker store, the usual production choice, promises no
    more by default (Redis writes to disk once a second at most).
    """
    sqlite_pragmas(dbapi_connection, synchronous="NORMAL")


def bounded_url(url: str) -> str:
    """A PostgreSQL URL with connect, statement and dead-peer limits (those it names itself are kept)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        return url
    limits = {key: str(value) for key, value in postgres_connect_args().items()}
    return parsed.update_query_dict({**limits, **parsed.query}).render_as_string(hide_password=False)


class FailFastSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, host: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, host=bounded_url(host) if host else host, **kwargs)
        if self.engine.dialect.name == "sqlite" and isinstance(self.engine.pool, NullPool):
            # SQLAlchemy 1.4 gives a SQLite file no pool: each turn opened the database (and read its
            # schema) twice, about 1 ms each. Keep the connections, as SQLAlchemy 2 does by default.
            url = self.engine.url
            self.engine.dispose()
            self.engine = create_engine(url, poolclass=QueuePool, connect_args={"check_same_thread": False})
            event.listen(self.engine, "connect", _tracker_pragmas)
            self.sessionmaker = sessionmaker(bind=self.engine)
        # Connections a database outage broke stay in Rasa's pool; test each one before a turn uses it
        # (Rasa's engine has no pre-ping, and its fallback used to hide the first failure).
        self.engine.pool._pre_ping = True

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        # Rasa's, with a Core statement built once instead of an ORM query per call that loads every
        # column into objects (with the INSERT below, about 3 ms of a turn; docs/performance.md).
        statement = ALL_EVENTS if fetch_events_from_all_sessions else SESSION_EVENTS
        with self.session_scope() as session:
            serialised = session.execute(statement, {"sender_id": sender_id}).scalars().all()
        if not (self.domain and serialised):
            return None
        events = [json.loads(data) for data in serialised]
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        # Rasa's (the events after those stored for the latest session), in one INSERT statement.
        await self.stream_events(tracker)
        with self.session_scope() as session:
            stored = session.execute(SESSION_EVENT_COUNT, {"sender_id": tracker.sender_id}).scalar_one()
            new = itertools.islice(tracker.events, stored, None)
            rows = [event_row(tracker.sender_id, event) for event in new]
            if rows:
                session.execute(insert(_EVENTS), rows)
            session.commit()
