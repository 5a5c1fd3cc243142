"""The Spanish model of the real stack (issue 17): the article's answers, an emergency, a whole booking
with a correction, status and cancel, over the Spanish Rasa server's REST channel and through /chat.

The English model's answers to Spanish text are tests/e2e/test_spanish.py (issue 14, item 10).
"""

from __future__ import annotations

import json
import urllib.request
from datetime import date
from typing import Any

import pytest

from bot.bench.scripts import MONTHS_ES
from bot.store.codes import find_code
from bot.store.db import UnitOfWork
from bot.store.requests import get_request, status_history
from tests.conftest import next_open_day
from tests.e2e.conftest import Stack
from tests.e2e.test_conversations import rows_of

pytestmark = pytest.mark.e2e

ENGLISH_WORDS = ("phone number", "e-mail", "appointment request", "Sorry", "I don't have")


def hablar(stack: Stack, sender: str, *turns: str) -> str:
    """Each turn to the Spanish model; the bot's texts of the last one, joined."""
    replies: list[dict[str, Any]] = []
    for turn in turns:
        replies = stack.say(sender, turn, language="es")
        assert replies, f"no answer to {turn!r}"
    return " ".join(r.get("text", "") for r in replies)


def en_español(text: str) -> bool:
    return not any(word in text for word in ENGLISH_WORDS)


def fecha(day: date) -> str:
    return f"el {day.day} de {MONTHS_ES[day.month - 1]}"


def chat(stack: Stack, body: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    headers = {"Content-Type": "application/json", "X-Forwarded-For": "10.9.9.9"}
    if token:
        headers["X-Conversation-Token"] = token
    request = urllib.request.Request(
        stack.web_url + "/chat", data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def test_the_article_answers_come_in_spanish(stack: Stack, sender: str) -> None:
    what = hablar(stack, sender, "¿qué es la proloterapia?")
    assert "proloterapia" in what.lower() and "inyecci" in what.lower() and en_español(what)
    conditions = hablar(stack, sender, "¿la proloterapia ayuda con la ciática?")
    assert "ciática" in conditions.lower() and en_español(conditions)


def test_what_the_article_does_not_say_gets_an_honest_answer_with_the_phone(
    stack: Stack, sender: str
) -> None:
    cost = hablar(stack, sender, "¿cuánto cuesta la proloterapia?")
    assert "(555) 010-0101" in cost and "información" in cost and en_español(cost)
    assert "$" not in cost


def test_an_emergency_in_spanish_gets_the_emergency_reply_even_inside_the_form(
    stack: Stack, stack_store: UnitOfWork, sender: str
) -> None:
    alone = hablar(stack, sender + "-a", "me caí y ahora no puedo mover las piernas")
    assert "911" in alone and "emergencia" in alone.lower()
    inside = hablar(stack, sender, "quiero pedir una cita", "Ana Lima", "de repente no controlo la vejiga")
    assert "911" in inside and "emergencia" in inside.lower()
    assert rows_of(stack_store, sender) == []


def book_in_spanish(stack: Stack, sender: str, name: str = "Tomás Pérez") -> str:
    """A Spanish booking up to the read-back; returns it."""
    day = next_open_day()
    return hablar(
        stack,
        sender,
        "hola",
        "quiero pedir una cita",
        name,
        "212 555 0199",
        "jane@example.org",
        fecha(day),
        "por la tarde",
        "ciática",
        "sí",
    )


def test_a_whole_booking_in_spanish_with_a_correction(
    stack: Stack, stack_store: UnitOfWork, sender: str
) -> None:
    review = book_in_spanish(stack, sender)
    assert "Tomás Pérez" in review and "+1 212-555-0199" in review and en_español(review)
    corrected = hablar(stack, sender, "no, el teléfono está mal, es 617 253 1000")
    assert "+1 617-253-1000" in corrected and "Tomás Pérez" in corrected
    sent = hablar(stack, sender, "sí")
    code = find_code(sent)
    assert code and en_español(sent)
    [row] = rows_of(stack_store, sender)
    assert (row.reference, row.phone, row.language) == (code, "+16172531000", "es")
    assert (row.preferred_date, row.preferred_time, row.reason) == (next_open_day(), "afternoon", "sciatica")
    assert "ciática" in (row.reason_text or "")
    again = hablar(stack, sender, "sí")  # a repeated "yes" repeats the code, stores nothing more
    assert code in again and len(rows_of(stack_store, sender)) == 1


def test_status_and_cancel_in_spanish_from_another_conversation(
    stack: Stack, stack_store: UnitOfWork, sender: str
) -> None:
    book_in_spanish(stack, sender, name="Lucía Gómez")
    code = find_code(hablar(stack, sender, "sí"))
    assert code
    own = hablar(stack, sender, f"¿cuál es el estado de {code}?")
    assert code in own and en_español(own)

    stranger = sender + "-otra"
    asked = hablar(stack, stranger, f"quiero cancelar {code}")
    assert "Lucía" not in asked and en_español(asked)
    confirm = hablar(stack, stranger, "jane@example.org")
    assert code in confirm and en_español(confirm)
    done = hablar(stack, stranger, "sí")
    assert "cancelad" in done.lower() and en_español(done)
    with stack_store() as session:
        request = get_request(session, code)
        assert request.status == "cancelled"
        assert [c.to_status for c in status_history(session, request)] == ["new", "cancelled"]


def test_chat_starts_a_spanish_conversation_for_a_spanish_page_or_first_message(stack: Stack) -> None:
    asked = chat(stack, {"message": "hola", "lang": "es"})
    assert asked["lang"] == "es" and asked["token"].startswith("web-es-")
    typed = chat(stack, {"message": "hola, quiero una cita, no hablo inglés muy bien", "lang": "en"})
    assert typed["lang"] == "es" and typed["token"].startswith("web-es-")
    assert en_español(" ".join(m.get("text", "") for m in typed["messages"]))
    english = chat(stack, {"message": "hello, what is prolotherapy?", "lang": "en"})
    assert english["lang"] == "en" and not english["token"].startswith("web-es-")
    assert english["languages"] == ["en", "es"]


def test_an_english_conversation_that_turns_to_spanish_moves_to_the_spanish_model(stack: Stack) -> None:
    first = chat(stack, {"message": "hello", "lang": "en"})
    assert first["lang"] == "en"
    moved = chat(stack, {"message": "perdón, no hablo inglés. quiero una cita por favor"}, first["token"])
    assert moved["lang"] == "es" and moved["token"].startswith("web-es-")
    texts = " ".join(m.get("text", "") for m in moved["messages"])
    assert en_español(texts) and "nombre" in texts.lower()
    # It stays there: the next turn answers in Spanish from the Spanish model.
    named = chat(stack, {"message": "Rosa Díaz"}, moved["token"])
    assert named["lang"] == "es" and "teléfono" in " ".join(m.get("text", "") for m in named["messages"])
