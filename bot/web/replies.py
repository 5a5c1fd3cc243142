"""What the widget is sent: Rasa's answer as widget messages (buttons signed), and polite errors."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from bot.web.tokens import sign_payload

OUTAGE = (
    "Sorry, the assistant is not available right now. Please try again in a moment, or call the practice "
    "at {phone}."
)


def error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, **extra)


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
