"""Bodies over a route's limit are refused before they are read: by Content-Length, and while streaming."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from starlette.testclient import TestClient

from bot.settings import get_settings
from bot.store.migrate import upgrade
from bot.web.app import DEFAULT_BODY_LIMIT, MAX_BODY_BYTES, create_app
from bot.web.body_limit import BodyLimit
from bot.web.provider_webhooks import MAX_BODY_BYTES as WEBHOOK_MAX_BODY_BYTES


class Recorder:
    """An app that reads its whole body, and counts the bytes it was given."""

    def __init__(self) -> None:
        self.read = 0

    async def __call__(self, scope: dict, receive: object, send: object) -> None:
        while True:
            message = await receive()  # type: ignore[operator]
            self.read += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b"ok"})  # type: ignore[operator]


def run(app: BodyLimit, path: str, chunks: list[bytes], length: int | None) -> tuple[int, int, bytes]:
    """Drive the middleware as a server would; returns (status, chunks handed over, response body)."""
    headers = [(b"content-length", str(length).encode())] if length is not None else []
    pending = list(chunks)
    handed = 0
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal handed
        handed += 1
        body = pending.pop(0) if pending else b""
        return {"type": "http.request", "body": body, "more_body": bool(pending)}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "path": path, "method": "POST", "headers": headers}
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], handed, b"".join(m.get("body", b"") for m in sent[1:])


def test_a_declared_length_over_the_limit_is_refused_unread() -> None:
    inner = Recorder()
    status, handed, body = run(BodyLimit(inner, [("/chat", 10)], 100), "/chat", [b"x" * 11], 400_000_000)
    assert (status, handed, inner.read) == (413, 0, 0)
    assert json.loads(body)["error"]


def test_a_streamed_body_is_cut_off_at_the_limit() -> None:
    inner = Recorder()
    chunks = [b"x" * 1000] * 10_000  # 10 MB that would follow
    status, handed, _ = run(BodyLimit(inner, [("/chat", 4096)], 100), "/chat", chunks, None)
    assert status == 413 and handed == 5  # refused at the chunk that crossed 4 KiB


def test_bodies_within_the_limit_pass_and_limits_are_per_route() -> None:
    limits = BodyLimit(Recorder(), [("/chat", 10), ("/webhooks/", 1000)], 100)
    assert run(limits, "/webhooks/slack/webhook", [b"x" * 600], None)[0] == 200
    assert run(limits, "/chat", [b"x" * 600], None)[0] == 413
    assert run(limits, "/staff/login", [b"x" * 100], 100)[0] == 200
    assert run(limits, "/staff/login", [b"x" * 101], None)[0] == 413


def test_a_malformed_length_is_a_400() -> None:
    assert run(BodyLimit(Recorder(), [], 100), "/chat", [b"{}"], None)[0] == 200
    app = BodyLimit(Recorder(), [], 100)
    sent: list[dict] = []

    async def receive() -> dict:
        raise AssertionError("read")

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "path": "/chat", "headers": [(b"content-length", b"-1")]}
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 400


@pytest.fixture
def client() -> TestClient:
    upgrade(get_settings().database_url)
    return TestClient(
        create_app(get_settings(), transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    )


def test_the_app_has_a_limit_on_every_route(client: TestClient) -> None:
    limits = next(m for m in client.app.user_middleware if m.cls is BodyLimit).kwargs
    app = BodyLimit(Recorder(), limits["limits"], limits["default"])
    assert app.limit_for("/chat") == MAX_BODY_BYTES
    assert app.limit_for("/webhooks/twilio/webhook") == WEBHOOK_MAX_BODY_BYTES
    assert app.limit_for("/staff/login") == DEFAULT_BODY_LIMIT


def test_a_chunked_chat_body_over_the_limit_is_a_413(client: TestClient) -> None:
    def stream():
        yield b'{"message": "'
        for _ in range(100):
            yield b"a" * 1024

    response = client.post("/chat", content=stream(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["error"]
