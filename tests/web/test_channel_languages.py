"""Messaging channels through bot.web's webhook route keep each conversation in the language its first
typed text was in, with stand-ins for the English and the Spanish Rasa servers (httpx.MockTransport)."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy.exc import OperationalError
from starlette.testclient import TestClient
from twilio.request_validator import RequestValidator

from bot.settings import get_settings
from bot.store.channel_languages import pin_language, pinned_language
from bot.store.db import UnitOfWork, make_engine
from bot.store.migrate import upgrade
from bot.web.app import create_app

ENGLISH, SPANISH = "rasa-en", "rasa-es"
CHANNEL_ENV = {
    "LANGUAGES": "en,es",
    "RASA_URLS": f"http://{ENGLISH}:5005",
    "RASA_URLS_ES": f"http://{SPANISH}:5005",
    "PUBLIC_URL": "https://assistant.example",
    "TELEGRAM_ACCESS_TOKEN": "123456:test-telegram-token",
    "TELEGRAM_BOT_NAME": "clinic_test_bot",
    "TELEGRAM_SECRET_TOKEN": "telegram-secret-token",
    "FACEBOOK_VERIFY_TOKEN": "facebook-verify-token",
    "FACEBOOK_APP_SECRET": "facebook-app-secret",
    "FACEBOOK_PAGE_ACCESS_TOKEN": "facebook-page-token",
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "twilio-auth-token",
    "TWILIO_NUMBER": "+15550100999",
}
_ids = itertools.count(1000)


class Servers:
    """Which Rasa server (English or Spanish) each forwarded delivery reached; each answers as Rasa's
    connectors do."""

    def __init__(self) -> None:
        self.hosts: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.hosts.append(request.url.host)
        return httpx.Response(200, text="success")


@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch) -> Servers:
    for name, value in CHANNEL_ENV.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    upgrade(get_settings().database_url)
    return Servers()


def web(servers: Servers) -> TestClient:
    return TestClient(create_app(get_settings(), transport=httpx.MockTransport(servers)))


@pytest.fixture
def client(servers: Servers) -> Iterator[TestClient]:
    with web(servers) as test_client:
        yield test_client


def telegram(client: TestClient, chat: int, text: str | None = None, button: str | None = None) -> int:
    who = {"id": chat, "type": "private", "first_name": "Pat"}
    message = {"message_id": next(_ids), "date": 1_800_000_000, "chat": who, "from": who | {"is_bot": False}}
    if button:
        query = {"id": str(next(_ids)), "from": who, "message": message, "chat_instance": "1", "data": button}
        update: dict[str, Any] = {"update_id": next(_ids), "callback_query": query}
    else:
        update = {"update_id": next(_ids), "message": message | {"text": text}}
    secret = {"X-Telegram-Bot-Api-Secret-Token": CHANNEL_ENV["TELEGRAM_SECRET_TOKEN"]}
    return client.post("/webhooks/telegram/webhook", json=update, headers=secret).status_code


def twilio(client: TestClient, sender: str, text: str) -> int:
    params = {
        "From": sender,
        "To": CHANNEL_ENV["TWILIO_NUMBER"],
        "Body": text,
        "MessageSid": f"SM{next(_ids)}",
    }
    url = f"{CHANNEL_ENV['PUBLIC_URL']}/webhooks/twilio/webhook"
    signature = RequestValidator(CHANNEL_ENV["TWILIO_AUTH_TOKEN"]).compute_signature(url, params)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
    return client.post("/webhooks/twilio/webhook", content=urlencode(params), headers=headers).status_code


def facebook(client: TestClient, *messages: tuple[str, str | None]) -> int:
    """One delivery carrying several senders' messages (text, or a postback when None)."""
    events = [
        {"sender": {"id": sender}, "recipient": {"id": "PAGE"}, "timestamp": next(_ids)}
        | (
            {"message": {"mid": f"m.{next(_ids)}", "text": text}}
            if text
            else {"postback": {"payload": "/affirm"}}
        )
        for sender, text in messages
    ]
    body = json.dumps({"object": "page", "entry": [{"id": "PAGE", "time": 1, "messaging": events}]}).encode()
    digest = hmac.new(CHANNEL_ENV["FACEBOOK_APP_SECRET"].encode(), body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"}
    return client.post("/webhooks/facebook/webhook", content=body, headers=headers).status_code


def store() -> UnitOfWork:
    return UnitOfWork(make_engine(get_settings().database_url))


def test_a_spanish_first_message_goes_to_spanish_and_stays_there(
    client: TestClient, servers: Servers
) -> None:
    assert telegram(client, 501, "hola, quiero una cita") == 200
    assert telegram(client, 501, "Pat Lindqvist") == 200
    assert telegram(client, 501, "I would like a morning appointment, please") == 200
    assert telegram(client, 501, button="/affirm") == 200
    assert servers.hosts == [SPANISH] * 4


def test_an_english_conversation_stays_english(client: TestClient, servers: Servers) -> None:
    assert twilio(client, "+12125550147", "hi, I'd like an appointment") == 200
    assert twilio(client, "+12125550147", "hola, quiero una cita, por favor") == 200
    assert servers.hosts == [ENGLISH, ENGLISH]
    with store()() as session:
        assert pinned_language(session, "twilio", "+12125550147") == "en"


def test_buttons_and_commands_before_any_text_pin_nothing(client: TestClient, servers: Servers) -> None:
    assert telegram(client, 502, "/start") == 200
    assert telegram(client, 502, button="/book_appointment") == 200
    assert telegram(client, 502, "hola, necesito una cita para mi espalda") == 200
    assert telegram(client, 502, "ok thanks") == 200
    assert servers.hosts == [ENGLISH, ENGLISH, SPANISH, SPANISH]


def test_the_pin_survives_a_new_app_instance(servers: Servers) -> None:
    with web(servers) as first:
        assert telegram(first, 503, "buenas tardes, tengo dolor de espalda") == 200
    with web(servers) as second:
        assert telegram(second, 503, "my name is Pat") == 200
    assert servers.hosts == [SPANISH, SPANISH]


class DatabaseDown:
    engine = None

    def __call__(self) -> Any:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("the database is down"))


def test_a_database_outage_still_forwards_by_the_message_itself(servers: Servers) -> None:
    app = create_app(get_settings(), transport=httpx.MockTransport(servers))
    app.state.uow = DatabaseDown()
    with TestClient(app) as client:
        assert telegram(client, 504, "hola, quiero una cita") == 200
        assert telegram(client, 504, "hello, I need an appointment") == 200
        assert telegram(client, 504, button="/affirm") == 200
    assert servers.hosts == [SPANISH, ENGLISH, ENGLISH]


def test_a_failing_pin_still_forwards(
    client: TestClient, servers: Servers, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise OperationalError("SELECT language", {}, TimeoutError("statement timeout"))

    monkeypatch.setattr("bot.web.provider_webhooks.pinned_language", broken)
    assert telegram(client, 507, "hola, quiero una cita") == 200
    assert telegram(client, 507, "ok") == 200
    assert servers.hosts == [SPANISH, ENGLISH]


def test_a_batch_goes_by_its_first_sender_and_pins_every_sender(client: TestClient, servers: Servers) -> None:
    assert facebook(client, ("fb-1", "hola, quiero una cita"), ("fb-2", "hello there")) == 200
    assert facebook(client, ("fb-2", "quiero una cita, por favor"), ("fb-1", "yes")) == 200
    assert facebook(client, ("fb-1", None)) == 200  # a postback follows the pin
    assert servers.hosts == [SPANISH, ENGLISH, SPANISH]


def test_a_language_no_longer_served_goes_to_the_default(client: TestClient, servers: Servers) -> None:
    with store()() as session:
        pin_language(session, "telegram", "505", "fr", datetime.now(timezone.utc))
    assert telegram(client, 505, "hola, quiero una cita") == 200
    assert servers.hosts == [ENGLISH]


def test_with_english_only_nothing_is_pinned(monkeypatch: pytest.MonkeyPatch, servers: Servers) -> None:
    monkeypatch.setenv("LANGUAGES", "en")
    get_settings.cache_clear()
    with web(servers) as client:
        assert telegram(client, 506, "hola, quiero una cita") == 200
    assert servers.hosts == [ENGLISH]
    with store()() as session:
        assert pinned_language(session, "telegram", "506") is None
