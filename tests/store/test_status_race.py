"""A visitor's cancel racing a staff move: the row lock lets exactly one of two conflicting moves win,
and exactly one `request.status_changed` event is written.

The interleaving is forced, not hoped for: the first mover stops right after reading the request
(holding its row lock, if any) until the second mover has either read the request as well (no lock:
both saw 'new') or is seen waiting for the lock (PostgreSQL's pg_stat_activity). Only then do both
go on. On SQLite, BEGIN IMMEDIATE serialises whole transactions; the same race must still end with
one winner and a consistent audit trail.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from itertools import pairwise

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.engine import Engine

from bot import request_service
from bot.settings import get_settings
from bot.store.db import UnitOfWork
from bot.store.outbox import STATUS_CHANGED
from bot.store.requests import (
    ALLOWED_MOVES,
    FINAL_STATUSES,
    NewRequest,
    StatusMoveRefused,
    change_status,
    create_request,
    get_request,
    status_history,
)
from bot.store.schema import OutboxMessage

WAIT_S = 30  # an upper bound for a stuck test, never a speed requirement


class ReadGate:
    """Holds a named thread just after its first read of a request until it is let go."""

    def __init__(self, engine: Engine, names: tuple[str, ...]) -> None:
        self.engine = engine
        self.read = {name: threading.Event() for name in names}
        self.go = {name: threading.Event() for name in names}
        event.listen(engine, "after_cursor_execute", self._after)

    def _after(self, conn, cursor, statement: str, parameters, context, executemany) -> None:
        name = threading.current_thread().name
        if name not in self.read or self.read[name].is_set():
            return
        if statement.lstrip().upper().startswith("SELECT") and "appointment_requests" in statement:
            self.read[name].set()
            assert self.go[name].wait(WAIT_S), f"{name} was never let go"

    def close(self) -> None:
        event.remove(self.engine, "after_cursor_execute", self._after)


def waiting_for_a_lock(engine: Engine) -> bool:
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as connection:
        return bool(
            connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
        )


@pytest.fixture
def gate(uow: UnitOfWork) -> Iterator[ReadGate]:
    opened = ReadGate(uow.engine, ("visitor", "staff"))
    yield opened
    for go in opened.go.values():
        go.set()
    opened.close()


@pytest.mark.parametrize(("start", "staff_move"), [("new", "declined"), ("contacted", "scheduled")])
def test_a_cancel_racing_a_staff_move_lets_exactly_one_win(
    uow: UnitOfWork, gate: ReadGate, start: str, staff_move: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFY_WEBHOOK_URL", "https://integrator.example/hook")
    monkeypatch.setenv("NOTIFY_WEBHOOK_SECRET", "s3cret")
    get_settings.cache_clear()
    settings = get_settings()
    with uow() as session:
        request, _ = create_request(session, NewRequest(full_name="Ada Lovelace", phone="+15550100123"))
        reference = request.reference
        if start != "new":
            change_status(session, reference, start, actor="staff:setup")

    outcomes: dict[str, str] = {}

    def mover(to_status: str, actor: str) -> None:
        try:
            request_service.change_status(uow, settings, reference, to_status, actor=actor)
            outcomes[threading.current_thread().name] = "moved"
        except StatusMoveRefused:
            outcomes[threading.current_thread().name] = "refused"
        except BaseException as error:  # reported by the main thread
            outcomes[threading.current_thread().name] = f"error: {error!r}"

    visitor = threading.Thread(target=mover, args=("cancelled", "visitor"), name="visitor")
    staff = threading.Thread(target=mover, args=(staff_move, "staff:bob"), name="staff")
    visitor.start()
    assert gate.read["visitor"].wait(WAIT_S)
    staff.start()
    deadline = time.monotonic() + WAIT_S
    while not (gate.read["staff"].is_set() or waiting_for_a_lock(uow.engine)):
        if uow.engine.dialect.name == "sqlite" and staff.is_alive():
            break  # SQLite: the staff thread is blocked in BEGIN IMMEDIATE (or about to be)
        assert time.monotonic() < deadline, "the staff move neither read nor waited for the lock"
        time.sleep(0.02)
    gate.go["visitor"].set()
    gate.go["staff"].set()
    visitor.join(WAIT_S)
    staff.join(WAIT_S)
    assert not (visitor.is_alive() or staff.is_alive()), "a move hung"

    assert sorted(outcomes.values()) == ["moved", "refused"], outcomes
    winner = next(name for name, outcome in outcomes.items() if outcome == "moved")
    expected = "cancelled" if winner == "visitor" else staff_move
    with uow() as session:
        stored = get_request(session, reference)
        assert stored.status == expected and expected in FINAL_STATUSES | {"scheduled"}
        moves = [(c.from_status, c.to_status) for c in status_history(session, stored)]
        announced = session.execute(
            select(OutboxMessage.event).where(OutboxMessage.request_id == stored.id)
        ).scalars()
        assert list(announced) == [STATUS_CHANGED]  # the winner's, once (the setup used the store)
    # One unbroken chain of allowed moves, and exactly one move away from the shared starting point.
    assert moves[0] == (None, "new")
    for (_, before), (after_from, after_to) in pairwise(moves):
        assert after_from == before and after_to in ALLOWED_MOVES[before]
    assert [m for m in moves if m[0] == start and m[1] != start] == [(start, expected)]
    assert moves[-1][1] == expected
