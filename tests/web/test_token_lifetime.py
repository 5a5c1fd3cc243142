"""/chat with an expired conversation token: a new conversation and a clear message, never a 5xx."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from starlette.testclient import TestClient

from bot.settings import get_settings
from bot.store.migrate import upgrade
from bot.web.app import create_app
from bot.web.replies import EXPIRED
from bot.web.secret_key import secret_key
from bot.web.tokens import TOKEN_LIFETIME_S, conversation_of, new_conversation
from tests.web.test_proxy import FakeRasa, say


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def client(rasa: FakeRasa) -> Iterator[TestClient]:
    upgrade(get_settings().database_url)
    with TestClient(create_app(get_settings(), transport=httpx.MockTransport(rasa))) as test_client:
        yield test_client


def test_an_expired_token_starts_a_new_conversation_and_says_so(client: TestClient, rasa: FakeRasa) -> None:
    secret = secret_key(get_settings())
    old, token = new_conversation(secret, now=time.time() - TOKEN_LIFETIME_S - 5)
    response = say(client, {"message": "yes"}, token)
    assert response.status_code == 200
    body = response.json()
    assert body["restarted"] is True and body["messages"][0] == {"text": EXPIRED}
    fresh = conversation_of(secret, body["token"])
    assert fresh and fresh != old
    assert rasa.received == [{"sender": fresh, "message": "yes"}]


def test_each_answer_re_issues_the_token_for_the_same_conversation(
    client: TestClient, rasa: FakeRasa
) -> None:
    secret = secret_key(get_settings())
    conversation, token = new_conversation(secret, now=time.time() - TOKEN_LIFETIME_S + 60)
    body = say(client, {"message": "hi"}, token).json()
    assert "restarted" not in body
    assert conversation_of(secret, body["token"], now=time.time() + TOKEN_LIFETIME_S - 60) == conversation
