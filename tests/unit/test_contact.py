"""Names, phone numbers, e-mail addresses, "no" answers and requests to stop."""

from __future__ import annotations

import pytest

from bot.booking.contact import (
    MAX_NAME_LENGTH,
    clean_name,
    declines,
    find_email,
    find_phone,
    format_phone,
    implausible_name,
    is_stop_request,
    looks_like_question,
    normalise_email,
    normalise_phone,
    phone_with_extension,
    split_phone,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tom Stopford", "Tom Stopford"),
        ("Zoë O'Neil-Smith", "Zoë O'Neil-Smith"),
        ("李小龍", "李小龍"),
        ("my name is Jane Smith", "Jane Smith"),
        ("My name is jane smith", "Jane Smith"),
        ("I'm tom", "Tom"),
        ("jane smith", "Jane Smith"),
        ("  Jane \t  Smith. ", "Jane Smith"),
        ("McDonald", "McDonald"),  # capitals as typed are kept
        ("a" * MAX_NAME_LENGTH, "A" + "a" * (MAX_NAME_LENGTH - 1)),
    ],
)
def test_clean_name_accepts(text: str, expected: str) -> None:
    assert clean_name(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "...",
        "555 0199",
        "Jane 2",
        "jane@clinic-example.org",
        "Jane/Smith",
        "a" * (MAX_NAME_LENGTH + 1),
        "Jane\x00Smith",
        "Jane\u200bSmith",  # zero-width space (format character)
        "Jane\x1bSmith",
    ],
)
def test_clean_name_rejects(text: str) -> None:
    assert clean_name(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("212 555 0199", "+12125550199"),
        ("(617) 253-1000", "+16172531000"),
        ("617.253.1000", "+16172531000"),
        ("+1 212 555 0199", "+12125550199"),
        ("+44 20 7946 0958", "+442079460958"),
        ("212" + " " * 29 + "555 0199", "+12125550199"),  # exactly 40 characters
    ],
)
def test_normalise_phone_gives_e164(text: str, expected: str) -> None:
    assert normalise_phone(text, "US") == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "555 0199",  # no area code
        "garbage",
        "123",
        "212" + " " * 30 + "555 0199",  # a valid number, but 41 characters
        "1" * 41,
    ],
)
def test_normalise_phone_rejects(text: str) -> None:
    assert normalise_phone(text, "US") is None


def test_normalise_phone_uses_the_region_for_national_numbers() -> None:
    assert normalise_phone("020 7946 0958", "GB") == "+442079460958"
    assert normalise_phone("020 7946 0958", "US") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("you can reach me at (617) 253-1000 after 5", "+16172531000"),
        ("call 212-555-0199 or 617-253-1000", "+12125550199"),
        ("my UK number is +44 20 7946 0958", "+442079460958"),
        ("call 555 0199", None),
        ("no number here", None),
        ("", None),
    ],
)
def test_find_phone(text: str, expected: str | None) -> None:
    assert find_phone(text, "US") == expected


@pytest.mark.parametrize(
    "text", ["646.555.0123 ext 7", "646 555 0123 x7", "646-555-0123 extension 7", "+1 646 555 0123 ext. 7"]
)
def test_an_extension_is_kept_beside_the_e164_number(text: str) -> None:
    assert normalise_phone(text, "US") == "+16465550123;ext=7"


def test_find_phone_keeps_the_extension() -> None:
    assert find_phone("call me on 646.555.0123 ext 7 please", "US") == "+16465550123;ext=7"
    assert find_phone("call me on 646.555.0123 please", "US") == "+16465550123"


def test_split_phone_and_the_stored_number_as_staff_read_it() -> None:
    assert split_phone("+16465550123;ext=7") == ("+16465550123", "7")
    assert split_phone("+16465550123") == ("+16465550123", None)
    assert split_phone(None) == (None, None)
    assert phone_with_extension("+16465550123", "7") == "+16465550123 ext. 7"
    assert phone_with_extension("+16465550123", None) == "+16465550123"
    assert phone_with_extension(None, "7") is None


def test_format_phone_shows_the_extension() -> None:
    assert format_phone("+16465550123;ext=7") == "+1 646-555-0123 ext. 7"
    assert format_phone("+16465550123") == "+1 646-555-0123"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jane@clinic-example.org", "jane@clinic-example.org"),
        ("Jane@Clinic-Example.ORG", "Jane@clinic-example.org"),  # domain lower-cased, local part kept
        ("  jane@clinic-example.org ", "jane@clinic-example.org"),
    ],
)
def test_normalise_email_accepts(text: str, expected: str) -> None:
    assert normalise_email(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "jane@",
        "@clinic-example.org",
        "not an email",
        "jane@clinic",  # no dot in the domain
        "someone@example.invalid",  # special-use domains are refused by email-validator
        "x@localhost",
        "a" * 310 + "@example.org",
    ],
)
def test_normalise_email_rejects(text: str) -> None:
    assert normalise_email(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my email is Jane.Doe@Clinic-Example.org, thanks", "Jane.Doe@clinic-example.org"),
        ("mail me at <jane@clinic-example.org>.", "jane@clinic-example.org"),
        ("it's jane@clinic-example.org.", "jane@clinic-example.org"),
        ("jane@ at home", None),
        ("none", None),
        ("", None),
    ],
)
def test_find_email(text: str, expected: str | None) -> None:
    assert find_email(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("skip", True),
        ("Skip!", True),
        ("no", True),
        ("No.", True),
        ("nope", True),
        ("I don't have one", True),
        ("n/a", True),
        ("yes", False),
        ("Jane", False),
        ("no, it's jane@clinic-example.org", False),
        ("", False),
    ],
)
def test_declines(text: str, expected: bool) -> None:
    assert declines(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("stop", True),
        ("STOP!", True),
        ("cancel", True),
        ("never mind", True),
        ("Never  mind.", True),
        ("forget it", True),
        ("please cancel this", True),
        ("I don't want to", True),
        ("I don\u2019t want to", True),  # typographic apostrophe, as phones type it
        ("Tom Stopford", False),
        ("Kristopher", False),
        ("Christopher Stone", False),
        ("Tuesday afternoon", False),
        ("", False),
    ],
)
def test_is_stop_request(text: str, expected: bool) -> None:
    assert is_stop_request(text) is expected


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("does it help sciatica?", True),
        ("what is prolotherapy", True),
        ("How much does it cost", True),
        ("tell me about the injections", True),
        ("sciatica", False),
        ("Tom Stopford", False),
        ("lower back pain after lifting", False),
        ("212 555 0199", False),
        ("", False),
    ],
)
def test_looks_like_question(text: str, question: bool) -> None:
    assert looks_like_question(text) is question


@pytest.mark.parametrize(
    "text",
    [
        *("yes", "Yes!", "yeah sure", "ok", "no", "nope", "hello", "Hola", "what is prolotherapy?", "huh?"),
        *("Sure thing", "thanks a lot", "thank you very much", "ok great", "perfect"),
    ],
)
def test_answers_that_are_not_names_are_questioned(text: str) -> None:
    assert implausible_name(text)


@pytest.mark.parametrize(
    "text", ["Tom Stopford", "Will Smith", "Can Yilmaz", "Noah", "Yesenia Cruz", "Zoë O'Neil"]
)
def test_names_are_names(text: str) -> None:
    assert not implausible_name(text)
