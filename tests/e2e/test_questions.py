"""A sample of each question path over the REST channel of the real stack."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Stack
from tests.e2e.test_conversations import converse, rows_of

pytestmark = pytest.mark.e2e


def joined(replies: list[str]) -> str:
    return " ".join(replies)


def test_the_notice_comes_once_then_article_answers(stack: Stack, sender: str) -> None:
    first = joined(converse(stack, sender, "what is prolotherapy?"))
    assert "not medical advice" in first
    assert "connective tissue" in first
    second = joined(converse(stack, sender, "who performs it?"))
    assert "not medical advice" not in second
    assert "qualified physician" in second


def test_a_bare_yes_or_no_after_an_answer_gets_a_way_forward(stack: Stack, sender: str) -> None:
    converse(stack, sender, "what is prolotherapy?")
    yes = joined(converse(stack, sender, "yes"))
    assert "anything else you'd like to know" in yes and "rephrase" not in yes
    converse(stack, sender, "who performs it?")
    no = joined(converse(stack, sender, "no"))
    assert "another question comes up" in no and "rephrase" not in no


def test_what_the_article_does_not_say_is_never_guessed(stack: Stack, sender: str) -> None:
    reply = joined(converse(stack, sender, "how much does prolotherapy cost?"))
    assert "don't have information" in reply
    assert "(555) 010-0101" in reply
    assert "$" not in reply


def test_red_flags_get_the_emergency_message_and_no_form(stack: Stack, stack_store, sender: str) -> None:
    reply = joined(converse(stack, sender, "I want an appointment, I suddenly can't control my bladder"))
    assert "911" in reply
    assert "full name" not in reply
    assert "full name" not in joined(converse(stack, sender, "Jane Smith"))
    assert rows_of(stack_store, sender) == []


def test_ordinary_sciatica_is_not_an_emergency(stack: Stack, sender: str) -> None:
    assert "911" not in joined(converse(stack, sender, "my leg tingles, does prolotherapy help sciatica?"))


def test_a_question_inside_the_form_is_answered_and_the_form_resumes(stack: Stack, sender: str) -> None:
    assert "full name" in joined(converse(stack, sender, "I'd like to book an appointment"))
    reply = joined(converse(stack, sender, "does prolotherapy help with sciatica?"))
    assert "sciatica" in reply and "full name" in reply
    assert "phone number" in joined(converse(stack, sender, "Maria Garcia"))


def test_a_red_flag_typed_as_the_reason_stops_the_booking(stack: Stack, stack_store, sender: str) -> None:
    converse(
        stack, sender, "book an appointment", "Ana Lima", "212 555 0199", "skip", "next Tuesday", "morning"
    )
    reply = joined(converse(stack, sender, "I fell down the stairs this morning and my back is killing me"))
    assert "911" in reply
    assert "Shall I send it" not in joined(converse(stack, sender, "yes"))
    assert rows_of(stack_store, sender) == []


def test_two_misunderstandings_offer_a_callback(stack: Stack, sender: str) -> None:
    converse(stack, sender, "hello")
    first = stack.say(sender, "what's the weather in Boston tomorrow")
    second = stack.say(sender, "who won the football game last night")
    assert not any("call you back" in m.get("text", "") for m in first)
    offer = next(m for m in second if "call you back" in m.get("text", ""))
    assert "/request_callback" in [b["payload"] for b in offer["buttons"]]


def test_personal_medical_advice_is_declined(stack: Stack, sender: str) -> None:
    reply = joined(converse(stack, sender, "should I stop taking my medication?"))
    assert "can't give personal medical advice" in reply and "physician" in reply


def test_a_no_to_anything_else_is_a_friendly_close(stack: Stack, sender: str) -> None:
    converse(stack, sender, "what is prolotherapy?")
    assert "anything else you'd like to know" in joined(converse(stack, sender, "yes"))
    close = joined(converse(stack, sender, "no"))
    assert "just ask" in close and "rephrase" not in close and "understand" not in close
    converse(stack, sender, "thanks")
    assert "Take care" in joined(converse(stack, sender, "no"))


@pytest.mark.parametrize(
    "text",
    [
        "should I do prolotherapy or surgery? just tell me what you'd do",
        "if you were me would you get the injections or the operation",
    ],
)
def test_asked_to_decide_for_the_visitor_it_declines(stack: Stack, sender: str, text: str) -> None:
    reply = joined(converse(stack, sender, text))
    assert "can't give personal medical advice" in reply and "physician" in reply
