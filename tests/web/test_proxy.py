"""The /chat proxy, health checks and headers, with a stand-in for Rasa (httpx.MockTransport)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import httpx
import pytest
from starlette.testclient import TestClient

from bot.settings import get_settings
from bot.store.migrate import upgrade
from bot.web.app import MAX_MESSAGE_LENGTH, TOKEN_HEADER, create_app
from bot.web.tokens import new_conversation

Handler = Callable[[httpx.Request], httpx.Response]


class FakeRasa:
    """Records what the proxy forwards and answers like Rasa's REST channel (or fails on demand)."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.answer: list[dict] | Exception | int = [{"recipient_id": "x", "text": "Hello from the bot"}]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/":
            if isinstance(self.answer, Exception):
                raise self.answer
            return httpx.Response(200, text="Hello from Rasa")
        self.received.append(json.loads(request.content))
        if isinstance(self.answer, Exception):
            raise self.answer
        if isinstance(self.answer, int):
            return httpx.Response(self.answer)
        return httpx.Response(200, json=self.answer)


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def client(rasa: FakeRasa, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    upgrade(get_settings().database_url)
    app = create_app(get_settings(), transport=httpx.MockTransport(rasa))
    with TestClient(app) as test_client:
        yield test_client


def say(client: TestClient, body: object, token: str | None = None) -> httpx.Response:
    headers = {TOKEN_HEADER: token} if token else {}
    return client.post(
        "/chat", content=json.dumps(body), headers={"Content-Type": "application/json", **headers}
    )


def test_a_message_is_forwarded_and_the_answer_returned_with_a_token(
    client: TestClient, rasa: FakeRasa
) -> None:
    response = say(client, {"message": "  hello  "})
    assert response.status_code == 200
    body = response.json()
    assert body["messages"] == [{"text": "Hello from the bot"}]
    assert rasa.received == [{"sender": body["token"].split(".")[0], "message": "hello"}]


def test_the_same_token_keeps_the_same_conversation(client: TestClient, rasa: FakeRasa) -> None:
    token = say(client, {"message": "hi"}).json()["token"]
    assert say(client, {"message": "again"}, token).json()["token"] == token
    assert rasa.received[0]["sender"] == rasa.received[1]["sender"]


@pytest.mark.parametrize("forged", ["web-abc.def", "web-chosen-id.AAAA", "x" * 500, "not-a-token", "a.b.c"])
def test_a_forged_or_chosen_token_gets_a_new_conversation(
    client: TestClient, rasa: FakeRasa, forged: str
) -> None:
    body = say(client, {"message": "hi"}, forged).json()
    assert body["token"] != forged
    assert rasa.received[0]["sender"] != forged.split(".")[0]


def test_intent_commands_typed_as_text_are_not_forwarded_as_commands(
    client: TestClient, rasa: FakeRasa
) -> None:
    say(client, {"message": "/restart"})
    say(client, {"message": '//book_appointment{"full_name": "x"}'})
    assert [r["message"] for r in rasa.received] == ["restart", 'book_appointment{"full_name": "x"}']


def test_only_payloads_of_offered_buttons_are_accepted(client: TestClient, rasa: FakeRasa) -> None:
    rasa.answer = [{"text": "Shall I send it?", "buttons": [{"title": "Yes", "payload": "/affirm"}]}]
    body = say(client, {"message": "hi"}).json()
    button = body["messages"][0]["buttons"][0]
    assert (button["title"], button["payload"]) == ("Yes", "/affirm")
    ok = say(client, {"payload": button["payload"], "signature": button["signature"]}, body["token"])
    assert ok.status_code == 200
    assert rasa.received[-1]["message"] == "/affirm"

    forged = say(client, {"payload": "/stop", "signature": button["signature"]}, body["token"])
    assert forged.status_code == 400
    other_conversation = say(client, {"payload": "/affirm", "signature": button["signature"]})
    assert other_conversation.status_code == 400
    assert len(rasa.received) == 2


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("not json", 400),
        ("[1, 2]", 400),
        ('"just a string"', 400),
        ("{}", 400),
        ('{"message": ""}', 400),
        ('{"message": "   "}', 400),
        ('{"message": 42}', 400),
        ('{"message": "' + "a" * (MAX_MESSAGE_LENGTH + 1) + '"}', 413),
        ('{"message": "' + "a" * 9000 + '"}', 413),
    ],
)
def test_bad_bodies_get_a_clear_4xx(client: TestClient, rasa: FakeRasa, raw: str, status: int) -> None:
    response = client.post("/chat", content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == status
    assert response.json()["error"]
    assert rasa.received == []


def test_invalid_utf8_is_refused(client: TestClient, rasa: FakeRasa) -> None:
    response = client.post(
        "/chat", content=b'{"message": "\xff\xfe"}', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert rasa.received == []


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), 500, []],
    ids=["down", "slow", "500", "empty"],
)
def test_rasa_trouble_is_a_friendly_503(client: TestClient, rasa: FakeRasa, failure: object) -> None:
    rasa.answer = failure  # type: ignore[assignment]
    response = say(client, {"message": "hello"})
    assert response.status_code == 503
    assert "(555) 010-0101" in response.json()["error"]


def test_messages_are_rate_limited_per_conversation(client: TestClient) -> None:
    token = say(client, {"message": "hi"}).json()["token"]
    statuses = [say(client, {"message": f"message {i}"}, token).status_code for i in range(25)]
    assert statuses.count(429) >= 5
    limited = say(client, {"message": "one more"}, token)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1


def test_clients_are_rate_limited_across_conversations(client: TestClient) -> None:
    statuses = [say(client, {"message": "hi"}).status_code for _ in range(65)]
    assert statuses.count(429) >= 4


def test_health_and_readiness(client: TestClient, rasa: FakeRasa) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"rasa": "ok", "rasa_es": "ok", "database": "ok"}
    rasa.answer = httpx.ConnectError("refused")
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503 and not_ready.json()["checks"]["rasa"].startswith("unreachable")


def test_security_headers_on_every_response(client: TestClient) -> None:
    for path in ("/", "/widget.js", "/healthz"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_the_page_names_the_practice_and_embeds_the_widget(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "Test Spine Clinic" in page.text and '<script src="/widget.js"' in page.text
    assert client.get("/widget.js").headers["content-type"].startswith("text/javascript")


def test_cors_only_for_allowed_origins(monkeypatch: pytest.MonkeyPatch, rasa: FakeRasa) -> None:
    monkeypatch.setenv("WIDGET_ALLOWED_ORIGINS", "https://www.practice.example")
    get_settings.cache_clear()
    upgrade(get_settings().database_url)
    with TestClient(create_app(get_settings(), transport=httpx.MockTransport(rasa))) as client:
        allowed = client.options(
            "/chat",
            headers={
                "Origin": "https://www.practice.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": f"content-type,{TOKEN_HEADER.lower()}",
            },
        )
        assert allowed.headers.get("access-control-allow-origin") == "https://www.practice.example"
        other = say(client, {"message": "hi"})
        assert "access-control-allow-origin" not in other.headers
        evil = client.post("/chat", json={"message": "hi"}, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in evil.headers


def test_same_origin_only_by_default(client: TestClient) -> None:
    response = client.post("/chat", json={"message": "hi"}, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers


def test_tokens_issued_elsewhere_with_another_secret_are_not_trusted(
    client: TestClient, rasa: FakeRasa
) -> None:
    _, foreign = new_conversation("some other secret")
    assert say(client, {"message": "hi"}, foreign).json()["token"] != foreign


def test_an_unexpected_error_is_a_friendly_answer_not_a_500_page(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(client.app.state.proxy, "forward", broken)
    response = TestClient(client.app, raise_server_exceptions=False).post("/chat", json={"message": "hi"})
    assert response.status_code == 503
    assert "(555) 010-0101" in response.json()["error"]


def two_rasa_servers(monkeypatch: pytest.MonkeyPatch, first: Handler) -> tuple[TestClient, list[str]]:
    monkeypatch.setenv("RASA_URLS", "http://rasa-a:5005,http://rasa-b:5005")
    get_settings.cache_clear()
    upgrade(get_settings().database_url)
    asked: list[str] = []

    def route(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.host)
        if request.url.host == "rasa-a":
            return first(request)
        return httpx.Response(200, json=[{"text": "from b"}])

    return TestClient(create_app(get_settings(), transport=httpx.MockTransport(route))), asked


def _refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("refused", request=request)


def _time_out(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("slow", request=request)


def test_a_server_that_is_down_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    client, asked = two_rasa_servers(monkeypatch, _refuse)
    with client:
        for _ in range(6):  # whichever server a conversation starts on, it gets an answer
            response = say(client, {"message": "hello"})
            assert response.status_code == 200 and response.json()["messages"] == [{"text": "from b"}]
    assert "rasa-a" in asked


def test_ready_while_any_rasa_server_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    client, _ = two_rasa_servers(monkeypatch, _refuse)
    with client:
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["checks"]["rasa"] == "ok"
        assert ready.json()["rasa_servers"] == ["unreachable (ConnectError)", "ok"]
    client, _ = two_rasa_servers(monkeypatch, lambda request: httpx.Response(502))
    with client:
        assert client.get("/readyz").json()["rasa_servers"] == ["status 502", "ok"]


def test_not_ready_when_no_rasa_server_answers(client: TestClient, rasa: FakeRasa) -> None:
    rasa.answer = httpx.ConnectError("refused")
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503 and not_ready.json()["rasa_servers"] == ["unreachable (ConnectError)"]


def test_a_slow_server_is_not_asked_again_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    """It may still handle the message; sending it to another server too could handle it twice."""
    client, asked = two_rasa_servers(monkeypatch, _time_out)
    started_on_a = 0
    with client:
        for _ in range(12):
            asked.clear()
            response = say(client, {"message": "hello"})
            if asked[0] == "rasa-a":
                started_on_a += 1
                assert response.status_code == 503 and asked == ["rasa-a"]
    assert started_on_a, "no conversation started on the slow server (1 in 4096)"


@pytest.mark.parametrize(
    ("peer", "forwarded", "key"),
    [
        ("10.1.2.3", "203.0.113.9", "203.0.113.9"),  # a proxy inside the trusted range
        ("10.1.2.3", "198.51.100.1, 203.0.113.9, 10.1.2.4", "203.0.113.9"),  # spoofed left part ignored
        ("192.0.2.7", "203.0.113.9", "192.0.2.7"),  # not our proxy: its header is not believed
        ("10.1.2.3", "not-an-address", "not-an-address"),
        ("10.1.2.3", "2001:db8:aa:bb:1:2:3:4", "2001:db8:aa:bb::/64"),  # IPv6: the whole /64
        ("2001:db8:aa:bb::99", "", "2001:db8:aa:bb::/64"),
        ("::ffff:203.0.113.9", "", "203.0.113.9"),  # IPv4-mapped: the IPv4 address
    ],
)
def test_the_client_address_behind_trusted_proxies(
    monkeypatch: pytest.MonkeyPatch, peer: str, forwarded: str, key: str
) -> None:
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1")
    get_settings.cache_clear()
    app = create_app(get_settings())
    request = type(
        "R", (), {"client": type("C", (), {"host": peer})(), "headers": {"x-forwarded-for": forwarded}}
    )()
    assert app.state.proxy.client_key(request) == key


def test_an_ipv6_client_cannot_dodge_the_limit_by_changing_the_low_64_bits(
    monkeypatch: pytest.MonkeyPatch, rasa: FakeRasa
) -> None:
    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1")
    get_settings.cache_clear()
    upgrade(get_settings().database_url)
    app = create_app(get_settings(), transport=httpx.MockTransport(rasa))
    with TestClient(app, client=("127.0.0.1", 40000)) as client:
        statuses = [
            client.post(
                "/chat", json={"message": "hi"}, headers={"X-Forwarded-For": f"2001:db8:7:7:{i:x}::1"}
            ).status_code
            for i in range(65)
        ]
        assert statuses.count(429) >= 4
        other = client.post("/chat", json={"message": "hi"}, headers={"X-Forwarded-For": "2001:db8:7:8::1"})
        assert other.status_code == 200
