"""Understanding Spanish (issue 17): personal advice, question splitting and topics, and the rule
components of the Spanish model reading `language: es` from their config."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.conversation.advice import asks_for_personal_advice
from bot.conversation.topics import plain_text, questions_in, topics_in
from bot.rasa.nlu import (
    BookingDetector,
    CorrectionDetector,
    PersonalAdviceDetector,
    QuestionSplitter,
    RedFlagDetector,
)


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("¿usted qué haría?", True),
        ("¿Qué haría usted en mi lugar?", True),
        ("dígame si debo operarme", True),
        ("digame si debo operarme", True),
        ("¿me conviene a mí?", True),
        ("decida por mí", True),
        ("¿cuál me recomienda?", True),
        ("¿qué es la proloterapia?", False),
        ("¿funciona para la ciática?", False),
        ("¿es mejor que la cirugía?", False),
    ],
)
def test_spanish_requests_for_personal_advice(text: str, asks: bool) -> None:
    assert asks_for_personal_advice(text, language="es") is asks
    assert not asks_for_personal_advice(text)  # English reads no Spanish


def test_spanish_text_is_plain_without_accents_or_opening_marks() -> None:
    assert plain_text("¿Qué es la PROLOTERAPIA?", language="es") == "que es la proloterapia?"
    assert plain_text("¿Cuánto cuesta? ¡Gracias!", language="es") == "cuanto cuesta? gracias!"
    assert plain_text("¿Y el niño?", language="es") == "y el niño?"


def test_a_spanish_message_is_cut_into_its_questions() -> None:
    assert questions_in("¿Qué es la proloterapia y cuánto cuesta?", language="es") == [
        "que es la proloterapia",
        "cuanto cuesta",
    ]
    assert questions_in("¿qué es? también, ¿cómo funciona?", language="es") == ["que es", "como funciona"]
    assert questions_in("me duele la espalda y la pierna", language="es") == [
        "me duele la espalda y la pierna"
    ]


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("¿qué es la proloterapia?", "faq/what_is"),
        ("¿cómo funciona?", "faq/how_it_works"),
        ("¿en qué consiste el tratamiento?", "faq/how_it_works"),
        ("¿qué condiciones trata?", "faq/conditions"),
        ("¿sirve para la ciática?", "faq/conditions"),
        ("¿es eficaz?", "faq/effectiveness"),
        ("¿funciona de verdad?", "faq/effectiveness"),
        ("¿quién la hace?", "faq/who_performs"),
        ("¿es mejor que la cirugía?", "faq/vs_surgery"),
        ("¿por qué no es más común?", "faq/not_mainstream"),
        ("¿qué otras opciones hay?", "faq/other_options"),
        ("¿me sirve a mí?", "faq/suits_me"),
        ("¿soy buen candidato?", "faq/suits_me"),
        ("¿cuánto cuesta?", "unknown/cost"),
        ("¿cuál es el precio?", "unknown/cost"),
        ("¿lo cubre el seguro?", "unknown/insurance"),
        ("¿aceptan Medicare?", "unknown/insurance"),
        ("¿tiene efectos secundarios?", "unknown/side_effects"),
        ("¿es seguro?", "unknown/side_effects"),
        ("¿duele?", "unknown/side_effects"),
        ("¿cuántas inyecciones necesito?", "unknown/number_of_injections"),
        ("¿cuántas sesiones son?", "unknown/number_of_injections"),
        ("¿cuánto tarda la recuperación?", "unknown/recovery_time"),
        ("¿puedo volver al trabajo enseguida?", "unknown/recovery_time"),
        ("¿qué se inyecta?", "unknown/what_is_injected"),
        ("¿lleva dextrosa?", "unknown/what_is_injected"),
    ],
)
def test_spanish_topic_patterns(text: str, topic: str) -> None:
    assert topics_in(text, language="es") == [topic]


def test_spanish_topics_in_order_and_the_classifier_for_the_rest() -> None:
    text = "¿Qué es la proloterapia? ¿cuántas sesiones necesito y lo cubre el seguro?"
    assert topics_in(text, language="es") == [
        "faq/what_is",
        "unknown/number_of_injections",
        "unknown/insurance",
    ]
    asked: list[str] = []
    found = topics_in(
        "¿qué es la proloterapia? oiga, ¿dónde queda la clínica?",
        lambda part: asked.append(part) or "unknown/location",
        language="es",
    )
    assert found == ["faq/what_is", "unknown/location"]
    assert asked == ["donde queda la clinica"]


def _message(text: str, intent: str) -> Message:
    return Message(data={"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []})


SPANISH = {"language": "es"}


def test_the_rule_components_read_their_language_from_the_config() -> None:
    for component in (BookingDetector, CorrectionDetector, PersonalAdviceDetector, RedFlagDetector):
        assert component.get_default_config() == {"language": "en"}
        assert component.create(SPANISH, None, None, None).language == "es"
        assert component.create({}, None, None, None).language == "en"
    assert QuestionSplitter.create(SPANISH, None, None, None).language == "es"


def test_the_spanish_booking_detector() -> None:
    detector = BookingDetector.create(SPANISH, None, None, None)
    text = "¿puedo ir el martes que viene por la tarde? mi ciática me está molestando"
    (message,) = detector.process([_message(text, "inform")])
    assert message.get("intent")["name"] == "book_appointment"
    (english,) = BookingDetector().process([_message(text, "inform")])
    assert english.get("intent")["name"] == "inform"


def test_the_spanish_correction_detector() -> None:
    detector = CorrectionDetector.create(SPANISH, None, None, None)
    (message,) = detector.process([_message("no, el teléfono está mal", "deny")])
    assert message.get("intent")["name"] == "correct_field"
    assert [e["value"] for e in message.get("entities") if e["entity"] == "field"] == ["phone"]


def test_the_spanish_advice_detector_and_question_splitter() -> None:
    (advice,) = PersonalAdviceDetector.create(SPANISH, None, None, None).process(
        [_message("¿usted qué haría?", "faq")]
    )
    assert advice.get("intent")["name"] == "medical_advice"
    (several,) = QuestionSplitter.create(SPANISH, None, None, None).process(
        [_message("¿Qué es la proloterapia y cuánto cuesta?", "faq")]
    )
    assert several.get("intent")["name"] == "several_questions"
    assert [e["value"] for e in several.get("entities")] == ["faq/what_is", "unknown/cost"]
