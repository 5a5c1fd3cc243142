"""A visitor who writes in Spanish, over the REST channel of the real stack (issue 14, item 10).

Red flags in Spanish are a safety matter: the deterministic check must catch them in every state of
every form and answer in Spanish, with nothing booked afterwards.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Stack
from tests.e2e.test_conversations import converse, rows_of

pytestmark = pytest.mark.e2e

RED_FLAGS_ES = (
    "de repente no puedo controlar la vejiga y tengo las piernas entumecidas",
    "me caí y ahora no puedo mover las piernas",
)
# Turns that open each form state a visitor can be in when the emergency is typed.
FORM_STATES = {
    "no form": (),
    "appointment form, name": ("I'd like to book an appointment",),
    "appointment form, phone": ("I'd like to book an appointment", "Ana Lima"),
    "appointment form, reason": (
        "I'd like to book an appointment",
        "Ana Lima",
        "212 555 0199",
        "skip",
        "next Tuesday",
        "morning",
    ),
    "callback form": ("please call me back",),
    "lookup form": ("what's the status of PRL-7KQ3MX?",),
}


def _emergency_in_spanish(reply: str) -> bool:
    return "911" in reply and "emergencia" in reply and "emergency department" not in reply


@pytest.mark.parametrize("state", sorted(FORM_STATES))
@pytest.mark.parametrize("red_flag", RED_FLAGS_ES)
def test_a_red_flag_in_spanish_gets_the_spanish_emergency_reply_in_every_state(
    stack: Stack, stack_store, sender: str, state: str, red_flag: str
) -> None:
    if FORM_STATES[state]:
        converse(stack, sender, *FORM_STATES[state])
    reply = " ".join(converse(stack, sender, red_flag))
    assert _emergency_in_spanish(reply), reply
    after = " ".join(converse(stack, sender, "yes"))
    assert "Shall I send it" not in after and "full name" not in after
    assert rows_of(stack_store, sender) == []


def test_the_english_emergency_reply_stays_english(stack: Stack, sender: str) -> None:
    reply = " ".join(converse(stack, sender, "I fell and now I can't move my legs"))
    assert "911" in reply and "emergency department" in reply


@pytest.mark.parametrize("first", ["hola, quiero una cita", "no hablo inglés muy bien"])
def test_a_visitor_writing_in_spanish_gets_the_phone_and_a_callback_in_spanish(
    stack: Stack, sender: str, first: str
) -> None:
    replies = stack.say(sender, first)
    spanish = next(m for m in replies if "inglés" in m.get("text", ""))
    assert "(555) 010-0101" in spanish["text"]
    assert "Sorry" not in " ".join(m.get("text", "") for m in replies)
    assert [b["payload"] for b in spanish["buttons"]] == ["/request_callback"]
    # The offered callback works: the form opens and takes a Spanish speaker's short answers.
    assert "full name" in " ".join(converse(stack, sender, "/request_callback"))
    assert "phone" in " ".join(converse(stack, sender, "Rosa García"))


def test_an_english_visitor_is_not_answered_in_spanish(stack: Stack, sender: str) -> None:
    reply = " ".join(converse(stack, sender, "hi, my name is José and I'd like an appointment"))
    assert "inglés" not in reply and "full name" in reply
