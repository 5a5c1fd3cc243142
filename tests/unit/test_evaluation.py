"""`make eval`'s figures from Rasa's reports."""

from __future__ import annotations

from bot.evaluation import answered_right, out_of_scope_caught


def test_an_answer_counts_only_when_intent_and_response_are_both_right() -> None:
    intent_errors = [
        {"text": "how much is it", "intent": "unknown", "intent_prediction": {"name": "faq"}},
        {"text": "hello there", "intent": "greet", "intent_prediction": {"name": "faq"}},
        {"text": "what is it", "intent": "faq", "intent_prediction": {"name": "inform"}},
    ]
    response_errors = [
        {"text": "what is it", "intent_response_key_target": "faq/what_is"},
        {"text": "does it hurt", "intent_response_key_target": "unknown/side_effects"},
    ]
    # Wrong: the cost question (intent), "what is it" (both, counted once), "does it hurt" (answer).
    # "hello there" is not a question with an answer.
    assert answered_right(intent_errors, response_errors, 20) == (17, 20)


def test_out_of_scope_counts_the_fallback_as_caught() -> None:
    report = {"out_of_scope": {"support": 4}}
    errors = [
        {"intent": "out_of_scope", "intent_prediction": {"name": "nlu_fallback"}},
        {"intent": "out_of_scope", "intent_prediction": {"name": "faq"}},
    ]
    assert out_of_scope_caught(errors, report) == (3, 4)
