"""Conversation tokens: signed, and valid for a day after they were (re-)issued."""

from __future__ import annotations

from bot.web.tokens import (
    TOKEN_LIFETIME_S,
    conversation_of,
    new_conversation,
    token_expired,
    token_for,
)

SECRET = "unit-test-secret"
NOW = 1_800_000_000.0


def test_a_token_is_valid_for_its_lifetime_and_then_expired() -> None:
    conversation, token = new_conversation(SECRET, now=NOW)
    assert conversation_of(SECRET, token, now=NOW) == conversation
    assert conversation_of(SECRET, token, now=NOW + TOKEN_LIFETIME_S - 1) == conversation
    assert conversation_of(SECRET, token, now=NOW + TOKEN_LIFETIME_S) is None
    assert token_expired(SECRET, token, now=NOW + TOKEN_LIFETIME_S)
    assert not token_expired(SECRET, token, now=NOW)


def test_re_issuing_slides_the_lifetime_for_the_same_conversation() -> None:
    conversation, first = new_conversation(SECRET, now=NOW)
    later = token_for(SECRET, conversation, now=NOW + TOKEN_LIFETIME_S - 10)
    assert conversation_of(SECRET, later, now=NOW + 2 * TOKEN_LIFETIME_S - 20) == conversation
    assert conversation_of(SECRET, first, now=NOW + 2 * TOKEN_LIFETIME_S - 20) is None


def test_a_changed_issue_time_or_a_token_of_another_secret_is_forged_not_expired() -> None:
    _, token = new_conversation(SECRET, now=NOW)
    pushed = token.replace(f".{int(NOW)}.", f".{int(NOW) + TOKEN_LIFETIME_S}.")
    assert conversation_of(SECRET, pushed, now=NOW + TOKEN_LIFETIME_S) is None
    assert not token_expired(SECRET, pushed, now=NOW + TOKEN_LIFETIME_S)
    _, foreign = new_conversation("another secret", now=NOW)
    assert conversation_of(SECRET, foreign, now=NOW) is None and not token_expired(SECRET, foreign, now=NOW)


def test_an_issue_time_far_in_the_future_is_refused() -> None:
    conversation, token = new_conversation(SECRET, now=NOW + 3600)
    assert conversation_of(SECRET, token, now=NOW) is None
    assert conversation_of(SECRET, token_for(SECRET, conversation, now=NOW + 30), now=NOW) == conversation


def test_tokens_without_an_issue_time_are_refused() -> None:
    conversation, token = new_conversation(SECRET, now=NOW)
    _, issued, signature = token.split(".")
    for malformed in (f"{conversation}.{signature}", f"{conversation}.x{issued}.{signature}", "", None):
        assert conversation_of(SECRET, malformed, now=NOW) is None
