"""Several questions in one message are cut into parts, one topic each (issue 14, item 7)."""

from __future__ import annotations

import pytest

from bot.conversation.topics import questions_in, topics_in


@pytest.mark.parametrize(
    ("text", "topics"),
    [
        ("What's prolotherapy? Is it covered by Medicare?", ["faq/what_is", "unknown/insurance"]),
        ("how does it work and is it safe", ["faq/how_it_works", "unknown/side_effects"]),
        ("who gives the shots, plus how much are they", ["faq/who_performs", "unknown/cost"]),
        (
            "can prolo treat a herniated disc; how soon would i feel better; what do they inject",
            ["faq/conditions", "unknown/recovery_time", "unknown/what_is_injected"],
        ),
        (
            "why isn’t it mainstream and is there evidence it works",
            ["faq/not_mainstream", "faq/effectiveness"],
        ),
    ],
)
def test_each_question_of_a_message_gets_its_topic_in_order(text: str, topics: list[str]) -> None:
    assert topics_in(text) == topics


@pytest.mark.parametrize(
    "text",
    [
        "can it help my lower back and my neck",
        "is it safe, like are there any risks?",
        "my back has hurt on and off for years, should i try this",
        "do I need surgery or can I try injections first",
        "what is prolotherapy",
        "is there any evidence prolotherapy works or am i wasting my time",
    ],
)
def test_one_question_is_never_split_into_two_answers(text: str) -> None:
    assert len(topics_in(text)) <= 1


def test_a_repeated_topic_counts_once() -> None:
    assert topics_in("how much is it? what's the price?") == ["unknown/cost"]


def test_parts_are_cut_at_punctuation_and_before_a_new_question() -> None:
    parts = questions_in("What’s prolo, and how much does it cost?")
    assert parts == ["what is prolo", "how much does it cost"]
    assert questions_in("sciatica and whiplash") == ["sciatica and whiplash"]
