"""A stand-in for Slack's, Telegram's, Facebook's and Twilio's APIs that records what the bot sent.

The stack's provider SDKs call it instead of the real hosts (see provider_hook/sitecustomize.py).
It answers each API call the way the provider documents, just enough for the SDK to accept it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

TELEGRAM_BOT_NAME = "clinic_test_bot"


@dataclass
class Call:
    provider: str
    path: str
    data: dict[str, Any]


@dataclass
class FakeProviders:
    port: int
    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def record(self, call: Call) -> None:
        with self.lock:
            self.calls.append(call)

    def since(self, mark: int) -> list[Call]:
        with self.lock:
            return self.calls[mark:]

    def mark(self) -> int:
        with self.lock:
            return len(self.calls)

    def wait_for(self, mark: int, done: Callable[[list[Call]], bool], timeout: float = 30) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.since(mark)
            if done(calls):
                return calls
            time.sleep(0.1)
        raise AssertionError(f"the fake provider did not receive what was expected; got {self.since(mark)}")


async def _data(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").startswith("application/json"):
        return await request.json()
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def create_app(fake: FakeProviders) -> Starlette:
    async def telegram(request: Request) -> JSONResponse:
        method = request.path_params["method"]
        data = await _data(request)
        fake.record(Call("telegram", method, data))
        if method == "getMe":
            result: Any = {"id": 42, "is_bot": True, "first_name": "Clinic", "username": TELEGRAM_BOT_NAME}
        elif method == "sendMessage":
            chat = int(data.get("chat_id", 0))
            result = {
                "message_id": len(fake.calls),
                "date": int(time.time()),
                "chat": {"id": chat, "type": "private"},
                "text": data.get("text", ""),
            }
        else:
            result = True
        return JSONResponse({"ok": True, "result": result})

    async def slack(request: Request) -> JSONResponse:
        data = await _data(request)
        fake.record(Call("slack", request.path_params["method"], data))
        return JSONResponse({"ok": True, "channel": data.get("channel"), "ts": f"{time.time():.6f}"})

    async def facebook(request: Request) -> JSONResponse:
        data = await _data(request)
        fake.record(Call("facebook", request.url.path, data))
        recipient = (data.get("recipient") or {}).get("id")
        return JSONResponse({"recipient_id": recipient, "message_id": f"mid.{len(fake.calls)}"})

    async def twilio(request: Request) -> JSONResponse:
        data = await _data(request)
        fake.record(Call("twilio", request.url.path, data))
        sid = request.path_params["sid"]
        return JSONResponse(
            {
                "sid": f"SM{len(fake.calls):032d}",
                "account_sid": sid,
                "to": data.get("To"),
                "from": data.get("From"),
                "body": data.get("Body"),
                "status": "queued",
                "num_segments": "1",
                "direction": "outbound-api",
                "date_created": "Wed, 25 Nov 2026 12:00:00 +0000",
                "uri": f"/2010-04-01/Accounts/{sid}/Messages/SM1.json",
            },
            status_code=201,
        )

    return Starlette(
        routes=[
            Route("/telegram/bot{token}/{method}", telegram, methods=["GET", "POST"]),
            Route("/slack/{method}", slack, methods=["POST"]),
            Route("/facebook/{version}/me/{what}", facebook, methods=["POST"]),
            Route("/twilio/2010-04-01/Accounts/{sid}/Messages.json", twilio, methods=["POST"]),
        ]
    )


def start(port: int) -> tuple[FakeProviders, uvicorn.Server, threading.Thread]:
    fake = FakeProviders(port)
    server = uvicorn.Server(
        uvicorn.Config(create_app(fake), host="127.0.0.1", port=port, log_level="warning", ws="none")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the fake provider did not start")
        time.sleep(0.05)
    return fake, server, thread


def decoded(value: Any) -> Any:
    """Telegram's reply_markup arrives as a JSON string inside the form."""
    return json.loads(value) if isinstance(value, str) and value[:1] in "{[" else value
