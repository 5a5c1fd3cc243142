"""The widget in Spanish, in Debian's Chromium against the real stack (issue 17): the language switch,
a page whose `lang` is Spanish, the widget's own words and accessible names, the Spanish model's answers."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from bot.store.codes import find_code
from bot.store.requests import get_request
from tests.conftest import next_open_day
from tests.e2e.conftest import Stack
from tests.e2e.test_spanish_model import fecha

pytestmark = pytest.mark.e2e


def escribir(page: Page, text: str) -> None:
    """Type and send, then wait for the bot's answer (the field is ignored while one is awaited)."""
    answers = page.locator(".prl-msg.prl-bot")
    before = answers.count()
    page.get_by_role("textbox", name="Mensaje").fill(text)
    page.get_by_role("textbox", name="Mensaje").press("Enter")
    expect(answers).not_to_have_count(before, timeout=30_000)


def esperar(page: Page, contains: str) -> None:
    expect(page.get_by_role("log")).to_contain_text(contains, timeout=30_000)


def test_the_switch_starts_a_spanish_conversation_with_spanish_words_and_names(
    page: Page, stack: Stack
) -> None:
    page.goto(stack.web_url + "/")
    page.get_by_role("button", name=re.compile("chat", re.I)).click()
    expect(page.get_by_role("textbox", name="Message")).to_be_focused()
    page.get_by_role("button", name=re.compile("Cambiar a español")).click()
    expect(page.get_by_role("textbox", name="Mensaje")).to_be_focused()
    expect(page.get_by_role("dialog")).to_have_attribute("lang", "es")
    expect(page.get_by_role("log")).to_have_attribute("aria-label", "Conversación")
    expect(page.get_by_role("button", name="Enviar")).to_be_visible()
    esperar(page, "no consejo médico")
    escribir(page, "¿qué es la proloterapia?")
    esperar(page, "inyecci")
    expect(page.get_by_role("log")).not_to_contain_text("Sorry")
    # Back to English: a new conversation, the English words again.
    page.get_by_role("button", name=re.compile("Switch to English")).click()
    expect(page.get_by_role("textbox", name="Message")).to_be_focused()
    expect(page.get_by_role("log")).not_to_contain_text("inyecci")


def test_a_spanish_page_gets_a_spanish_widget_and_a_booking_in_spanish(
    page: Page, stack: Stack, stack_store
) -> None:
    # The demo page, served as a Spanish site would be: <html lang="es">.
    page.route(
        stack.web_url + "/",
        lambda route: route.fulfill(
            status=200,
            content_type="text/html",
            body=f'<!doctype html><html lang="es"><body><script src="{stack.web_url}/widget.js" defer>'
            "</script></body></html>",
        ),
    )
    page.goto(stack.web_url + "/")
    page.get_by_role("button", name=re.compile("Abrir chat")).click()
    escribir(page, "quiero pedir una cita")
    esperar(page, "nombre")
    for answer in (
        "Marta Ruiz",
        "212 555 0177",
        "marta@example.org",
        fecha(next_open_day()),
        "por la mañana",
    ):
        escribir(page, answer)
    escribir(page, "ciática")
    escribir(page, "sí")
    esperar(page, "Marta Ruiz")
    escribir(page, "sí")
    esperar(page, "PRL-")
    code = find_code(page.get_by_role("log").inner_text())
    assert code
    with stack_store() as session:
        assert get_request(session, code).language == "es"
