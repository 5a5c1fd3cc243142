"""/chat keeps each conversation with its language's Rasa servers (issue 17), with stand-ins for both."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import httpx
import pytest
from starlette.testclient import TestClient

from bot.settings import get_settings, load_settings
from bot.store.migrate import upgrade
from bot.web.app import TOKEN_HEADER, create_app
from bot.web.tokens import new_conversation

ENGLISH, SPANISH = "http://english-rasa:5005", "http://spanish-rasa:5006"


class TwoRasas:
    """Answers as each language's Rasa would, and records which one got each message."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str, str]] = []  # (server, sender, message)
        self.english_answer: list[dict] = [{"text": "Hello from the English model"}]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        server = f"{request.url.scheme}://{request.url.host}:{request.url.port}"
        if request.url.path == "/":
            return httpx.Response(200, text="Hello from Rasa")
        body = json.loads(request.content)
        self.received.append((server, body["sender"], body["message"]))
        if server == SPANISH:
            return httpx.Response(200, json=[{"text": "Hola desde el modelo en español"}])
        return httpx.Response(200, json=self.english_answer)


def app_with(rasas: TwoRasas, **env: str) -> TestClient:
    """bot.web with the test settings (tests/conftest.py), the two stand-ins as its Rasa servers."""
    upgrade(get_settings().database_url)
    settings = load_settings({**os.environ, "RASA_URLS": ENGLISH, "RASA_URLS_ES": SPANISH, **env})
    return TestClient(create_app(settings, transport=httpx.MockTransport(rasas)))


@pytest.fixture
def rasas() -> TwoRasas:
    return TwoRasas()


@pytest.fixture
def client(rasas: TwoRasas) -> Iterator[TestClient]:
    with app_with(rasas) as test_client:
        yield test_client


def chat(client: TestClient, body: dict, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json", **({TOKEN_HEADER: token} if token else {})}
    response = client.post("/chat", content=json.dumps(body), headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_widget_language_picks_the_model_and_the_conversation_stays_there(
    client: TestClient, rasas: TwoRasas
) -> None:
    first = chat(client, {"message": "hola", "lang": "es-MX"})
    assert first["lang"] == "es" and first["token"].startswith("web-es-")
    assert first["messages"] == [{"text": "Hola desde el modelo en español"}]
    # English typed later, or another lang asked for, does not move it: the id names its language.
    chat(client, {"message": "my phone is 212 555 0199", "lang": "en"}, first["token"])
    assert [server for server, _, _ in rasas.received] == [SPANISH, SPANISH]


def test_a_clearly_spanish_first_message_starts_a_spanish_conversation_on_an_english_page(
    client: TestClient, rasas: TwoRasas
) -> None:
    reply = chat(client, {"message": "hola, quiero una cita, no hablo inglés", "lang": "en"})
    assert reply["lang"] == "es" and rasas.received[-1][0] == SPANISH
    english = chat(client, {"message": "hola, I need an appointment", "lang": "en"})  # one loan word
    assert english["lang"] == "en" and rasas.received[-1][0] == ENGLISH


def test_an_unknown_or_missing_language_is_the_default(client: TestClient, rasas: TwoRasas) -> None:
    for asked in ("fr", "", None, 7, ["es"]):
        reply = chat(client, {"message": "hello", "lang": asked})
        assert reply["lang"] == "en" and reply["languages"] == ["en", "es"]
    assert {server for server, _, _ in rasas.received} == {ENGLISH}


def test_an_english_conversation_that_turns_to_spanish_moves_to_the_spanish_model(
    client: TestClient, rasas: TwoRasas
) -> None:
    token = chat(client, {"message": "hello"})["token"]
    rasas.english_answer = [{"custom": {"switch_language": "es"}}, {"text": "We can't chat in Spanish yet."}]
    moved = chat(client, {"message": "no hablo inglés"}, token)
    assert moved["lang"] == "es" and moved["token"].startswith("web-es-")
    assert moved["messages"] == [{"text": "Hola desde el modelo en español"}]
    (_, english_id, _), (server, spanish_id, message) = rasas.received[-2:]
    assert (server, message) == (SPANISH, "no hablo inglés") and spanish_id != english_id


def test_with_spanish_turned_off_everything_goes_to_english(rasas: TwoRasas) -> None:
    with app_with(rasas, LANGUAGES="en") as client:
        reply = chat(client, {"message": "hola, quiero una cita", "lang": "es"})
        assert reply["lang"] == "en" and reply["languages"] == ["en"]
        rasas.english_answer = [{"custom": {"switch_language": "es"}}, {"text": "Call us"}]
        stays = chat(client, {"message": "no hablo inglés"}, reply["token"])
        assert stays["lang"] == "en" and stays["messages"] == [{"text": "Call us"}]
        # A Spanish conversation from before Spanish was turned off is answered in English.
        conversation, token = new_conversation(client.app.state.proxy.secret, language="es")
        chat(client, {"message": "hola"}, token)
        assert rasas.received[-1][:2] == (ENGLISH, conversation)
    assert {server for server, _, _ in rasas.received} == {ENGLISH}


def test_readiness_needs_each_languages_servers(rasas: TwoRasas) -> None:
    with app_with(rasas) as client:
        body = client.get("/readyz").json()
        assert body["checks"] == {"rasa": "ok", "rasa_es": "ok", "database": "ok"}
        assert body["rasa_servers_es"] == ["ok"]
