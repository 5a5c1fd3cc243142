"""Review, submit, correct and stop, against a real (SQLite) store."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

import actions.booking
from actions.booking import ActionCorrectField, ActionReviewRequest, ActionStopRequest, ActionSubmitRequest
from bot.booking.wording import SKIPPED
from bot.store.db import UnitOfWork
from bot.store.schema import AppointmentRequest, StatusChange
from tests.actions.conftest import make_tracker, slot_events, texts, user_event
from tests.conftest import next_open_day

START = {"event": "action", "name": "action_start_request", "timestamp": 1500.0}


def complete_slots(**overrides: Any) -> dict[str, Any]:
    return {
        "request_kind": "appointment",
        "full_name": "Jane Smith",
        "phone": "+12125550199",
        "email": "jane@example.org",
        "preferred_date": next_open_day().isoformat(),
        "preferred_time": "morning",
        "reason": "sciatica",
        "consent": "2026-11-25T10:00:00-05:00",
        **overrides,
    }


def count(uow: UnitOfWork, model: type) -> int:
    with uow() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


async def submit(domain: dict, tracker: Any) -> tuple[CollectingDispatcher, list[dict]]:
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitRequest().run(dispatcher, tracker, domain)
    return dispatcher, events


async def test_submit_stores_the_request_and_gives_the_code(domain: dict, store: UnitOfWork) -> None:
    history = [user_event("I'd like an appointment", "book_appointment", 1400.0), START]
    dispatcher, events = await submit(
        domain, make_tracker(complete_slots(), text="yes", intent="affirm", events=history)
    )
    with store() as session:
        row = session.execute(select(AppointmentRequest)).scalar_one()
        reference, stored = row.reference, (row.full_name, row.phone, row.email, row.reason, row.channel)
        transcript = row.transcript
    assert stored == ("Jane Smith", "+12125550199", "jane@example.org", "sciatica", "rest")
    assert transcript[0] == {"from": "visitor", "text": "I'd like an appointment", "at": 1400.0}
    message = texts(dispatcher)[0]
    assert reference in message
    assert "booked" not in message.lower()
    assert "call you to confirm" in message
    slots = slot_events(events)
    assert slots["last_reference"] == reference
    assert slots["full_name"] is None and slots["consent"] is None


async def test_a_retried_or_repeated_submit_gives_the_same_code_once(domain: dict, store: UnitOfWork) -> None:
    tracker = make_tracker(complete_slots(), text="yes", intent="affirm", events=[START])
    _, first = await submit(domain, tracker)
    _, again = await submit(
        domain, make_tracker(complete_slots(), text="yes", intent="affirm", events=[START])
    )
    assert slot_events(first)["last_reference"] == slot_events(again)["last_reference"]
    assert count(store, AppointmentRequest) == 1
    assert count(store, StatusChange) == 1


async def test_a_deliberate_second_request_gets_a_new_code(domain: dict, store: UnitOfWork) -> None:
    _, first = await submit(domain, make_tracker(complete_slots(), events=[START]))
    second_start = {**START, "timestamp": 1900.0}
    _, second = await submit(domain, make_tracker(complete_slots(), events=[START, second_start]))
    assert slot_events(first)["last_reference"] != slot_events(second)["last_reference"]
    assert count(store, AppointmentRequest) == 2


async def test_skipped_contacts_are_stored_as_missing(domain: dict, store: UnitOfWork) -> None:
    await submit(domain, make_tracker(complete_slots(email=SKIPPED), events=[START]))
    with store() as session:
        assert session.execute(select(AppointmentRequest.email)).scalar_one() is None


async def test_a_callback_request_is_stored_as_its_own_kind(domain: dict, store: UnitOfWork) -> None:
    slots = {
        "request_kind": "callback",
        "full_name": "Sam Lee",
        "phone": "+16172531000",
        "consent": "2026-11-25T10:00:00-05:00",
    }
    dispatcher, _ = await submit(domain, make_tracker(slots, events=[START]))
    with store() as session:
        row = session.execute(select(AppointmentRequest)).scalar_one()
        assert (row.kind, row.phone, row.preferred_date) == ("callback", "+16172531000", None)
    assert "call you back" in texts(dispatcher)[0]


async def test_nothing_to_submit_says_so_and_stores_nothing(domain: dict, store: UnitOfWork) -> None:
    dispatcher, events = await submit(domain, make_tracker({"last_reference": "PRL-7KQ3MX"}))
    assert events == []
    assert "PRL-7KQ3MX" in texts(dispatcher)[0]
    assert count(store, AppointmentRequest) == 0


async def test_a_store_failure_apologises_with_the_phone_and_never_claims_success(
    domain: dict, store: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> Any:
        raise RuntimeError("database is down")

    monkeypatch.setattr(actions.booking, "unit_of_work", broken)
    dispatcher, events = await submit(domain, make_tracker(complete_slots(), events=[START]))
    message = texts(dispatcher)[0]
    assert "(555) 010-0101" in message
    assert "received" not in message and "PRL-" not in message
    assert events == []  # the answers stay, nothing is forgotten


async def test_review_reads_the_request_back_with_buttons(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    await ActionReviewRequest().run(dispatcher, make_tracker(complete_slots(email=SKIPPED)), domain)
    message = dispatcher.messages[0]
    assert "Jane Smith" in message["text"] and "+1 212-555-0199" in message["text"]
    assert "E-mail" not in message["text"]
    assert [b["payload"] for b in message["buttons"]] == ["/affirm", "/correct_field", "/stop"]


async def test_review_after_repeated_failures_offers_a_way_out(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionReviewRequest().run(dispatcher, make_tracker({"form_blocker": "stuck"}), domain)
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert payloads == ["/book_appointment", "/request_callback", "/stop"]
    assert SlotSet("form_blocker", None) in events


async def test_review_after_refused_consent_forgets_everything(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionReviewRequest().run(
        dispatcher, make_tracker(complete_slots(consent=None, form_blocker="no_consent")), domain
    )
    assert "haven't sent" in texts(dispatcher)[0]
    assert slot_events(events)["full_name"] is None


async def test_correcting_the_phone_also_reopens_a_skipped_email(domain: dict) -> None:
    tracker = make_tracker(complete_slots(email=SKIPPED, field="phone"), intent="correct_field")
    events = await ActionCorrectField().run(CollectingDispatcher(), tracker, domain)
    slots = slot_events(events)
    assert slots["phone"] is None and slots["email"] is None
    assert "full_name" not in slots


async def test_correcting_an_unknown_field_lists_what_can_change(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionCorrectField().run(
        dispatcher, make_tracker(complete_slots(field="shoe size")), domain
    )
    assert "name, phone, e-mail" in texts(dispatcher)[0]
    assert "full_name" not in slot_events(events)


async def test_stop_ends_the_form_and_forgets_the_answers(domain: dict, store: UnitOfWork) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionStopRequest().run(
        dispatcher, make_tracker(complete_slots(), active_loop="appointment_form"), domain
    )
    assert ActiveLoop(None) in events
    assert slot_events(events)["full_name"] is None
    assert "Nothing has been sent" in texts(dispatcher)[0]
    assert count(store, AppointmentRequest) == 0
