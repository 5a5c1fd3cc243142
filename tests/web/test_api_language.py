"""Integrators get each request's language (issue 17): in the read API, as its filter, and in the webhook."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from starlette.testclient import TestClient

from bot.notifications.webhook_events import CREATED, announce, deliver_due_webhooks
from bot.settings import get_settings
from bot.store.db import UnitOfWork, make_engine
from bot.store.migrate import upgrade
from bot.store.requests import NewRequest, create_request
from bot.store.staff import create_api_key
from bot.web.app import create_app


@pytest.fixture
def uow(monkeypatch: pytest.MonkeyPatch) -> Iterator[UnitOfWork]:
    monkeypatch.setenv("NOTIFY_WEBHOOK_URL", "https://integrator.example/hook")
    monkeypatch.setenv("NOTIFY_WEBHOOK_SECRET", "webhook-secret-for-tests")
    get_settings.cache_clear()
    url = get_settings().database_url
    upgrade(url)
    yield UnitOfWork(make_engine(url))
    get_settings.cache_clear()


@pytest.fixture
def client(uow: UnitOfWork) -> Iterator[TestClient]:
    app = create_app(
        get_settings(), transport=httpx.MockTransport(lambda request: httpx.Response(200, json=[]))
    )
    with TestClient(app) as test_client:
        yield test_client


def add(uow: UnitOfWork, name: str, language: str) -> str:
    with uow() as session:
        request, _ = create_request(
            session, NewRequest(full_name=name, phone="+12125550199", language=language)
        )
        announce(session, get_settings(), request, CREATED)
        return request.reference


@pytest.fixture
def auth(uow: UnitOfWork) -> dict[str, str]:
    with uow() as session:
        return {"Authorization": f"Bearer {create_api_key(session, 'crm')}"}


def test_each_request_has_its_language_and_the_list_filters_by_it(
    client: TestClient, uow: UnitOfWork, auth: dict[str, str]
) -> None:
    spanish = add(uow, "Ana López", "es")
    english = add(uow, "Ada Lovelace", "en")
    assert client.get(f"/api/requests/{spanish}", headers=auth).json()["language"] == "es"
    listed = client.get("/api/requests", headers=auth).json()["items"]
    assert {item["reference"]: item["language"] for item in listed} == {spanish: "es", english: "en"}
    only = client.get("/api/requests?language=es", headers=auth).json()
    assert ([item["reference"] for item in only["items"]], only["total"]) == ([spanish], 1)
    refused = client.get("/api/requests?language=fr", headers=auth)
    assert refused.status_code == 400 and "unknown language 'fr'" in refused.json()["error"]


def test_the_openapi_document_describes_the_field_and_the_filter(client: TestClient) -> None:
    document = client.get("/api/openapi.json").json()
    assert document["components"]["schemas"]["Request"]["properties"]["language"]["enum"] == ["en", "es"]
    parameters = document["paths"]["/api/requests"]["get"]["parameters"]
    assert {
        "name": "language",
        "in": "query",
        "schema": {"type": "string", "enum": ["en", "es"]},
    } in parameters


def test_the_webhook_payload_carries_the_language(uow: UnitOfWork) -> None:
    add(uow, "Ana López", "es")
    add(uow, "Ada Lovelace", "en")
    bodies: list[dict] = []

    def post(url: str, body: bytes, headers: dict[str, str]) -> int:
        bodies.append(json.loads(body))
        return 204

    assert deliver_due_webhooks(get_settings(), uow, post=post) == (2, 0)
    assert {b["data"]["full_name"]: b["data"]["language"] for b in bodies} == {
        "Ana López": "es",
        "Ada Lovelace": "en",
    }
