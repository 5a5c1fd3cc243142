"""Whole conversations over the REST channel of the real Rasa and action servers, checked in the database."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import create_engine, select, text

from bot.settings import ROOT
from bot.store.codes import find_code, new_code
from bot.store.contact_checks import MAX_FAILURES
from bot.store.db import UnitOfWork
from bot.store.outbox import STATUS_CHANGED
from bot.store.requests import get_request, status_history
from bot.store.schema import AppointmentRequest, OutboxMessage
from tests.conftest import next_open_day
from tests.e2e.conftest import Stack
from tests.e2e.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.e2e


def converse(stack: Stack, sender: str, *turns: str) -> list[str]:
    """Send each turn; returns the bot's texts of the last one."""
    replies: list[dict] = []
    for turn in turns:
        replies = stack.say(sender, turn)
        assert replies, f"no answer to {turn!r}"
    return [r.get("text", "") for r in replies]


def outbox_of(store: UnitOfWork, code: str) -> list[tuple[str, str]]:
    """The request's outbox rows (channel, event), as the action server wrote them."""
    with store() as session:
        request = get_request(session, code)
        return [
            (m.channel, m.event)
            for m in session.execute(
                select(OutboxMessage).where(OutboxMessage.request_id == request.id).order_by(OutboxMessage.id)
            ).scalars()
        ]


def rows_of(store: UnitOfWork, sender: str) -> list[AppointmentRequest]:
    with store() as session:
        return list(
            session.execute(
                select(AppointmentRequest).where(AppointmentRequest.conversation_id == sender)
            ).scalars()
        )


def book_until_review(stack: Stack, sender: str, name: str = "Tom Stopford") -> list[str]:
    day = next_open_day()
    return converse(
        stack,
        sender,
        "hello",
        "I'd like to book an appointment",
        name,
        "555 0199",
        "212 555 0199",
        "jane@example.org",
        f"{day:%B} {day.day}",
        "afternoon",
        "sciatica",
        "yes",
    )


def test_a_visitor_books_and_gets_a_reference_code(
    stack: Stack, stack_store: UnitOfWork, sender: str
) -> None:
    review = book_until_review(stack, sender)
    assert any("Tom Stopford" in t and "+1 212-555-0199" in t for t in review)
    reply = " ".join(converse(stack, sender, "yes"))
    code = find_code(reply)
    assert code and "call you to confirm" in reply and "booked" not in reply.lower()

    [row] = rows_of(stack_store, sender)
    assert row.reference == code
    assert (row.full_name, row.phone, row.email) == ("Tom Stopford", "+12125550199", "jane@example.org")
    assert (row.preferred_date, row.preferred_time, row.reason) == (next_open_day(), "afternoon", "sciatica")
    assert row.channel == "rest" and row.consent_at is not None and row.status == "new"
    assert any(line["text"] == "Tom Stopford" for line in row.transcript)

    # A repeated "yes" never stores twice.
    converse(stack, sender, "yes")
    assert len(rows_of(stack_store, sender)) == 1


def test_a_name_or_number_inside_the_form_is_an_answer(stack: Stack, sender: str) -> None:
    replies = converse(stack, sender, "book an appointment", "Tom Stopford")
    assert any("phone number" in t for t in replies)
    replies = converse(stack, sender, "555 0199")
    assert any("area code" in t for t in replies)


def test_stopping_midway_stores_nothing(stack: Stack, stack_store: UnitOfWork, sender: str) -> None:
    converse(stack, sender, "I want to make an appointment", "Jane Smith", "212 555 0199")
    replies = converse(stack, sender, "never mind")
    assert any("Nothing has been sent" in t for t in replies)
    assert rows_of(stack_store, sender) == []
    # The form is really over: a name now is not taken as an answer to a question.
    assert not any("e-mail" in t for t in converse(stack, sender, "hello"))


def test_correcting_a_detail_before_sending(stack: Stack, stack_store: UnitOfWork, sender: str) -> None:
    book_until_review(stack, sender, name="Ana Lima")
    asked = converse(stack, sender, '/correct_field{"field": "phone"}')
    assert any("phone number" in t for t in asked)
    review = " ".join(converse(stack, sender, "617 253 1000"))
    assert "+1 617-253-1000" in review and "Ana Lima" in review
    converse(stack, sender, "yes")
    [row] = rows_of(stack_store, sender)
    assert row.phone == "+16172531000"


def test_status_and_cancel_need_the_contact_on_another_conversation(
    stack: Stack, stack_store: UnitOfWork, webhooks: WebhookReceiver, sender: str
) -> None:
    book_until_review(stack, sender, name="Lee Park")
    code = find_code(" ".join(converse(stack, sender, "yes")))
    assert code

    own = " ".join(converse(stack, sender, f"what's the status of {code}?"))
    assert code in own and "will call you to confirm" in own

    stranger = sender + "-other"
    asked = " ".join(converse(stack, stranger, f"cancel {code}"))
    assert "phone number or e-mail" in asked and "Lee Park" not in asked
    refused = " ".join(converse(stack, stranger, "617 253 1000"))
    assert "couldn't match that code with those details" in refused and "reference code" in refused
    asked_again = " ".join(converse(stack, stranger, code))
    assert "phone number or e-mail" in asked_again
    confirm = " ".join(converse(stack, stranger, "jane@example.org"))
    assert f"cancel request {code}" in confirm
    done = " ".join(converse(stack, stranger, "yes"))
    assert "has been cancelled" in done

    with stack_store() as session:
        request = get_request(session, code)
        assert request.status == "cancelled"
        assert [c.to_status for c in status_history(session, request)] == ["new", "cancelled"]
        assert status_history(session, request)[-1].actor == "visitor"
    # The visitor's own cancel is announced like any other move: one event, delivered, signed.
    assert [row for row in outbox_of(stack_store, code) if row[1] == STATUS_CHANGED] == [
        ("webhook", STATUS_CHANGED)
    ]
    [delivered] = webhooks.wait_for(code, STATUS_CHANGED)
    assert delivered["data"]["status"] == "cancelled" and "transcript" not in delivered["data"]
    converse(stack, stranger, "yes")  # a repeated "yes" announces nothing more
    assert len([row for row in outbox_of(stack_store, code) if row[1] == STATUS_CHANGED]) == 1


def test_an_unknown_code_and_a_wrong_contact_get_the_same_replies(
    stack: Stack, stack_store: UnitOfWork, sender: str
) -> None:
    """From another conversation nothing tells a real code from an unknown one, and failures are
    counted per code in the database: a new conversation does not start the count again."""
    converse(stack, sender, "can someone call me back", "Sam Lee", "617 253 1000", "yes")
    real = find_code(" ".join(converse(stack, sender, "yes")))
    unknown = new_code()
    assert real and unknown != real

    def attempt(code: str, n: int, contact: str) -> tuple[list[str], list[str]]:
        stranger = f"{sender}-guess-{code}-{n}"
        asked = converse(stack, stranger, f"what's the status of {code}?")
        return [t.replace(code, "CODE") for t in asked], converse(stack, stranger, contact)

    for n in range(1, MAX_FAILURES):
        on_real, on_unknown = attempt(real, n, f"212 555 010{n}"), attempt(unknown, n, f"212 555 010{n}")
        assert on_real == on_unknown, n
        assert "phone number or e-mail" in " ".join(on_real[0]) and "Sam Lee" not in " ".join(on_real[0])
        assert "couldn't match that code with those details" in " ".join(on_real[1])
    locked_real, locked_unknown = (
        attempt(real, MAX_FAILURES, "212 555 0109"),
        attempt(unknown, MAX_FAILURES, "212 555 0109"),
    )
    assert locked_real == locked_unknown
    assert "call the practice" in " ".join(locked_real[1])

    # Locked now: the right phone gets nowhere, and the code is refused as soon as it is given.
    late = f"{sender}-late"
    refused = " ".join(converse(stack, late, f"what's the status of {real}?"))
    assert "call the practice" in refused and "phone number or e-mail" not in refused
    with stack_store() as session:
        request = get_request(session, real)
        assert request.status == "new"
        notes = [c.note for c in status_history(session, request) if c.actor == "system"]
    assert len(notes) == 1 and "locked" in notes[0]  # what staff see in the request's history
    # The conversation that made the request still sees it.
    assert real in " ".join(converse(stack, sender, f"what's the status of {real}?"))


def test_a_callback_request_is_stored_as_its_own_kind(
    stack: Stack, stack_store: UnitOfWork, sender: str
) -> None:
    converse(stack, sender, "can someone call me back", "Sam Lee", "617 253 1000", "yes")
    reply = " ".join(converse(stack, sender, "yes"))
    assert find_code(reply)
    [row] = rows_of(stack_store, sender)
    assert (row.kind, row.phone) == ("callback", "+16172531000")


def test_conversations_are_kept_in_their_own_tracker_database(stack: Stack, sender: str) -> None:
    converse(stack, sender, "hello")
    engine = create_engine(stack.tracker_database_url)
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": sender}
        ).scalar()
    engine.dispose()
    assert found > 0
    appointments = create_engine(stack.database_url)
    with appointments.connect() as connection:
        tables = {
            row[0] for row in connection.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
        }
    appointments.dispose()
    assert "events" not in tables and "appointment_requests" in tables


def test_a_second_launcher_says_the_port_is_taken(stack: Stack) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.launcher", "run"],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert f"port {stack.rasa_port} (RASA_PORT) is already taken" in result.stderr
    assert stack.say("still-here", "hello"), "the running stack was disturbed"
