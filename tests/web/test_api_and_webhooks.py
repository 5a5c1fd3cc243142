"""The integrators' read API (API keys, OpenAPI) and the signed webhook against a real local receiver."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import httpx
import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.bench.servers import free_port
from bot.notifications.webhook_events import CREATED, STATUS_CHANGED, announce, deliver_due_webhooks
from bot.settings import get_settings
from bot.store.db import UnitOfWork, make_engine
from bot.store.migrate import upgrade
from bot.store.requests import NewRequest, change_status, create_request
from bot.store.schema import AccessEvent, OutboxMessage
from bot.store.staff import create_api_key, revoke_api_key
from bot.web.app import create_app
from tests.conftest import FOR_SOMEONE_ELSE

SECRET = "webhook-secret-for-tests"


@pytest.fixture
def uow() -> UnitOfWork:
    url = get_settings().database_url
    upgrade(url)
    return UnitOfWork(make_engine(url))


@pytest.fixture
def client(uow: UnitOfWork) -> Iterator[TestClient]:
    app = create_app(
        get_settings(), transport=httpx.MockTransport(lambda request: httpx.Response(200, json=[]))
    )
    with TestClient(app) as test_client:
        yield test_client


def add(uow: UnitOfWork, name: str = "Jane Smith", **fields: object) -> str:
    with uow() as session:
        request, _ = create_request(
            session,
            NewRequest(full_name=name, phone="+12125550199", transcript=[{"text": "secret talk"}], **fields),  # type: ignore[arg-type]
        )
        announce(session, get_settings(), request, CREATED)
        return request.reference


def test_the_api_needs_a_valid_key(client: TestClient, uow: UnitOfWork) -> None:
    add(uow)
    with uow() as session:
        key = create_api_key(session, "crm")
    assert client.get("/api/requests").status_code == 401
    assert client.get("/api/requests", headers={"Authorization": "Bearer prk_wrong"}).status_code == 401
    ok = client.get("/api/requests", headers={"Authorization": f"Bearer {key}"})
    assert ok.status_code == 200 and ok.json()["total"] == 1
    assert client.get("/api/requests", headers={"X-API-Key": key}).status_code == 200
    with uow() as session:
        revoke_api_key(session, "crm")
    assert client.get("/api/requests", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_the_api_lists_filters_and_shows_without_the_transcript(client: TestClient, uow: UnitOfWork) -> None:
    first = add(uow, "Jane Smith")
    second = add(uow, "Sam Lee")
    with uow() as session:
        change_status(session, second, "contacted", actor="test")
        key = create_api_key(session, "crm")
    auth = {"Authorization": f"Bearer {key}"}
    listed = client.get("/api/requests", headers=auth).json()
    assert [item["reference"] for item in listed["items"]] == [second, first]
    assert "transcript" not in listed["items"][0]
    contacted = client.get("/api/requests?status=contacted", headers=auth).json()
    assert [item["full_name"] for item in contacted["items"]] == ["Sam Lee"]
    one = client.get(f"/api/requests/{first.lower()}", headers=auth)
    assert one.json()["reference"] == first and one.json()["phone"] == "+12125550199"
    assert client.get("/api/requests/PRL-7KQ3MX", headers=auth).status_code == 404
    for bad in ("status=archived", "from=yesterday", "page=0", "per_page=1000", "page=x"):
        response = client.get(f"/api/requests?{bad}", headers=auth)
        assert response.status_code == 400 and response.json()["error"]


def test_api_reads_are_recorded_and_never_cached(client: TestClient, uow: UnitOfWork) -> None:
    reference = add(uow)
    with uow() as session:
        key = create_api_key(session, "crm")
    auth = {"Authorization": f"Bearer {key}"}
    listed = client.get("/api/requests?status=new", headers=auth)
    one = client.get(f"/api/requests/{reference}", headers=auth)
    refused = client.get("/api/requests")
    for response in (listed, one, refused, client.get("/api/openapi.json")):
        assert response.headers["cache-control"] == "no-store"
    with uow() as session:
        events = session.execute(select(AccessEvent).order_by(AccessEvent.id)).scalars().all()
        assert [(e.actor, e.action, e.detail) for e in events] == [
            ("api:crm", "api_listed", "1 request(s); page 1"),
            ("api:crm", "api_viewed", None),
        ]
        assert events[1].request_id is not None and events[0].request_id is None


def test_the_openapi_description_matches_the_routes(client: TestClient) -> None:
    document = client.get("/api/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {"/api/requests", "/api/requests/{reference}"}


class Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    answers: ClassVar[list[int]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((dict(self.headers), body))
        self.send_response(Receiver.answers.pop(0) if Receiver.answers else 204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[Receiver]]:
    port = free_port()
    server = HTTPServer(("127.0.0.1", port), Receiver)
    Receiver.received, Receiver.answers = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("NOTIFY_WEBHOOK_URL", f"http://127.0.0.1:{port}/hooks")
    monkeypatch.setenv("NOTIFY_WEBHOOK_SECRET", SECRET)
    get_settings.cache_clear()
    yield Receiver
    server.shutdown()


def test_events_are_signed_stable_and_retried(uow: UnitOfWork, receiver: type[Receiver]) -> None:
    reference = add(uow)
    with uow() as session:
        announce(
            session, get_settings(), change_status(session, reference, "contacted", actor="t"), STATUS_CHANGED
        )
    receiver.answers = [500]  # the first delivery fails, the second event goes through
    now = datetime.now(timezone.utc)
    assert deliver_due_webhooks(get_settings(), uow, now=now) == (1, 1)
    assert deliver_due_webhooks(get_settings(), uow, now=now + timedelta(minutes=5)) == (1, 0)

    bodies = [json.loads(body) for _, body in receiver.received]
    assert [b["type"] for b in bodies] == [CREATED, STATUS_CHANGED, CREATED]
    assert bodies[0]["id"] == bodies[2]["id"]  # the retry carries the same delivery id
    assert bodies[0]["data"]["reference"] == reference and "transcript" not in bodies[0]["data"]
    assert bodies[1]["data"]["status"] == "contacted"
    for headers, body in receiver.received:
        signature = dict(part.split("=", 1) for part in headers["X-Signature"].split(","))
        expected = hmac.new(SECRET.encode(), f"{signature['t']}.".encode() + body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(signature["v1"], expected)
    with uow() as session:
        assert {m.status for m in session.execute(select(OutboxMessage)).scalars()} == {"sent"}


def test_nothing_is_queued_without_a_webhook(uow: UnitOfWork) -> None:
    add(uow)
    with uow() as session:
        assert session.execute(select(OutboxMessage)).scalars().all() == []


def test_the_api_gives_the_patient_the_words_and_the_extension(client: TestClient, uow: UnitOfWork) -> None:
    reference = add(
        uow,
        "Ana Lopez",
        **FOR_SOMEONE_ELSE,
    )
    with uow() as session:
        key = create_api_key(session, "crm")
    one = client.get(f"/api/requests/{reference}", headers={"Authorization": f"Bearer {key}"}).json()
    assert {
        k: one[k] for k in ("phone", "phone_extension", "reason_text", "patient_name", "patient_relation")
    } == {
        "phone": "+12125550199",
        "phone_extension": "7",
        "reason_text": "sciatica down my left leg",
        "patient_name": "Rosa",
        "patient_relation": "mother",
    }
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]["Request"]["properties"]
    assert set(one) == set(schema)  # every field the API gives is described
