"""Reasons for a visit, and what the bot says about a request."""

from __future__ import annotations

from datetime import date

import pytest

from bot.booking.reasons import MAX_REASON_LENGTH, MAX_REASON_TEXT_LENGTH, read_reason, reason_words
from bot.booking.wording import STATUS_MEANINGS, noted_text, received_text, review_text, status_text

REFERENCE = "PRL-7KQ3MX"
PRACTICE = "Test Spine Clinic"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("whiplash", "whiplash"),
        ("Whiplash.", "whiplash"),
        ("I was rear-ended", "whiplash"),
        ("my sciatic nerve", "sciatica"),
        ("sciatica", "sciatica"),
        ("degenerative disc disease", "degenerative disc"),
        ("herniated disk", "degenerative disc"),
        ("pulled muscle in my back", "soft-tissue injury"),
        ("sprained ankle", "soft-tissue injury"),
    ],
)
def test_read_reason_maps_conditions(text: str, expected: str) -> None:
    assert read_reason(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lower back pain after lifting boxes", "lower back pain after lifting boxes"),
        ("  neck   pain  ", "neck pain"),
        ("discomfort in my lower back", "discomfort in my lower back"),  # not a "disc"
        ("a" * MAX_REASON_LENGTH, "a" * MAX_REASON_LENGTH),
    ],
)
def test_read_reason_keeps_free_text(text: str, expected: str) -> None:
    assert read_reason(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "something else",
        "Something else.",
        "not sure",
        "",
        "   ",
        "12345",
        "x",
        "!!",
        "a" * (MAX_REASON_LENGTH + 1),
    ],
)
def test_read_reason_rejects_vague_or_unusable_text(text: str) -> None:
    assert read_reason(text) is None


APPOINTMENT = {
    "full_name": "Jane Smith",
    "phone": "+12125550199",
    "email": "skipped",
    "preferred_date": "2026-12-01",
    "preferred_time": "afternoon",
    "reason": "sciatica",
}


def test_review_text_for_an_appointment() -> None:
    text = review_text(APPOINTMENT, "appointment")
    assert text.splitlines() == [
        "Here is your appointment request:",
        "• Name: Jane Smith",
        "• Phone: +1 212-555-0199",
        "• Preferred date: Tuesday, December 1",
        "• Time of day: afternoon",
        "• Reason: sciatica",
        "Shall I send it to the practice?",
    ]


@pytest.mark.parametrize(
    ("text", "reason", "expected"),
    [
        ("sciatica down my left leg", "sciatica", "sciatica down my left leg"),
        (
            "degenerative discs - the appointment is for my mother Rosa",
            "degenerative disc",
            "degenerative discs - the appointment is for my mother Rosa",
        ),
        ("  sciatica\n down   my leg ", "sciatica", "sciatica down my leg"),
        ("sciatica", "sciatica", None),  # the button: nothing more was said
        ("Sciatica.", "sciatica", None),
        ("lower back pain", "lower back pain", None),  # free text is already the reason
        ("/inform", "sciatica", None),
        ("sciatica", None, None),
    ],
)
def test_reason_words_keep_what_the_visitor_said_beside_the_condition(
    text: str, reason: str | None, expected: str | None
) -> None:
    assert reason_words(text, reason) == expected


def test_reason_words_are_capped() -> None:
    words = reason_words("sciatica " * 100, "sciatica")
    assert words is not None and len(words) == MAX_REASON_TEXT_LENGTH


def test_review_text_quotes_the_visitor_and_names_the_patient() -> None:
    slots = {
        **APPOINTMENT,
        "phone": "+16465550123;ext=7",
        "reason_text": "sciatica down my left leg",
        "patient_name": "Rosa",
        "patient_relation": "mother",
    }
    lines = review_text(slots, "appointment").splitlines()
    assert lines[1:4] == [
        "• Name: Jane Smith",
        "• Patient: Rosa (your mother)",
        "• Phone: +1 646-555-0123 ext. 7",
    ]
    assert "• Reason: sciatica (in your words: \u201csciatica down my left leg\u201d)" in lines


def test_noted_text_mentions_the_patient() -> None:
    assert noted_text({"reason": "sciatica", "patient_relation": "son"}) == (
        "sciatica as the reason, that it's for your son"
    )


def test_review_text_omits_skipped_and_missing_values() -> None:
    text = review_text({**APPOINTMENT, "reason": None, "preferred_time": ""}, "appointment")
    assert "E-mail" not in text
    assert "skipped" not in text
    assert "Reason" not in text
    assert "Time of day" not in text


def test_review_text_for_a_callback() -> None:
    text = review_text({"full_name": "Jane Smith", "phone": "+442079460958"}, "callback")
    assert text.startswith("Here is your callback request:")
    assert "appointment" not in text
    assert "• Phone: +44 20 7946 0958" in text


@pytest.mark.parametrize("kind", ["appointment", "callback"])
def test_received_text_gives_the_reference_and_promises_no_booking(kind: str) -> None:
    text = received_text(REFERENCE, kind, PRACTICE)
    assert REFERENCE in text
    assert f"{PRACTICE} will call you" in text
    assert "booked" not in text.lower()


@pytest.mark.parametrize(
    ("status", "meaning"),
    [
        ("new", "received; the practice will call you to confirm a time"),
        ("contacted", "in progress; the practice has been in touch with you"),
        ("scheduled", "scheduled; the practice has arranged a visit with you"),
        ("declined", "closed by the practice; please call us if you have questions"),
        ("cancelled", "cancelled"),
    ],
)
def test_status_text_for_each_status(status: str, meaning: str) -> None:
    text = status_text(REFERENCE, status, date(2026, 12, 1), "morning")
    assert text == f"Your request {REFERENCE} for Tuesday, December 1 (morning) is {meaning}."


def test_every_status_has_a_meaning() -> None:
    assert set(STATUS_MEANINGS) == {"new", "contacted", "scheduled", "declined", "cancelled"}


def test_status_text_without_date_or_time() -> None:
    assert status_text(REFERENCE, "new", None, None) == (
        f"Your request {REFERENCE} is received; the practice will call you to confirm a time."
    )
    assert status_text(REFERENCE, "cancelled", date(2026, 12, 1), None) == (
        f"Your request {REFERENCE} for Tuesday, December 1 is cancelled."
    )
