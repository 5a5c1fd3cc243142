"""Conversations as real visitors have them (issue 14), over the REST channel of the real stack."""

from __future__ import annotations

import pytest

from bot.store.codes import find_code
from bot.store.db import UnitOfWork
from tests.e2e.conftest import Stack
from tests.e2e.test_conversations import book_until_review, converse, rows_of

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("answer", ["yes", "ok sure", "hello", "what does it cost?", "no"])
def test_an_answer_that_is_not_a_name_is_questioned_gently(stack: Stack, sender: str, answer: str) -> None:
    assert "full name" in " ".join(converse(stack, sender, "I'd like to book an appointment"))
    reply = " ".join(converse(stack, sender, answer))
    assert reply.count("full name") == 1 and "phone number" not in reply, reply  # asked once, not twice
    assert "phone number" in " ".join(converse(stack, sender, "Rosa Martinez"))


@pytest.mark.parametrize("again", [["yes"], ["yes", "yes please"], ["yes", "ok"]])
def test_a_repeated_yes_after_sending_repeats_the_receipt(
    stack: Stack, stack_store: UnitOfWork, sender: str, again: list[str]
) -> None:
    book_until_review(stack, sender)
    code = find_code(" ".join(converse(stack, sender, "yes")))
    assert code
    for turn in again:
        reply = " ".join(converse(stack, sender, turn))
        assert code in reply and "received" in reply, reply
        assert "rephrase" not in reply and "understand" not in reply
    assert [row.reference for row in rows_of(stack_store, sender)] == [code]
