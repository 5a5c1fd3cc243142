"""The request's and the handoff's transcript shapes, and their merge by time."""

from __future__ import annotations

from bot.conversation.transcript import for_handoff, from_handoff_turn, with_handoff_turns


def test_for_handoff_names_the_bot_bot() -> None:
    lines = [{"from": "visitor", "text": "hi", "at": 1.0}, {"from": "assistant", "text": "Hello", "at": 2.0}]
    assert for_handoff(lines) == [
        {"sender": "visitor", "text": "hi", "timestamp": 1.0},
        {"sender": "bot", "text": "Hello", "timestamp": 2.0},
    ]


def test_a_staff_turn_keeps_who_wrote_it() -> None:
    turn = {"sender": "staff", "text": "Hi", "timestamp": 5.0, "staff_user": "alice"}
    assert from_handoff_turn(turn) == {"from": "staff", "text": "Hi", "at": 5.0, "staff_user": "alice"}
    assert from_handoff_turn({"sender": "bot", "text": "Call 911", "timestamp": 6.0})["from"] == "assistant"


def test_merge_orders_by_time_and_keeps_the_bots_line_first_on_a_tie() -> None:
    lines = [{"from": "visitor", "text": "a", "at": 1.0}, {"from": "visitor", "text": "d", "at": 9.0}]
    turns = [
        {"sender": "staff", "text": "c", "timestamp": 5.0, "staff_user": "bo"},
        {"sender": "visitor", "text": "b", "timestamp": 1.0},
    ]
    assert [line["text"] for line in with_handoff_turns(lines, turns)] == ["a", "b", "c", "d"]
    assert with_handoff_turns(lines, []) == lines
