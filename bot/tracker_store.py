"""Rasa's SQL tracker store, failing a turn while its database is away instead of forgetting the talk.

Rasa wraps every tracker store in a FailSafeTrackerStore which, when the database fails, carries on
with an empty in-memory conversation: a visitor would be greeted as new in the middle of a booking,
and what they answered during the outage would be gone once the database returns (and on another
Rasa server, never seen). With this store such a turn fails instead, so bot.web tells the visitor
the assistant is unavailable and gives the practice's phone, and the conversation resumes where it
was when the database is back. PostgreSQL connections are bounded so that takes seconds, not minutes.
"""

from __future__ import annotations

from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import NullPool, QueuePool

from bot import rasa_patches
from bot.store.db import postgres_connect_args


def bounded_url(url: str) -> str:
    """A PostgreSQL URL with connect, statement and dead-peer limits (those it names itself are kept)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        return url
    limits = {key: str(value) for key, value in postgres_connect_args().items()}
    return parsed.update_query_dict({**limits, **parsed.query}).render_as_string(hide_password=False)


class FailFastSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, host: str | None = None, **kwargs: Any) -> None:
        # Rasa's wrapper has no switch for its fallback; its error hooks are the one seam, and this
        # store is what every Rasa process of this project runs with (endpoints.yml).
        rasa_patches.apply()
        super().__init__(*args, host=bounded_url(host) if host else host, **kwargs)
        if self.engine.dialect.name == "sqlite" and isinstance(self.engine.pool, NullPool):
            # SQLAlchemy 1.4 gives a SQLite file no pool: each turn opened the database (and read its
            # schema) twice, about 1 ms each. Keep the connections, as SQLAlchemy 2 does by default.
            url = self.engine.url
            self.engine.dispose()
            self.engine = create_engine(url, poolclass=QueuePool, connect_args={"check_same_thread": False})
            self.sessionmaker = sessionmaker(bind=self.engine)
        # Connections a database outage broke stay in Rasa's pool; test each one before a turn uses it
        # (Rasa's engine has no pre-ping, and its fallback used to hide the first failure).
        self.engine.pool._pre_ping = True
