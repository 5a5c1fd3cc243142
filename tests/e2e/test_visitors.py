"""Conversations as real visitors have them (issue 14), over the REST channel of the real stack."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Stack
from tests.e2e.test_conversations import converse

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("answer", ["yes", "ok sure", "hello", "what does it cost?", "no"])
def test_an_answer_that_is_not_a_name_is_questioned_gently(stack: Stack, sender: str, answer: str) -> None:
    assert "full name" in " ".join(converse(stack, sender, "I'd like to book an appointment"))
    reply = " ".join(converse(stack, sender, answer))
    assert "full name" in reply and "phone number" not in reply, reply
    assert "phone number" in " ".join(converse(stack, sender, "Rosa Martinez"))
