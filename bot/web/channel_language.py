"""Who wrote what in a messaging provider's delivery, read only so far as choosing a language needs.

Pure: no database, no settings. bot.web pins a channel conversation's language at its first typed
text; a button press, a quick reply or a `/command` (Telegram's `/start`) carries the bot's own words or
none, so it says nothing about the visitor's language and is read as "no text".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ChannelMessage:
    """One message of a delivery: the provider's id of the person, and what they typed (None when
    they pressed a button or sent no text)."""

    sender: str
    text: str | None = None


def channel_messages(channel: str, fields: list[tuple[str, str]] | None, body: bytes) -> list[ChannelMessage]:
    """The messages of a delivery, in the provider's order; empty when it carries none (a handshake,
    a read receipt, the bot's own echo, a body that cannot be read)."""
    form = dict(fields or [])
    if channel == "twilio":
        return [ChannelMessage(form["From"], _typed(form.get("Body")))] if form.get("From") else []
    if channel == "slack" and "payload" in form:  # a button click, form-encoded
        return _slack_click(_json(form["payload"]))
    data = _json(body)
    if not isinstance(data, dict):
        return []
    if channel == "telegram":
        return _telegram(data)
    if channel == "slack":
        return _slack_event(data.get("event"))
    if channel == "facebook":
        return _facebook(data)
    return []


def _json(raw: str | bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None


def _typed(text: Any) -> str | None:
    """Text the visitor typed, else None (not a string, blank, or a `/command`)."""
    if not isinstance(text, str) or not text.strip() or text.lstrip().startswith("/"):
        return None
    return text.strip()


def _ident(value: Any) -> str | None:
    """A provider's id (Telegram's are numbers) as text; None when absent."""
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
        return None
    return str(value)


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _telegram(update: dict) -> list[ChannelMessage]:
    """`message` (or `edited_message`) by `chat.id`, as Rasa's Telegram connector names the sender;
    a `callback_query` (a button) by the chat of the message the button was on."""
    query = update.get("callback_query")
    if isinstance(query, dict):
        sender = _ident(_get(query, "message", "chat", "id")) or _ident(_get(query, "from", "id"))
        return [ChannelMessage(sender)] if sender else []
    message = update.get("message") or update.get("edited_message")
    sender = _ident(_get(message, "chat", "id"))
    return [ChannelMessage(sender, _typed(_get(message, "text")))] if sender else []


def _slack_event(event: Any) -> list[ChannelMessage]:
    """A message event by its `user` (the bot's own posts, with `bot_id`, are not the visitor's)."""
    if not isinstance(event, dict) or event.get("bot_id") or event.get("subtype") == "bot_message":
        return []
    sender = _ident(event.get("user")) or _ident(event.get("channel"))
    return [ChannelMessage(sender, _typed(event.get("text")))] if sender else []


def _slack_click(payload: Any) -> list[ChannelMessage]:
    sender = _ident(_get(payload, "user", "id")) or _ident(_get(payload, "channel", "id"))
    return [ChannelMessage(sender)] if sender else []


def _facebook(data: dict) -> list[ChannelMessage]:
    """Every `entry[].messaging[]` event with a message or a postback, by `sender.id`. A quick reply's
    text is the title of the bot's own button, so it counts as no text."""
    messages = []
    for entry in data.get("entry") if isinstance(data.get("entry"), list) else []:
        events = entry.get("messaging") if isinstance(entry, dict) else None
        for event in events if isinstance(events, list) else []:
            sender = _ident(_get(event, "sender", "id"))
            message = event.get("message") if isinstance(event, dict) else None
            if not sender or not (isinstance(message, dict) or isinstance(event.get("postback"), dict)):
                continue
            if isinstance(message, dict) and message.get("is_echo"):
                continue
            typed = _typed(message.get("text")) if isinstance(message, dict) else None
            quick = isinstance(message, dict) and message.get("quick_reply")
            messages.append(ChannelMessage(sender, None if quick else typed))
    return messages
