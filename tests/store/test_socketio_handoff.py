"""What the socket.io connector sends during a hold: staff and system messages once each, never the
visitor's own or notes; an unanswered wait handed to the bot once; a red flag answered at once."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.connectors.socketio_handoff import pending, store_visitor_message
from bot.store.db import UnitOfWork
from bot.store.handoffs import active_handoff, add_message, end, messages_after, open_handoff, take

WAIT = timedelta(minutes=3)


def now() -> datetime:
    return datetime.now(timezone.utc)


def test_staff_and_system_messages_go_out_once_and_notes_never(uow: UnitOfWork) -> None:
    with uow() as session:
        handoff = open_handoff(session, "socketio:a", "socketio", [], now())
        open_handoff(session, "web-b", "web", [], now())  # the website's: bot.web delivers those
        take(session, handoff.id, "dana", now())
        add_message(session, handoff, "visitor", "hello?", now())
        add_message(session, handoff, "note", "regular", now(), staff_user="dana")
        add_message(session, handoff, "staff", "Hi, Dana here.", now(), staff_user="dana")
    delivered: dict[int, int] = {}
    outgoing, expired = pending(uow, {"socketio:a", "web-b"}, delivered, WAIT)
    assert [(m.conversation, m.text) for m in outgoing] == [
        ("socketio:a", "dana (practice staff): Hi, Dana here.")
    ]
    assert expired == []
    assert pending(uow, {"socketio:a"}, delivered, WAIT) == ([], [])
    with uow() as session:
        handoff = active_handoff(session, "socketio:a")
        assert handoff is not None
        assert end(session, handoff.id, "dana", "returned", now())
        add_message(session, handoff, "system", "You're back with the assistant.", now())
    outgoing, _ = pending(uow, {"socketio:a"}, delivered, WAIT)
    assert [m.text for m in outgoing] == ["You're back with the assistant."]
    assert pending(uow, {"socketio:a"}, delivered, WAIT) == ([], [])  # an ended hold is not news again


def test_a_reconnecting_session_gets_the_hold_again_and_an_old_one_nothing(uow: UnitOfWork) -> None:
    with uow() as session:
        old = open_handoff(session, "socketio:c", "socketio", [], now())
        take(session, old.id, "dana", now())
        add_message(session, old, "staff", "earlier", now(), staff_user="dana")
        end(session, old.id, "dana", "closed", now())
        handoff = open_handoff(session, "socketio:c", "socketio", [], now())
        take(session, handoff.id, "lee", now())
        add_message(session, handoff, "staff", "now", now(), staff_user="lee")
    outgoing, _ = pending(uow, {"socketio:c"}, {}, WAIT)  # a new server, or a new connection
    assert [m.text for m in outgoing] == ["lee (practice staff): now"]


def test_an_unanswered_wait_is_handed_to_the_bot_once(uow: UnitOfWork) -> None:
    with uow() as session:
        open_handoff(session, "socketio:d", "socketio", [], now() - timedelta(minutes=4))
    assert pending(uow, {"socketio:d"}, {}, WAIT) == ([], ["socketio:d"])
    assert pending(uow, {"socketio:d"}, {}, WAIT) == ([], [])


def test_a_visitor_message_during_a_hold_is_kept_and_a_red_flag_answered(uow: UnitOfWork) -> None:
    assert store_visitor_message(uow, "socketio:e", "hello") == (False, None)  # no hold: the bot answers
    with uow() as session:
        open_handoff(session, "socketio:e", "socketio", [], now())
    assert store_visitor_message(uow, "socketio:e", "hello") == (True, None)
    held, emergency = store_visitor_message(uow, "socketio:e", "I suddenly can't control my bladder")
    assert held and emergency and "911" in emergency
    with uow() as session:
        handoff = active_handoff(session, "socketio:e")
        assert handoff is not None
        assert [(m.sender, m.red_flag) for m in messages_after(session, handoff.id)] == [
            ("visitor", False),
            ("visitor", True),
            ("bot", False),
        ]
