"""Asking for a person: the staff's queue on the website during opening hours, a callback otherwise."""

from __future__ import annotations

import pytest
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

from actions.booking import ActionStartRequest
from actions.booking_form import ValidateAppointmentForm
from actions.forms import CALLBACK_BUTTON
from actions.handoff import PERSON_BUTTON, ActionHandoffUnanswered, ActionTalkToPerson, person_buttons
from actions.lookup import ValidateLookupForm
from actions.questions import ActionMisunderstood
from bot.store.db import UnitOfWork
from bot.store.schema import Handoff
from tests.actions.conftest import CLOSED, make_tracker, slot_events, texts, user_event

HISTORY = [
    user_event("hi", "greet", 1000.0),
    {"event": "bot", "text": "Hi, I'm the virtual assistant.", "timestamp": 1001.0},
]


def ask(sender: str = "web-abc", channel: str = "rest", **kwargs):
    tracker = make_tracker(text="can I talk to a person?", intent="talk_to_person", sender=sender, **kwargs)
    tracker.events[-1]["input_channel"] = channel
    return tracker


def handoffs(uow: UnitOfWork) -> list[Handoff]:
    with uow() as session:
        rows = list(session.scalars(select(Handoff)))
        session.expunge_all()
        return rows


async def run(action, tracker, domain: dict) -> tuple[CollectingDispatcher, list[dict]]:
    dispatcher = CollectingDispatcher()
    return dispatcher, await action.run(dispatcher, tracker, domain)


async def test_during_hours_on_the_website_the_visitor_joins_the_queue(
    domain: dict, store: UnitOfWork, clock
) -> None:
    dispatcher, events = await run(ActionTalkToPerson(), ask(events=HISTORY), domain)
    (row,) = handoffs(store)
    assert (row.conversation_id, row.state, row.channel) == ("web-abc", "waiting", "web")
    assert row.transcript == [
        {"sender": "visitor", "text": "hi", "timestamp": 1000.0},
        {"sender": "bot", "text": "Hi, I'm the virtual assistant.", "timestamp": 1001.0},
        {"sender": "visitor", "text": "can I talk to a person?", "timestamp": 2000.0},
    ]
    assert dispatcher.messages == [
        {
            **dispatcher.messages[0],
            "text": "I'm asking a member of the practice's staff to join this chat. Please stay here; "
            "you can keep typing.",
            "custom": {"handoff": "waiting"},
        }
    ]
    assert events == [ActiveLoop(None), SlotSet("request_kind", None)]


async def test_asking_twice_keeps_one_place_in_the_queue(domain: dict, store: UnitOfWork, clock) -> None:
    await run(ActionTalkToPerson(), ask(), domain)
    await run(ActionTalkToPerson(), ask(), domain)
    assert len(handoffs(store)) == 1


async def test_outside_hours_the_hours_and_a_callback(domain: dict, store: UnitOfWork, clock) -> None:
    clock(CLOSED)
    dispatcher, events = await run(ActionTalkToPerson(), ask(), domain)
    assert handoffs(store) == []
    (said,) = texts(dispatcher)
    assert "available Monday to Friday, 08:00–17:00" in said and "callback" in said
    assert not dispatcher.messages[0].get("custom")
    assert events == [ActiveLoop(None), SlotSet("request_kind", "callback")]


@pytest.mark.parametrize(
    ("sender", "channel"),
    [
        ("twilio:+12125550199", "twilio"),
        ("slack:U123", "slack"),
        ("telegram:42", "telegram"),
        ("sid", "socketio"),
    ],
)
async def test_other_channels_get_an_honest_answer_and_a_callback(
    domain: dict, store: UnitOfWork, clock, sender: str, channel: str
) -> None:
    dispatcher, events = await run(ActionTalkToPerson(), ask(sender, channel), domain)
    assert handoffs(store) == []
    (said,) = texts(dispatcher)
    assert said.startswith(
        "Live chat with the practice's staff is only available in the chat on the practice's"
    )
    assert "(555) 010-0101" in said
    assert events == [ActiveLoop(None), SlotSet("request_kind", "callback")]


async def test_a_socketio_session_joins_the_queue_too(domain: dict, store: UnitOfWork, clock) -> None:
    """Its connector delivers staff replies to the session's room (bot/connectors/socketio_handoff.py)."""
    dispatcher, _ = await run(ActionTalkToPerson(), ask("socketio:sio-abc", "socketio"), domain)
    (row,) = handoffs(store)
    assert (row.conversation_id, row.channel, row.state) == ("socketio:sio-abc", "socketio", "waiting")
    assert any(message.get("custom") == {"handoff": "waiting"} for message in dispatcher.messages)


async def test_a_store_that_is_down_falls_back_to_a_callback(
    domain: dict, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(tracker, channel: str) -> None:
        raise ConnectionError("database down")

    monkeypatch.setattr(ActionTalkToPerson, "_queue", staticmethod(down))
    dispatcher, events = await run(ActionTalkToPerson(), ask(), domain)
    (said,) = texts(dispatcher)
    assert "can't reach the practice's staff" in said and "(555) 010-0101" in said
    assert events == [ActiveLoop(None), SlotSet("request_kind", "callback")]


async def test_inside_a_form_the_form_stops_and_its_answers_stay(
    domain: dict, store: UnitOfWork, clock
) -> None:
    tracker = ask(
        slots={"request_kind": "appointment", "full_name": "Jane Smith"}, active_loop="appointment_form"
    )
    _, events = await run(ActionTalkToPerson(), tracker, domain)
    assert events[:2] == [ActiveLoop(None), SlotSet("requested_slot", None)]
    assert "full_name" not in slot_events(events)
    assert slot_events(events)["request_kind"] is None
    assert len(handoffs(store)) == 1


async def test_a_lookup_in_progress_is_forgotten(domain: dict, store: UnitOfWork, clock) -> None:
    clock(CLOSED)
    tracker = ask(
        slots={"lookup_purpose": "status", "lookup_reference": "PRL-7KQ3MX"}, active_loop="lookup_form"
    )
    _, events = await run(ActionTalkToPerson(), tracker, domain)
    slots = slot_events(events)
    assert slots["lookup_reference"] is None and slots["lookup_purpose"] is None
    assert slots["request_kind"] == "callback"


async def test_unanswered_says_so_and_starts_a_callback(domain: dict, clock) -> None:
    tracker = make_tracker(text="/handoff_unanswered", intent="handoff_unanswered", sender="web-abc")
    dispatcher, events = await run(ActionHandoffUnanswered(), tracker, domain)
    (said,) = texts(dispatcher)
    assert said.startswith("Sorry, nobody from the practice could join the chat right now.")
    assert "Monday to Friday, 08:00–17:00" in said
    assert events == [ActiveLoop(None), SlotSet("request_kind", "callback")]


@pytest.mark.parametrize("intent", ["talk_to_person", "handoff_unanswered"])
async def test_the_callback_form_follows_without_a_second_preamble(domain: dict, intent: str) -> None:
    dispatcher, events = await run(ActionStartRequest(), make_tracker(intent=intent), domain)
    assert slot_events(events)["request_kind"] == "callback"
    assert dispatcher.messages == []


def test_the_person_button_only_where_someone_can_join(clock) -> None:
    assert person_buttons(ask()) == [{"title": "Talk to a person", "payload": "/talk_to_person"}]
    assert person_buttons(ask("twilio:+12125550199", "twilio")) == []
    clock(CLOSED)
    assert person_buttons(ask()) == []


async def test_no_handoff_row_counted_twice_across_conversations(
    domain: dict, store: UnitOfWork, clock
) -> None:
    await run(ActionTalkToPerson(), ask("web-1"), domain)
    await run(ActionTalkToPerson(), ask("web-2"), domain)
    with store() as session:
        assert session.scalar(select(func.count()).select_from(Handoff)) == 2


async def test_the_ladders_second_step_offers_a_person_where_one_can_join(domain: dict, clock) -> None:
    earlier = [user_event("hello", "greet", 10.0), user_event("zzz", "nlu_fallback", 20.0)]
    tracker = make_tracker(text="what's the weather", intent="out_of_scope", events=earlier)
    dispatcher, _ = await run(ActionMisunderstood(), tracker, domain)
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert payloads == ["/request_callback", "/book_appointment", "/talk_to_person"]
    clock(CLOSED)
    dispatcher, _ = await run(ActionMisunderstood(), tracker, domain)
    assert "/talk_to_person" not in [b["payload"] for b in dispatcher.messages[0]["buttons"]]


def test_a_form_misunderstood_twice_offers_a_person_too(clock) -> None:
    _, buttons = ValidateAppointmentForm().offer_help(ask())
    assert [b["payload"] for b in buttons] == ["/request_callback", "/talk_to_person"]
    assert ValidateLookupForm().offer_help(ask())[1] == [PERSON_BUTTON]
    assert ValidateAppointmentForm().offer_help(ask("slack:U1", "slack"))[1] == [CALLBACK_BUTTON]
