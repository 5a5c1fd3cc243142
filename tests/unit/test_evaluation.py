"""`make eval`'s figures from Rasa's reports."""

from __future__ import annotations

from pathlib import Path

from bot.ops.evaluation import answered_right, fallback_threshold, out_of_scope_caught


def said(text: str, intent: str, predicted: str, confidence: float) -> dict:
    """An entry of Rasa's intent_errors.json / intent_successes.json."""
    prediction = {"name": predicted, "confidence": confidence}
    return {"text": text, "intent": intent, "intent_prediction": prediction}


def test_an_answer_counts_only_when_intent_and_response_are_both_right() -> None:
    intent_errors = [
        said("how much is it", "unknown", "faq", 0.9),
        said("hello there", "greet", "faq", 0.9),
        said("what is it", "faq", "inform", 0.9),
    ]
    response_errors = [
        {"text": "what is it", "intent_response_key_target": "faq/what_is"},
        {"text": "does it hurt", "intent_response_key_target": "unknown/side_effects"},
    ]
    successes = [
        said("who does it", "faq", "faq", 0.35),
        said("is it covered", "unknown", "unknown", 0.4),
        said("hi", "greet", "greet", 0.2),
    ]
    # Wrong: the cost question (intent), "what is it" (both, counted once), "does it hurt" (answer),
    # "who does it" (right, but below the threshold: the visitor is asked to rephrase).
    # "hello there" and "hi" are not questions with an answer; 0.4 is not below a threshold of 0.4.
    assert answered_right(intent_errors, response_errors, successes, 20, 0.4) == (16, 20)
    assert answered_right(intent_errors, response_errors, successes, 20, 0.3) == (17, 20)


def test_out_of_scope_counts_what_the_fallback_catches() -> None:
    # Rasa's evaluation reports the intent beneath a fallback; its confidence tells what the
    # fallback does with the message in conversation.
    report = {"out_of_scope": {"support": 5}}
    errors = [
        {"intent": "out_of_scope", "intent_prediction": {"name": "faq", "confidence": 0.28}},
        {"intent": "out_of_scope", "intent_prediction": {"name": "faq", "confidence": 0.69}},
        {"intent": "out_of_scope", "intent_prediction": {"name": "unknown", "confidence": 0.4}},
        {"intent": "greet", "intent_prediction": {"name": "faq", "confidence": 0.9}},
    ]
    assert out_of_scope_caught(errors, report, 0.4) == (3, 5)
    assert out_of_scope_caught(errors, report, 0.7) == (5, 5)


def test_the_threshold_is_the_pipelines(tmp_path: Path) -> None:
    assert fallback_threshold() == 0.4  # config.yml
    config = tmp_path / "config.yml"
    config.write_text("pipeline:\n  - name: DIETClassifier\n  - name: FallbackClassifier\n")
    assert fallback_threshold(config) == 0.3  # Rasa's default
    config.write_text("pipeline:\n  - name: DIETClassifier\n")
    assert fallback_threshold(config) == 0.0  # no fallback: nothing is caught by it


def test_visitor_turn_scores_count_what_a_visitor_would_expect() -> None:
    from bot.ops.evaluation_turns import answered_topics, name_scores, prefill_matches

    accepted, questioned = name_scores(
        {"plausible": ["Rosa Martinez", "yes"], "implausible": ["hello", "Tom"]}
    )
    assert (accepted.right, accepted.total, accepted.misses) == (1, 2, ["yes"])
    assert (questioned.right, questioned.total) == (1, 2)
    assert prefill_matches(
        {"date": True, "time": "afternoon", "reason": "sciatica"},
        {"preferred_date": "2026-12-08", "preferred_time": "15:00", "reason": "sciatica"},
    )
    assert not prefill_matches({"date": False, "time": None, "reason": "other"}, {"reason": "sciatica"})
    assert answered_topics({"entities": [{"entity": "topic", "value": "unknown/cost"}]}) == {"unknown/cost"}
    parse = {
        "intent": {"name": "faq"},
        "response_selector": {"faq": {"response": {"intent_response_key": "faq/what_is"}}},
    }
    assert answered_topics(parse) == {"faq/what_is"}
