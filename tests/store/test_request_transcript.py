"""A request stored after a live chat keeps the chat: visitor's and staff's turns among the bot's."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.request_service import store_request
from bot.settings import get_settings
from bot.store.db import UnitOfWork
from bot.store.handoffs import add_message, open_handoff
from bot.store.requests import NewRequest, get_request

T0 = datetime(2026, 12, 3, 15, 0, tzinfo=timezone.utc).timestamp()


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(T0 + seconds, timezone.utc)


def test_staff_turns_are_merged_into_the_transcript_by_time(uow: UnitOfWork) -> None:
    bot_lines = [
        {"from": "visitor", "text": "can I talk to a person?", "at": T0},
        {"from": "assistant", "text": "I'm asking a member of the practice's staff…", "at": T0 + 1},
        {"from": "visitor", "text": "call me back then", "at": T0 + 100},
    ]
    with uow() as session:
        handoff = open_handoff(session, "web-1", "web", [], at(1))
        add_message(session, handoff, "visitor", "hello?", at(10))
        add_message(session, handoff, "note", "regular patient", at(15), staff_user="alice")
        add_message(session, handoff, "staff", "Hi, this is Alice", at(20), staff_user="alice")
        add_message(session, handoff, "system", "You're back with the assistant.", at(30))
    new = NewRequest(
        full_name="Jane Smith",
        kind="callback",
        phone="+12125550199",
        consent_at=at(120),
        channel="rest",
        conversation_id="web-1",
        transcript=bot_lines,
    )
    with uow() as session:
        request, _ = store_request(session, get_settings(), new)
        reference = request.reference
    with uow() as session:
        transcript = get_request(session, reference).transcript
    assert [(line["from"], line["text"]) for line in transcript] == [
        ("visitor", "can I talk to a person?"),
        ("assistant", "I'm asking a member of the practice's staff…"),
        ("visitor", "hello?"),
        ("staff", "Hi, this is Alice"),
        ("system", "You're back with the assistant."),
        ("visitor", "call me back then"),
    ]
    assert transcript[3]["staff_user"] == "alice"
    assert transcript[3]["at"] == T0 + 20


def test_a_conversation_without_a_handoff_keeps_its_transcript(uow: UnitOfWork) -> None:
    lines = [{"from": "visitor", "text": "hi", "at": T0}]
    new = NewRequest(
        full_name="Jo", kind="callback", phone="+12125550199", conversation_id="web-2", transcript=lines
    )
    with uow() as session:
        request, _ = store_request(session, get_settings(), new)
        assert request.transcript == lines
