"""The appointment store functions, run through the unit of work on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.store.codes import ALPHABET, new_code
from bot.store.db import UnitOfWork
from bot.store.requests import (
    ALLOWED_MOVES,
    FINAL_STATUSES,
    InvalidRequest,
    NewRequest,
    RequestFilter,
    StatusMoveRefused,
    StoreError,
    UnknownReference,
    change_status,
    create_request,
    get_request,
    search_requests,
    status_history,
)
from bot.store.schema import STATUSES, AppointmentRequest, StatusChange

REFERENCE = re.compile(r"PRL-[346789ABCDEFGHJKMNPQRTUVWXY]{6}")
TRANSCRIPT: list[dict] = [
    {"sender": "visitor", "text": "I'd like an appointment for my lower back", "at": 1764090000.25},
    {"sender": "bot", "text": "Sure — which day suits you? ✓", "buttons": [{"title": "Mon", "n": 1}]},
    {"sender": "visitor", "text": None, "intent": {"name": "affirm", "confidence": 0.97}, "ok": True},
]


def appointment(**changes: object) -> NewRequest:
    """A complete, valid appointment request; keyword arguments replace single fields."""
    fields: dict[str, object] = {
        "kind": "appointment",
        "full_name": "Ada Lovelace",
        "phone": "+15550100123",
        "email": "ada@example.org",
        "preferred_date": date(2031, 5, 14),
        "preferred_time": "morning",
        "reason": "lower back pain",
        "message": "Mornings are best.",
        "consent_at": datetime(2031, 5, 1, 14, 30, 5, tzinfo=timezone.utc),
        "channel": "rest",
        "conversation_id": "conversation-1",
        "idempotency_key": None,
        "transcript": TRANSCRIPT,
    }
    fields.update(changes)
    return NewRequest(**fields)  # type: ignore[arg-type]


def count_requests(uow: UnitOfWork) -> int:
    with uow() as session:
        return session.execute(select(func.count()).select_from(AppointmentRequest)).scalar_one()


def count_changes(uow: UnitOfWork) -> int:
    with uow() as session:
        return session.execute(select(func.count()).select_from(StatusChange)).scalar_one()


def submit(uow: UnitOfWork, new: NewRequest) -> tuple[str, bool]:
    """Store a request in its own unit of work; returns (reference, created)."""
    with uow() as session:
        request, created = create_request(session, new)
        return request.reference, created


def move(uow: UnitOfWork, reference: str, to_status: str, actor: str = "staff:alice") -> None:
    with uow() as session:
        change_status(session, reference, to_status, actor=actor)


def history(uow: UnitOfWork, reference: str) -> list[tuple[str | None, str, str, str | None]]:
    with uow() as session:
        request = get_request(session, reference)
        assert request is not None
        return [
            (change.from_status, change.to_status, change.actor, change.note)
            for change in status_history(session, request)
        ]


def stored_status(uow: UnitOfWork, reference: str) -> str:
    with uow() as session:
        request = get_request(session, reference)
        assert request is not None
        return request.status


def in_status(uow: UnitOfWork, status: str) -> str:
    """A stored request that has reached `status` by an allowed path."""
    reference, _ = submit(uow, appointment())
    if status != "new":
        assert status in ALLOWED_MOVES["new"], "every status is reachable directly from 'new'"
        move(uow, reference, status)
    assert stored_status(uow, reference) == status
    return reference


class Codes:
    """A code factory handing out given codes in order, then fresh random ones; remembers its calls."""

    def __init__(self, *codes: str) -> None:
        self._codes: Iterator[str] = iter(codes)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        return next(self._codes, None) or new_code()


# --- create_request ----------------------------------------------------------------------------------


def test_create_stores_every_field(uow: UnitOfWork) -> None:
    new = appointment(full_name="  Ada Lovelace  ", idempotency_key="conversation-1:submit:1")
    with uow() as session:
        request, created = create_request(session, new)
        reference = request.reference
    assert created is True
    assert REFERENCE.fullmatch(reference), reference

    with uow() as session:  # a fresh session: every value comes back from the database
        stored = get_request(session, reference)
        assert stored is not None
        assert stored.kind == "appointment"
        assert stored.full_name == "Ada Lovelace"
        assert stored.phone == "+15550100123"
        assert stored.email == "ada@example.org"
        assert stored.preferred_date == date(2031, 5, 14)
        assert stored.preferred_time == "morning"
        assert stored.reason == "lower back pain"
        assert stored.message == "Mornings are best."
        assert stored.channel == "rest"
        assert stored.conversation_id == "conversation-1"
        assert stored.idempotency_key == "conversation-1:submit:1"
        assert stored.transcript == TRANSCRIPT
        assert stored.status == "new"
        assert stored.staff_note is None
        assert stored.created_at is not None
        assert stored.updated_at is not None
        # consent_at is checked on its own, in test_consent_time_comes_back_as_the_same_instant.
        assert stored.consent_at is not None
        changes = status_history(session, stored)
        assert [(c.from_status, c.to_status, c.actor, c.note) for c in changes] == [
            (None, "new", "visitor", None)
        ]
        assert changes[0].request_id == stored.id
    assert count_requests(uow) == 1
    assert count_changes(uow) == 1


def test_consent_time_comes_back_as_the_same_instant(uow: UnitOfWork) -> None:
    # The booking action records consent in the practice's time zone (practice_now().isoformat()).
    consent = datetime(2031, 5, 1, 10, 30, 5, tzinfo=ZoneInfo("America/New_York"))
    reference, _ = submit(uow, appointment(consent_at=consent))
    with uow() as session:
        stored = get_request(session, reference)
        assert stored is not None
        assert stored.consent_at is not None
        assert stored.consent_at.tzinfo is not None, f"consent_at lost its offset: {stored.consent_at!r}"
        assert stored.consent_at == consent


def test_create_callback_with_phone_only(uow: UnitOfWork) -> None:
    new = NewRequest(kind="callback", full_name="Grace Hopper", phone="+15550100999")
    reference, created = submit(uow, new)
    assert created is True
    with uow() as session:
        stored = get_request(session, reference)
        assert stored is not None
        assert (stored.kind, stored.phone, stored.email, stored.preferred_date) == (
            "callback",
            "+15550100999",
            None,
            None,
        )
        assert stored.transcript == []


def test_same_idempotency_key_returns_the_first_request(uow: UnitOfWork) -> None:
    first, first_created = submit(uow, appointment(idempotency_key="conv-7:submit"))
    # A retried submit, possibly with details edited in between, still hears the first reference.
    again, again_created = submit(uow, appointment(idempotency_key="conv-7:submit", full_name="Someone"))
    assert (first_created, again_created) == (True, False)
    assert again == first
    assert count_requests(uow) == 1
    assert count_changes(uow) == 1
    with uow() as session:
        stored = get_request(session, first)
        assert stored is not None
        assert stored.full_name == "Ada Lovelace"


def test_different_idempotency_keys_make_different_requests(uow: UnitOfWork) -> None:
    one, one_created = submit(uow, appointment(idempotency_key="conv-1:submit"))
    two, two_created = submit(uow, appointment(idempotency_key="conv-2:submit"))
    assert one_created and two_created
    assert one != two
    assert count_requests(uow) == 2
    assert count_changes(uow) == 2


def test_request_without_key_is_always_new(uow: UnitOfWork) -> None:
    results = [submit(uow, appointment(idempotency_key=None)) for _ in range(3)]
    assert [created for _, created in results] == [True, True, True]
    assert len({reference for reference, _ in results}) == 3
    assert count_requests(uow) == 3
    assert count_changes(uow) == 3


def test_reference_collision_takes_a_fresh_code(uow: UnitOfWork) -> None:
    taken, _ = submit(uow, appointment(full_name="First Patient", idempotency_key="conv-1:submit"))
    fresh = next(code for code in iter(new_code, None) if code != taken)
    codes = Codes(taken, fresh)

    with uow() as session:
        request, created = create_request(
            session,
            appointment(full_name="Second Patient", idempotency_key="conv-2:submit"),
            code_factory=codes,
        )
        second = request.reference
        # The failed insert was rolled back to its savepoint: the session goes on working.
        assert get_request(session, taken) is not None
    assert created is True
    assert codes.calls == 2
    assert second == fresh

    with uow() as session:
        first_row = get_request(session, taken)
        second_row = get_request(session, fresh)
        assert first_row is not None and second_row is not None
        assert (first_row.full_name, first_row.idempotency_key, first_row.status) == (
            "First Patient",
            "conv-1:submit",
            "new",
        )
        assert (second_row.full_name, second_row.idempotency_key) == ("Second Patient", "conv-2:submit")
        assert len(status_history(session, first_row)) == 1
        assert len(status_history(session, second_row)) == 1
    assert count_requests(uow) == 2


def test_reference_collisions_without_end_give_up_and_store_nothing(uow: UnitOfWork) -> None:
    taken, _ = submit(uow, appointment())
    codes = Codes(*[taken] * 50)
    with pytest.raises(StoreError, match="unique reference"), uow() as session:
        create_request(session, appointment(idempotency_key="conv-2:submit"), code_factory=codes)
    assert codes.calls > 1
    assert count_requests(uow) == 1
    assert count_changes(uow) == 1


@pytest.mark.parametrize(
    ("new", "problem"),
    [
        (appointment(full_name=""), "a name is required"),
        (appointment(full_name="   "), "a name is required"),
        (appointment(phone=None, email=None), "a phone number or an e-mail address is required"),
        (appointment(phone="", email=""), "a phone number or an e-mail address is required"),
        (appointment(kind="house-call"), "unknown kind 'house-call'"),
        (appointment(kind="callback", phone=None), "a callback needs a phone number"),
    ],
    ids=["empty-name", "blank-name", "no-contact", "empty-contact", "unknown-kind", "callback-no-phone"],
)
def test_invalid_request_is_refused_and_stores_nothing(
    uow: UnitOfWork, new: NewRequest, problem: str
) -> None:
    with pytest.raises(InvalidRequest) as refused, uow() as session:
        create_request(session, new)
    assert problem in str(refused.value)
    assert count_requests(uow) == 0
    assert count_changes(uow) == 0


def test_failed_unit_of_work_leaves_nothing_stored(uow: UnitOfWork) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), uow() as session:
        request, created = create_request(session, appointment(idempotency_key="conv-9:submit"))
        assert created and request.id is not None  # flushed inside the transaction
        raise Boom
    assert count_requests(uow) == 0
    assert count_changes(uow) == 0
    # The visitor's retry is therefore a new request with its full audit trail.
    reference, created = submit(uow, appointment(idempotency_key="conv-9:submit"))
    assert created is True
    assert history(uow, reference) == [(None, "new", "visitor", None)]


# --- change_status -----------------------------------------------------------------------------------

ALLOWED = [(old, new) for old, moves in ALLOWED_MOVES.items() for new in sorted(moves)]
REFUSED = [(old, new) for old in STATUSES for new in (*STATUSES, "archived") if new not in ALLOWED_MOVES[old]]


def test_move_table_matches_the_workflow() -> None:
    assert set(ALLOWED_MOVES) == set(STATUSES)
    assert set(FINAL_STATUSES) == {"declined", "cancelled"}
    assert len(ALLOWED) == 8
    assert ("declined", "new") in REFUSED and ("cancelled", "new") in REFUSED


@pytest.mark.parametrize(("old", "new"), ALLOWED, ids=[f"{a}->{b}" for a, b in ALLOWED])
def test_allowed_move_changes_status_and_writes_audit_row(uow: UnitOfWork, old: str, new: str) -> None:
    reference = in_status(uow, old)
    before = history(uow, reference)
    with uow() as session:
        request = change_status(session, reference, new, actor="staff:bob", note=f"{old} to {new}")
        assert request.status == new
    assert stored_status(uow, reference) == new
    assert history(uow, reference) == [*before, (old, new, "staff:bob", f"{old} to {new}")]
    with uow() as session:
        stored = get_request(session, reference)
        assert stored is not None
        assert stored.staff_note == f"{old} to {new}"


@pytest.mark.parametrize(("old", "new"), REFUSED, ids=[f"{a}->{b}" for a, b in REFUSED])
def test_refused_move_raises_and_writes_nothing(uow: UnitOfWork, old: str, new: str) -> None:
    reference = in_status(uow, old)
    before = history(uow, reference)
    changes_before = count_changes(uow)
    with pytest.raises(StatusMoveRefused), uow() as session:
        change_status(session, reference, new, actor="staff:bob", note="should not stick")
    assert stored_status(uow, reference) == old
    assert history(uow, reference) == before
    assert count_changes(uow) == changes_before
    with uow() as session:
        stored = get_request(session, reference)
        assert stored is not None
        assert stored.staff_note is None


def test_visitor_cancellation_is_audited_but_leaves_staff_note_alone(uow: UnitOfWork) -> None:
    reference, _ = submit(uow, appointment())
    with uow() as session:
        change_status(session, reference, "cancelled", actor="visitor", note="cancelled in chat")
    assert history(uow, reference)[-1] == ("new", "cancelled", "visitor", "cancelled in chat")
    with uow() as session:
        stored = get_request(session, reference)
        assert stored is not None
        assert stored.staff_note is None


def test_change_status_of_unknown_reference(uow: UnitOfWork) -> None:
    submit(uow, appointment())
    with pytest.raises(UnknownReference), uow() as session:
        change_status(session, "PRL-XXXXXX", "contacted", actor="staff:bob")
    assert count_changes(uow) == 1


# --- reading -----------------------------------------------------------------------------------------


def test_get_request_trims_and_ignores_case(uow: UnitOfWork) -> None:
    reference, _ = submit(uow, appointment())
    with uow() as session:
        for typed in (reference, reference.lower(), f"  {reference.lower()} ", f"\t{reference}\n"):
            found = get_request(session, typed)
            assert found is not None, typed
            assert found.reference == reference
        assert get_request(session, "PRL-XXXXXX") is None
        assert get_request(session, "  prl-xxxxxx ") is None
        assert get_request(session, "") is None


def test_reference_codes_use_only_the_unambiguous_alphabet() -> None:
    assert set(ALPHABET).isdisjoint("0O1IL5S2Z")
    for _ in range(200):
        assert REFERENCE.fullmatch(new_code())


def test_search_requests_newest_first_by_status_and_text(uow: UnitOfWork) -> None:
    references = [submit(uow, appointment(full_name=f"Patient {n}"))[0] for n in range(4)]
    move(uow, references[1], "contacted")
    move(uow, references[3], "contacted")
    move(uow, references[2], "declined")

    def found(per_page: int = 25, **wanted: object) -> list[str]:
        rows, _ = search_requests(session, RequestFilter(**wanted), per_page=per_page)  # type: ignore[arg-type]
        return [r.reference for r in rows]

    with uow() as session:
        assert found() == references[::-1]
        assert found(per_page=2) == references[:1:-1]
        assert search_requests(session, RequestFilter(), per_page=2)[1] == 4
        assert found(status="contacted") == [references[3], references[1]]
        assert found(status="new") == [references[0]]
        assert found(status="declined") == [references[2]]
        assert found(status="scheduled") == []
        assert found(text="patient 2") == [references[2]]
        assert found(text=references[0].lower()) == [references[0]]
        with pytest.raises(InvalidRequest):
            found(status="archived")


def test_the_visitors_words_the_patient_and_the_extension_are_stored(uow: UnitOfWork) -> None:
    reference, _ = submit(
        uow,
        appointment(
            phone="+16465550123",
            phone_extension="7",
            reason="degenerative disc",
            reason_text="degenerative discs - the appointment is for my mother Rosa",
            patient_name="Rosa",
            patient_relation="mother",
        ),
    )
    with uow() as session:
        row = get_request(session, reference)
        assert row is not None
        assert (row.phone, row.phone_extension) == ("+16465550123", "7")
        assert (row.reason, row.reason_text) == (
            "degenerative disc",
            "degenerative discs - the appointment is for my mother Rosa",
        )
        assert (row.patient_name, row.patient_relation) == ("Rosa", "mother")
        # Staff search by the patient's name, and by the main number without the extension.
        assert [r.reference for r in search_requests(session, RequestFilter(text="rosa"))[0]] == [reference]
        assert [r.reference for r in search_requests(session, RequestFilter(text="646 555 0123"))[0]] == [
            reference
        ]


def test_status_history_in_order(uow: UnitOfWork) -> None:
    reference, _ = submit(uow, appointment())
    other, _ = submit(uow, appointment(full_name="Someone Else"))
    move(uow, reference, "contacted", actor="staff:alice")
    move(uow, other, "declined", actor="staff:carol")
    move(uow, reference, "scheduled", actor="staff:bob")
    move(uow, reference, "cancelled", actor="visitor")
    assert [(old, new, actor) for old, new, actor, _ in history(uow, reference)] == [
        (None, "new", "visitor"),
        ("new", "contacted", "staff:alice"),
        ("contacted", "scheduled", "staff:bob"),
        ("scheduled", "cancelled", "visitor"),
    ]
    assert [(old, new) for old, new, _, _ in history(uow, other)] == [(None, "new"), ("new", "declined")]


# --- concurrency -------------------------------------------------------------------------------------


Span = tuple[float, float]


def submit_at_once(uow: UnitOfWork, new: NewRequest) -> list[tuple[str, bool, Span]]:
    """Submit `new` from two threads released together, each in its own unit of work.

    Returns (reference, created, (start, end)) per thread; the span covers the submit and its commit.
    """
    barrier = threading.Barrier(2, timeout=30)
    results: list[tuple[str, bool, Span]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def visitor() -> None:
        try:
            barrier.wait()
            start = time.perf_counter()
            with uow() as session:
                request, created = create_request(session, new)
                reference = request.reference
            end = time.perf_counter()
            with lock:
                results.append((reference, created, (start, end)))
        except BaseException as error:  # handed to the main thread below
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=visitor) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a submit hung"
    assert errors == [], errors
    return results


def test_concurrent_submits_with_one_key_store_one_request(uow: UnitOfWork) -> None:
    rounds = 8
    overlapping = 0
    for round_ in range(rounds):
        results = submit_at_once(uow, appointment(idempotency_key=f"conv-race-{round_}:submit"))
        assert len(results) == 2
        (first, first_created, first_span), (second, second_created, second_span) = results
        assert first == second, results
        assert sorted([first_created, second_created]) == [False, True]
        if max(first_span[0], second_span[0]) < min(first_span[1], second_span[1]):
            overlapping += 1

    assert count_requests(uow) == rounds
    assert count_changes(uow) == rounds
    # Otherwise the threads just ran one after the other and the race went untested.
    assert overlapping > 0, "the two submits never overlapped"


def test_database_errors_never_carry_the_values_into_messages(uow: UnitOfWork) -> None:
    """Such errors end up in logs; a patient's details must not (PostgreSQL quotes the failing row)."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from bot.store.db import describe_error

    with pytest.raises(DBAPIError) as error, uow() as session:
        session.execute(
            text("INSERT INTO appointment_requests (reference, full_name) VALUES (:r, :n)"),
            {"r": "PRL-ZZZZZZ", "n": "Quentin Secretname"},
        )
    described = describe_error(error.value)
    assert "Secretname" not in described and described.startswith("IntegrityError")
