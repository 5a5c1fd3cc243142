"""The website widget in Debian's Chromium (Playwright) against the real stack: web, Rasa, action server."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Route, expect

from bot.store.codes import find_code
from bot.store.requests import get_request
from tests.conftest import next_open_day
from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e


def open_chat(page: Page, stack: Stack) -> None:
    page.goto(stack.web_url + "/")
    page.get_by_role("button", name=re.compile("chat", re.I)).click()
    expect(page.get_by_role("textbox", name="Message")).to_be_focused()


def send(page: Page, text: str) -> None:
    page.get_by_role("textbox", name="Message").fill(text)
    page.get_by_role("textbox", name="Message").press("Enter")


def log(page: Page):
    return page.get_by_role("log")


def wait_for_reply(page: Page, contains: str) -> None:
    expect(log(page)).to_contain_text(contains, timeout=30_000)


def book_through_the_widget(
    page: Page, stack: Stack, name: str, phone: str, time_of_day: str, reason: str
) -> str:
    """A whole booking by typing and clicking the bot's buttons; returns the reference code shown."""
    open_chat(page, stack)
    return book_in_the_open_chat(page, name, phone, time_of_day, reason)


def book_in_the_open_chat(page: Page, name: str, phone: str, time_of_day: str, reason: str) -> str:
    """The booking in a chat already open (after other turns, a handoff say)."""
    send(page, "I'd like to book an appointment")
    wait_for_reply(page, "full name")
    send(page, name)
    wait_for_reply(page, "phone number can the practice reach")
    send(page, phone)
    page.get_by_role("button", name="Skip").click()
    wait_for_reply(page, "Which day")
    day = next_open_day()
    send(page, f"{day:%B} {day.day}")
    page.get_by_role("button", name=time_of_day).click()
    page.get_by_role("button", name=reason).click()
    page.get_by_role("button", name="Yes", exact=True).click()
    wait_for_reply(page, "Shall I send it")
    page.get_by_role("button", name="Yes, send it").click()
    wait_for_reply(page, "reference code is PRL-")
    code = find_code(log(page).inner_text())
    assert code
    return code


def test_a_visitor_asks_a_question_and_sees_the_answer(page: Page, stack: Stack) -> None:
    open_chat(page, stack)
    expect(log(page)).to_contain_text("not medical advice")  # the greeting with the privacy notice
    send(page, "what is prolotherapy?")
    wait_for_reply(page, "connective tissue")


def test_a_visitor_books_by_typing_and_clicking_and_sees_the_code(
    page: Page, stack: Stack, stack_store
) -> None:
    code = book_through_the_widget(page, stack, "Rosa Parks", "(212) 555-0199", "Afternoon", "Sciatica")

    with stack_store() as session:
        request = get_request(session, code)
        assert (request.full_name, request.phone, request.reason) == (
            "Rosa Parks",
            "+12125550199",
            "sciatica",
        )

    page.reload()
    expect(log(page)).to_contain_text(code)  # the conversation survives a reload


def test_bot_and_visitor_text_are_shown_as_text_never_run(page: Page, stack: Stack) -> None:
    open_chat(page, stack)
    attack = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
    send(page, attack)
    expect(log(page)).to_contain_text(attack)
    page.wait_for_timeout(1500)
    assert page.evaluate("window.__xss") is None
    assert log(page).locator("img, script").count() == 0


def test_links_open_safely_in_a_new_tab(page: Page, stack: Stack) -> None:
    open_chat(page, stack)
    send(page, "see https://example.org/info please")
    link = log(page).get_by_role("link", name="https://example.org/info")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")


def test_keyboard_alone_opens_types_chooses_and_closes(page: Page, stack: Stack) -> None:
    page.goto(stack.web_url + "/")
    launcher = page.get_by_role("button", name=re.compile("chat", re.I))
    launcher.focus()
    page.keyboard.press("Enter")
    textbox = page.get_by_role("textbox", name="Message")
    expect(textbox).to_be_focused()
    page.keyboard.type("hello")
    page.keyboard.press("Enter")
    first_choice = page.get_by_role("button", name="Request an appointment")
    expect(first_choice).to_be_visible(timeout=30_000)
    for _ in range(12):
        if (
            page.evaluate("document.activeElement && document.activeElement.textContent")
            == "Request an appointment"
        ):
            break
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    wait_for_reply(page, "full name")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(launcher).to_be_focused()


def test_a_connection_failure_shows_a_message_and_a_retry(page: Page, stack: Stack) -> None:
    open_chat(page, stack)
    page.route("**/chat", lambda route: route.abort())
    send(page, "what is prolotherapy?")
    wait_for_reply(page, "couldn't reach the assistant")
    page.unroute("**/chat")
    page.get_by_role("button", name="Try again").click()
    wait_for_reply(page, "connective tissue")


def test_replies_while_closed_raise_an_unread_badge(page: Page, stack: Stack) -> None:
    open_chat(page, stack)
    held: list[Route] = []
    page.route("**/chat", lambda route: held.append(route))
    send(page, "hello")
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    page.get_by_role("button", name="Close chat").click()
    held[0].continue_()
    expect(page.get_by_role("button", name=re.compile(r"chat.*\(\d+ unread\)", re.I))).to_be_visible(
        timeout=30_000
    )


def test_start_over_forgets_the_conversation(page: Page, stack: Stack) -> None:
    open_chat(page, stack)
    send(page, "what is prolotherapy?")
    wait_for_reply(page, "connective tissue")
    token = page.evaluate("Object.values(localStorage).map(JSON.parse)[0].token")
    page.get_by_role("button", name="Start over").click()
    expect(log(page)).not_to_contain_text("connective tissue")
    expect(log(page)).to_contain_text("not medical advice")
    stored = page.evaluate("JSON.stringify(localStorage)")
    assert "connective tissue" not in stored and "what is prolotherapy?" not in stored
    send(page, "hello")
    wait_for_reply(page, "Hello")
    assert page.evaluate("Object.values(localStorage).map(JSON.parse)[0].token") != token


def test_a_stored_transcript_past_its_lifetime_is_cleared_on_load(page: Page, stack: Stack) -> None:
    page.goto(stack.web_url + "/")
    key = f"prl-chat:{stack.web_url}"
    day_ms = 24 * 3600 * 1000
    for age_ms, kept in ((day_ms + 60_000, False), (day_ms - 600_000, True)):
        page.evaluate(
            """([key, ageMs]) => localStorage.setItem(key, JSON.stringify({
                token: null, greeted: true, open: true, unread: 0, activeAt: Date.now() - ageMs,
                messages: [{from: "me", text: "Ancient transcript line"}]}))""",
            [key, age_ms],
        )
        page.reload()
        if kept:  # reopened as it was left
            expect(log(page)).to_contain_text("Ancient transcript line")
        else:
            page.get_by_role("button", name=re.compile("^Open chat")).click()
            expect(log(page)).to_contain_text("not medical advice")
            expect(log(page)).not_to_contain_text("Ancient transcript line")
            assert "Ancient transcript line" not in page.evaluate("JSON.stringify(localStorage)")


def test_the_widget_fills_a_phone_screen(browser, stack: Stack) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    try:
        open_chat(phone, stack)
        box = phone.get_by_role("dialog").bounding_box()
        assert box and box["width"] >= 370 and box["height"] >= 600
        send(phone, "what is prolotherapy?")
        wait_for_reply(phone, "connective tissue")
    finally:
        context.close()


def test_no_serious_accessibility_violations(page: Page, stack: Stack, axe_source: str) -> None:
    open_chat(page, stack)
    send(page, "hello")
    expect(page.get_by_role("button", name="Request an appointment")).to_be_visible(timeout=30_000)
    page.evaluate(axe_source)
    violations = page.evaluate(
        "async () => (await axe.run(document)).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id + ': ' + v.help)"
    )
    assert violations == []
