"""The deterministic NLU components override DIET only where they should (issue 14, items 1 and 8)."""

from __future__ import annotations

from rasa.shared.nlu.training_data.message import Message

from bot.nlu import BookingDetector, CorrectionDetector


def _message(text: str, intent: str) -> Message:
    return Message(data={"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []})


def test_a_correction_becomes_correct_field_with_the_detail_as_entity() -> None:
    (message,) = CorrectionDetector().process([_message("no the phone is wrong, it's 212 555 0143", "deny")])
    assert message.get("intent")["name"] == "correct_field"
    assert [(e["entity"], e["value"]) for e in message.get("entities")] == [("field", "phone")]


def test_an_ordinary_answer_keeps_its_intent() -> None:
    (message,) = CorrectionDetector().process([_message("212 555 0143", "inform")])
    assert message.get("intent")["name"] == "inform" and message.get("entities") == []


def test_a_request_to_be_seen_read_as_an_answer_becomes_a_booking() -> None:
    (asks, answer) = BookingDetector().process(
        [
            _message("can i come in next tuesday afternoon? my sciatica is acting up", "inform"),
            _message("next tuesday afternoon", "inform"),
        ]
    )
    assert asks.get("intent")["name"] == "book_appointment"
    assert answer.get("intent")["name"] == "inform"
