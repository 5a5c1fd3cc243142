"""Reasons for a visit, and what the bot says about a request."""

from __future__ import annotations

from datetime import date

import pytest

from bot.booking.reasons import MAX_REASON_LENGTH, read_reason
from bot.booking.wording import STATUS_MEANINGS, received_text, review_text, status_text

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
