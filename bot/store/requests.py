"""Store functions for appointment requests. Each takes a session and never commits on its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.store.codes import new_code
from bot.store.schema import (
    KINDS,
    REQUEST_LANGUAGES,
    STATUSES,
    AccessEvent,
    AppointmentRequest,
    LoginFailure,
    OutboxMessage,
    StaffSessionRecord,
    StatusChange,
    utcnow,
)

ALLOWED_MOVES: dict[str, frozenset[str]] = {
    "new": frozenset({"contacted", "scheduled", "declined", "cancelled"}),
    "contacted": frozenset({"scheduled", "declined", "cancelled"}),
    "scheduled": frozenset({"cancelled"}),
    "declined": frozenset(),
    "cancelled": frozenset(),
}
FINAL_STATUSES = frozenset(status for status, moves in ALLOWED_MOVES.items() if not moves)
_CODE_ATTEMPTS = 8


class StoreError(Exception):
    """A request the store refuses; the message is fit to show to staff."""


class InvalidRequest(StoreError):
    pass


class UnknownReference(StoreError):
    pass


class StatusMoveRefused(StoreError):
    pass


@dataclass(frozen=True)
class NewRequest:
    full_name: str
    kind: str = "appointment"
    phone: str | None = None  # E.164
    email: str | None = None
    preferred_date: date | None = None
    preferred_time: str | None = None
    reason: str | None = None
    message: str | None = None
    consent_at: datetime | None = None
    channel: str | None = None
    conversation_id: str | None = None
    idempotency_key: str | None = None
    transcript: list[dict] = field(default_factory=list)
    created_at: datetime | None = None  # when the visitor sent it; set for requests kept in the spool
    # Added after the spool format was fixed: defaults, so older spool files still read back.
    phone_extension: str | None = None
    reason_text: str | None = None  # the visitor's words, when they say more than `reason`
    patient_name: str | None = None
    patient_relation: str | None = None
    language: str = "en"  # the conversation's; older spool files have none and were English

    def problems(self) -> list[str]:
        found = []
        if self.kind not in KINDS:
            found.append(f"unknown kind '{self.kind}'")
        if problem := language_problem(self.language):
            found.append(problem)
        if not self.full_name.strip():
            found.append("a name is required")
        if not (self.phone or self.email):
            found.append("a phone number or an e-mail address is required")
        if self.kind == "callback" and not self.phone:
            found.append("a callback needs a phone number")
        return found


def language_problem(language: str | None) -> str | None:
    """Why `language` cannot be a request's language, or None: only the assistant's own languages."""
    if language in REQUEST_LANGUAGES:
        return None
    return f"unknown language '{language}' (one of {', '.join(REQUEST_LANGUAGES)})"


def find_by_key(session: Session, key: str) -> AppointmentRequest | None:
    return session.execute(
        select(AppointmentRequest).where(AppointmentRequest.idempotency_key == key)
    ).scalar_one_or_none()


def create_request(
    session: Session,
    new: NewRequest,
    *,
    actor: str = "visitor",
    code_factory: Callable[[], str] = new_code,
    reference: str | None = None,
) -> tuple[AppointmentRequest, bool]:
    """Store a request once per idempotency key; returns (request, created).

    A retried or repeated submit with the same key returns the request stored first, so the visitor
    always hears the same reference code. `reference` is a code already given to the visitor (a
    request kept in the local spool while the database was down): it is tried first, and only if
    another request holds it (about one chance in 387 million) does a fresh code follow.
    """
    problems = new.problems()
    if problems:
        raise InvalidRequest("; ".join(problems))
    if new.idempotency_key and (existing := find_by_key(session, new.idempotency_key)):
        return existing, False

    created_at = new.created_at or utcnow()
    for attempt in range(_CODE_ATTEMPTS):
        row = AppointmentRequest(
            reference=reference if reference and attempt == 0 else code_factory(),
            kind=new.kind,
            full_name=new.full_name.strip(),
            phone=new.phone,
            phone_extension=new.phone_extension,
            email=new.email,
            preferred_date=new.preferred_date,
            preferred_time=new.preferred_time,
            reason=new.reason,
            reason_text=new.reason_text,
            patient_name=new.patient_name,
            patient_relation=new.patient_relation,
            message=new.message,
            consent_at=new.consent_at,
            channel=new.channel,
            conversation_id=new.conversation_id,
            idempotency_key=new.idempotency_key,
            transcript=new.transcript,
            language=new.language,
            status="new",
            created_at=created_at,
            updated_at=created_at,
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            # Either the code collided (try another) or a concurrent submit took the key first.
            if new.idempotency_key and (existing := find_by_key(session, new.idempotency_key)):
                return existing, False
            continue
        session.add(
            StatusChange(
                request_id=row.id, from_status=None, to_status="new", actor=actor, created_at=created_at
            )
        )
        session.flush()
        return row, True
    raise StoreError("could not allocate a unique reference code")


def get_request(session: Session, reference: str) -> AppointmentRequest | None:
    return session.execute(
        select(AppointmentRequest).where(AppointmentRequest.reference == reference.strip().upper())
    ).scalar_one_or_none()


def require_request(session: Session, reference: str, *, lock: bool = False) -> AppointmentRequest:
    """The request, or UnknownReference. `lock=True` takes its row lock (PostgreSQL's SELECT … FOR
    UPDATE; SQLite's BEGIN IMMEDIATE already serialises writers) and re-reads it after waiting, so a
    move is decided on the status another transaction may just have committed."""
    query = select(AppointmentRequest).where(AppointmentRequest.reference == reference.strip().upper())
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    request = session.execute(query).scalar_one_or_none()
    if request is None:
        raise UnknownReference(f"no request with reference {reference}")
    return request


def change_status(
    session: Session, reference: str, to_status: str, *, actor: str, note: str | None = None
) -> AppointmentRequest:
    """Move a request along the allowed paths and write the audit row; refuses any other move.

    The row is locked first: a visitor's cancel racing a staff move must not overwrite a final status.
    """
    if to_status not in STATUSES:
        raise StatusMoveRefused(f"unknown status '{to_status}' (one of {', '.join(STATUSES)})")
    request = require_request(session, reference, lock=True)
    if to_status not in ALLOWED_MOVES[request.status]:
        raise StatusMoveRefused(f"{request.reference} is '{request.status}' and cannot become '{to_status}'")
    session.add(
        StatusChange(
            request_id=request.id, from_status=request.status, to_status=to_status, actor=actor, note=note
        )
    )
    request.status = to_status
    if note and actor != "visitor":
        request.staff_note = note
    session.flush()
    return request


def status_history(session: Session, request: AppointmentRequest) -> list[StatusChange]:
    return list(
        session.execute(
            select(StatusChange).where(StatusChange.request_id == request.id).order_by(StatusChange.id)
        ).scalars()
    )


@dataclass(frozen=True)
class RequestFilter:
    """What staff filter the list by; every field optional."""

    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    text: str | None = None
    language: str | None = None

    def problems(self) -> list[str]:
        found = []
        if self.status and self.status not in STATUSES:
            found.append(f"unknown status '{self.status}' (one of {', '.join(STATUSES)})")
        if self.language and (problem := language_problem(self.language)):
            found.append(problem)
        if self.date_from and self.date_to and self.date_from > self.date_to:
            found.append("the start date is after the end date")
        return found


def _filtered(query, wanted: RequestFilter):
    if wanted.status:
        query = query.where(AppointmentRequest.status == wanted.status)
    if wanted.language:
        query = query.where(AppointmentRequest.language == wanted.language)
    if wanted.date_from:
        query = query.where(AppointmentRequest.preferred_date >= wanted.date_from)
    if wanted.date_to:
        query = query.where(AppointmentRequest.preferred_date <= wanted.date_to)
    if wanted.text and wanted.text.strip():
        needle = f"%{wanted.text.strip().lower()}%"
        digits = "".join(ch for ch in wanted.text if ch.isdigit())
        matches = [
            func.lower(AppointmentRequest.full_name).like(needle),
            func.lower(AppointmentRequest.patient_name).like(needle),
            func.lower(AppointmentRequest.email).like(needle),
            func.lower(AppointmentRequest.reference).like(needle),
        ]
        if len(digits) >= 3:
            matches.append(AppointmentRequest.phone.like(f"%{digits}%"))
        query = query.where(or_(*matches))
    return query


def all_matching(session: Session, wanted: RequestFilter) -> list[AppointmentRequest]:
    """Every request matching the filter, newest first (for exports)."""
    rows, _ = search_requests(session, wanted, page=1, per_page=1_000_000)
    return rows


def search_requests(
    session: Session, wanted: RequestFilter, *, page: int = 1, per_page: int = 25
) -> tuple[list[AppointmentRequest], int]:
    """One page of requests matching the filter, newest first, and how many match in all."""
    problems = wanted.problems()
    if problems:
        raise InvalidRequest("; ".join(problems))
    total = session.execute(_filtered(select(func.count(AppointmentRequest.id)), wanted)).scalar_one()
    query = _filtered(select(AppointmentRequest), wanted).order_by(
        AppointmentRequest.created_at.desc(), AppointmentRequest.id.desc()
    )
    rows = session.execute(query.offset((max(page, 1) - 1) * per_page).limit(per_page)).scalars()
    return list(rows), total


def add_note(session: Session, reference: str, *, actor: str, note: str) -> AppointmentRequest:
    """A staff note, kept on the request and in the audit trail (a row without a status move)."""
    text = (note or "").strip()
    if not text:
        raise InvalidRequest("the note is empty")
    request = require_request(session, reference, lock=True)
    session.add(
        StatusChange(
            request_id=request.id,
            from_status=request.status,
            to_status=request.status,
            actor=actor,
            note=text,
        )
    )
    request.staff_note = text
    session.flush()
    return request


PURGE_ACTION = "purge"  # the record of a purge: counts and the cutoff only, kept past every cutoff


@dataclass(frozen=True)
class PurgeCounts:
    """What a purge removes from the appointment store (or removed)."""

    requests: int = 0
    access_events: int = 0
    outbox: int = 0
    # Failed logins keep the name as typed (sometimes a password) and the client's address.
    staff_records: int = 0

    def describe(self) -> str:
        return (
            f"{self.requests} request(s), {self.access_events} access event(s), "
            f"{self.outbox} notification(s), {self.staff_records} failed login(s) or ended staff session(s)"
        )


def _old_requests(cutoff: datetime):
    return select(AppointmentRequest.id).where(AppointmentRequest.created_at < cutoff)


def _old_access_events(cutoff: datetime):
    return or_(
        AccessEvent.request_id.in_(_old_requests(cutoff)),
        (AccessEvent.created_at < cutoff) & (AccessEvent.action != PURGE_ACTION),
    )


def _old_outbox(cutoff: datetime):
    return or_(OutboxMessage.request_id.in_(_old_requests(cutoff)), OutboxMessage.created_at < cutoff)


def count_older_than(session: Session, cutoff: datetime) -> PurgeCounts:
    """What `purge_older_than` would delete, without deleting (the plan a purge records first)."""

    def count(model, where) -> int:
        return session.execute(select(func.count()).select_from(model).where(where)).scalar_one()

    return PurgeCounts(
        requests=count(AppointmentRequest, AppointmentRequest.created_at < cutoff),
        access_events=count(AccessEvent, _old_access_events(cutoff)),
        outbox=count(OutboxMessage, _old_outbox(cutoff)),
        staff_records=count(LoginFailure, LoginFailure.created_at < cutoff)
        + count(StaffSessionRecord, StaffSessionRecord.last_seen_at < cutoff),
    )


def purge_older_than(session: Session, cutoff: datetime) -> PurgeCounts:
    """Delete what is older than `cutoff`: requests with their audit rows, access events and
    notifications, every access event and notification of that age whatever its request, failed
    logins and staff sessions last used before it.

    The records of earlier purges stay (they hold no patient data). Conversations live in Rasa's
    tracker store, which `bot.ops.retention` cleans.
    """
    counts = count_older_than(session, cutoff)
    # Exports recorded before the search text was left out of access events: keep only the count.
    for event in session.execute(
        select(AccessEvent).where(AccessEvent.action == "exported", AccessEvent.detail.like("%;%"))
    ).scalars():
        event.detail = event.detail.split(";", 1)[0]
    session.flush()
    session.execute(
        delete(AccessEvent).where(_old_access_events(cutoff)),
        execution_options={"synchronize_session": False},
    )
    session.execute(
        delete(OutboxMessage).where(_old_outbox(cutoff)), execution_options={"synchronize_session": False}
    )
    for old_staff_record in (
        delete(LoginFailure).where(LoginFailure.created_at < cutoff),
        delete(StaffSessionRecord).where(StaffSessionRecord.last_seen_at < cutoff),
    ):
        session.execute(old_staff_record, execution_options={"synchronize_session": False})
    old = _old_requests(cutoff).scalar_subquery()
    session.execute(
        delete(StatusChange).where(StatusChange.request_id.in_(old)),
        execution_options={"synchronize_session": False},
    )
    session.execute(
        delete(AppointmentRequest).where(AppointmentRequest.created_at < cutoff),
        execution_options={"synchronize_session": False},
    )
    return counts
