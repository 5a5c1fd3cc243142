"""Counting failed contact checks per reference code, in the database, with a lockout.

A visitor who is not in the conversation that made a request must give its phone or e-mail. The
failures are counted per code, whether or not a request holds it, so that neither the contact
details nor the existence of a code can be guessed: after MAX_FAILURES failures within LOCK_PERIOD
the code is locked for LOCK_PERIOD, for every conversation, and a locked unknown code answers just
like a locked real one. Each function takes a session and never commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.store.schema import ContactCheck

MAX_FAILURES = 5
LOCK_PERIOD = timedelta(hours=24)  # also how long a failure counts


def is_locked(session: Session, reference: str, now: datetime) -> bool:
    row = session.get(ContactCheck, reference)
    return bool(row and row.locked_until and row.locked_until > now)


def guard(session: Session, reference: str, now: datetime) -> ContactCheck:
    """The code's counter, created if missing, row-locked until the commit (PostgreSQL; SQLite's
    BEGIN IMMEDIATE serialises writers), so concurrent checks of one code count every failure."""
    row = session.get(ContactCheck, reference, with_for_update=True, populate_existing=True)
    if row is None:
        try:
            with session.begin_nested():
                row = ContactCheck(reference=reference, failures=0, updated_at=now)
                session.add(row)
                session.flush()
        except IntegrityError:  # another check of the same code created it meanwhile
            row = session.get(ContactCheck, reference, with_for_update=True, populate_existing=True)
    if (row.locked_until and row.locked_until <= now) or row.updated_at <= now - LOCK_PERIOD:
        row.failures, row.locked_until = 0, None  # the lock ran out, or the last failure is old
    return row


def locked(row: ContactCheck, now: datetime) -> bool:
    return bool(row.locked_until and row.locked_until > now)


def record_failure(row: ContactCheck, now: datetime) -> bool:
    """Count one failure; True when this one locks the code."""
    row.failures += 1
    row.updated_at = now
    if row.failures >= MAX_FAILURES:
        row.locked_until = now + LOCK_PERIOD
        return True
    return False


def clear(session: Session, row: ContactCheck) -> None:
    """A check that passed: earlier slips no longer count."""
    session.delete(row)
    session.flush()


def prune(session: Session, now: datetime) -> int:
    """Forget counters that no longer count (no lock, no recent failure); skips rows another check
    holds, so two prunes never wait on each other."""
    stale = (
        select(ContactCheck.reference)
        .where(ContactCheck.updated_at <= now - LOCK_PERIOD)
        .where((ContactCheck.locked_until.is_(None)) | (ContactCheck.locked_until <= now))
        .with_for_update(skip_locked=True)
    )
    result = session.execute(
        delete(ContactCheck)
        .where(ContactCheck.reference.in_(stale))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
