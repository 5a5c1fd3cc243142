"""Corrections as visitors type them (issue 14, item 1): the detail they name and the new value."""

from __future__ import annotations

import pytest

from bot.booking.corrections import Correction, announced_correction, read_correction


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("actually my number is 212 555 0143", "phone", "212 555 0143"),
        ("no the phone is wrong, it's 212 555 0143", "phone", "212 555 0143"),
        ("sorry wrong number, 212-555-0143", "phone", "212-555-0143"),
        ("212 555 0143 is my new number", "phone", "212 555 0143"),
        ("my phone number is wrong", "phone", None),
        ("can you change my email to rosa@example.org", "email", "rosa@example.org"),
        ("the e-mail address should be rosa@example.org", "email", "rosa@example.org"),
        ("wrong email", "email", None),
        ("change the date to next friday", "preferred_date", "next friday"),
        ("no the date is wrong, it should be December 10", "preferred_date", "December 10"),
        ("actually make it thursday instead", "preferred_date", "thursday"),
        ("the time should be morning", "preferred_time", "morning"),
        ("sorry I meant afternoon", "preferred_time", "afternoon"),
        ("actually my name is Jon Smith", "full_name", "Jon Smith"),
        ("oops I misspelled my name: it's Rosa Martínez", "full_name", "Rosa Martínez"),
        ("the reason is wrong, it's whiplash", "reason", "whiplash"),
        ("phone", "phone", None),
        ("the date", "preferred_date", None),
        ("name", "full_name", None),
        ("change the date of my appointment to friday", "preferred_date", "friday"),
        ("sorry, rosa@example.org", "email", "sorry, rosa@example.org"),
        ("actually my mother's name is Rosa Lopez", "patient_name", "Rosa Lopez"),
        ("my mom's name is wrong, it should be Rosa Lopez", "patient_name", "Rosa Lopez"),
        ("change the patient's name to Ana Ruiz", "patient_name", "Ana Ruiz"),
        ("patient name", "patient_name", None),
        ("actually my name is Jon, my son's name is Leo", "patient_name", "Leo"),
    ],
)
def test_a_correction_names_the_detail_and_keeps_the_new_value(
    text: str, field: str, value: str | None
) -> None:
    assert read_correction(text) == Correction(field, value)


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "no",
        "no thanks",
        "212 555 0143",
        "Rosa Martinez",
        "next tuesday",
        "sciatica",
        "what is the number of injections needed?",
        "how many sessions do I need",
        "what time do you open?",
        "/correct_field",
        "any day works",
        "I'd like an appointment",
        "sorry, can I come in friday?",
        "actually I'd like to book for next monday",
        "hi, my name is José and I'd like an appointment",
    ],
)
def test_an_ordinary_answer_or_question_is_no_correction(text: str) -> None:
    assert read_correction(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "id like a phone call",
        "have someone phone me tomorrow",
        "id rather talk on the phone, can you call me",
        "whats your phone number",
        "whats your email",
        "my name is Priya Patel",
    ],
)
def test_a_message_that_only_names_a_detail_is_no_announced_correction(text: str) -> None:
    assert announced_correction(text) is None


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("actually my number is 212 555 0143", "phone"),
        ("no the phone is wrong, it's 212 555 0143", "phone"),
        ("my number is 212 555 0143", "phone"),
        ("my email is ana@example.org", "email"),
        ("change my name", "full_name"),
        ("the date is wrong", "preferred_date"),
    ],
)
def test_a_marked_correction_or_a_new_contact_is_announced(text: str, field: str) -> None:
    assert (announced_correction(text) or Correction("none")).field == field
