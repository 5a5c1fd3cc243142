"""Channel plumbing without a server: signatures, numbered choices, the files Rasa runs with, and the
connectors' routes driven in-process (Sanic as an ASGI app; Rasa's core is a recorder)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import yaml
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.facebook import MessengerBot
from sanic import Sanic
from starlette.testclient import TestClient

from bot.connectors.choices import as_typed, numbered, picked
from bot.connectors.namespace import NamespacedFacebookInput, NamespacedSlackInput, namespaced, provider_id
from bot.connectors.socketio import new_session, session_of
from bot.connectors.telegram import SecretTokenTelegramInput
from bot.ops import runtime_config
from bot.ops.runtime_config import credentials, endpoints, write_runtime_files
from bot.settings import ROOT, get_settings, load_settings
from bot.store.migrate import upgrade
from bot.web.app import create_app
from bot.web.signatures import (
    facebook_is_genuine,
    slack_is_genuine,
    slack_signature,
    telegram_is_genuine,
    telegram_secret_token,
    twilio_is_genuine,
)
from tests.conftest import TEST_ENV

BUTTONS = [
    {"title": "Morning", "payload": "morning"},
    {"title": "Afternoon", "payload": "afternoon"},
    {"title": "Any time", "payload": "any time"},
]
CHANNELS = {
    "SLACK_TOKEN": "xoxb-1",
    "SLACK_SIGNING_SECRET": "slack-secret",
    "TELEGRAM_ACCESS_TOKEN": "1:abc",
    "TELEGRAM_BOT_NAME": "clinic_bot",
    "FACEBOOK_VERIFY_TOKEN": "verify",
    "FACEBOOK_APP_SECRET": "fb-secret",
    "FACEBOOK_PAGE_ACCESS_TOKEN": "page",
    "TWILIO_ACCOUNT_SID": "AC1",
    "TWILIO_AUTH_TOKEN": "twilio-secret",
    "TWILIO_NUMBER": "+15550100999",
}


def test_buttons_become_one_numbered_list() -> None:
    assert numbered("When?", BUTTONS) == "When?\n1. Morning\n2. Afternoon\n3. Any time"
    assert numbered("Or:", BUTTONS[:1], first=4) == "Or:\n4. Morning"


@pytest.mark.parametrize(
    ("reply", "payload"),
    [
        ("2", "afternoon"),
        (" 3. ", "any time"),
        ("1)", "morning"),
        ("afternoon", "afternoon"),
        ("Any time!", "any time"),
        ("4", None),
        ("0", None),
        ("tomorrow afternoon", None),
        ("", None),
        ("²", None),
    ],
)
def test_a_reply_picks_by_number_or_words(reply: str, payload: str | None) -> None:
    assert picked(reply, BUTTONS) == payload


def test_typed_text_is_never_an_intent_command() -> None:
    assert as_typed(' /affirm{"x": 1} ') == 'affirm{"x": 1}'
    assert as_typed("/ /affirm") == "affirm"
    assert as_typed("my back hurts") == "my back hurts"


def test_twilio_signature() -> None:
    url, params = "https://assistant.example/webhooks/twilio/webhook", [("Body", "hi"), ("From", "+1555")]
    base = url + "".join(k + v for k, v in sorted(params))
    good = base64.b64encode(hmac.new(b"twilio-secret", base.encode(), hashlib.sha1).digest()).decode()
    assert twilio_is_genuine("twilio-secret", url, params, good)
    assert not twilio_is_genuine("twilio-secret", url, [("Body", "HI"), ("From", "+1555")], good)
    assert not twilio_is_genuine("other", url, params, good)
    assert not twilio_is_genuine("twilio-secret", url, params, None)


def test_slack_signature_and_its_age() -> None:
    body, now = b'{"type":"event_callback"}', 1_800_000_000
    good = "v0=" + hmac.new(b"slack-secret", f"v0:{now}:".encode() + body, hashlib.sha256).hexdigest()
    assert slack_is_genuine("slack-secret", str(now), body, good, now=now + 10)
    assert not slack_is_genuine("slack-secret", str(now), body, good, now=now + 301)  # replayed later
    assert not slack_is_genuine("slack-secret", str(now), body + b" ", good, now=now)
    assert not slack_is_genuine("slack-secret", "soon", body, good, now=now)
    assert not slack_is_genuine("slack-secret", None, body, None, now=now)


def test_facebook_signature_prefers_sha256() -> None:
    body = b'{"object":"page"}'
    sha256 = "sha256=" + hmac.new(b"fb-secret", body, hashlib.sha256).hexdigest()
    sha1 = "sha1=" + hmac.new(b"fb-secret", body, hashlib.sha1).hexdigest()
    assert facebook_is_genuine("fb-secret", body, sha256, sha1)
    assert facebook_is_genuine("fb-secret", body, None, sha1)
    assert not facebook_is_genuine("fb-secret", body, "sha256=" + "0" * 64, sha1)  # a bad new one decides
    assert not facebook_is_genuine("fb-secret", body, sha1, None)  # wrong algorithm label
    assert not facebook_is_genuine("fb-secret", body, None, None)


def test_telegram_secret_token() -> None:
    assert telegram_is_genuine("token-1", "token-1")
    assert not telegram_is_genuine("token-1", "token-2")
    assert not telegram_is_genuine("token-1", None)


def test_rasa_files_carry_only_the_channels_that_are_on() -> None:
    plain = load_settings(TEST_ENV)
    assert set(credentials(plain)) == {
        "bot.connectors.rest.OwnIdsRestInput",
        "bot.connectors.socketio.PersistentSocketIOInput",
    }
    assert "lock_store" not in endpoints(plain)

    settings = load_settings({**TEST_ENV, **CHANNELS, "LOCK_STORE_URL": "redis://:pw@cache:6380/3"})
    config = credentials(settings)
    assert config[runtime_config.SLACK_CONNECTOR] == {
        "slack_token": "xoxb-1",
        "slack_signing_secret": "slack-secret",
    }
    assert config[runtime_config.TWILIO_CONNECTOR]["twilio_number"] == "+15550100999"
    telegram = config[runtime_config.TELEGRAM_CONNECTOR]
    assert telegram["webhook_url"] == f"{settings.public_url}/webhooks/telegram/webhook"
    assert len(telegram["secret_token"]) >= 32
    assert config[runtime_config.FACEBOOK_CONNECTOR]["page-access-token"] == "page"
    lock = endpoints(settings)["lock_store"]
    assert (lock["type"], lock["url"], lock["port"], lock["db"], lock["password"]) == (
        "redis",
        "cache",
        6380,
        3,
        "pw",
    )
    assert endpoints(settings)["action_endpoint"]["url"] == "${ACTION_SERVER_URL}"  # Rasa substitutes it
    assert endpoints(settings)["action_endpoint"]["headers"] == {
        "X-Action-Server-Token": "${ACTION_SERVER_TOKEN}"
    }


def test_rasa_files_are_private_and_named_by_content(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(runtime_config, "RUNTIME_DIR", tmp_path)
    settings = load_settings({**TEST_ENV, **CHANNELS})
    first = write_runtime_files(settings)
    assert write_runtime_files(settings) == first
    other = write_runtime_files(load_settings(TEST_ENV))
    assert other[1] != first[1]
    for path in (*first, *other):
        assert path.stat().st_mode & 0o077 == 0
    assert "url: ${ACTION_SERVER_URL}" in first[0].read_text()  # unquoted, as Rasa needs
    assert yaml.safe_load(first[1].read_text())[runtime_config.SLACK_CONNECTOR]["slack_token"] == "xoxb-1"

    stale = tmp_path / "credentials-000000000000.yml"
    stale.write_text("old: secret")
    os.utime(stale, (0, 0))
    write_runtime_files(load_settings({**TEST_ENV, "SLACK_TOKEN": "b", "SLACK_SIGNING_SECRET": "c"}))
    assert not stale.exists() and first[1].exists()  # a day-old copy goes, a current one stays


def test_every_response_has_at_most_three_buttons() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    for name, variations in domain["responses"].items():
        for variation in variations:
            assert len(variation.get("buttons", [])) <= 3, name


def test_the_webhook_route_refuses_what_is_not_a_signed_enabled_channel() -> None:
    settings = load_settings({**TEST_ENV, **CHANNELS, "RASA_URLS": "http://127.0.0.1:9"})
    with TestClient(create_app(settings)) as client:
        assert client.post("/webhooks/rest/webhook", json={"sender": "x", "message": "hi"}).status_code == 404
        assert client.post("/webhooks/twilio/webhook", data={"Body": "hi"}).status_code == 403
        assert client.get("/webhooks/slack/webhook").status_code == 405
        assert client.post("/webhooks/slack/webhook", content=b"x" * 300_000).status_code == 413
    settings = load_settings({**TEST_ENV, "RASA_URLS": "http://127.0.0.1:9"})
    with TestClient(create_app(settings)) as client:
        assert client.post("/webhooks/twilio/webhook", data={"Body": "hi"}).status_code == 404


def test_conversation_ids_are_namespaced_and_replies_go_to_the_providers_id() -> None:
    assert namespaced("twilio", "+12125550148") == "twilio:+12125550148"
    assert provider_id("twilio:+12125550148") == "+12125550148"
    assert provider_id("slack:U1:extra") == "U1:extra"


def test_socketio_sessions_are_ours_only() -> None:
    token = new_session("k")
    ident = session_of("k", token)
    assert ident and ident.startswith("sio-")
    assert session_of("other-key", token) is None
    for forged in ("+12125550148", "web-abc.def", f"{ident}.forged", "sio-x.é", None, 5, "a" * 300):
        assert session_of("k", forged) is None


class Told(list):
    """Rasa's core as a connector sees it: records (conversation, text) of each message handed on."""

    async def __call__(self, message: UserMessage) -> None:
        self.append((message.sender_id, message.text))

    async def at_least(self, count: int) -> Told:
        """Slack hands messages on in a background task, after answering."""
        for _ in range(100):
            if len(self) >= count:
                break
            await asyncio.sleep(0.01)
        return self


Serve = Callable[[InputChannel, Told], Awaitable[httpx.AsyncClient]]


@pytest.fixture
def serving(monkeypatch: pytest.MonkeyPatch) -> Serve:
    """The connector's routes at Rasa's paths, in this process."""
    monkeypatch.setattr(Sanic, "test_mode", True)  # as sanic-testing does: several apps in one process

    async def serve(channel: InputChannel, told: Told) -> httpx.AsyncClient:
        app = Sanic(f"test-{uuid.uuid4().hex}")
        app.blueprint(channel.blueprint(told), url_prefix=f"/webhooks/{channel.name()}")
        await app._startup()  # what serving does before the first request
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://rasa")

    return serve


def telegram_update(**event: Any) -> dict[str, Any]:
    chat = {"id": 5, "type": "private", "first_name": "Pat"}
    message = {"message_id": 1, "date": 1_800_000_000, "chat": chat, "from": chat | {"is_bot": False}}
    if "data" in event:
        query = {"id": "9", "from": chat | {"is_bot": False}, "message": message, "chat_instance": "1"}
        return {"update_id": 1, "callback_query": query | event}
    key = "edited_message" if event.pop("edited", False) else "message"
    return {"update_id": 1, key: message | event}


class FakeTelegram:
    """The output channel Rasa's route asks who the bot is (and would register the webhook with)."""

    async def get_me(self) -> SimpleNamespace:
        return SimpleNamespace(username="clinic_bot")


async def nothing(*args: Any, **kwargs: Any) -> None:
    """Stands in for a call to the provider's API."""


async def test_telegram_typed_commands_greet_or_lose_the_slash_and_buttons_pass(
    monkeypatch: pytest.MonkeyPatch, serving: Serve
) -> None:
    monkeypatch.setattr(SecretTokenTelegramInput, "get_output_channel", lambda self: FakeTelegram())
    told = Told()
    async with await serving(SecretTokenTelegramInput("1:abc", "clinic_bot", None), told) as rasa:
        for update in (
            telegram_update(text="/start"),
            telegram_update(text="/help@clinic_bot"),
            telegram_update(text="/book_appointment"),
            telegram_update(text=' /affirm{"x": 1}', edited=True),
            telegram_update(data="/affirm"),  # a press on the bot's own button
        ):
            assert (await rasa.post("/webhooks/telegram/webhook", json=update)).text == "success"
        assert (await rasa.post("/webhooks/telegram/webhook", content=b"not json")).status_code == 400
    assert told == [
        ("telegram:5", "hi"),
        ("telegram:5", "hi"),
        ("telegram:5", "book_appointment"),
        ("telegram:5", 'affirm{"x": 1}'),
        ("telegram:5", "/affirm"),
    ]


def signed_by_slack(body: bytes, content_type: str) -> dict[str, str]:
    stamp = str(int(time.time()))
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": slack_signature("slack-secret", stamp, body),
    }


async def test_slack_typed_commands_lose_the_slash_and_button_clicks_pass(serving: Serve) -> None:
    told = Told()
    typed = {"type": "message", "channel": "D1", "channel_type": "im", "user": "U1", "ts": "1.0"}
    click = {
        "type": "block_actions",
        "user": {"id": "U1"},
        "channel": {"id": "D1"},
        "actions": [{"type": "button", "value": "/affirm"}],
    }
    slack = NamespacedSlackInput.from_credentials(
        {"slack_token": "xoxb-1", "slack_signing_secret": "slack-secret"}
    )
    async with await serving(slack, told) as rasa:
        for text in ("/book_appointment", "<@UBOT> /deny"):
            event = {"type": "event_callback", "authed_users": ["UBOT"], "event": typed | {"text": text}}
            body = json.dumps(event).encode()
            answer = await rasa.post(
                "/webhooks/slack/webhook", content=body, headers=signed_by_slack(body, "application/json")
            )
            assert answer.status_code == 200
        body = urlencode({"payload": json.dumps(click)}).encode()
        form = signed_by_slack(body, "application/x-www-form-urlencoded")
        assert (await rasa.post("/webhooks/slack/webhook", content=body, headers=form)).status_code == 200
    assert await told.at_least(3) == [
        ("slack:U1", "book_appointment"),
        ("slack:U1", "deny"),
        ("slack:U1", "/affirm"),
    ]


def signed_by_meta(body: bytes) -> dict[str, str]:
    """Meta's newer header only: the connector checks it (Rasa's own checks only the SHA-1 one)."""
    digest = hmac.new(b"fb-secret", body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"}


async def test_facebook_typed_commands_lose_the_slash_and_postbacks_and_quick_replies_pass(
    monkeypatch: pytest.MonkeyPatch, serving: Serve
) -> None:
    monkeypatch.setattr(MessengerBot, "send_action", nothing)  # marks seen, shows typing
    told = Told()
    sender = {"sender": {"id": "7"}, "recipient": {"id": "PAGE"}, "timestamp": 1}
    async with await serving(NamespacedFacebookInput("verify", "fb-secret", "page"), told) as rasa:
        for event in (
            {"message": {"mid": "m.1", "text": "/book_appointment"}},
            {"message": {"mid": "m.2", "text": "Yes", "quick_reply": {"payload": "/affirm"}}},
            {"postback": {"title": "Yes", "payload": "/affirm"}},
        ):
            body = json.dumps({"object": "page", "entry": [{"messaging": [sender | event]}]}).encode()
            answer = await rasa.post("/webhooks/facebook/webhook", content=body, headers=signed_by_meta(body))
            assert answer.text == "success"
        forged = await rasa.post("/webhooks/facebook/webhook", content=b"{}", headers=signed_by_meta(b"[]"))
        assert forged.text == "not validated"
    assert told == [("facebook:7", "book_appointment"), ("facebook:7", "/affirm"), ("facebook:7", "/affirm")]


def test_bot_web_forwards_the_providers_bytes_and_headers_untouched(monkeypatch: pytest.MonkeyPatch) -> None:
    """Typed `/intent` commands are the connectors' concern (above), so Rasa checks the provider's own
    signature over the provider's own bytes."""
    for name, value in CHANNELS.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    settings = get_settings()
    upgrade(settings.database_url)
    slack = b'{"type": "event_callback",  "event_id": "Ev1", "event": {"type": "message", "text": "/affirm"}}'
    facebook = b'{"object":"page","entry":[{"messaging":[{"sender":{"id":"7"},"message":{"text":"/deny"}}]}]}'
    telegram = b'{"update_id": 41, "message": {"text": "/start"}}'
    calls = {
        "slack": (slack, signed_by_slack(slack, "application/json")),
        "facebook": (facebook, signed_by_meta(facebook)),
        "telegram": (
            telegram,
            {
                "Content-Type": "application/json",
                "X-Telegram-Bot-Api-Secret-Token": telegram_secret_token(settings),
            },
        ),
    }
    forwarded: dict[str, httpx.Request] = {}

    def rasa(request: httpx.Request) -> httpx.Response:
        forwarded[request.url.path.split("/")[2]] = request
        return httpx.Response(200, text="success")

    with TestClient(create_app(settings, transport=httpx.MockTransport(rasa))) as client:
        for channel, (body, headers) in calls.items():
            assert (
                client.post(f"/webhooks/{channel}/webhook", content=body, headers=headers).text == "success"
            )
    for channel, (body, headers) in calls.items():
        request = forwarded[channel]
        assert request.content == body
        sent = {name.lower(): value for name, value in headers.items()}
        assert {name: request.headers[name] for name in sent} == sent
        assert "x-hub-signature" not in request.headers  # no header of bot.web's own making
