"""Submitting while the appointment database is down: the request waits in the spool, never lost."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

import actions.booking
import actions.context
import bot.request_service
from bot.request_service import drain
from bot.settings import get_settings
from bot.store.codes import find_code
from bot.store.db import UnitOfWork
from bot.store.schema import AppointmentRequest
from bot.store.spool import Spool
from tests.actions.conftest import make_tracker, slot_events, texts
from tests.actions.test_booking import START, complete_slots, submit


class DownStore:
    def __call__(self) -> Any:
        raise OperationalError("connect", {}, ConnectionRefusedError("connection refused"))


def rows(uow: UnitOfWork) -> list[tuple[str, str]]:
    with uow() as session:
        return [
            (r.reference, r.idempotency_key) for r in session.execute(select(AppointmentRequest)).scalars()
        ]


def spool() -> Spool:
    return Spool(get_settings().spool_dir)


async def test_a_submit_during_an_outage_gives_a_code_kept_in_the_spool(
    domain: dict, store: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(actions.booking, "unit_of_work", DownStore)
    tracker = make_tracker(complete_slots(), text="yes", intent="affirm", events=[START])
    dispatcher, events = await submit(domain, tracker)
    message = texts(dispatcher)[0]
    code = find_code(message)
    assert code and "received" in message and "booked" not in message.lower()
    assert "call you to confirm" in message and "few minutes" in message
    assert slot_events(events)["last_reference"] == code
    [(_, entry)] = list(spool().entries())
    assert entry.reference == code and entry.request.idempotency_key == "visitor-1@1500.0"
    assert entry.request.full_name == "Jane Smith" and entry.request.created_at is not None

    # The visitor says "yes" again while the database is still down: the same code, one entry.
    again, _ = await submit(
        domain, make_tracker(complete_slots(), text="yes", intent="affirm", events=[START])
    )
    assert find_code(texts(again)[0]) == code
    assert len(spool()) == 1

    # The database is back: the drain stores it once, under that code; a later retry agrees.
    monkeypatch.setattr(actions.booking, "unit_of_work", actions.context.unit_of_work)
    assert drain(spool(), store, get_settings()).stored == 1
    assert rows(store) == [(code, "visitor-1@1500.0")]
    last, _ = await submit(
        domain, make_tracker(complete_slots(), text="yes", intent="affirm", events=[START])
    )
    assert find_code(texts(last)[0]) == code
    assert len(rows(store)) == 1


async def test_a_database_that_hangs_hands_over_to_the_spool_in_time(
    domain: dict, store: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    released = threading.Event()

    class HungStore:
        def __call__(self) -> Any:
            released.wait(10)
            raise OperationalError("insert", {}, Exception("server closed the connection"))

    monkeypatch.setattr(bot.request_service, "STORE_TIME_LIMIT_S", 0.3)
    monkeypatch.setattr(actions.booking, "unit_of_work", HungStore)
    started = time.monotonic()
    dispatcher, _ = await submit(domain, make_tracker(complete_slots(), events=[START]))
    released.set()
    assert time.monotonic() - started < 2
    code = find_code(texts(dispatcher)[0])
    assert code and spool().find("visitor-1@1500.0").reference == code


async def test_a_late_insert_after_the_time_limit_keeps_the_visitors_code(
    domain: dict, store: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = actions.booking.unit_of_work()

    class SlowStore:
        def __call__(self) -> Any:
            time.sleep(0.6)  # the database answers, but after the visitor was answered from the spool
            return real()

    monkeypatch.setattr(bot.request_service, "STORE_TIME_LIMIT_S", 0.2)
    monkeypatch.setattr(actions.booking, "unit_of_work", SlowStore)
    dispatcher, _ = await submit(domain, make_tracker(complete_slots(), events=[START]))
    code = find_code(texts(dispatcher)[0])
    time.sleep(1.0)  # the late insert commits
    assert rows(store) == [(code, "visitor-1@1500.0")]
    result = drain(spool(), store, get_settings())
    assert (result.stored, result.already) == (0, 1)
    with store() as session:
        assert session.execute(select(func.count()).select_from(AppointmentRequest)).scalar_one() == 1


async def test_when_the_spool_cannot_be_written_the_visitor_is_told_to_call(
    domain: dict, store: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(actions.booking, "unit_of_work", DownStore)
    blocker = get_settings().spool_dir
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("a file where the directory should be")
    dispatcher, events = await submit(domain, make_tracker(complete_slots(), events=[START]))
    message = texts(dispatcher)[0]
    assert "(555) 010-0101" in message and "PRL-" not in message
    assert events == []
