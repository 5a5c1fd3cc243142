"""Who the appointment is for, read from what the visitor typed."""

from __future__ import annotations

import pytest

from bot.booking.patient import Patient, for_staff, for_visitor, read_patient, says_only_patient


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the appointment is for my mother Rosa", Patient("mother", "Rosa")),
        ("degenerative discs - the appointment is for my mother Rosa", Patient("mother", "Rosa")),
        ("booking for my dad", Patient("father")),
        ("it's for my son", Patient("son")),
        ("it\u2019s for my son", Patient("son")),
        ("for my wife, Ana Lopez", Patient("wife", "Ana Lopez")),
        ("on behalf of my husband", Patient("husband")),
        ("I'd like an appointment for my mom", Patient("mother")),
        ("for my mum please", Patient("mother")),
        ("for my dad john smith next tuesday", Patient("father", "John Smith")),
        ("for my mother rosa she has sciatica", Patient("mother", "Rosa")),
        ("booking for my wife, she has back pain", Patient("wife")),
        ("for my son who has sciatica", Patient("son")),
        ("for my husband tomorrow afternoon", Patient("husband")),
        ("for my dad's sciatica", Patient("father")),
        ("for my elderly grandmother", Patient("grandmother")),
        ("for my grandma Ines", Patient("grandmother", "Ines")),
        ("for my mother-in-law", Patient("mother-in-law")),
        ("for my daughter named Leo", Patient("daughter", "Leo")),
        ("for my son (Leo)", Patient("son", "Leo")),
        ("for my mother. She is 80", Patient("mother")),
        ("for my friend really", Patient("friend")),
        ("for my sister 1234", Patient("sister")),
    ],
)
def test_the_patient_is_read(text: str, expected: Patient) -> None:
    assert read_patient(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "sciatica",
        "I hurt my back lifting my son",
        "my mother had sciatica too",
        "for my back pain",
        "for my marathon training",
        "/book_appointment",
        "Rosa Lopez",
    ],
)
def test_no_patient_when_it_is_for_the_visitor(text: str) -> None:
    assert read_patient(text) is None


def test_how_the_patient_is_shown() -> None:
    assert for_visitor("Rosa", "mother") == "Rosa (your mother)"
    assert for_visitor(None, "son") == "your son"
    assert for_visitor(None, None) is None
    assert for_staff("Rosa", "mother", "Ana Lopez") == "Patient: Rosa (mother) — requested by Ana Lopez"
    assert for_staff(None, "son", "Ana Lopez") == "Patient: their son — requested by Ana Lopez"
    assert for_staff(None, None, "Ana Lopez") is None


@pytest.mark.parametrize(
    "text",
    [
        "it's for my mother Rosa",
        "oh sorry, this is for my mom, Rosa",
        "the appointment is actually for my son",
        "no, it's for my dad",
        "I'm booking for my wife Ana Lopez.",
    ],
)
def test_a_message_that_only_says_who_it_is_for(text: str) -> None:
    assert says_only_patient(text)


@pytest.mark.parametrize(
    "text",
    [
        "212 555 0143, it's for my son",
        "sciatica, booking for my dad",
        "next tuesday for my mother",
        "rosa@example.com for my mom",
        "for my son who has sciatica",
        "I hurt my back lifting my son",
        "yes",
    ],
)
def test_a_message_that_says_more(text: str) -> None:
    assert not says_only_patient(text)
