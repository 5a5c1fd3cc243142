"""Spanish is recognised from the visitor's words; English messages, names and single words are not."""

from __future__ import annotations

import pytest

from bot.conversation.language import looks_spanish


@pytest.mark.parametrize(
    "text",
    [
        "hola, quiero una cita",
        "no hablo inglés muy bien",
        "¿cuánto cuesta?",
        "necesito una cita para mi madre",
        "me duele la espalda",
        "QUIERO HABLAR CON ALGUIEN",
    ],
)
def test_spanish_is_recognised(text: str) -> None:
    assert looks_spanish(text)


@pytest.mark.parametrize(
    "text",
    [
        "I would like an appointment",
        "María José García",
        "my name is Jose Luis",
        "hola",
        "si",
        "sciatica",
        "can i come in next tuesday afternoon? my sciatica is acting up",
        "212 555 0143",
        "",
    ],
)
def test_english_names_and_fragments_are_not_spanish(text: str) -> None:
    assert not looks_spanish(text)
