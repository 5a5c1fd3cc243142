"""A Rasa NLU component (referenced in config.yml) that turns red-flag messages into `red_flag`.

It runs last in the pipeline, after the FallbackClassifier, so no confidence threshold can hide an
emergency, and it sees every message on every channel, form answers included.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.training_data.message import Message

from bot.safety import red_flag

RED_FLAG_INTENT = "red_flag"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class RedFlagDetector(GraphComponent, IntentClassifier):
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
    ) -> RedFlagDetector:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if red_flag(message.get("text") or ""):
                override = {"name": RED_FLAG_INTENT, "confidence": 1.0}
                message.data["intent"] = override
                message.data.setdefault("intent_ranking", []).insert(0, override)
        return messages
