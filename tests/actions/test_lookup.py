"""Status and cancel by reference code, and the privacy rule between conversations."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.lookup import (
    VERIFIED,
    ActionCancelRequest,
    ActionLookupResult,
    ActionStartLookup,
    ValidateLookupForm,
)
from bot.store.db import UnitOfWork
from bot.store.requests import NewRequest, create_request, get_request, status_history
from tests.actions.conftest import SENDER, make_tracker, slot_events, texts
from tests.conftest import next_open_day


@pytest.fixture
def reference(store: UnitOfWork) -> str:
    with store() as session:
        request, _ = create_request(
            session,
            NewRequest(
                full_name="Jane Smith",
                phone="+12125550199",
                email="jane@example.org",
                preferred_date=next_open_day(),
                preferred_time="morning",
                conversation_id=SENDER,
            ),
        )
        return request.reference


async def validate(
    domain: dict, requested: str, value: str, dispatcher: CollectingDispatcher | None = None, **kwargs: Any
) -> dict[str, Any]:
    slots = {"requested_slot": requested, **kwargs.pop("slots", {})}
    tracker = make_tracker(slots, text=value, candidates={requested: value}, **kwargs)
    return slot_events(await ValidateLookupForm().run(dispatcher or CollectingDispatcher(), tracker, domain))


async def test_start_picks_the_purpose_and_the_code_from_the_message(domain: dict) -> None:
    tracker = make_tracker(text="please cancel prl 7kq3mx", intent="cancel_request")
    slots = slot_events(await ActionStartLookup().run(CollectingDispatcher(), tracker, domain))
    assert (slots["lookup_purpose"], slots["lookup_reference"]) == ("cancel", "PRL-7KQ3MX")


async def test_the_same_conversation_needs_no_extra_proof(domain: dict, reference: str) -> None:
    slots = await validate(domain, "lookup_reference", f"status of {reference}")
    assert slots["lookup_reference"] == reference
    assert slots["lookup_contact"] == VERIFIED


async def test_another_conversation_must_give_the_contact_on_file(domain: dict, reference: str) -> None:
    slots = await validate(domain, "lookup_reference", reference, sender="someone-else")
    assert slots["lookup_reference"] == reference
    assert "lookup_contact" not in slots  # still to be asked: the form's next question


@pytest.mark.parametrize("given", ["(212) 555-0199", "JANE@example.org", "it's 212 555 0199"])
async def test_the_right_contact_verifies(domain: dict, reference: str, given: str) -> None:
    slots = await validate(
        domain, "lookup_contact", given, sender="someone-else", slots={"lookup_reference": reference}
    )
    assert slots["lookup_contact"] == VERIFIED


@pytest.mark.parametrize("given", ["617 253 1000", "other@example.org", VERIFIED, "verified"])
async def test_a_wrong_contact_is_refused(domain: dict, reference: str, given: str) -> None:
    dispatcher = CollectingDispatcher()
    slots = await validate(
        domain,
        "lookup_contact",
        given,
        dispatcher,
        sender="someone-else",
        slots={"lookup_reference": reference},
    )
    assert slots["lookup_contact"] is None
    assert "doesn't match" in texts(dispatcher)[0]


async def test_an_unknown_code_gets_a_clear_answer(domain: dict, store: UnitOfWork) -> None:
    dispatcher = CollectingDispatcher()
    slots = await validate(domain, "lookup_reference", "PRL-7KQ3MX", dispatcher)
    assert slots["lookup_reference"] is None
    assert "couldn't find a request with the code PRL-7KQ3MX" in texts(dispatcher)[0]


async def test_text_without_a_code_is_refused_with_an_example(domain: dict, store: UnitOfWork) -> None:
    dispatcher = CollectingDispatcher()
    slots = await validate(domain, "lookup_reference", "my request from monday", dispatcher)
    assert slots["lookup_reference"] is None
    assert "PRL-" in texts(dispatcher)[0]


async def test_status_is_reported_in_plain_words(domain: dict, reference: str) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        {"lookup_purpose": "status", "lookup_reference": reference, "lookup_contact": VERIFIED}
    )
    events = await ActionLookupResult().run(dispatcher, tracker, domain)
    assert reference in texts(dispatcher)[0] and "will call you to confirm" in texts(dispatcher)[0]
    assert slot_events(events)["lookup_reference"] is None


async def test_unverified_lookups_reveal_nothing(domain: dict, reference: str) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        {"lookup_purpose": "status", "lookup_reference": reference, "lookup_contact": None}
    )
    await ActionLookupResult().run(dispatcher, tracker, domain)
    assert "couldn't confirm" in texts(dispatcher)[0]
    assert "morning" not in texts(dispatcher)[0]


async def test_cancel_asks_first_then_records_a_status_change(
    domain: dict, reference: str, store: UnitOfWork
) -> None:
    slots = {"lookup_purpose": "cancel", "lookup_reference": reference, "lookup_contact": VERIFIED}
    ask = CollectingDispatcher()
    assert await ActionLookupResult().run(ask, make_tracker(slots), domain) == []
    assert [b["payload"] for b in ask.messages[0]["buttons"]] == ["/affirm", "/deny"]

    done = CollectingDispatcher()
    await ActionCancelRequest().run(done, make_tracker(slots, text="yes", intent="affirm"), domain)
    assert "has been cancelled" in texts(done)[0]
    with store() as session:
        request = get_request(session, reference)
        assert request.status == "cancelled"
        last = status_history(session, request)[-1]
        assert (last.from_status, last.to_status, last.actor) == ("new", "cancelled", "visitor")


async def test_cancel_without_verification_changes_nothing(
    domain: dict, reference: str, store: UnitOfWork
) -> None:
    dispatcher = CollectingDispatcher()
    slots = {"lookup_purpose": "cancel", "lookup_reference": reference, "lookup_contact": "212 555 0199"}
    await ActionCancelRequest().run(dispatcher, make_tracker(slots, sender="someone-else"), domain)
    with store() as session:
        assert get_request(session, reference).status == "new"
    assert "confirmed it is yours" in texts(dispatcher)[0]


async def test_a_cancelled_request_cannot_be_cancelled_again(domain: dict, reference: str) -> None:
    slots = {"lookup_purpose": "cancel", "lookup_reference": reference, "lookup_contact": VERIFIED}
    await ActionCancelRequest().run(CollectingDispatcher(), make_tracker(slots), domain)
    dispatcher = CollectingDispatcher()
    await ActionLookupResult().run(dispatcher, make_tracker(slots), domain)
    assert "already cancelled" in texts(dispatcher)[0]


async def test_a_code_still_waiting_in_the_spool_is_reported_as_received(
    domain: dict, store: UnitOfWork
) -> None:
    from bot.settings import get_settings
    from bot.store.spool import Spool, SpooledRequest

    Spool(get_settings().local_outbox_dir).put(
        SpooledRequest(
            "PRL-7KQ3MX", NewRequest(full_name="Jane Smith", phone="+12125550199", conversation_id="x")
        )
    )
    dispatcher = CollectingDispatcher()
    slots = await validate(domain, "lookup_reference", "PRL-7KQ3MX", dispatcher)
    assert slots["form_blocker"] == "waiting"
    assert "PRL-7KQ3MX has been received" in texts(dispatcher)[0] and "Jane" not in texts(dispatcher)[0]
    events = await ActionLookupResult().run(
        dispatcher := CollectingDispatcher(), make_tracker({**slots, "lookup_purpose": "status"}), domain
    )
    assert texts(dispatcher) == [] and slot_events(events)["lookup_purpose"] is None


async def test_a_lookup_while_the_database_is_down_says_so(
    domain: dict, store: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    def down(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("SELECT", {}, ConnectionRefusedError("refused"))

    monkeypatch.setattr("actions.lookup.get_request", down)
    dispatcher = CollectingDispatcher()
    slots = await validate(domain, "lookup_reference", "PRL-7KQ3MX", dispatcher)
    assert slots["lookup_reference"] is None
    assert "can't look up requests right now" in texts(dispatcher)[0]
