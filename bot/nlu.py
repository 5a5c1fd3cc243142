"""Rasa NLU components (referenced in config.yml) that set the intent from deterministic checks.

They run last in the pipeline, after the FallbackClassifier, so no confidence threshold can hide an
emergency or a Spanish message, and they see every message on every channel, form answers included.
RedFlagDetector runs last: an emergency is an emergency first, whatever language or request.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.training_data.message import Message

from bot.advice import asks_for_personal_advice
from bot.booking.corrections import read_correction
from bot.booking.prefill import asks_for_visit
from bot.language import looks_spanish
from bot.safety import red_flag

RED_FLAG_INTENT = "red_flag"
SPANISH_INTENT = "speaks_spanish"
ADVICE_INTENT = "medical_advice"
CORRECTION_INTENT = "correct_field"
BOOKING_INTENT = "book_appointment"


class _RuleClassifier(GraphComponent, IntentClassifier):
    """Overrides the intent with `intent` when `matches` says the text calls for it."""

    intent = ""

    @staticmethod
    def matches(text: str) -> bool:
        raise NotImplementedError

    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> _RuleClassifier:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if self.matches(message.get("text") or ""):
                self.override(message)
        return messages

    def override(self, message: Message) -> None:
        override = {"name": self.intent, "confidence": 1.0}
        message.data["intent"] = override
        message.data.setdefault("intent_ranking", []).insert(0, override)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class RedFlagDetector(_RuleClassifier):
    intent = RED_FLAG_INTENT
    matches = staticmethod(lambda text: red_flag(text) is not None)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SpanishDetector(_RuleClassifier):
    intent = SPANISH_INTENT
    matches = staticmethod(looks_spanish)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class PersonalAdviceDetector(_RuleClassifier):
    intent = ADVICE_INTENT
    matches = staticmethod(asks_for_personal_advice)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CorrectionDetector(_RuleClassifier):
    """ "no the phone is wrong, it's 212 555 0143" is a correction of the phone, whatever DIET read.

    The detail goes in the `field` entity, so the correction rules apply at the read-back too; the
    form's validator takes the new value from the text (actions/booking_form.py).
    """

    intent = CORRECTION_INTENT

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get("text") or ""
            correction = read_correction(text)
            if correction is None:
                continue
            self.override(message)
            entities = [e for e in message.get("entities") or [] if e.get("entity") != "field"]
            entities.append(
                {
                    "entity": "field",
                    "value": correction.field,
                    "start": 0,
                    "end": len(text),
                    "confidence_entity": 1.0,
                    "extractor": type(self).__name__,
                }
            )
            message.data["entities"] = entities
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class BookingDetector(_RuleClassifier):
    """ "can i come in next tuesday afternoon? my sciatica is acting up" asks for a visit.

    DIET reads such messages as form answers (they carry a day and a reason); the request then starts
    with those details filled (bot/booking/prefill.py).
    """

    intent = BOOKING_INTENT

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if asks_for_visit(message.get("text") or "", (message.get("intent") or {}).get("name")):
                self.override(message)
        return messages
