"""`make eval`: how well the assistant understands wording it was not trained on, in each language.

For each language's model, runs Rasa's NLU evaluation on its held-out set (`tests/nlu/test_data.yml`
for English, `tests/nlu/<lang>/test_data.yml` otherwise, each written apart from the training data),
the held-out visitor turns (English, `bot.ops.evaluation_turns`) and a 5-fold cross-validation on the
training data, then writes `results/REPORT.md` with the figures the README quotes: intent macro-F1, FAQ
response selection, and how much out-of-scope input the fallback catches.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from rasa.core.constants import DEFAULT_NLU_FALLBACK_THRESHOLD

from bot.ops.evaluation_turns import evaluate as evaluate_turns
from bot.ops.training import ensure_model, rasa_executable
from bot.settings import ROOT

RESULTS = ROOT / "results"
HELD_OUT = ROOT / "tests" / "nlu" / "test_data.yml"
NAMES = {"en": "English", "es": "Spanish"}


def held_out_set(language: str) -> Path:
    return HELD_OUT if language == "en" else HELD_OUT.parent / language / HELD_OUT.name


def language_config(language: str) -> Path:
    return ROOT / "config.yml" if language == "en" else ROOT / "data" / language / "config.yml"


def language_nlu(language: str) -> str:
    return "data/nlu" if language == "en" else f"data/{language}/nlu"


def results_of(language: str) -> Path:
    return RESULTS if language == "en" else RESULTS / language


def _rasa(*args: str) -> None:
    command = [rasa_executable(), *args]
    print("$", " ".join(command), flush=True)
    subprocess.run(command, cwd=ROOT, check=True)


def _load(path: Path) -> Any:
    return json.loads(path.read_text()) if path.exists() else None


def summarise_intents(report: dict[str, Any]) -> dict[str, float]:
    return {
        "macro_f1": report["macro avg"]["f1-score"],
        "accuracy": report.get("accuracy", report.get("micro avg", {}).get("f1-score", 0.0)),
    }


def weakest(report: dict[str, Any], limit: int = 8) -> list[tuple[str, float, int]]:
    rows = [
        (name, scores["f1-score"], scores["support"])
        for name, scores in report.items()
        if isinstance(scores, dict) and "support" in scores and not name.endswith("avg")
    ]
    return sorted(rows, key=lambda row: row[1])[:limit]


def fallback_threshold(config: Path = ROOT / "config.yml") -> float:
    """The FallbackClassifier's threshold: in conversation, a message read with less confidence gets
    the rephrase prompt. Rasa's evaluation reports the intent beneath it instead."""
    pipeline = yaml.safe_load(config.read_text()).get("pipeline") or []
    for component in pipeline:
        if component.get("name") == "FallbackClassifier":
            return float(component.get("threshold", DEFAULT_NLU_FALLBACK_THRESHOLD))
    return 0.0


def out_of_scope_caught(
    errors: list[dict[str, Any]], report: dict[str, Any], threshold: float
) -> tuple[int, int]:
    """Out-of-scope examples answered as out of scope: intent out_of_scope, or any other intent read
    with less confidence than the fallback's threshold (the fallback ladder answers those)."""
    total = report.get("out_of_scope", {}).get("support", 0)
    missed = sum(
        1
        for error in errors
        if error["intent"] == "out_of_scope" and error["intent_prediction"]["confidence"] >= threshold
    )
    return total - missed, total


def answered_right(
    intent_errors: list[dict[str, Any]],
    response_errors: list[dict[str, Any]],
    intent_successes: list[dict[str, Any]],
    support: int,
    threshold: float,
) -> tuple[int, int]:
    """Questions with an article or known-unknown answer that get that very answer in conversation.

    Rasa scores the ResponseSelector with the question's true intent; in conversation the answer
    also needs the intent right (a cost question taken as `faq` gets some article answer), and read
    with at least the fallback's threshold of confidence (below it the visitor is asked to rephrase).
    """
    retrieval = {"faq", "unknown"}
    wrong = {e["text"] for e in intent_errors if e["intent"] in retrieval}
    wrong |= {e["text"] for e in response_errors}
    wrong |= {
        s["text"]
        for s in intent_successes
        if s["intent"] in retrieval and s["intent_prediction"]["confidence"] < threshold
    }
    return support - len(wrong), support


def red_flag_confusions(errors: list[dict[str, Any]]) -> Counter[str]:
    """Non-emergencies flagged as emergencies, and emergencies missed, by intent."""
    found: Counter[str] = Counter()
    for error in errors:
        if error["intent_prediction"]["name"] == "red_flag":
            found[f"{error['intent']} → red_flag"] += 1
        elif error["intent"] == "red_flag":
            found[f"red_flag → {error['intent_prediction']['name']}"] += 1
    return found


def language_report(
    language: str, seconds: dict[str, float], visitor_turns: list[str] | None = None
) -> list[str]:
    held_out, cross = results_of(language) / "held-out", results_of(language) / "cross-validation"
    intents = _load(held_out / "intent_report.json")
    errors = _load(held_out / "intent_errors.json") or []
    responses = _load(held_out / "response_selection_report.json")
    threshold = fallback_threshold(language_config(language))
    lines = [f"## {NAMES[language]}", ""]
    lines += [f"### Held-out set (`{held_out_set(language).relative_to(ROOT)}`)", ""]
    if intents:
        summary = summarise_intents(intents)
        caught, total = out_of_scope_caught(errors, intents, threshold)
        lines += [
            f"- intent macro-F1: **{summary['macro_f1']:.3f}** (accuracy {summary['accuracy']:.3f},"
            f" {intents['macro avg']['support']} examples)",
            f"- out-of-scope input caught (out_of_scope, or below the fallback's threshold of"
            f" {threshold}): **{caught}/{total}**",
        ]
    if responses:
        support = responses["macro avg"]["support"]
        lines.append(
            f"- FAQ / known-unknown response selection accuracy: **{responses.get('accuracy', 0):.3f}**"
            f" (macro-F1 {responses['macro avg']['f1-score']:.3f}, {support} examples)"
        )
        right, total = answered_right(
            errors,
            _load(held_out / "response_selection_errors.json") or [],
            _load(held_out / "intent_successes.json") or [],
            support,
            threshold,
        )
        lines.append(
            f"- of those questions, answered with their own answer in conversation (intent and"
            f" response both right, intent above the fallback's threshold): **{right}/{total}**"
            f" ({right / total:.3f})"
        )
    flags = red_flag_confusions(errors)
    lines.append(
        "- red-flag confusions: " + (", ".join(f"{k}: {v}" for k, v in flags.items()) if flags else "none")
    )
    if intents:
        lines += ["", "Weakest intents (F1, support):", ""]
        lines += [f"- {name}: {f1:.2f} ({support})" for name, f1, support in weakest(intents)]
    if visitor_turns:
        lines += ["", "### Held-out visitor turns (`tests/nlu/visitor_turns.yml`)", "", *visitor_turns]
    cross_intents = _load(cross / "intent_report.json")
    cross_responses = _load(cross / "response_selection_report.json")
    lines += ["", f"### 5-fold cross-validation on `{language_nlu(language)}`", ""]
    if cross_intents:
        lines.append(f"- intent macro-F1 (test folds): **{cross_intents['macro avg']['f1-score']:.3f}**")
    if cross_responses:
        lines.append(
            f"- response selection accuracy (test folds): **{cross_responses.get('accuracy', 0):.3f}**"
        )
    lines += ["", "### Time", ""] + [f"- {name}: {value:.0f} s" for name, value in seconds.items()]
    where = results_of(language).relative_to(ROOT)
    lines += [
        "",
        f"Details: `{where}/held-out/` and `{where}/cross-validation/` (Rasa's reports and plots).",
        "",
    ]
    return lines


def evaluate_language(language: str, folds: int, cross_validation: bool) -> list[str]:
    """Train (if needed) and evaluate one language's model; its section of the report."""
    seconds: dict[str, float] = {}
    start = time.monotonic()
    model = ensure_model(language=language)
    seconds["training (0 if the model was current)"] = time.monotonic() - start
    out = results_of(language)
    out.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    test = ["test", "nlu", "--model", str(model), "--nlu", str(held_out_set(language))]
    _rasa(*test, "--out", str(out / "held-out"), "--successes")
    seconds["held-out evaluation"] = time.monotonic() - start
    visitor_turns = None
    if language == "en":  # the visitor turns are English conversations
        start = time.monotonic()
        visitor_turns = evaluate_turns(model)
        seconds["visitor turns"] = time.monotonic() - start
    if cross_validation:
        start = time.monotonic()
        config = str(language_config(language).relative_to(ROOT))
        cross = ["--cross-validation", "--folds", str(folds), "--out", str(out / "cross-validation")]
        _rasa("test", "nlu", "--nlu", language_nlu(language), "--config", config, *cross)
        seconds["cross-validation"] = time.monotonic() - start
    return language_report(language, seconds, visitor_turns)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.ops.evaluation", description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--skip-cross-validation", action="store_true")
    parser.add_argument("--language", choices=sorted(NAMES), action="append", help="default: every language")
    args = parser.parse_args(argv)
    if args.folds < 2:
        parser.error("--folds must be at least 2")
    RESULTS.mkdir(exist_ok=True)
    lines = ["# NLU evaluation", "", f"Generated by `make eval` on {time.strftime('%Y-%m-%d %H:%M')}.", ""]
    for language in args.language or list(NAMES):
        lines += evaluate_language(language, args.folds, not args.skip_cross_validation)
    report = "\n".join(lines)
    (RESULTS / "REPORT.md").write_text(report)
    print("\n" + report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
