"""Conversations as real visitors have them (issue 14), over the REST channel of the real stack."""

from __future__ import annotations

import pytest

from bot.store.codes import find_code
from bot.store.db import UnitOfWork
from tests.conftest import next_open_day
from tests.e2e.conftest import Stack
from tests.e2e.test_conversations import book_until_review, converse, rows_of

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("answer", ["yes", "ok sure", "hello", "what does it cost?", "no"])
def test_an_answer_that_is_not_a_name_is_questioned_gently(stack: Stack, sender: str, answer: str) -> None:
    assert "full name" in " ".join(converse(stack, sender, "I'd like to book an appointment"))
    reply = " ".join(converse(stack, sender, answer))
    assert reply.count("full name") == 1 and "phone number" not in reply, reply  # asked once, not twice
    assert "phone number" in " ".join(converse(stack, sender, "Rosa Martinez"))


@pytest.mark.parametrize("again", [["yes"], ["yes", "yes please"], ["yes", "ok"]])
def test_a_repeated_yes_after_sending_repeats_the_receipt(
    stack: Stack, stack_store: UnitOfWork, sender: str, again: list[str]
) -> None:
    book_until_review(stack, sender)
    code = find_code(" ".join(converse(stack, sender, "yes")))
    assert code
    for turn in again:
        reply = " ".join(converse(stack, sender, turn))
        assert code in reply and "received" in reply, reply
        assert "rephrase" not in reply and "understand" not in reply
    assert [row.reference for row in rows_of(stack_store, sender)] == [code]


# Item 1: a correction naming a detail changes it wherever the form stands.
def test_a_correction_typed_at_another_question_changes_that_detail(
    stack: Stack, stack_store: UnitOfWork, sender: str
) -> None:
    converse(stack, sender, "I'd like to book an appointment", "Rosa Martinez")
    assert "e-mail" in " ".join(converse(stack, sender, "212 555 0199"))
    reply = " ".join(converse(stack, sender, "actually my number is 212 555 0143"))
    assert "doesn't look right" not in reply and "changed the phone" in reply, reply
    assert "e-mail" in reply  # the open question again
    day = next_open_day()
    review = " ".join(converse(stack, sender, "skip", f"{day:%B} {day.day}", "morning", "sciatica", "yes"))
    assert "+1 212-555-0143" in review and "0199" not in review, review
    find_code(" ".join(converse(stack, sender, "yes")))
    assert [row.phone for row in rows_of(stack_store, sender)] == ["+12125550143"]


@pytest.mark.parametrize(
    "correction",
    [
        "no the phone is wrong, it's 212 555 0143",
        "sorry wrong number, it should be 212-555-0143",
        "can you change my phone number to 212 555 0143",
    ],
)
def test_a_correction_with_its_value_at_the_read_back_reads_back_again(
    stack: Stack, stack_store: UnitOfWork, sender: str, correction: str
) -> None:
    book_until_review(stack, sender)
    review = " ".join(converse(stack, sender, correction))
    assert "+1 212-555-0143" in review and "Shall I send it" in review, review
    assert "understand" not in review
    code = find_code(" ".join(converse(stack, sender, "yes")))
    assert code
    assert [row.phone for row in rows_of(stack_store, sender)] == ["+12125550143"]


def test_a_correction_without_a_value_asks_for_that_detail(stack: Stack, sender: str) -> None:
    book_until_review(stack, sender)
    assert "phone number" in " ".join(converse(stack, sender, "my phone number is wrong"))
    review = " ".join(converse(stack, sender, "212 555 0143"))
    assert "+1 212-555-0143" in review and "Shall I send it" in review, review


def test_an_invalid_corrected_value_is_explained_and_asked_again(stack: Stack, sender: str) -> None:
    book_until_review(stack, sender)
    reply = " ".join(converse(stack, sender, "change the date to yesterday"))
    assert "already passed" in reply, reply
    day = next_open_day()
    review = " ".join(converse(stack, sender, f"{day:%B} {day.day}"))
    assert f"{day:%B} {day.day}" in review and "Shall I send it" in review, review


# Item 2: the read-back never traps.
@pytest.mark.parametrize(
    "detour",
    [
        ["hmm not sure what you mean"],
        ["asdf qwerty"],
        ["how much does it cost?"],
        ["what is prolotherapy"],
        ["thanks"],
        ["hmm", "what?", "zzz"],
    ],
)
def test_after_any_detour_at_the_read_back_a_yes_still_sends(
    stack: Stack, stack_store: UnitOfWork, sender: str, detour: list[str]
) -> None:
    book_until_review(stack, sender)
    for turn in detour:
        reply = " ".join(converse(stack, sender, turn))
        assert "Shall I send it" in reply, (turn, reply)
    code = find_code(" ".join(converse(stack, sender, "yes")))
    assert code
    assert [row.reference for row in rows_of(stack_store, sender)] == [code]


@pytest.mark.parametrize("yes", ["looks good", "yes send it", "perfect", "that's correct"])
def test_any_affirmation_at_the_read_back_sends(
    stack: Stack, stack_store: UnitOfWork, sender: str, yes: str
) -> None:
    book_until_review(stack, sender)
    assert find_code(" ".join(converse(stack, sender, yes))), yes
    assert len(rows_of(stack_store, sender)) == 1


def test_a_no_at_the_read_back_asks_what_to_change_and_nothing_else_traps(stack: Stack, sender: str) -> None:
    book_until_review(stack, sender)
    assert "Which detail" in " ".join(converse(stack, sender, "no"))
    assert "Shall I send it" in " ".join(converse(stack, sender, "nothing, it's fine"))
    assert find_code(" ".join(converse(stack, sender, "yes")))


# Item 5: cancel, keep, cancel again.
def _booked_elsewhere(stack: Stack, sender: str) -> str:
    book_until_review(stack, sender)
    code = find_code(" ".join(converse(stack, sender, "yes")))
    assert code
    return code


def test_cancel_then_keep_then_cancel_after_all(stack: Stack, stack_store: UnitOfWork, sender: str) -> None:
    code = _booked_elsewhere(stack, sender)
    other = f"{sender}-later"
    converse(stack, other, f"cancel {code}")
    assert "Do you want to cancel" in " ".join(converse(stack, other, "212 555 0199"))
    assert "stays as it is" in " ".join(converse(stack, other, "no, keep it"))
    assert "Do you want to cancel" in " ".join(converse(stack, other, "ok actually cancel it"))
    reply = converse(stack, other, "yes")
    assert "has been cancelled" in " ".join(reply)
    assert not any("understand" in text or "rephrase" in text for text in reply), reply
    assert [row.status for row in rows_of(stack_store, sender)] == ["cancelled"]


def test_a_cancel_from_a_new_conversation_ends_cleanly(
    stack: Stack, stack_store: UnitOfWork, sender: str
) -> None:
    code = _booked_elsewhere(stack, sender)
    other = f"{sender}-new"
    reply = " ".join(converse(stack, other, "hi", "i want to cancel my appointment"))
    assert "reference code" in reply and "doesn't look like" not in reply, reply
    converse(stack, other, code, "212 555 0199")
    reply = converse(stack, other, "yes")
    assert "has been cancelled" in reply[0] and len(reply) == 1, reply


def test_cancel_it_right_after_booking_needs_no_code(
    stack: Stack, stack_store: UnitOfWork, sender: str
) -> None:
    code = _booked_elsewhere(stack, sender)
    assert code in " ".join(converse(stack, sender, "actually please cancel it"))
    assert "has been cancelled" in " ".join(converse(stack, sender, "yes"))


# Item 8: a first message with details, and the ladder's callback offer in every state.
def test_a_first_message_with_details_starts_the_request_with_them(
    stack: Stack, stack_store: UnitOfWork, sender: str
) -> None:
    reply = " ".join(
        converse(stack, sender, "can i come in next tuesday afternoon? my sciatica is acting up")
    )
    assert "full name" in reply and "rephrase" not in reply, reply
    assert "afternoon" in reply and "sciatica" in reply
    review = " ".join(converse(stack, sender, "Rosa Martinez", "212 555 0199", "skip", "yes"))
    assert "Tuesday" in review and "afternoon" in review and "sciatica" in review, review
    assert find_code(" ".join(converse(stack, sender, "yes")))
    (row,) = rows_of(stack_store, sender)
    assert (
        row.preferred_date.weekday() == 1 and row.preferred_time == "afternoon" and row.reason == "sciatica"
    )


def test_the_second_misunderstanding_in_a_row_offers_a_callback(stack: Stack, sender: str) -> None:
    converse(stack, sender, "hello")
    assert "call you back" not in " ".join(converse(stack, sender, "lol whatever dude"))
    assert "call you back" in " ".join(converse(stack, sender, "blorp zzzz"))


def test_inside_the_form_the_second_failed_answer_offers_a_callback_that_keeps_the_answers(
    stack: Stack, stack_store: UnitOfWork, sender: str
) -> None:
    converse(stack, sender, "I'd like to book an appointment", "Rosa Martinez", "212 555 0199", "skip")
    first = " ".join(converse(stack, sender, "whenever the moon is blue"))
    assert "couldn't read that as a date" in first and "call you back" not in first, first
    second = stack.say(sender, "no clue really")
    assert any(
        b.get("payload") == "/request_callback" for message in second for b in message.get("buttons") or []
    ), second
    reply = " ".join(converse(stack, sender, "/request_callback"))
    assert "call you back" in reply and "keep these details" in reply, reply  # straight to consent
    review = " ".join(converse(stack, sender, "yes"))
    assert "Rosa Martinez" in review and "callback request" in review, review
    assert find_code(" ".join(converse(stack, sender, "yes")))
    assert [row.kind for row in rows_of(stack_store, sender)] == ["callback"]


# Item 7: every question of a message is answered, the article's answer and the honest "don't know".
@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "what is prolotherapy and how much does it cost?",
            ["pain-relief treatment that uses injections", "information about what prolotherapy costs"],
        ),
        (
            "How does it work? Also, who does the injections?",
            ["deliberately causes inflammation", "qualified physician"],
        ),
    ],
)
def test_each_question_of_a_message_is_answered(
    stack: Stack, sender: str, message: str, expected: list[str]
) -> None:
    reply = " ".join(converse(stack, sender, message))
    for part in expected:
        assert part in reply, reply
    if "costs" in expected[-1]:
        assert "(555) 010-0101" in reply  # the way forward for what the article doesn't say


def test_two_questions_inside_the_form_are_answered_and_the_question_asked_again(
    stack: Stack, sender: str
) -> None:
    converse(stack, sender, "I'd like to book an appointment", "Rosa Martinez")
    reply = " ".join(converse(stack, sender, "wait, is it covered by insurance and is it safe?"))
    assert "insurance coverage" in reply and "side effects" in reply, reply
    assert "phone number" in reply  # the open question again
    assert "e-mail" in " ".join(converse(stack, sender, "212 555 0199"))


# Item 6: what the visitor said is kept: their words, who the visit is for, a phone extension.
def test_the_visitors_words_the_patient_and_the_extension_are_kept(
    stack: Stack, stack_store: UnitOfWork, sender: str
) -> None:
    day = next_open_day()
    converse(stack, sender, "I'd like to book an appointment", "Ana Lopez", "646.555.0123 ext 7")
    converse(stack, sender, "skip", f"{day:%B} {day.day}", "morning")
    words = "degenerative discs - the appointment is for my mother Rosa"
    review = " ".join(converse(stack, sender, words, "yes"))
    assert "Rosa (your mother)" in review and "ext. 7" in review and words in review, review
    assert find_code(" ".join(converse(stack, sender, "yes")))
    [row] = rows_of(stack_store, sender)
    assert (row.full_name, row.patient_name, row.patient_relation) == ("Ana Lopez", "Rosa", "mother")
    assert (row.reason, row.reason_text) == ("degenerative disc", words)
    assert (row.phone, row.phone_extension) == ("+16465550123", "7")


def test_an_appointment_for_someone_unnamed_asks_their_name(
    stack: Stack, stack_store: UnitOfWork, sender: str
) -> None:
    day = next_open_day()
    converse(stack, sender, "I want to book an appointment for my dad", "Ana Lopez", "212 555 0199", "skip")
    converse(stack, sender, f"{day:%B} {day.day}", "afternoon")
    assert "your father's full name" in " ".join(converse(stack, sender, "sciatica down his left leg"))
    review = " ".join(converse(stack, sender, "Luis Lopez", "yes"))
    assert "Luis Lopez (your father)" in review, review
    assert find_code(" ".join(converse(stack, sender, "yes")))
    [row] = rows_of(stack_store, sender)
    assert (row.patient_name, row.reason, row.reason_text) == (
        "Luis Lopez",
        "sciatica",
        "sciatica down his left leg",
    )


@pytest.mark.parametrize(
    ("open_question", "said", "asked_again"),
    [
        ("consent", "it's for my mother Rosa", "keep these details"),
        ("e-mail", "oh sorry, this is for my mom, Rosa", "e-mail"),
    ],
)
def test_saying_who_it_is_for_at_another_question_is_noted_and_the_question_asked_again(
    stack: Stack, stack_store: UnitOfWork, sender: str, open_question: str, said: str, asked_again: str
) -> None:
    day = next_open_day()
    converse(stack, sender, "I'd like to book an appointment", "Ana Lopez", "212 555 0199")
    if open_question == "consent":
        converse(stack, sender, "skip", f"{day:%B} {day.day}", "morning", "sciatica")
    reply = " ".join(converse(stack, sender, said))
    assert "Noted: the appointment is for Rosa (your mother)." in reply, reply
    assert "yes or no" not in reply and "doesn't look right" not in reply, reply
    assert asked_again in reply, reply
    if open_question == "e-mail":
        converse(stack, sender, "skip", f"{day:%B} {day.day}", "morning", "sciatica")
    review = " ".join(converse(stack, sender, "yes"))
    assert "Rosa (your mother)" in review, review
    assert find_code(" ".join(converse(stack, sender, "yes")))
    [row] = rows_of(stack_store, sender)
    assert (row.patient_name, row.patient_relation) == ("Rosa", "mother")


def test_a_question_the_article_cannot_answer_during_a_status_check_promises_no_call(
    stack: Stack, sender: str
) -> None:
    code = _booked_elsewhere(stack, sender)
    other = f"{sender}-check"
    assert "reference code" in " ".join(converse(stack, other, "what's the status of my request?"))
    reply = " ".join(converse(stack, other, "how much does it cost?"))
    assert "(555) 010-0101" in reply and "call you" not in reply, reply
    assert "reference code" in reply, reply  # the open question again
    reply = " ".join(converse(stack, other, code, "212 555 0199"))
    assert code in reply and "understand" not in reply, reply
