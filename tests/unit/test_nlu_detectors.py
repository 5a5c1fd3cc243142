"""The deterministic NLU components override DIET only where they should (issue 14, items 1 and 8)."""

from __future__ import annotations

from pathlib import Path

from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa.nlu import BookingDetector, CorrectionDetector, QuestionSplitter


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


def test_a_message_with_two_questions_gets_one_topic_entity_per_question() -> None:
    (message,) = QuestionSplitter(None, None).process(
        [_message("what is prolotherapy and how much does it cost?", "faq")]
    )
    assert message.get("intent")["name"] == "several_questions"
    assert [(e["entity"], e["value"]) for e in message.get("entities")] == [
        ("topic", "faq/what_is"),
        ("topic", "unknown/cost"),
    ]


def test_a_single_question_or_a_request_keeps_its_intent() -> None:
    (single, booking) = QuestionSplitter(None, None).process(
        [
            _message("what is prolotherapy", "faq"),
            _message("book me in and how much does it cost", "book_appointment"),
        ]
    )
    assert single.get("intent")["name"] == "faq" and single.get("entities") == []
    assert booking.get("intent")["name"] == "book_appointment"


def test_the_splitter_learns_the_parts_its_topic_words_miss(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("splitter")
    examples = {
        "faq/effectiveness": ["does prolotherapy work", "is it any good", "will it do anything for me"],
        "faq/what_is": ["what is prolotherapy", "what is prolo", "tell me about prolotherapy"],
    }
    data = TrainingData(
        [
            Message(data={"text": text, "intent": "faq", "intent_response_key": key})
            for key, texts in examples.items()
            for text in texts
        ]
    )
    QuestionSplitter(storage, resource).train(data)
    splitter = QuestionSplitter.load({}, storage, resource, None)
    (message,) = splitter.process([_message("what is prolo? is it any good?", "faq")])
    assert [e["value"] for e in message.get("entities")] == ["faq/what_is", "faq/effectiveness"]
