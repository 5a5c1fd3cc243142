"""Who wrote what in each provider's delivery, on the payload shapes the providers send (and the
project's connector and e2e tests use), so a conversation's language is pinned at its first text."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest

from bot.web.channel_language import ChannelMessage, channel_messages


def form(**params: str) -> tuple[list[tuple[str, str]], bytes]:
    body = urlencode(params).encode()
    return parse_qsl(body.decode(), keep_blank_values=True), body


def as_json(data: Any) -> bytes:
    return json.dumps(data).encode()


CHAT = {"id": 424242, "type": "private", "first_name": "Pat"}
TELEGRAM_MESSAGE = {"message_id": 7, "date": 1_800_000_000, "chat": CHAT, "from": CHAT | {"is_bot": False}}


def test_twilio_from_and_body() -> None:
    fields, body = form(
        From="+12125550147", To="+15550100999", Body="hola, quiero una cita", MessageSid="SM1", NumMedia="0"
    )
    assert channel_messages("twilio", fields, body) == [
        ChannelMessage("+12125550147", "hola, quiero una cita")
    ]


def test_twilio_without_a_sender_or_with_an_empty_body() -> None:
    assert channel_messages("twilio", *form(Body="hola")) == []
    assert channel_messages("twilio", *form(From="+12125550147", Body="  ")) == [
        ChannelMessage("+12125550147")
    ]


def test_telegram_message_by_its_chat() -> None:
    update = {"update_id": 1, "message": TELEGRAM_MESSAGE | {"text": "hola, quiero una cita"}}
    assert channel_messages("telegram", None, as_json(update)) == [
        ChannelMessage("424242", "hola, quiero una cita")
    ]
    edited = {"update_id": 2, "edited_message": TELEGRAM_MESSAGE | {"text": "hello"}}
    assert channel_messages("telegram", None, as_json(edited)) == [ChannelMessage("424242", "hello")]


def test_a_telegram_button_and_the_start_command_carry_no_text() -> None:
    query = {
        "id": "9",
        "from": CHAT | {"is_bot": False},
        "message": TELEGRAM_MESSAGE,
        "chat_instance": "1",
        "data": "/book_appointment",
    }
    assert channel_messages("telegram", None, as_json({"update_id": 3, "callback_query": query})) == [
        ChannelMessage("424242")
    ]
    start = {"update_id": 4, "message": TELEGRAM_MESSAGE | {"text": "/start"}}
    assert channel_messages("telegram", None, as_json(start)) == [ChannelMessage("424242")]


def test_slack_event_by_its_user() -> None:
    event = {"type": "message", "channel": "D1", "channel_type": "im", "user": "U1", "ts": "1.0"}
    body = {"type": "event_callback", "event_id": "Ev1", "event": event | {"text": "necesito una cita"}}
    assert channel_messages("slack", None, as_json(body)) == [ChannelMessage("U1", "necesito una cita")]


def test_slack_bot_posts_and_handshakes_carry_no_message() -> None:
    own = {
        "type": "event_callback",
        "event": {"type": "message", "bot_id": "B1", "text": "hola", "user": "U9"},
    }
    assert channel_messages("slack", None, as_json(own)) == []
    challenge = {"type": "url_verification", "challenge": "abc"}
    assert channel_messages("slack", None, as_json(challenge)) == []


def test_a_slack_click_is_its_user_without_text() -> None:
    click = {
        "type": "block_actions",
        "user": {"id": "U1"},
        "channel": {"id": "D1"},
        "trigger_id": "T1",
        "actions": [{"type": "button", "value": "/affirm"}],
    }
    fields, body = form(payload=json.dumps(click))
    assert channel_messages("slack", fields, body) == [ChannelMessage("U1")]


def facebook(*events: dict[str, Any]) -> bytes:
    return as_json({"object": "page", "entry": [{"id": "PAGE", "time": 1, "messaging": list(events)}]})


def test_facebook_messages_postbacks_and_quick_replies() -> None:
    body = facebook(
        {
            "sender": {"id": "7"},
            "recipient": {"id": "PAGE"},
            "message": {"mid": "m.1", "text": "hola, buenas tardes"},
        },
        {
            "sender": {"id": "8"},
            "message": {"mid": "m.2", "text": "Yes", "quick_reply": {"payload": "/affirm"}},
        },
        {"sender": {"id": "9"}, "postback": {"title": "Yes", "payload": "/affirm"}},
    )
    assert channel_messages("facebook", None, body) == [
        ChannelMessage("7", "hola, buenas tardes"),
        ChannelMessage("8"),
        ChannelMessage("9"),
    ]


def test_facebook_echoes_and_receipts_are_not_the_visitors() -> None:
    body = facebook(
        {"sender": {"id": "PAGE"}, "message": {"mid": "m.3", "text": "Hello", "is_echo": True}},
        {"sender": {"id": "7"}, "delivery": {"mids": ["m.3"]}},
        {"sender": {"id": "7"}, "read": {"watermark": 1}},
    )
    assert channel_messages("facebook", None, body) == []


@pytest.mark.parametrize("channel", ["telegram", "slack", "facebook"])
@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]", b'{"entry": "x", "message": 5, "event": []}'])
def test_unreadable_bodies_carry_no_message(channel: str, body: bytes) -> None:
    assert channel_messages(channel, None, body) == []


def test_an_unknown_channel_carries_no_message() -> None:
    assert channel_messages("rest", None, as_json({"sender": "x", "message": "hola"})) == []
