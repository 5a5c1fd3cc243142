"""Details in a first request (issue 14, item 8): what the form starts with."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.booking.hours import OpeningHours
from bot.booking.prefill import asks_for_visit, details_in

HOURS = OpeningHours(frozenset(range(5)), time(8), time(17))
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("America/New_York"))  # a Wednesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "can i come in next tuesday afternoon? my sciatica is acting up",
            {
                "preferred_date": "2026-12-08",
                "preferred_time": "afternoon",
                "reason": "sciatica",
                "reason_text": "my sciatica is acting up",
            },
        ),
        (
            "id like to book for friday morning, whiplash from a car accident",
            {
                "preferred_date": "2026-12-04",
                "preferred_time": "morning",
                "reason": "whiplash",
                "reason_text": "whiplash from a car accident",
            },
        ),
        (
            "need an appt asap for my lower back",
            {"reason": "lower back pain", "reason_text": "need an appt asap for my lower back"},
        ),
        (
            "I'd like to book for my mother Rosa, sciatica down her left leg",
            {
                "reason": "sciatica",
                "reason_text": "sciatica down her left leg",
                "patient_relation": "mother",
                "patient_name": "Rosa",
            },
        ),
        ("booking for my dad", {"patient_relation": "father"}),
        ("sciatica", {"reason": "sciatica"}),
        ("do you have anything thursday?", {"preferred_date": "2026-12-03"}),
        (
            "could i get an appointment dec 10 at 3pm",
            {"preferred_date": "2026-12-10", "preferred_time": "15:00"},
        ),
        (
            "appointment tomorrow anytime please",
            {"preferred_date": "2026-12-03", "preferred_time": "any time"},
        ),
        ("I'd like to book an appointment", {}),
        ("can i come in saturday", {}),  # closed: the form asks and explains
        ("may i book an appointment", {}),
        ("/book_appointment", {}),
    ],
)
def test_clear_details_fill_the_form_and_nothing_else(text: str, expected: dict[str, str]) -> None:
    assert details_in(text, NOW, HOURS) == expected
    assert all(date.fromisoformat(v) for k, v in expected.items() if k == "preferred_date")


@pytest.mark.parametrize(
    ("text", "intent", "asks"),
    [
        ("can i come in next tuesday afternoon? my sciatica is acting up", "inform", True),
        ("do you have anything thursday?", "goodbye", True),
        ("need an appt asap for my lower back", "inform", True),
        ("next tuesday afternoon", "inform", False),
        ("sciatica", "inform", False),
        ("how much does an appointment cost", "unknown", False),
        ("cancel my appointment", "cancel_request", False),
        ("/book_appointment", "inform", False),
    ],
)
def test_a_message_asking_to_be_seen_is_told_from_a_form_answer(text: str, intent: str, asks: bool) -> None:
    assert asks_for_visit(text, intent) is asks
