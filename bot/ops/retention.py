"""What `python -m bot.staff purge` deletes outside the appointment tables: conversations in Rasa's
tracker store and files in the local spool.

Every conversation counts, whether or not it became a request: an abandoned booking or a status
lookup holds a name or a phone too. A conversation whose last event is older than the cutoff goes
whole; one still in use keeps its current session (what Rasa reads for the next turn) and loses the
earlier sessions that ended before the cutoff. Plain SQL on Rasa's `events` table, so the staff CLI
does not load Rasa.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from bot.store.db import make_engine
from bot.store.requests import find_by_key, get_request
from bot.store.spool import CorruptEntry, Spool

_STALE_SENDERS = "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff"
_OLD_EVENTS = (
    f"sender_id IN ({_STALE_SENDERS}) OR (timestamp < :cutoff AND timestamp < ("
    "SELECT MAX(s.timestamp) FROM events s WHERE s.sender_id = events.sender_id "
    "AND s.type_name = 'session_started'))"
)


class StoreUnavailable(Exception):
    """A store the purge must clean cannot be reached; the message names it."""


@dataclass(frozen=True)
class TrackerCounts:
    conversations: int = 0  # removed whole
    events: int = 0  # in all, those of earlier sessions included

    def describe(self) -> str:
        return f"{self.conversations} whole conversation(s), {self.events} conversation event(s)"


def tracker_engine(url: str) -> Engine | None:
    """An engine on the tracker store; None for a SQLite file Rasa has not created yet (no
    conversations to delete, and opening it would create it)."""
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and not (parsed.database and Path(parsed.database).exists()):
        return None
    return make_engine(url)


def _has_events(connection) -> bool:
    return inspect(connection).has_table("events")


def count_conversations(engine: Engine | None, cutoff: datetime) -> TrackerCounts:
    if engine is None:
        return TrackerCounts()
    ts = {"cutoff": cutoff.timestamp()}
    try:
        with engine.connect() as connection:
            if not _has_events(connection):
                return TrackerCounts()
            whole = connection.execute(
                text(f"SELECT COUNT(*) FROM ({_STALE_SENDERS}) stale"), ts
            ).scalar_one()
            events = connection.execute(
                text(f"SELECT COUNT(*) FROM events WHERE {_OLD_EVENTS}"), ts
            ).scalar_one()
    except Exception as error:
        raise _unavailable(engine, error) from None
    return TrackerCounts(conversations=whole, events=events)


def purge_conversations(engine: Engine | None, cutoff: datetime) -> TrackerCounts:
    """Delete them in one transaction; on SQLite also rewrite the file (VACUUM) and empty its WAL, so
    the deleted text is not left in free pages or old log frames."""
    if engine is None:
        return TrackerCounts()
    ts = {"cutoff": cutoff.timestamp()}
    try:
        with engine.begin() as connection:
            if not _has_events(connection):
                return TrackerCounts()
            whole = connection.execute(
                text(f"SELECT COUNT(*) FROM ({_STALE_SENDERS}) stale"), ts
            ).scalar_one()
            events = connection.execute(text(f"DELETE FROM events WHERE {_OLD_EVENTS}"), ts).rowcount
        if engine.dialect.name == "sqlite":
            compact_sqlite(engine)
    except Exception as error:
        raise _unavailable(engine, error) from None
    return TrackerCounts(conversations=whole, events=events)


def compact_sqlite(engine: Engine) -> None:
    """VACUUM (only live rows are copied into the rewritten file) and truncate the WAL."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("VACUUM")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.close()
    finally:
        raw.close()


def _unavailable(engine: Engine, error: Exception) -> StoreUnavailable:
    where = engine.url.render_as_string(hide_password=True)
    return StoreUnavailable(
        f"the tracker database (TRACKER_DATABASE_URL, {where}) is not available ({type(error).__name__})"
    )


@dataclass(frozen=True)
class SpoolCounts:
    stored: int = 0  # already in the appointment store (a crash between storing and removing)
    old: int = 0  # older than the cutoff: never stored, unreadable, or left-over temp files

    def describe(self) -> str:
        return f"{self.stored} spooled file(s) already stored, {self.old} older spooled file(s)"


def spool_files_to_purge(spool: Spool, session: Session, cutoff: datetime) -> tuple[list[Path], SpoolCounts]:
    if not spool.directory.is_dir():
        return [], SpoolCounts()
    stored, old = [], []
    for path in sorted(spool.directory.iterdir()):
        if not path.is_file():
            continue
        try:
            entry = spool.read(path)
        except (CorruptEntry, OSError):
            entry = None
        key = entry.request.idempotency_key if entry else None
        if entry is not None and (
            find_by_key(session, key) if key else get_request(session, entry.reference)
        ):
            stored.append(path)
        elif _mtime(path) < cutoff.timestamp():
            old.append(path)
    return stored + old, SpoolCounts(stored=len(stored), old=len(old))


def remove_files(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
    for directory in {path.parent for path in paths}:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return float("inf")
