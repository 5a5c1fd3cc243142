"""The notice, honest limits, the emergency path and the misunderstanding ladder."""

from __future__ import annotations

from rasa_sdk.events import ActionExecuted, ActiveLoop, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.booking_form import ValidateAppointmentForm
from actions.questions import (
    ActionAboutPractice,
    ActionEmergency,
    ActionMisunderstood,
    ActionOfferContact,
    ActionSessionStart,
)
from tests.actions.conftest import make_tracker, slot_events, texts, user_event


async def test_the_notice_opens_the_first_session_only(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionSessionStart().run(
        dispatcher, make_tracker({"last_reference": "PRL-7KQ3MX"}), domain
    )
    assert isinstance(events[0], dict) and events[0] == SessionStarted()
    assert events[-1] == ActionExecuted("action_listen")
    assert SlotSet("notice_shown", True) in events
    assert SlotSet("last_reference", "PRL-7KQ3MX") in events
    notice = texts(dispatcher)[0]
    assert "not medical advice" in notice and "Test Spine Clinic" in notice

    again = CollectingDispatcher()
    events = await ActionSessionStart().run(again, make_tracker({"notice_shown": True}), domain)
    assert again.messages == []
    assert SlotSet("notice_shown", True) in events  # carried over into the new session


async def test_offer_contact_gives_the_practice_phone_and_choices(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    await ActionOfferContact().run(dispatcher, make_tracker(intent="unknown"), domain)
    message = dispatcher.messages[0]
    assert "(555) 010-0101" in message["text"]
    assert [b["payload"] for b in message["buttons"]] == ["/request_callback", "/book_appointment"]


async def test_offer_contact_inside_a_form_does_not_start_another(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    await ActionOfferContact().run(
        dispatcher, make_tracker(intent="unknown", active_loop="appointment_form"), domain
    )
    assert "(555) 010-0101" in texts(dispatcher)[0]
    assert "when they call you" in texts(dispatcher)[0]
    assert not dispatcher.messages[0].get("buttons")


async def test_offer_contact_while_checking_a_request_promises_no_call(domain: dict) -> None:
    """A status check is no callback request: nobody is going to call because of it."""
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="unknown", active_loop="lookup_form")
    await ActionOfferContact().run(dispatcher, tracker, domain)
    text = texts(dispatcher)[0]
    assert "(555) 010-0101" in text and "call you" not in text, text
    assert not dispatcher.messages[0].get("buttons")


async def test_about_the_practice_comes_from_settings_and_the_article(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAboutPractice().run(dispatcher, make_tracker(), domain)
    text = texts(dispatcher)[0]
    for fact in (
        "Test Spine Clinic",
        "(555) 010-0101",
        "desk@clinic.example",
        "Stefano Sinicropi",
        "Monday to Friday",
    ):
        assert fact in text


async def test_the_emergency_message_ends_any_form(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        {"full_name": "Jane Smith", "requested_slot": "reason"},
        text="I lost bladder control",
        intent="red_flag",
        active_loop="appointment_form",
    )
    events = await ActionEmergency().run(dispatcher, tracker, domain)
    assert "911" in texts(dispatcher)[0] and "emergency department" in texts(dispatcher)[0]
    assert not dispatcher.messages[0].get("buttons")
    assert ActiveLoop(None) in events
    assert slot_events(events)["full_name"] is None


async def test_first_misunderstanding_asks_to_rephrase(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text="asdf qwer", intent="nlu_fallback", events=[user_event("hello", "greet", 10.0)]
    )
    await ActionMisunderstood().run(dispatcher, tracker, domain)
    assert "rephrase" in texts(dispatcher)[0]
    assert not dispatcher.messages[0].get("buttons")


async def test_second_misunderstanding_in_a_row_offers_a_callback(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    earlier = [user_event("hello", "greet", 10.0), user_event("zzz", "nlu_fallback", 20.0)]
    tracker = make_tracker(text="what's the weather", intent="out_of_scope", events=earlier)
    await ActionMisunderstood().run(dispatcher, tracker, domain)
    message = dispatcher.messages[0]
    assert "call you back" in message["text"]
    assert message["buttons"][0]["payload"] == "/request_callback"


async def test_an_understood_turn_resets_the_ladder(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    earlier = [user_event("zzz", "nlu_fallback", 10.0), user_event("what is prolotherapy", "faq", 20.0)]
    await ActionMisunderstood().run(
        dispatcher, make_tracker(text="qqq", intent="nlu_fallback", events=earlier), domain
    )
    assert "rephrase" in texts(dispatcher)[0]


async def test_out_of_scope_says_what_the_bot_can_do(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    await ActionMisunderstood().run(
        dispatcher, make_tracker(text="tell me a joke", intent="out_of_scope"), domain
    )
    assert "prolotherapy" in texts(dispatcher)[0]


async def test_an_answer_misread_as_a_question_is_still_the_answer(domain: dict) -> None:
    tracker = make_tracker({"requested_slot": "reason"}, text="sciatica", intent="faq")
    events = await ValidateAppointmentForm().run(CollectingDispatcher(), tracker, domain)
    assert slot_events(events)["reason"] == "sciatica"


async def test_a_real_question_inside_the_form_is_not_taken_as_the_answer(domain: dict) -> None:
    tracker = make_tracker({"requested_slot": "reason"}, text="does it help sciatica?", intent="faq")
    events = await ValidateAppointmentForm().run(CollectingDispatcher(), tracker, domain)
    assert "reason" not in slot_events(events)


async def test_a_red_flag_in_the_reason_gets_the_emergency_message_not_a_booking(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        {"requested_slot": "reason"},
        text="I suddenly lost control of my bladder",
        candidates={"reason": "I suddenly lost control of my bladder"},
    )
    events = slot_events(await ValidateAppointmentForm().run(dispatcher, tracker, domain))
    assert "911" in texts(dispatcher)[0]
    assert events["reason"] is None and events["form_blocker"] == "emergency"
    assert events["requested_slot"] is None
