"""Each validator of the appointment and callback forms, with trackers built in code."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.booking_form import ValidateAppointmentForm, ValidateCallbackForm
from bot.booking.wording import SKIPPED
from tests.actions.conftest import make_tracker, slot_events, texts
from tests.conftest import next_open_day

pytestmark = pytest.mark.usefixtures("store")


async def validate(form: Any, domain: dict, requested: str, value: Any, **kwargs: Any) -> dict[str, Any]:
    dispatcher = kwargs.pop("dispatcher", CollectingDispatcher())
    slots = {"requested_slot": requested, **kwargs.pop("slots", {})}
    tracker = make_tracker(slots, text=str(value), candidates={requested: value}, **kwargs)
    return slot_events(await form.run(dispatcher, tracker, domain))


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("Tom Stopford", "Tom Stopford"), ("my name is jane smith", "Jane Smith"), ("Zoë O'Neil", "Zoë O'Neil")],
)
async def test_a_name_is_accepted(domain: dict, answer: str, expected: str) -> None:
    assert (await validate(ValidateAppointmentForm(), domain, "full_name", answer))["full_name"] == expected


async def test_a_bad_name_is_asked_again_with_a_hint(domain: dict, dispatcher: CollectingDispatcher) -> None:
    slots = await validate(ValidateAppointmentForm(), domain, "full_name", "555 0199", dispatcher=dispatcher)
    assert slots["full_name"] is None
    assert slots["form_failures"] == 1
    assert "full name" in texts(dispatcher)[0]


async def test_three_failures_stop_the_form_instead_of_looping(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    slots = await validate(
        ValidateAppointmentForm(),
        domain,
        "full_name",
        "12345",
        slots={"form_failures": 2},
        dispatcher=dispatcher,
    )
    assert slots["form_blocker"] == "stuck"
    assert slots["requested_slot"] is None  # the form ends; the review step offers a way out
    assert dispatcher.messages == []


async def test_an_answer_misread_as_stop_is_still_an_answer(domain: dict) -> None:
    tracker = make_tracker({"requested_slot": "full_name"}, text="Tom Stopford", intent="stop")
    events = await ValidateAppointmentForm().run(CollectingDispatcher(), tracker, domain)
    assert SlotSet("full_name", "Tom Stopford") in events


async def test_a_clear_stop_is_not_taken_as_an_answer(domain: dict) -> None:
    tracker = make_tracker({"requested_slot": "full_name"}, text="never mind", intent="stop")
    events = await ValidateAppointmentForm().run(CollectingDispatcher(), tracker, domain)
    assert "full_name" not in slot_events(events)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("212 555 0199", "+12125550199"), ("call me on (617) 253-1000", "+16172531000"), ("skip", SKIPPED)],
)
async def test_phone_answers(domain: dict, answer: str, expected: str) -> None:
    assert (await validate(ValidateAppointmentForm(), domain, "phone", answer))["phone"] == expected


async def test_an_email_given_for_the_phone_is_kept_as_the_email(domain: dict) -> None:
    slots = await validate(ValidateAppointmentForm(), domain, "phone", "just email me: Jane@Example.org")
    assert slots["phone"] == SKIPPED
    assert slots["email"] == "Jane@example.org"


async def test_a_short_number_is_refused_with_a_hint(domain: dict, dispatcher: CollectingDispatcher) -> None:
    slots = await validate(ValidateAppointmentForm(), domain, "phone", "555 0199", dispatcher=dispatcher)
    assert slots["phone"] is None
    assert "area code" in texts(dispatcher)[0]


async def test_a_callback_needs_a_phone(domain: dict, dispatcher: CollectingDispatcher) -> None:
    slots = await validate(ValidateCallbackForm(), domain, "phone", "skip", dispatcher=dispatcher)
    assert slots["phone"] is None
    assert "phone number" in texts(dispatcher)[0]


async def test_email_is_optional_only_with_a_phone(domain: dict, dispatcher: CollectingDispatcher) -> None:
    with_phone = await validate(
        ValidateAppointmentForm(), domain, "email", "skip", slots={"phone": "+12125550199"}
    )
    assert with_phone["email"] == SKIPPED
    without = await validate(
        ValidateAppointmentForm(), domain, "email", "skip", slots={"phone": SKIPPED}, dispatcher=dispatcher
    )
    assert without["email"] is None
    assert "e-mail" in texts(dispatcher)[0]


async def test_email_is_normalised_and_bad_ones_refused(domain: dict) -> None:
    slots = await validate(ValidateAppointmentForm(), domain, "email", "Jane.Doe@Example.COM")
    assert slots["email"] == "Jane.Doe@example.com"
    bad = await validate(ValidateAppointmentForm(), domain, "email", "jane@", slots={"phone": "+12125550199"})
    assert bad["email"] is None


async def test_an_open_day_is_accepted_as_iso_date(domain: dict) -> None:
    day = next_open_day()
    slots = await validate(ValidateAppointmentForm(), domain, "preferred_date", day.strftime("%B %d %Y"))
    assert slots["preferred_date"] == day.isoformat()


async def test_a_time_in_the_date_answer_fills_the_time_of_day(domain: dict) -> None:
    day = next_open_day()
    slots = await validate(ValidateAppointmentForm(), domain, "preferred_date", f"{day:%B %d %Y} afternoon")
    assert slots["preferred_time"] == "afternoon"


async def test_a_past_date_is_refused_with_the_next_open_day(
    domain: dict, dispatcher: CollectingDispatcher
) -> None:
    slots = await validate(
        ValidateAppointmentForm(), domain, "preferred_date", "yesterday", dispatcher=dispatcher
    )
    assert slots["preferred_date"] is None
    assert "already passed" in texts(dispatcher)[0]


async def test_a_closed_day_suggests_the_next_open_day(
    domain: dict, dispatcher: CollectingDispatcher
) -> None:
    today = datetime.now(ZoneInfo("America/New_York")).date()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    slots = await validate(
        ValidateAppointmentForm(), domain, "preferred_date", saturday.isoformat(), dispatcher=dispatcher
    )
    assert slots["preferred_date"] is None
    monday = saturday + timedelta(days=2)
    assert "closed" in texts(dispatcher)[0]
    assert f"{monday:%B} {monday.day}" in texts(dispatcher)[0]


async def test_a_date_too_far_ahead_is_refused(domain: dict, dispatcher: CollectingDispatcher) -> None:
    far = date.today() + timedelta(days=400)
    slots = await validate(
        ValidateAppointmentForm(), domain, "preferred_date", far.isoformat(), dispatcher=dispatcher
    )
    assert slots["preferred_date"] is None
    assert "six months" in texts(dispatcher)[0]


@pytest.mark.parametrize(
    ("answer", "expected"), [("morning", "morning"), ("2pm", "14:00"), ("any time", "any time")]
)
async def test_time_of_day(domain: dict, answer: str, expected: str) -> None:
    assert (await validate(ValidateAppointmentForm(), domain, "preferred_time", answer))[
        "preferred_time"
    ] == expected


async def test_a_time_outside_opening_hours_is_refused(
    domain: dict, dispatcher: CollectingDispatcher
) -> None:
    slots = await validate(ValidateAppointmentForm(), domain, "preferred_time", "9pm", dispatcher=dispatcher)
    assert slots["preferred_time"] is None
    assert "08:00" in texts(dispatcher)[0]


async def test_reason_maps_to_a_condition_or_keeps_free_text(domain: dict) -> None:
    assert (await validate(ValidateAppointmentForm(), domain, "reason", "Sciatica"))["reason"] == "sciatica"
    free = await validate(ValidateAppointmentForm(), domain, "reason", "pain between my shoulder blades")
    assert free["reason"] == "pain between my shoulder blades"


async def test_something_else_asks_for_a_description_without_counting_a_failure(
    domain: dict, dispatcher: CollectingDispatcher
) -> None:
    slots = await validate(
        ValidateAppointmentForm(), domain, "reason", "something else", dispatcher=dispatcher
    )
    assert slots["reason"] is None
    assert "form_failures" not in slots
    assert "describe" in texts(dispatcher)[0]


async def test_consent_yes_records_when(domain: dict) -> None:
    slots = await validate(ValidateAppointmentForm(), domain, "consent", "/affirm", intent="affirm")
    assert datetime.fromisoformat(slots["consent"]).tzinfo is not None


async def test_consent_refused_ends_the_form(domain: dict) -> None:
    slots = await validate(ValidateAppointmentForm(), domain, "consent", "no", intent="deny")
    assert slots["consent"] is None
    assert slots["form_blocker"] == "no_consent"
    assert slots["requested_slot"] is None


async def test_answers_already_given_survive_the_form_resuming(domain: dict) -> None:
    """A correction re-activates the form, and Rasa then re-validates every answer given so far."""
    given = {
        "full_name": "Jane Smith",
        "phone": "+12125550199",
        "email": SKIPPED,
        "preferred_date": next_open_day().isoformat(),
        "preferred_time": "14:00",
        "reason": "sciatica",
        "consent": "2026-11-25T10:00:00-05:00",
    }
    tracker = make_tracker(
        {"requested_slot": None},
        text='/correct_field{"field": "phone"}',
        intent="correct_field",
        candidates=given,
    )
    slots = slot_events(await ValidateAppointmentForm().run(CollectingDispatcher(), tracker, domain))
    assert {k: slots[k] for k in given} == given
