"""The live handoff's queue and hold, on SQLite and PostgreSQL: one holder, ordered queue, timeouts."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from bot.store.db import UnitOfWork, make_engine
from bot.store.handoffs import (
    active_handoff,
    add_message,
    end,
    expire_if_unanswered,
    handoff_turns,
    inbox,
    messages_after,
    open_handoff,
    queue_position,
    take,
    waiting_count,
)

NOW = datetime(2026, 12, 3, 15, 0, tzinfo=timezone.utc)


def test_the_queue_keeps_order_and_one_place_per_conversation(uow: UnitOfWork) -> None:
    with uow() as session:
        first = open_handoff(session, "a", "web", [{"sender": "visitor", "text": "hi"}], NOW)
        second = open_handoff(session, "b", "web", [], NOW + timedelta(seconds=5))
        again = open_handoff(session, "a", "web", [], NOW + timedelta(seconds=9))
        assert again.id == first.id
        assert (queue_position(session, first), queue_position(session, second)) == (1, 2)
        assert waiting_count(session) == 2
        assert take(session, first.id, "dana", NOW)
        assert queue_position(session, second) == 1
        assert [h.conversation_id for h in inbox(session)] == ["b", "a"]  # waiting first


def test_only_one_staff_member_holds_a_conversation(uow: UnitOfWork, store_url: str) -> None:
    with uow() as session:
        handoff_id = open_handoff(session, "race", "web", [], NOW).id

    def try_take(user: str) -> bool:
        engine = make_engine(store_url)
        try:
            with UnitOfWork(engine)() as session:
                return take(session, handoff_id, user, NOW)
        finally:
            engine.dispose()

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(try_take, ["dana", "lee"]))
    assert sorted(results) == [False, True]
    with uow() as session:
        held = active_handoff(session, "race")
        assert held is not None and held.state == "held"
        assert held.staff_user == ("dana" if results[0] else "lee")
        other = "lee" if results[0] else "dana"
        assert not end(session, handoff_id, other, "returned", NOW)  # not theirs to hand back
        assert end(session, handoff_id, held.staff_user, "returned", NOW)
        assert active_handoff(session, "race") is None


def test_an_unanswered_wait_expires_once(uow: UnitOfWork) -> None:
    with uow() as session:
        handoff = open_handoff(session, "w", "web", [], NOW)
        assert not expire_if_unanswered(session, handoff, NOW + timedelta(minutes=2), timedelta(minutes=3))
        assert expire_if_unanswered(session, handoff, NOW + timedelta(minutes=3), timedelta(minutes=3))
        assert not expire_if_unanswered(session, handoff, NOW + timedelta(minutes=4), timedelta(minutes=3))
        assert not take(session, handoff.id, "dana", NOW)  # too late to take


def test_messages_come_in_order_and_the_transcript_leaves_notes_out(uow: UnitOfWork) -> None:
    with uow() as session:
        handoff = open_handoff(session, "m", "web", [], NOW)
        take(session, handoff.id, "dana", NOW)
        one = add_message(session, handoff, "visitor", "hello?", NOW)
        add_message(session, handoff, "note", "regular patient", NOW, staff_user="dana")
        add_message(session, handoff, "staff", "Hi, this is Dana", NOW, staff_user="dana")
        assert [m.sender for m in messages_after(session, handoff.id, one.id)] == ["note", "staff"]
        turns = handoff_turns(session, "m")
        assert [(t["sender"], t["text"]) for t in turns] == [
            ("visitor", "hello?"),
            ("staff", "Hi, this is Dana"),
        ]
        assert turns[1]["staff_user"] == "dana"


def test_a_long_message_is_cut_not_refused(uow: UnitOfWork) -> None:
    with uow() as session:
        handoff = open_handoff(session, "long", "web", [], NOW)
        assert len(add_message(session, handoff, "visitor", "x" * 5000, NOW).text) == 2000
