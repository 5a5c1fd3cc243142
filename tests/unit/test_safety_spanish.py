"""What a visitor reads when it matters most, in a Spanish conversation (issue 17): the emergency
reply, and bot.web's own messages when the assistant cannot answer as usual."""

from __future__ import annotations

import pytest

from bot.conversation.safety import EMERGENCY_TEXT, EMERGENCY_TEXT_ES, emergency_text, red_flag
from bot.conversation.wording import catalog
from bot.web import replies
from bot.web.handoff import BUTTON_DURING_HOLD, Status, status_text
from bot.web.inbox import CLOSED, RETURNED
from bot.web.replies import EXPIRED

PHONE = "(555) 010-0101"


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("I can't control my bladder", "es", EMERGENCY_TEXT_ES),  # a Spanish conversation, English words
        ("I can't control my bladder", "en", EMERGENCY_TEXT),
        ("I can't control my bladder", "es-MX", EMERGENCY_TEXT_ES),
        ("me caí y ahora no puedo mover las piernas", "en", EMERGENCY_TEXT_ES),  # Spanish words, as before
        ("me caí y ahora no puedo mover las piernas", "es", EMERGENCY_TEXT_ES),
    ],
)
def test_the_emergency_reply_is_spanish_in_a_spanish_conversation(
    text: str, language: str, expected: str
) -> None:
    assert red_flag(text) is not None  # detection does not depend on the conversation's language
    assert emergency_text(text, language=language) == expected


def test_the_emergency_reply_defaults_to_the_visitors_words() -> None:
    assert emergency_text("I can't control my bladder") == EMERGENCY_TEXT
    assert catalog("es")[EMERGENCY_TEXT] == EMERGENCY_TEXT_ES


def test_bot_webs_messages_in_spanish() -> None:
    assert replies.outage_text(PHONE) == replies.OUTAGE.format(phone=PHONE)
    assert replies.outage_text(PHONE, "es") == (
        "Lo siento, el asistente no está disponible en este momento. Inténtelo de nuevo en un momento o "
        f"llame al consultorio al {PHONE}."
    )
    assert replies.too_long_text(1000) == "Please keep messages under 1000 characters."
    assert replies.too_long_text(1000, "es") == "Por favor, escriba mensajes de menos de 1000 caracteres."
    for text in (
        replies.restarted_text,
        replies.choice_gone_text,
        replies.empty_message_text,
        replies.too_quick_text,
    ):
        assert text("es") != text() and text("en") == text()


def test_bot_webs_english_is_unchanged() -> None:
    """The texts bot.web.app still writes itself, until it passes the conversation's language."""
    assert replies.restarted_text() == EXPIRED
    assert (
        replies.choice_gone_text() == "That choice is no longer available. Please type your answer instead."
    )
    assert replies.empty_message_text() == "Please type a message."
    assert replies.too_quick_text() == (
        "You're sending messages very quickly. Please wait a moment and try again."
    )


@pytest.mark.parametrize(
    ("status", "english", "spanish"),
    [
        (Status("none"), "", ""),
        (
            Status("waiting", 1),
            "Someone from the practice will be with you shortly.",
            "Alguien del consultorio",
        ),
        (Status("waiting", 3), "You're number 3 in the queue.", "Usted es el número 3 en la fila."),
        (Status("held", staff="Dana"), "Dana from the practice has joined.", "Dana, del consultorio, se ha"),
        (Status("held"), "A member of staff from the practice has joined.", "Una persona del personal"),
    ],
)
def test_the_wait_for_staff_in_both_languages(status: Status, english: str, spanish: str) -> None:
    """The same lines as widget.js's statusText, so the widget can show the server's instead."""
    assert status_text(status) == english
    assert status_text(status, "es").startswith(spanish)


def test_texts_kept_in_constants_have_their_spanish() -> None:
    constants = (replies.OUTAGE, BUTTON_DURING_HOLD, RETURNED, CLOSED)
    assert [text for text in constants if text not in catalog("es")] == []
