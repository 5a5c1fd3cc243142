"""Rasa NLU components (referenced in config.yml) that set the intent from deterministic checks.

They run last in the pipeline, after the FallbackClassifier, so no confidence threshold can hide an
emergency or a Spanish message, and they see every message on every channel, form answers included.
RedFlagDetector runs last: an emergency is an emergency first, whatever language or request.
Each reads the language of its model from its `language` entry in config.yml (default "en"; the
Spanish model's data/es/config.yml says `language: es`) and reads messages in that language.
FoldingTokenizer, the Spanish model's tokenizer, folds case and accents for the featurizers.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.booking.corrections import announced_correction
from bot.booking.prefill import asks_for_visit
from bot.conversation.advice import asks_for_personal_advice
from bot.conversation.language import looks_spanish
from bot.conversation.safety import red_flag
from bot.conversation.topics import plain_text, topics_in
from bot.conversation.wording import DEFAULT_LANGUAGE, normal_language

RED_FLAG_INTENT = "red_flag"
SPANISH_INTENT = "speaks_spanish"
ADVICE_INTENT = "medical_advice"
CORRECTION_INTENT = "correct_field"
BOOKING_INTENT = "book_appointment"
SEVERAL_QUESTIONS_INTENT = "several_questions"
# What DIET may call a message that holds several questions; a clear request (a booking, a stop, a
# form answer) keeps its intent.
_QUESTION_INTENTS = {"faq", "unknown", "nlu_fallback", "out_of_scope", "greet", "help", "about_practice"}
_ANSWER_INTENTS = {"faq", "unknown"}
# A part the topic words miss counts as a question of a topic only above this probability.
PART_CONFIDENCE = 0.7


def folded(word: str, keep_enye: bool = True) -> str:
    """Lower case without accents ("Médico" -> "medico"), so a visitor who skips accents types the
    same word; with `keep_enye`, ñ stays ("año" is not "ano")."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    kept = "".join(c for c in decomposed if not unicodedata.combining(c) or (keep_enye and c == "\u0303"))
    return unicodedata.normalize("NFC", kept) if keep_enye else kept


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class FoldingTokenizer(WhitespaceTokenizer):
    """WhitespaceTokenizer whose lemmas are folded (see `folded`): the CountVectorsFeaturizers read
    lemmas, so "cuanto" and "Cuánto" become one feature; token texts, hence entities, are untouched."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**WhitespaceTokenizer.get_default_config(), "keep_enye": True}

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        tokens = super().tokenize(message, attribute)
        keep_enye = bool(self._config.get("keep_enye", True))
        for token in tokens:
            token.lemma = folded(token.text, keep_enye) or token.text
        return tokens


class _RuleClassifier(GraphComponent, IntentClassifier):
    """Overrides the intent with `intent` when `matches` says the text calls for it."""

    intent = ""

    def __init__(
        self,
        model_storage: ModelStorage | None = None,
        resource: Resource | None = None,
        language: str = DEFAULT_LANGUAGE,
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self.language = language

    def matches(self, text: str) -> bool:
        raise NotImplementedError

    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"language": DEFAULT_LANGUAGE}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> _RuleClassifier:
        return cls(model_storage, resource, language=_language(config))

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if self.matches(message.get("text") or ""):
                self.override(message)
        return messages

    def override(self, message: Message) -> None:
        override = {"name": self.intent, "confidence": 1.0}
        message.data["intent"] = override
        message.data.setdefault("intent_ranking", []).insert(0, override)


def _language(config: dict[str, Any] | None) -> str:
    return normal_language((config or {}).get("language"))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class RedFlagDetector(_RuleClassifier):
    """Emergencies in any language: red_flag reads English and Spanish alike."""

    intent = RED_FLAG_INTENT

    def matches(self, text: str) -> bool:
        return red_flag(text) is not None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SpanishDetector(_RuleClassifier):
    intent = SPANISH_INTENT

    def matches(self, text: str) -> bool:
        return looks_spanish(text)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class PersonalAdviceDetector(_RuleClassifier):
    intent = ADVICE_INTENT

    def matches(self, text: str) -> bool:
        return asks_for_personal_advice(text, self.language)


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
            correction = announced_correction(text, language=self.language)
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
            intent = (message.get("intent") or {}).get("name")
            if asks_for_visit(message.get("text") or "", intent, self.language):
                self.override(message)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class QuestionSplitter(_RuleClassifier):
    """ "what is prolotherapy and how much does it cost?" asks two things; the selectors answer one.

    A message whose parts ask two or more of the answers' topics (bot/conversation/topics.py) becomes
    `several_questions` with one `topic` entity per part, in order; action_answer_questions answers
    each. A part the topic words miss goes to a small classifier trained here on the `faq/…` and
    `unknown/…` examples, and counts only when it is confident. Personal advice, Spanish and red
    flags run later and still win.
    """

    intent = SEVERAL_QUESTIONS_INTENT
    _FILE = "parts.joblib"

    @classmethod
    def required_components(cls) -> list[type]:
        return []  # trained on the raw examples; at inference it still runs after DIET (config.yml)

    def __init__(
        self,
        model_storage: ModelStorage | None,
        resource: Resource | None,
        classifier: Any = None,
        language: str = DEFAULT_LANGUAGE,
    ) -> None:
        super().__init__(model_storage, resource, language)
        self._classifier = classifier

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> QuestionSplitter:
        import joblib

        language = _language(config)
        try:
            with model_storage.read_from(resource) as directory:
                return cls(model_storage, resource, joblib.load(directory / cls._FILE), language)
        except (ValueError, FileNotFoundError):
            return cls(model_storage, resource, language=language)

    def train(self, training_data: TrainingData) -> Resource:
        import joblib

        examples = [
            (plain_text(m.get("text") or "", self.language), m.get_full_intent())
            for m in training_data.intent_examples
            if m.get("intent") in _ANSWER_INTENTS and m.get_full_intent() != m.get("intent")
        ]
        if len({label for _, label in examples}) >= 2:
            self._classifier = _part_classifier()
            self._classifier.fit([text for text, _ in examples], [label for _, label in examples])
            with self._model_storage.write_to(self._resource) as directory:
                joblib.dump(self._classifier, directory / self._FILE)
        return self._resource

    def classify(self, part: str) -> str | None:
        if self._classifier is None:
            return None
        probabilities = self._classifier.predict_proba([part])[0]
        best = probabilities.argmax()
        return str(self._classifier.classes_[best]) if probabilities[best] >= PART_CONFIDENCE else None

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if (message.get("intent") or {}).get("name") not in _QUESTION_INTENTS:
                continue
            text = message.get("text") or ""
            topics = topics_in(text, self.classify, self.language)
            if len(topics) < 2:
                continue
            self.override(message)
            entities = [e for e in message.get("entities") or [] if e.get("entity") != "topic"]
            message.data["entities"] = entities + [
                {
                    "entity": "topic",
                    "value": topic,
                    "start": 0,
                    "end": len(text),
                    "confidence_entity": 1.0,
                    "extractor": type(self).__name__,
                }
                for topic in topics
            ]
        return messages


def _part_classifier() -> Any:
    """Characters and words of the examples; small and fast enough to train in a second."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    return make_pipeline(
        make_union(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        ),
        LogisticRegression(C=20, max_iter=2000),
    )
