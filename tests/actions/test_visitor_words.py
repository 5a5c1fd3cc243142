"""What the visitor said is kept (issue 14, item 6): their words for the reason, who the appointment is
for, and a phone extension, from the form's answers and the first message through to the stored row."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.booking import (
    ActionCorrectField,
    ActionReviewRequest,
    ActionStartRequest,
    ActionStopRequest,
    ActionSubmitRequest,
    clear_form,
    review_pending,
)
from actions.booking_form import ValidateAppointmentForm, ValidateCallbackForm
from actions.prompts import AskFullName, AskPatientName, AskWhichField
from bot.store.db import UnitOfWork
from bot.store.schema import AppointmentRequest
from tests.actions.conftest import make_tracker, slot_events, texts, user_event
from tests.actions.test_booking import START, complete_slots

pytestmark = pytest.mark.usefixtures("store")
EARLIER = {k: v for k, v in complete_slots().items() if k not in ("reason", "consent")}
ISSUE_REASON = "degenerative discs - the appointment is for my mother Rosa"


async def validate(
    domain: dict, requested: str, value: str, form: Any = None, **slots: Any
) -> tuple[dict[str, Any], CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"requested_slot": requested, **slots}, text=value, candidates={requested: value})
    events = await (form or ValidateAppointmentForm()).run(dispatcher, tracker, domain)
    return slot_events(events), dispatcher


async def test_the_reason_keeps_the_visitors_words_and_notes_the_patient(domain: dict) -> None:
    slots, dispatcher = await validate(domain, "reason", ISSUE_REASON, **EARLIER)
    assert slots["reason"] == "degenerative disc"
    assert slots["reason_text"] == ISSUE_REASON
    assert (slots["patient_relation"], slots["patient_name"]) == ("mother", "Rosa")
    assert "Noted: the appointment is for Rosa (your mother)." in texts(dispatcher)
    assert slots["requested_slot"] == "consent"  # the name came with it: nothing more to ask


async def test_a_button_reason_keeps_no_second_copy(domain: dict) -> None:
    slots, _ = await validate(domain, "reason", "sciatica", reason_text="an earlier answer")
    assert (slots["reason"], slots["reason_text"]) == ("sciatica", None)


async def test_a_stored_reason_revalidated_keeps_its_words(domain: dict) -> None:
    """The form re-validates earlier answers when it resumes after a correction."""
    tracker = make_tracker(
        {"requested_slot": None, "reason_text": "sciatica down my left leg"},
        text='/correct_field{"field": "phone"}',
        intent="correct_field",
        candidates={"reason": "sciatica"},
    )
    slots = slot_events(await ValidateAppointmentForm().run(CollectingDispatcher(), tracker, domain))
    assert slots["reason"] == "sciatica"
    assert "reason_text" not in slots


async def test_a_relation_without_a_name_asks_for_the_patients_name_after_the_reason(domain: dict) -> None:
    slots, _ = await validate(domain, "reason", "sciatica, booking for my dad", **EARLIER)
    assert (slots["patient_relation"], slots["reason"]) == ("father", "sciatica")
    assert slots["requested_slot"] == "patient_name"
    form = domain["forms"]["appointment_form"]["required_slots"]
    assert "patient_name" not in form  # asked only when the appointment is for someone else
    assert "action_ask_patient_name" in domain["actions"]
    text, _ = AskPatientName().ask(make_tracker({"patient_relation": "father"}))
    assert text == "What is your father's full name?"


async def test_the_patients_name_is_taken_as_typed_even_when_misread(domain: dict) -> None:
    for intent in ("inform", "greet", "stop", "faq"):  # "Stopford" read as stop, a name as a greeting
        tracker = make_tracker(
            {"requested_slot": "patient_name", "patient_relation": "son", **EARLIER, "reason": "sciatica"},
            text="Leo Stopford",
            intent=intent,
        )
        slots = slot_events(await ValidateAppointmentForm().run(CollectingDispatcher(), tracker, domain))
        assert slots["patient_name"] == "Leo Stopford", intent
    for text, intent in (
        ("never mind", "stop"),
        ("is it painful?", "faq"),
        ("/request_callback", "request_callback"),
    ):
        tracker = make_tracker(
            {"requested_slot": "patient_name", "patient_relation": "son"}, text=text, intent=intent
        )
        slots = slot_events(await ValidateAppointmentForm().run(CollectingDispatcher(), tracker, domain))
        assert "patient_name" not in slots, text


async def test_without_a_relation_the_form_asks_no_patient_name(domain: dict) -> None:
    slots, _ = await validate(domain, "reason", "sciatica down my left leg", **EARLIER)
    assert "requested_slot" not in slots  # the domain's questions: Rasa asks the next one (consent)
    assert "patient_relation" not in slots


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("Rosa Lopez", "Rosa Lopez"), ("her name is rosa lopez", "Rosa Lopez"), ("she's Rosa", "Rosa")],
)
async def test_the_patients_name_is_validated_like_the_visitors(
    domain: dict, answer: str, expected: str
) -> None:
    slots, _ = await validate(domain, "patient_name", answer, patient_relation="mother", reason="sciatica")
    assert slots["patient_name"] == expected


@pytest.mark.parametrize("answer", ["yes", "555 0199", "what?"])
async def test_a_bad_patient_name_is_asked_again(domain: dict, answer: str) -> None:
    slots, dispatcher = await validate(domain, "patient_name", answer, patient_relation="mother")
    assert slots["patient_name"] is None
    assert slots["form_failures"] == 1
    assert "your mother's full name" in texts(dispatcher)[0]


async def test_it_is_for_me_after_all(domain: dict) -> None:
    slots, dispatcher = await validate(domain, "patient_name", "it's for me", patient_relation="son")
    assert (slots["patient_name"], slots["patient_relation"]) == (None, None)
    assert "for you" in texts(dispatcher)[0]


async def test_a_patient_phrase_is_no_name_for_the_visitor(domain: dict) -> None:
    slots, dispatcher = await validate(domain, "full_name", "it's for my mother Rosa")
    assert slots["full_name"] is None
    assert (slots["patient_relation"], slots["patient_name"]) == ("mother", "Rosa")
    assert slots["requested_slot"] == "full_name"
    assert "form_failures" not in slots or slots["form_failures"] == 0
    assert texts(dispatcher) == ["Noted: the appointment is for Rosa (your mother)."]
    text, _ = AskFullName().ask(make_tracker({"patient_relation": "mother"}))
    assert "your own full name" in text


async def test_the_callback_form_asks_the_visitors_own_name(domain: dict) -> None:
    slots, dispatcher = await validate(domain, "full_name", "for my son", form=ValidateCallbackForm())
    assert slots["full_name"] is None
    assert "patient_relation" not in slots
    assert "your own full name" in texts(dispatcher)[0]


async def test_a_patient_name_correction_is_applied(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        {"requested_slot": "consent", "patient_relation": "mother", "patient_name": "Rosa"},
        text="actually my mother's name is Rosa Lopez",
        candidates={"consent": "actually my mother's name is Rosa Lopez"},
    )
    slots = slot_events(await ValidateAppointmentForm().run(dispatcher, tracker, domain))
    assert slots["patient_name"] == "Rosa Lopez"
    assert slots["consent"] is None  # asked again
    assert "Thanks, I've changed the patient's name." in texts(dispatcher)


async def test_the_patient_name_can_be_picked_to_change(domain: dict) -> None:
    tracker = make_tracker(
        complete_slots(patient_relation="mother", patient_name="Rosa", field="patient"),
        text='/correct_field{"field": "patient"}',
        intent="correct_field",
    )
    events = await ActionCorrectField().run(CollectingDispatcher(), tracker, domain)
    assert SlotSet("patient_name", None) in events
    dispatcher = CollectingDispatcher()
    await AskWhichField().run(dispatcher, make_tracker(complete_slots(patient_relation="mother")), domain)
    titles = [b["title"] for m in dispatcher.messages for b in m.get("buttons") or []]
    assert titles[-1] == "Patient's name"


async def test_a_phone_extension_is_kept(domain: dict) -> None:
    slots, _ = await validate(domain, "phone", "646.555.0123 ext 7")
    assert slots["phone"] == "+16465550123;ext=7"
    again, _ = await validate(domain, "phone", "+16465550123;ext=7")  # re-validated when the form resumes
    assert again["phone"] == "+16465550123;ext=7"


async def test_the_first_message_fills_the_patient_and_the_words(domain: dict) -> None:
    text = "I'd like to book for my mother Rosa, sciatica down her left leg"
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text=text, intent="book_appointment")
    slots = slot_events(await ActionStartRequest().run(dispatcher, tracker, domain))
    assert slots["reason"] == "sciatica"
    assert slots["reason_text"] == "sciatica down her left leg"
    assert (slots["patient_relation"], slots["patient_name"]) == ("mother", "Rosa")
    assert "that it's for Rosa (your mother)" in texts(dispatcher)[0]


_FOR_MOTHER = {
    "phone": "+16465550123;ext=7",
    "reason": "degenerative disc",
    "reason_text": ISSUE_REASON,
    "patient_relation": "mother",
    "patient_name": "Rosa",
}


async def test_the_read_back_shows_the_patient_the_words_and_the_extension(domain: dict) -> None:
    slots = complete_slots(**_FOR_MOTHER)
    dispatcher = CollectingDispatcher()
    await ActionReviewRequest().run(dispatcher, make_tracker(slots), domain)
    text = texts(dispatcher)[0]
    assert "• Patient: Rosa (your mother)" in text
    assert "• Phone: +1 646-555-0123 ext. 7" in text
    assert f"• Reason: degenerative disc (in your words: \u201c{ISSUE_REASON}\u201d)" in text
    assert review_pending(make_tracker(slots))
    assert not review_pending(make_tracker({**slots, "patient_name": None}))


async def test_submit_stores_what_the_visitor_said(domain: dict, store: UnitOfWork) -> None:
    slots = complete_slots(**_FOR_MOTHER)
    history = [user_event("I'd like an appointment", "book_appointment", 1400.0), START]
    tracker = make_tracker(slots, text="yes", intent="affirm", events=history)
    events = await ActionSubmitRequest().run(CollectingDispatcher(), tracker, domain)
    with store() as session:
        row = session.execute(select(AppointmentRequest)).scalar_one()
        stored = (row.phone, row.phone_extension, row.reason, row.reason_text, row.patient_name)
        relation = row.patient_relation
    assert stored == ("+16465550123", "7", "degenerative disc", ISSUE_REASON, "Rosa")
    assert relation == "mother"
    cleared = slot_events(events)
    assert all(cleared[slot] is None for slot in ("reason_text", "patient_relation", "patient_name"))


async def test_every_way_out_forgets_the_new_slots(domain: dict) -> None:
    forgotten = slot_events(clear_form())
    assert {"reason_text", "patient_relation", "patient_name"} <= {
        k for k, v in forgotten.items() if v is None
    }
    stopped = slot_events(await ActionStopRequest().run(CollectingDispatcher(), make_tracker(), domain))
    assert stopped["patient_name"] is None


async def test_switching_to_a_callback_forgets_the_patient(domain: dict) -> None:
    tracker = make_tracker(
        complete_slots(patient_relation="son", reason_text="sciatica down my leg"),
        text="/request_callback",
        intent="request_callback",
    )
    slots = slot_events(await ActionStartRequest().run(CollectingDispatcher(), tracker, domain))
    assert slots["patient_relation"] is None
    assert slots["reason_text"] is None
    assert "full_name" not in slots


@pytest.mark.parametrize(
    ("requested", "earlier"),
    [
        ("phone", {"full_name": "Ana Lopez"}),
        ("email", {"full_name": "Ana Lopez", "phone": "+12125550143"}),
        ("preferred_date", {k: v for k, v in EARLIER.items() if not k.startswith("preferred_")}),
        ("preferred_time", {k: v for k, v in EARLIER.items() if k != "preferred_time"}),
        ("consent", {**EARLIER, "reason": "sciatica"}),
    ],
)
@pytest.mark.parametrize(
    ("said", "shown"),
    [
        ("it's for my mother Rosa", "Rosa (your mother)"),
        ("oh sorry, this is for my mom, Rosa", "Rosa (your mother)"),
        ("the appointment is actually for my son", "your son"),
    ],
)
async def test_saying_who_it_is_for_at_any_question_is_noted_without_a_rejection(
    domain: dict, requested: str, earlier: dict, said: str, shown: str
) -> None:
    """Not an answer to the open question, so no "Please answer yes or no." and no failed answer."""
    slots, dispatcher = await validate(domain, requested, said, form_failures=1, **earlier)
    assert slots[requested] is None
    assert slots.get("form_failures", 1) == 1  # neither counted nor reset
    assert texts(dispatcher) == [f"Noted: the appointment is for {shown}."]


async def test_an_answer_that_also_names_the_patient_is_taken_and_noted(domain: dict) -> None:
    said = "212 555 0143, it's for my son"
    slots, dispatcher = await validate(domain, "phone", said, full_name="Ana Lopez")
    assert slots["phone"] == "+12125550143"
    assert slots["patient_relation"] == "son"
    assert texts(dispatcher) == ["Noted: the appointment is for your son."]
    # "no, it's for my son" corrects who it is for; consent is then asked again, not taken as refused
    slots, dispatcher = await validate(domain, "consent", "no, it's for my son", **EARLIER, reason="sciatica")
    assert (slots["consent"], slots["patient_relation"]) == (None, "son")
    assert "form_blocker" not in slots
    assert texts(dispatcher) == ["Noted: the appointment is for your son."]
