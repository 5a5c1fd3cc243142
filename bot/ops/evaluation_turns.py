"""`make eval`, second part: held-out visitor turns the NLU report cannot score (issue 14).

`tests/nlu/visitor_turns.yml` was written apart from `data/` and the code, before tuning. It holds
answers typed at the name question (is a real name accepted, a "yes" questioned?), messages with two
questions (is each part answered?) and first messages that ask for a visit with details (is the request
started, and are the day, time and reason taken?). Each is run through the trained model and the same
pure functions the actions use.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from bot.booking.contact import clean_name, implausible_name
from bot.booking.prefill import details_in
from bot.booking.reasons import CONDITIONS
from bot.settings import ROOT, get_settings

VISITOR_TURNS = ROOT / "tests" / "nlu" / "visitor_turns.yml"
_TIMES = {"morning": "morning", "afternoon": "afternoon", "any": "any time"}


@dataclass
class Score:
    """How many of a kind of turn were handled as a visitor would expect, and which were not."""

    right: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, ok: bool, text: str) -> None:
        self.total += 1
        self.right += ok
        if not ok:
            self.misses.append(text)

    def line(self, label: str) -> str:
        share = f" ({self.right / self.total:.3f})" if self.total else ""
        return f"- {label}: **{self.right}/{self.total}**{share}"


def name_scores(turns: dict[str, list[str]]) -> tuple[Score, Score]:
    """Real names accepted; non-names (yes, hello, a question) questioned."""
    accepted, questioned = Score(), Score()
    for text in turns.get("plausible") or []:
        accepted.add(clean_name(text) is not None and not implausible_name(text), text)
    for text in turns.get("implausible") or []:
        questioned.add(implausible_name(text) or clean_name(text) is None, text)
    return accepted, questioned


def reason_kind(reason: str | None) -> str | None:
    if reason is None:
        return None
    return reason if reason in CONDITIONS else "other"


def prefill_matches(case: dict[str, Any], given: dict[str, str]) -> bool:
    """The day (present or not), time of day and kind of reason all as the case expects."""
    if bool(case.get("date")) != ("preferred_date" in given):
        return False
    expected_time = case.get("time")
    taken_time = given.get("preferred_time")
    if expected_time is None:
        time_ok = taken_time is None
    elif expected_time in _TIMES:
        time_ok = taken_time == _TIMES[expected_time] or (
            taken_time is not None and ":" in taken_time and _period(taken_time) == expected_time
        )
    else:
        time_ok = taken_time == expected_time
    return time_ok and reason_kind(given.get("reason")) == case.get("reason")


def _period(hh_mm: str) -> str:
    return "morning" if int(hh_mm.split(":")[0]) < 12 else "afternoon"


def answered_topics(parse: dict[str, Any]) -> set[str]:
    """The answers a parsed message gets: every `topic` entity, else its retrieval intent's answer."""
    topics = {entity["value"] for entity in parse.get("entities") or [] if entity.get("entity") == "topic"}
    if topics:
        return topics
    intent = (parse.get("intent") or {}).get("name")
    selected = (parse.get("response_selector") or {}).get(intent or "", {})
    key = (selected.get("response") or {}).get("intent_response_key")
    return {key} if key else set()


async def _parse_all(model: Path, texts: list[str]) -> list[dict[str, Any]]:
    from rasa.core.agent import load_agent  # heavy; only when the evaluation runs

    agent = await load_agent(model_path=str(model))
    return [await agent.parse_message(text) for text in texts]


def evaluate(model: Path, path: Path = VISITOR_TURNS, now: datetime | None = None) -> list[str]:
    """The report's lines for the visitor turns."""
    if not path.exists():
        return [f"- no visitor turns at `{path.relative_to(ROOT)}`"]
    turns = yaml.safe_load(path.read_text()) or {}
    settings = get_settings()
    now = now or datetime.now(settings.practice_timezone)
    accepted, questioned = name_scores(turns.get("names") or {})
    compound = turns.get("compound_questions") or []
    fresh = turns.get("compound_questions_2") or []
    single = turns.get("single_questions") or []
    first = turns.get("first_messages") or []
    cases = [*compound, *fresh, *single, *first]
    parses = iter(asyncio.run(_parse_all(model, [case["text"] for case in cases])))
    both, both_fresh, once, started, prefilled = Score(), Score(), Score(), Score(), Score()
    for score, group in ((both, compound), (both_fresh, fresh)):
        for case in group:
            score.add(set(case["topics"]) <= answered_topics(next(parses)), case["text"])
    for case in single:
        once.add(answered_topics(next(parses)) == {case["topic"]}, case["text"])
    for case in first:
        parse = next(parses)
        started.add((parse.get("intent") or {}).get("name") == "book_appointment", case["text"])
        given = details_in(case["text"], now, settings.practice_hours, settings.phone_region)
        prefilled.add(prefill_matches(case, given), case["text"])
    lines = [
        accepted.line("real names accepted at the name question"),
        questioned.line("non-names (yes, hello, a question) questioned at the name question"),
        both.line("messages with several questions that get every part answered (first set)"),
        both_fresh.line("the same, second set, written after the splitter and never used to tune it"),
        once.line("single questions, long or with 'and', that get exactly their one answer"),
        started.line("first messages asking for a visit that start the request"),
        prefilled.line("of those, day, time of day and reason all taken as written"),
    ]
    for label, score in (
        ("names refused", accepted),
        ("non-names accepted", questioned),
        ("questions not all answered", both),
        ("questions not all answered (second set)", both_fresh),
        ("single questions answered wrong or twice", once),
        ("requests not started", started),
        ("details not taken right", prefilled),
    ):
        if score.misses:
            lines.append(f"  - {label}: " + "; ".join(f"`{text}`" for text in score.misses[:6]))
    return lines
