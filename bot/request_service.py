"""The request's life in one place: submit (or spool), drain the spool, change status, add a note,
check a visitor's contact details.

Every entry point that changes a request (the actions, the staff dashboard, the staff CLI, the
spool's drain) calls only this module, and each change here writes its audit row (status_changes)
and its outbox events (integrators' webhook; staff e-mail for new requests and visitors' own
cancellations) in one unit of work: the change and its announcements exist together or not at
all, exactly once, whoever made it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum

from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from bot.booking.contact import find_email, find_phone, normalise_email, normalise_phone, split_phone
from bot.conversation.transcript import with_handoff_turns
from bot.notifications import email as staff_email
from bot.notifications import webhook_events
from bot.settings import Settings
from bot.store import contact_checks, handoffs
from bot.store import requests as store
from bot.store.codes import new_code
from bot.store.db import UnitOfWork, describe_error
from bot.store.outbox import CREATED, STATUS_CHANGED
from bot.store.requests import InvalidRequest, NewRequest, StoreError
from bot.store.schema import AppointmentRequest, utcnow
from bot.store.spool import Spool, SpooledRequest

logger = logging.getLogger(__name__)

VISITOR = "visitor"
SYSTEM = "system"
# The visitor's answer must not wait on a database that is not there: past this, the spool takes over.
STORE_TIME_LIMIT_S = 4.0


def _announce(
    session: Session, settings: Settings, request: AppointmentRequest, event: str, *, email_staff: bool
) -> None:
    webhook_events.announce(session, settings, request, event)
    if email_staff:
        staff_email.announce(session, settings, request, event)


# --- new requests ---------------------------------------------------------------------------------


def store_request(
    session: Session, settings: Settings, new: NewRequest, reference: str | None = None
) -> tuple[AppointmentRequest, bool]:
    """Store once per idempotency key and queue the staff e-mail and webhook with it.

    The transcript gains the conversation's live-chat turns (visitor and staff) here, in the same
    transaction, so a request stored later from the spool gets them too.
    """
    if new.conversation_id and (turns := handoffs.handoff_turns(session, new.conversation_id)):
        new = replace(new, transcript=with_handoff_turns(new.transcript, turns))
    request, created = store.create_request(session, new, actor=VISITOR, reference=reference)
    if created:  # delivered later from the outbox; never blocks the visitor
        _announce(session, settings, request, CREATED, email_staff=True)
    return request, created


def is_outage(error: BaseException) -> bool:
    """Errors that mean "the database is not there right now", not "this request is wrong"."""
    timeouts = (TimeoutError, asyncio.TimeoutError, sa_exc.TimeoutError)  # distinct classes before 3.11
    if isinstance(error, (*timeouts, ConnectionError, sa_exc.DisconnectionError)):
        return True
    if isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError)):
        return True
    return isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated


@dataclass(frozen=True)
class Submitted:
    reference: str
    spooled: bool  # kept in the local spool: it reaches the practice's list once the database is back


async def submit(uow: UnitOfWork, settings: Settings, new: NewRequest) -> Submitted:
    """Make a confirmed request durable and return its code: in the database, else in the local spool.

    The code is chosen here, before the database is tried, so that a store that finishes after the
    time limit (while the spool has taken over) still stores the code the visitor was given.
    """
    problems = new.problems()
    if problems:
        raise InvalidRequest("; ".join(problems))
    spool = Spool(settings.spool_dir)
    if pending := await asyncio.to_thread(spool.find, new.idempotency_key or ""):  # a retry, still down
        logger.info("%s request %s already waiting in the spool", new.kind, pending.reference)
        return Submitted(pending.reference, spooled=True)
    reference = new_code()

    def store_once() -> tuple[str, bool]:
        with uow() as session:
            request, created = store_request(session, settings, new, reference)
            return request.reference, created

    try:
        stored, created = await asyncio.wait_for(asyncio.to_thread(store_once), STORE_TIME_LIMIT_S)
    except Exception as error:
        if not is_outage(error):
            raise
        logger.warning(
            "appointment database unavailable (%s); %s request %s kept in the local spool",
            type(error).__name__,
            new.kind,
            reference,
        )
        entry = await asyncio.to_thread(spool.put, SpooledRequest(reference, new))
        return Submitted(entry.reference, spooled=True)
    logger.info("%s request %s (%s)", new.kind, stored, "stored" if created else "already stored")
    return Submitted(stored, spooled=False)


@dataclass
class DrainResult:
    stored: int = 0  # new rows written
    already: int = 0  # the database held them already (replay after a crash, or a late insert)
    left: int = 0  # still in the spool (the database went away again, or the entry was refused)


def drain(spool: Spool, uow: UnitOfWork, settings: Settings) -> DrainResult:
    """Move every spooled request into the database, oldest first; stops at the first outage.

    Each entry is committed, then its file removed: a crash in between replays it, and the
    idempotency key turns the replay into a no-op (no second row, no second announcement).
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


# --- status and notes ----------------------------------------------------------------------------


def change_status(
    uow: UnitOfWork,
    settings: Settings,
    reference: str,
    to_status: str,
    *,
    actor: str,
    note: str | None = None,
) -> AppointmentRequest:
    """Move a request (row-locked, allowed moves only), with its audit row and one
    `request.status_changed` event; a visitor's own cancel also e-mails the staff."""
    with uow() as session:
        request = store.change_status(session, reference, to_status, actor=actor, note=note)
        _announce(session, settings, request, STATUS_CHANGED, email_staff=actor == VISITOR)
        return request


def add_note(uow: UnitOfWork, reference: str, *, actor: str, note: str) -> AppointmentRequest:
    """A staff note on the request and in its history; not a status change, so nothing is announced."""
    with uow() as session:
        return store.add_note(session, reference, actor=actor, note=note)


# --- a visitor's contact check -------------------------------------------------------------------


class ContactCheck(Enum):
    MATCHED = "matched"
    MISMATCHED = "mismatched"  # a wrong contact and an unknown code alike
    LOCKED = "locked"  # too many failures for this code: the visitor is sent to the practice's phone


def matches_contact(text: str, phone: str | None, email: str | None, region: str) -> bool:
    """The visitor's phone (main number: with or without an extension) or e-mail is the request's."""
    given_phone, _ = split_phone(normalise_phone(text, region) or find_phone(text, region))
    given_email = normalise_email(text) or find_email(text)
    return bool(
        (phone and given_phone == phone) or (email and given_email and given_email.lower() == email.lower())
    )


def contact_check_locked(uow: UnitOfWork, reference: str, now: datetime | None = None) -> bool:
    """Whether the code is locked; the same answer for a code no request holds."""
    with uow() as session:
        return contact_checks.is_locked(session, reference, now or utcnow())


def check_contact(
    uow: UnitOfWork, settings: Settings, reference: str, given: str, now: datetime | None = None
) -> ContactCheck:
    """Compare what the visitor gave with the phone and e-mail on the request, counting failures per
    code in the database. The failure that locks a real request leaves a note in its history."""
    moment = now or utcnow()
    with uow() as session:
        counter = contact_checks.guard(session, reference, moment)
        if contact_checks.locked(counter, moment):
            return ContactCheck.LOCKED
        request = store.get_request(session, reference)
        if request and matches_contact(given, request.phone, request.email, settings.phone_region):
            contact_checks.clear(session, counter)
            return ContactCheck.MATCHED
        if not contact_checks.record_failure(counter, moment):
            outcome = ContactCheck.MISMATCHED
        else:
            outcome = ContactCheck.LOCKED
            if request:
                store.add_note(
                    session,
                    request.reference,
                    actor=SYSTEM,
                    note=f"Status checks by this code are locked for "
                    f"{int(contact_checks.LOCK_PERIOD.total_seconds() // 3600)} hours after "
                    f"{contact_checks.MAX_FAILURES} wrong phone numbers or e-mails: someone may be "
                    "guessing. The visitor was asked to call the practice.",
                )
                logger.warning("contact checks of request %s locked after repeated failures", reference)
    with uow() as session:
        contact_checks.prune(session, moment)
    return outcome
