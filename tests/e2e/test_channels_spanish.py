"""A messaging-channel visitor who starts in Spanish is answered by the Spanish model, and stays with it.

bot.web pins the conversation's language at its first typed text (channel_languages) and forwards
every later delivery of that sender to the same language's Rasa server (the shared stack serves
LANGUAGES=en,es), whatever the later messages say.
"""

from __future__ import annotations

import pytest

from bot.conversation.language import looks_spanish
from bot.store.channel_languages import pinned_language
from bot.store.db import UnitOfWork
from tests.e2e.conftest import Stack
from tests.e2e.fake_providers import FakeProviders
from tests.e2e.test_channels import VISITORS

pytestmark = pytest.mark.e2e


def pinned(store: UnitOfWork, channel: str, ident: str) -> str | None:
    with store() as session:
        return pinned_language(session, channel, ident)


@pytest.mark.parametrize("channel", ["telegram", "twilio"])
def test_a_visitor_who_starts_in_spanish_is_answered_in_spanish(
    channel: str, stack: Stack, providers: FakeProviders, stack_store: UnitOfWork
) -> None:
    visitor = VISITORS[channel](stack, providers)
    first = " ".join(visitor.says("hola, quiero una cita"))
    assert "nombre" in first.lower(), first
    assert "full name" not in first
    assert pinned(stack_store, channel, visitor.ident) == "es"
    # A name says nothing about the language: the conversation stays with the Spanish model.
    following = " ".join(visitor.says("Rosa García"))
    assert looks_spanish(following), following
    assert "phone number" not in following


def test_a_visitor_who_starts_in_english_stays_english(
    stack: Stack, providers: FakeProviders, stack_store: UnitOfWork
) -> None:
    visitor = VISITORS["telegram"](stack, providers)
    greeting = " ".join(visitor.says("hello"))
    assert "virtual assistant of Test Spine Clinic" in greeting
    assert pinned(stack_store, "telegram", visitor.ident) == "en"
    visitor.says("hola, quiero una cita")
    assert pinned(stack_store, "telegram", visitor.ident) == "en"
    assert "What is your full name?" in " ".join(visitor.says("I'd like to book an appointment"))
