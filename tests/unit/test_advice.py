"""Requests to decide for the visitor are told apart from questions the article answers."""

from __future__ import annotations

import pytest

from bot.conversation.advice import asks_for_personal_advice


@pytest.mark.parametrize(
    "text",
    [
        "should I do prolotherapy or surgery? just tell me what you'd do",
        "What would you do in my place?",
        "if you were me would you get the injections",
        "just pick for me",
        "tell me which one I should choose",
    ],
)
def test_asking_the_bot_to_choose_is_personal_advice(text: str) -> None:
    assert asks_for_personal_advice(text)


@pytest.mark.parametrize(
    "text",
    [
        "is prolotherapy better than surgery?",
        "is prolotherapy right for me?",
        "should i try prolo before having back surgery",
        "what do you do",
        "what is prolotherapy",
        "",
    ],
)
def test_questions_the_article_answers_are_not(text: str) -> None:
    assert not asks_for_personal_advice(text)
