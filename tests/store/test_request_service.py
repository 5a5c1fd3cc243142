"""The request service on SQLite and PostgreSQL: each change writes its audit row and exactly its
outbox events in one transaction, and contact checks are counted per code with a lockout."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

import bot.notifications.webhook_events
from bot import request_service
from bot.request_service import ContactCheck, add_note, change_status, check_contact, store_request
from bot.settings import Settings, get_settings
from bot.store.contact_checks import LOCK_PERIOD, MAX_FAILURES
from bot.store.db import UnitOfWork
from bot.store.outbox import CREATED, STATUS_CHANGED
from bot.store.requests import NewRequest, StatusMoveRefused, get_request, status_history
from bot.store.schema import ContactCheck as Counter
from bot.store.schema import OutboxMessage, utcnow


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Both notification channels on, so every event the service writes is visible."""
    monkeypatch.setenv("NOTIFY_WEBHOOK_URL", "https://integrator.example/hook")
    monkeypatch.setenv("NOTIFY_WEBHOOK_SECRET", "s3cret")
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("STAFF_NOTIFY_EMAIL", "desk@clinic.example")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def new_request(uow: UnitOfWork, settings: Settings, key: str | None = None) -> str:
    with uow() as session:
        request, _ = store_request(
            session,
            settings,
            NewRequest(
                full_name="Ada Lovelace", phone="+12125550199", email="ada@example.org", idempotency_key=key
            ),
        )
        return request.reference


def events(uow: UnitOfWork, reference: str) -> list[tuple[str, str]]:
    with uow() as session:
        request = get_request(session, reference)
        rows = session.execute(select(OutboxMessage).where(OutboxMessage.request_id == request.id))
        return sorted((m.channel, m.event) for m in rows.scalars())


def history(uow: UnitOfWork, reference: str) -> list[tuple[str | None, str, str]]:
    with uow() as session:
        request = get_request(session, reference)
        return [(c.from_status, c.to_status, c.actor) for c in status_history(session, request)]


def test_a_new_request_is_announced_once(uow: UnitOfWork, settings: Settings) -> None:
    reference = new_request(uow, settings, key="conv-1@1")
    assert new_request(uow, settings, key="conv-1@1") == reference  # a retried submit
    assert events(uow, reference) == [("email", CREATED), ("webhook", CREATED)]


def test_a_staff_move_writes_one_audit_row_and_one_webhook_event(uow: UnitOfWork, settings: Settings) -> None:
    reference = new_request(uow, settings)
    change_status(uow, settings, reference, "contacted", actor="staff:alice", note="voicemail")
    assert history(uow, reference)[-1] == ("new", "contacted", "staff:alice")
    assert events(uow, reference) == [("email", CREATED), ("webhook", CREATED), ("webhook", STATUS_CHANGED)]


def test_the_visitors_cancel_also_emails_the_staff(uow: UnitOfWork, settings: Settings) -> None:
    reference = new_request(uow, settings)
    change_status(uow, settings, reference, "cancelled", actor="visitor")
    assert events(uow, reference) == [
        ("email", CREATED),
        ("email", STATUS_CHANGED),
        ("webhook", CREATED),
        ("webhook", STATUS_CHANGED),
    ]


def test_a_refused_move_writes_nothing(uow: UnitOfWork, settings: Settings) -> None:
    reference = new_request(uow, settings)
    change_status(uow, settings, reference, "declined", actor="staff:alice")
    before = (history(uow, reference), events(uow, reference))
    with pytest.raises(StatusMoveRefused):
        change_status(uow, settings, reference, "cancelled", actor="visitor")
    assert (history(uow, reference), events(uow, reference)) == before


def test_a_note_is_audited_but_not_announced(uow: UnitOfWork, settings: Settings) -> None:
    reference = new_request(uow, settings)
    add_note(uow, reference, actor="staff:alice", note="prefers e-mail")
    assert history(uow, reference)[-1] == ("new", "new", "staff:alice")
    assert events(uow, reference) == [("email", CREATED), ("webhook", CREATED)]


def test_the_move_and_its_event_share_one_transaction(
    uow: UnitOfWork, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = new_request(uow, settings)

    def broken(*args: object) -> None:
        raise RuntimeError("the outbox write failed")

    monkeypatch.setattr(bot.notifications.webhook_events, "announce", broken)
    with pytest.raises(RuntimeError):
        change_status(uow, settings, reference, "contacted", actor="staff:alice")
    with uow() as session:
        assert get_request(session, reference).status == "new"
    assert history(uow, reference) == [(None, "new", "visitor")]


# --- contact checks ------------------------------------------------------------------------------


def counters(uow: UnitOfWork) -> int:
    with uow() as session:
        return session.execute(select(func.count()).select_from(Counter)).scalar_one()


def test_the_right_contact_matches_and_leaves_no_counter(uow: UnitOfWork, settings: Settings) -> None:
    reference = new_request(uow, settings)
    assert check_contact(uow, settings, reference, "(212) 555-0199") is ContactCheck.MATCHED
    assert check_contact(uow, settings, reference, "ADA@example.org") is ContactCheck.MATCHED
    assert counters(uow) == 0


def test_a_request_with_an_extension_matches_the_main_number(uow: UnitOfWork, settings: Settings) -> None:
    with uow() as session:
        request, _ = store_request(
            session,
            settings,
            NewRequest(full_name="Ada Lovelace", phone="+16465550123", phone_extension="7"),
        )
        reference = request.reference
    assert check_contact(uow, settings, reference, "646 555 0123") is ContactCheck.MATCHED
    assert check_contact(uow, settings, reference, "646.555.0123 ext 7") is ContactCheck.MATCHED
    assert check_contact(uow, settings, reference, "646 555 0124") is ContactCheck.MISMATCHED


@pytest.mark.parametrize("known", [True, False], ids=["real code", "unknown code"])
def test_failures_lock_the_code_for_a_while(uow: UnitOfWork, settings: Settings, known: bool) -> None:
    reference = new_request(uow, settings) if known else "PRL-7KQ3MX"
    now = utcnow()
    outcomes = [check_contact(uow, settings, reference, "617 253 1000", now) for _ in range(MAX_FAILURES)]
    assert outcomes == [ContactCheck.MISMATCHED] * (MAX_FAILURES - 1) + [ContactCheck.LOCKED]
    assert request_service.contact_check_locked(uow, reference, now)
    assert check_contact(uow, settings, reference, "ada@example.org", now) is ContactCheck.LOCKED
    later = now + LOCK_PERIOD + timedelta(seconds=1)
    assert not request_service.contact_check_locked(uow, reference, later)
    expected = ContactCheck.MATCHED if known else ContactCheck.MISMATCHED
    assert check_contact(uow, settings, reference, "ada@example.org", later) is expected
    if known:
        notes = [c for c in history(uow, reference) if c[2] == "system"]
        assert notes == [("new", "new", "system")]  # one note, when it locked


def test_old_failures_stop_counting_and_are_pruned(uow: UnitOfWork, settings: Settings) -> None:
    reference = new_request(uow, settings)
    long_ago = utcnow() - LOCK_PERIOD - timedelta(minutes=1)
    for _ in range(MAX_FAILURES - 1):
        check_contact(uow, settings, reference, "617 253 1000", long_ago)
    check_contact(uow, settings, "PRL-7KQ3MX", "617 253 1000", long_ago)
    assert counters(uow) == 2
    # A day later the old slips no longer count, and the stale counters are gone.
    assert check_contact(uow, settings, reference, "617 253 1000") is ContactCheck.MISMATCHED
    with uow() as session:
        [counter] = session.execute(select(Counter)).scalars()
        assert (counter.reference, counter.failures) == (reference, 1)


def test_concurrent_failures_are_all_counted(uow: UnitOfWork, settings: Settings) -> None:
    """Checks of one code from many conversations at once: every failure counts, one locks it."""
    reference = new_request(uow, settings)
    barrier = threading.Barrier(MAX_FAILURES, timeout=30)
    outcomes: list[object] = []

    def guess(n: int) -> None:
        barrier.wait()
        try:
            outcomes.append(check_contact(uow, settings, reference, f"617 253 100{n}"))
        except BaseException as error:  # reported below
            outcomes.append(error)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(MAX_FAILURES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(map(str, outcomes)) == sorted(
        map(str, [ContactCheck.LOCKED] + [ContactCheck.MISMATCHED] * (MAX_FAILURES - 1))
    )
    with uow() as session:
        assert session.get(Counter, reference).failures == MAX_FAILURES
