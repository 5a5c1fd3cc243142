"""What the widget is sent: Rasa's answer as widget messages (buttons signed), and polite errors.

The visitor's own words for what goes wrong come from here, in the conversation's language
(bot/conversation/wording.py); messages meant for developers (malformed JSON, query parameters) stay
English.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from bot.conversation.wording import say
from bot.web.tokens import sign_payload

OUTAGE = (
    "Sorry, the assistant is not available right now. Please try again in a moment, or call the practice "
    "at {phone}."
)


def error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, **extra)


def outage_text(phone: str, language: str = "en") -> str:
    """Rasa cannot answer: the practice's phone instead."""
    return say(language, OUTAGE, phone=phone)


EXPIRED = "Our earlier conversation has ended after a day without messages, so this is a new one."


def restarted_text(language: str = "en") -> str:
    """Before the first answer of a conversation that replaced an expired one."""
    return say(language, EXPIRED)


def choice_gone_text(language: str = "en") -> str:
    """A button whose signature does not fit this conversation (an old page, another conversation)."""
    return say(language, "That choice is no longer available. Please type your answer instead.")


def empty_message_text(language: str = "en") -> str:
    return say(language, "Please type a message.")


def too_long_text(limit: int, language: str = "en") -> str:
    return say(language, "Please keep messages under {limit} characters.", limit=limit)


def too_quick_text(language: str = "en") -> str:
    """The visitor's rate limit on /chat."""
    return say(language, "You're sending messages very quickly. Please wait a moment and try again.")


def widget_messages(
    secret: str, conversation: str, answer: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], bool]:
    """Rasa's answer as the widget shows it, each button's payload signed for this conversation (so
    only offered choices come back), and whether the bot put the visitor in the queue for staff
    (the custom item `{"handoff": "waiting"}`, which is not shown)."""
    messages = []
    waiting = False
    for item in answer:
        custom = item.get("custom")
        if isinstance(custom, dict) and custom.get("handoff") == "waiting":
            waiting = True
        entry: dict[str, Any] = {"text": item.get("text") or ""}
        buttons = [
            {
                "title": str(button.get("title", "")),
                "payload": str(button.get("payload", "")),
                "signature": sign_payload(secret, conversation, str(button.get("payload", ""))),
            }
            for button in item.get("buttons") or []
        ]
        if buttons:
            entry["buttons"] = buttons
        if entry["text"] or buttons:
            messages.append(entry)
    return messages, waiting
