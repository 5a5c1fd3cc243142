"""Status and cancel by reference code, and the privacy rule between conversations."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.lookup import (
    NO_MATCH,
    VERIFIED,
    ActionCancelRequest,
    ActionLookupResult,
    ActionStartLookup,
    ValidateLookupForm,
)
from bot.settings import get_settings
from bot.store.contact_checks import MAX_FAILURES
from bot.store.db import UnitOfWork
from bot.store.outbox import STATUS_CHANGED
from bot.store.requests import NewRequest, get_request, status_history
from bot.store.schema import OutboxMessage
from bot.store.spool import Spool, SpooledRequest
from tests.actions.conftest import SENDER, make_tracker, slot_events, texts


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


async def check_contact(
    domain: dict, code: str, given: str, sender: str = "someone-else", failures: int = 0
) -> tuple[dict[str, Any], list[str]]:
    """One contact answer from another conversation, as the form's second question."""
    dispatcher = CollectingDispatcher()
    slots = await validate(
        domain,
        "lookup_contact",
        given,
        dispatcher,
        sender=sender,
        slots={"lookup_reference": code, "form_failures": failures},
    )
    return slots, texts(dispatcher)


@pytest.mark.parametrize("given", ["617 253 1000", "other@example.org", VERIFIED, "verified"])
async def test_a_wrong_contact_is_refused_and_both_are_asked_again(
    domain: dict, reference: str, given: str
) -> None:
    slots, said = await check_contact(domain, reference, given)
    assert (slots["lookup_reference"], slots["lookup_contact"]) == (None, None)
    assert said == [NO_MATCH] and "couldn't match that code with those details" in said[0]


async def test_an_unknown_code_is_asked_for_the_contact_like_a_real_one(domain: dict, reference: str) -> None:
    """Nothing before the contact check tells a real code from an unknown one."""
    said = {}
    for code in (reference, "PRL-7KQ3MX"):
        dispatcher = CollectingDispatcher()
        slots = await validate(
            domain, "lookup_reference", f"status of {code}", dispatcher, sender="someone-else"
        )
        said[code] = (slots, texts(dispatcher))
    assert said[reference] == ({"lookup_reference": reference}, [])
    assert said["PRL-7KQ3MX"] == ({"lookup_reference": "PRL-7KQ3MX"}, [])


async def test_an_unknown_code_and_a_wrong_contact_get_the_same_reply(domain: dict, reference: str) -> None:
    wrong_contact = await check_contact(domain, reference, "617 253 1000")
    unknown_code = await check_contact(domain, "PRL-7KQ3MX", "212 555 0199")
    assert wrong_contact == unknown_code


async def test_three_mismatches_in_a_conversation_stop_the_form(domain: dict, reference: str) -> None:
    slots, said = await check_contact(domain, reference, "617 253 1000", failures=2)
    assert slots["form_blocker"] == "stuck" and said == []
    dispatcher = CollectingDispatcher()
    await ActionLookupResult().run(dispatcher, make_tracker({**slots, "lookup_purpose": "status"}), domain)
    assert "couldn't confirm" in texts(dispatcher)[0] and "(555) 010-0101" in texts(dispatcher)[0]


@pytest.mark.parametrize("known", [True, False], ids=["real code", "unknown code"])
async def test_failed_checks_are_counted_per_code_across_lookups_and_lock_it(
    domain: dict, reference: str, store: UnitOfWork, known: bool
) -> None:
    """Starting the lookup again (a fresh form, form_failures 0) no longer resets anything."""
    code = reference if known else "PRL-7KQ3MX"
    for attempt in range(1, MAX_FAILURES):
        slots, said = await check_contact(domain, code, f"617 253 100{attempt}", sender=f"stranger-{attempt}")
        assert said == [NO_MATCH], attempt
    slots, said = await check_contact(domain, code, "617 253 1009", sender="stranger-last")
    assert slots["form_blocker"] == "locked"
    assert len(said) == 1 and "call the practice at (555) 010-0101" in said[0]
    locked_reply = said

    # Locked for everyone now, with the right details too, and already when the code is given.
    slots, said = await check_contact(domain, code, "212 555 0199", sender="the-patient")
    assert slots["form_blocker"] == "locked" and said == locked_reply
    dispatcher = CollectingDispatcher()
    slots = await validate(domain, "lookup_reference", code, dispatcher, sender="another-one")
    assert (slots["lookup_reference"], slots["form_blocker"]) == (None, "locked")
    assert texts(dispatcher) == locked_reply
    events = await ActionLookupResult().run(
        dispatcher := CollectingDispatcher(), make_tracker({**slots, "lookup_purpose": "status"}), domain
    )
    assert texts(dispatcher) == [] and slot_events(events)["lookup_reference"] is None

    with store() as session:
        request = get_request(session, reference)
        notes = [(c.actor, c.note) for c in status_history(session, request) if c.actor == "system"]
    if known:  # staff see it in the request's history
        assert len(notes) == 1 and "locked" in notes[0][1] and "guessing" in notes[0][1]
    else:
        assert notes == []


async def test_the_conversation_that_made_the_request_is_not_locked_out(domain: dict, reference: str) -> None:
    for attempt in range(MAX_FAILURES):
        await check_contact(domain, reference, "617 253 1000", sender=f"stranger-{attempt}")
    slots = await validate(domain, "lookup_reference", reference)
    assert slots["lookup_contact"] == VERIFIED


async def test_a_right_contact_clears_earlier_slips(domain: dict, reference: str) -> None:
    for attempt in range(MAX_FAILURES - 1):
        await check_contact(domain, reference, "617 253 1000", sender=f"slip-{attempt}")
    assert (await check_contact(domain, reference, "212 555 0199"))[0]["lookup_contact"] == VERIFIED
    slots, said = await check_contact(domain, reference, "617 253 1000")
    assert said == [NO_MATCH] and "form_blocker" not in slots


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


def outbox_events(store: UnitOfWork) -> list[tuple[str, str]]:
    with store() as session:
        return [(m.channel, m.event) for m in session.execute(select(OutboxMessage)).scalars()]


async def test_the_visitors_cancel_is_announced_once_to_integrators_and_staff(
    domain: dict, reference: str, store: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFY_WEBHOOK_URL", "https://integrator.example/hook")
    monkeypatch.setenv("NOTIFY_WEBHOOK_SECRET", "s3cret")
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("STAFF_NOTIFY_EMAIL", "desk@clinic.example")
    get_settings.cache_clear()
    slots = {"lookup_purpose": "cancel", "lookup_reference": reference, "lookup_contact": VERIFIED}
    await ActionCancelRequest().run(CollectingDispatcher(), make_tracker(slots, intent="affirm"), domain)
    assert sorted(outbox_events(store)) == [("email", STATUS_CHANGED), ("webhook", STATUS_CHANGED)]
    # A repeated "yes" is refused by the allowed moves and announces nothing more.
    dispatcher = CollectingDispatcher()
    await ActionCancelRequest().run(dispatcher, make_tracker(slots, intent="affirm"), domain)
    assert "already closed" in texts(dispatcher)[0]
    assert len(outbox_events(store)) == 2


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
    Spool(get_settings().spool_dir).put(
        SpooledRequest(
            "PRL-7KQ3MX", NewRequest(full_name="Jane Smith", phone="+12125550199", conversation_id=SENDER)
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

    # Another conversation hears of it only after the contact check, like any other code.
    stranger = CollectingDispatcher()
    assert await validate(domain, "lookup_reference", "PRL-7KQ3MX", stranger, sender="someone-else") == {
        "lookup_reference": "PRL-7KQ3MX"
    }
    assert texts(stranger) == []
    assert (await check_contact(domain, "PRL-7KQ3MX", "617 253 1000"))[1] == [NO_MATCH]
    slots, said = await check_contact(domain, "PRL-7KQ3MX", "212 555 0199")
    assert slots["form_blocker"] == "waiting" and "PRL-7KQ3MX has been received" in said[0]


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
