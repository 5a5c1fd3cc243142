"""The visitor's side of the live handoff: /chat while staff are asked or hold, and /chat/events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from bot.conversation.safety import emergency_text
from bot.settings import ROOT, get_settings
from bot.store.db import UnitOfWork, make_engine
from bot.store.handoffs import (
    active_handoff,
    add_message,
    end,
    get_handoff,
    messages_after,
    open_handoff,
    set_staff_typing,
    take,
)
from bot.store.migrate import upgrade
from bot.web import handoff as web_handoff
from bot.web.app import TOKEN_HEADER, create_app
from tests.web.test_proxy import FakeRasa, say

RED_FLAG = "I suddenly can't control my bladder and my back hurts"
QUEUED = [
    {"recipient_id": "x", "text": "I'm asking a member of the practice's staff to join this chat."},
    {"recipient_id": "x", "custom": {"handoff": "waiting"}},
]
UNANSWERED = [
    {"text": "Nobody could join right now.", "buttons": [{"title": "Yes", "payload": "/affirm"}]},
]


@pytest.fixture(autouse=True)
def short_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web_handoff, "LONG_POLL_S", 0.4)
    monkeypatch.setattr(web_handoff, "POLL_INTERVAL_S", 0.05)


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


def _app(rasa: FakeRasa) -> TestClient:
    return TestClient(create_app(get_settings(), transport=httpx.MockTransport(rasa)))


@pytest.fixture
def client(rasa: FakeRasa) -> Iterator[TestClient]:
    upgrade(get_settings().database_url)
    with _app(rasa) as test_client:
        yield test_client


@pytest.fixture
def uow(client: TestClient) -> UnitOfWork:
    return client.app.state.uow


def _now() -> datetime:
    return datetime.now(timezone.utc)


def start(client: TestClient, uow: UnitOfWork, held_by: str | None = None) -> tuple[str, int]:
    """A conversation (its token) the bot has put in the queue, optionally taken by staff."""
    token = say(client, {"message": "hi"}).json()["token"]
    with uow() as session:
        handoff = open_handoff(session, token.split(".")[0], "web", [], _now())
        if held_by:
            assert take(session, handoff.id, held_by, _now())
        return token, handoff.id


def events(client: TestClient, token: str | None, query: str = "after=0") -> httpx.Response:
    return client.get(f"/chat/events?{query}", headers={TOKEN_HEADER: token} if token else {})


@pytest.mark.parametrize("held_by", [None, "dana"])
def test_messages_during_a_handoff_go_to_staff_not_rasa(
    client: TestClient, uow: UnitOfWork, rasa: FakeRasa, held_by: str | None
) -> None:
    token, handoff_id = start(client, uow, held_by)
    asked = len(rasa.received)
    reply = say(client, {"message": "is anyone there?"}, token)
    assert reply.status_code == 200
    body = reply.json()
    assert body["messages"] == [] and body["token"]
    expected = {"state": "held", "position": 0, "typing": False, "staff": "dana"} if held_by else None
    assert body["handoff"] == (
        expected or {"state": "waiting", "position": 1, "typing": False, "staff": None}
    )
    assert len(rasa.received) == asked
    with uow() as session:
        [stored] = messages_after(session, handoff_id)
        assert (stored.sender, stored.text, stored.red_flag) == ("visitor", "is anyone there?", False)


def test_a_red_flag_during_a_hold_gets_the_emergency_reply_at_once(
    client: TestClient, uow: UnitOfWork, rasa: FakeRasa
) -> None:
    token, handoff_id = start(client, uow, "dana")
    asked = len(rasa.received)
    body = say(client, {"message": RED_FLAG}, token).json()
    assert body["messages"] == [{"text": emergency_text(RED_FLAG)}]
    assert body["handoff"]["state"] == "held"
    assert len(rasa.received) == asked
    with uow() as session:
        visitor, bot = messages_after(session, handoff_id)
        assert (visitor.sender, visitor.red_flag) == ("visitor", True)
        assert (bot.sender, bot.text) == ("bot", emergency_text(RED_FLAG))


def test_a_button_during_a_hold_reaches_staff_as_its_title_and_never_rasa(
    client: TestClient, uow: UnitOfWork, rasa: FakeRasa
) -> None:
    rasa.answer = [{"text": "Shall I?", "buttons": [{"title": "Yes please", "payload": "/affirm"}]}]
    token = say(client, {"message": "hi"}).json()["token"]
    button = say(client, {"message": "hi"}, token).json()["messages"][0]["buttons"][0]
    with uow() as session:
        handoff = open_handoff(session, token.split(".")[0], "web", [], _now())
    asked = len(rasa.received)
    choice = {"payload": button["payload"], "signature": button["signature"]}
    refused = say(client, choice, token)
    assert refused.status_code == 400 and "type your message" in refused.json()["error"]
    assert say(client, {**choice, "title": "Yes please"}, token).status_code == 200
    assert len(rasa.received) == asked
    with uow() as session:
        assert [m.text for m in messages_after(session, handoff.id)] == ["Yes please"]


def test_the_bot_queueing_the_visitor_is_shown_with_the_position(
    client: TestClient, uow: UnitOfWork, rasa: FakeRasa, monkeypatch: pytest.MonkeyPatch
) -> None:
    with uow() as session:
        open_handoff(session, "web-someone-else", "web", [], _now())
    token = say(client, {"message": "hi"}).json()["token"]
    forward = client.app.state.proxy.forward

    async def talk_to_person(conversation: str, message: str) -> list[dict] | None:
        with uow() as session:  # what action_talk_to_person does before Rasa answers
            open_handoff(session, conversation, "web", [], _now())
        return await forward(conversation, message)

    monkeypatch.setattr(client.app.state.proxy, "forward", talk_to_person)
    rasa.answer = QUEUED
    body = say(client, {"message": "a person please"}, token).json()
    assert body["messages"] == [{"text": QUEUED[0]["text"]}]
    assert body["handoff"] == {"state": "waiting", "position": 2, "typing": False, "staff": None}


def test_events_bring_staff_and_system_messages_and_typing_never_notes_or_the_visitors_own(
    client: TestClient, uow: UnitOfWork
) -> None:
    token, handoff_id = start(client, uow, "dana")
    say(client, {"message": "hello?"}, token)
    with uow() as session:
        handoff = get_handoff(session, handoff_id)
        add_message(session, handoff, "note", "internal: call back later", _now(), staff_user="dana")
        staff = add_message(session, handoff, "staff", "Hi, I'm Dana.", _now(), staff_user="dana")
    body = events(client, token).json()
    assert body == {
        "messages": [{"id": staff.id, "from": "staff", "name": "dana", "text": "Hi, I'm Dana."}],
        "handoff": {"state": "held", "position": 0, "typing": False, "staff": "dana"},
    }
    with uow() as session:
        set_staff_typing(session, get_handoff(session, handoff_id), _now())
    typing = events(client, token, f"after={staff.id}&state=held&position=0&typing=0").json()
    assert typing["messages"] == [] and typing["handoff"]["typing"] is True
    with uow() as session:
        assert end(session, handoff_id, "dana", "returned", _now())
        back = add_message(session, get_handoff(session, handoff_id), "system", "You're back.", _now())
    final = events(client, token, f"after={staff.id}&state=held&position=0&typing=1").json()
    assert final["messages"] == [{"id": back.id, "from": "system", "name": None, "text": "You're back."}]
    assert final["handoff"]["state"] == "returned"


def test_events_wait_for_news_and_answer_empty_after_the_long_poll(
    client: TestClient, uow: UnitOfWork
) -> None:
    token, _ = start(client, uow, "dana")
    response = events(client, token, "after=0&state=held&position=0&typing=0")
    assert response.status_code == 200
    assert response.json()["messages"] == [] and response.json()["handoff"]["state"] == "held"
    assert response.headers["cache-control"] == "no-store"
    none = events(client, say(client, {"message": "hi"}).json()["token"]).json()
    assert none["handoff"]["state"] == "none"  # no handoff: answered at once, the widget stops


@pytest.mark.parametrize(
    "query", ["after=abc", "after=-1", "after=1.5", "after=" + "9" * 30, "state=sleeping", "typing=maybe"]
)
def test_bad_event_queries_get_a_polite_400(client: TestClient, uow: UnitOfWork, query: str) -> None:
    token, _ = start(client, uow)
    response = events(client, token, query)
    assert response.status_code == 400 and response.json()["error"].endswith(".")


@pytest.mark.parametrize("token", [None, "web-abc.1.forged", "x" * 500])
def test_events_need_the_conversations_token(client: TestClient, token: str | None) -> None:
    response = events(client, token)
    assert response.status_code == 401 and response.json()["error"]
    assert "token" not in response.json()


def test_events_are_rate_limited(client: TestClient, uow: UnitOfWork) -> None:
    token, _ = start(client, uow)
    statuses = [events(client, token, "after=0&state=none").status_code for _ in range(35)]
    assert statuses.count(429) >= 4


def _expired(client: TestClient, uow: UnitOfWork, rasa: FakeRasa) -> tuple[str, int]:
    token, handoff_id = start(client, uow)
    with uow() as session:
        get_handoff(session, handoff_id).requested_at = _now() - timedelta(minutes=4)
    rasa.answer = UNANSWERED
    return token, handoff_id


def test_an_unanswered_wait_hands_chat_to_the_bot_on_the_next_message(
    client: TestClient, uow: UnitOfWork, rasa: FakeRasa
) -> None:
    token, handoff_id = _expired(client, uow, rasa)
    body = say(client, {"message": "still waiting"}, token).json()
    assert rasa.received[-1] == {"sender": token.split(".")[0], "message": "/handoff_unanswered"}
    assert body["messages"][0]["text"] == "Nobody could join right now."
    assert body["messages"][0]["buttons"][0]["signature"]  # the bot's buttons work as usual
    assert body["handoff"]["state"] == "expired"
    with uow() as session:
        assert [m.text for m in messages_after(session, handoff_id)] == ["still waiting"]  # kept
    rasa.answer = [{"text": "Back to the bot"}]
    assert say(client, {"message": "ok"}, token).json()["messages"] == [{"text": "Back to the bot"}]


def test_an_unanswered_wait_hands_chat_to_the_bot_on_the_next_poll(
    client: TestClient, uow: UnitOfWork, rasa: FakeRasa
) -> None:
    token, _ = _expired(client, uow, rasa)
    body = events(client, token, "after=0&state=waiting&position=1&typing=0").json()
    assert [r["message"] for r in rasa.received].count("/handoff_unanswered") == 1
    [bot] = body["messages"]
    assert (bot["from"], bot["id"], bot["text"]) == ("bot", None, "Nobody could join right now.")
    assert bot["buttons"][0]["payload"] == "/affirm"
    assert body["handoff"]["state"] == "expired"
    events(client, token)  # expired once: Rasa is not told again
    assert [r["message"] for r in rasa.received].count("/handoff_unanswered") == 1


def test_after_the_hand_back_the_next_message_goes_to_rasa(
    client: TestClient, uow: UnitOfWork, rasa: FakeRasa
) -> None:
    token, handoff_id = start(client, uow, "dana")
    with uow() as session:
        assert end(session, handoff_id, "dana", "returned", _now())
    asked = len(rasa.received)
    body = say(client, {"message": "thanks"}, token).json()
    assert len(rasa.received) == asked + 1 and "handoff" not in body


def test_with_the_database_down_the_bot_answers(
    client: TestClient, uow: UnitOfWork, rasa: FakeRasa, monkeypatch: pytest.MonkeyPatch
) -> None:
    token, _ = start(client, uow, "dana")

    def down(*args: object) -> None:
        raise ConnectionError("database down")

    monkeypatch.setattr(web_handoff, "active_handoff", down)
    monkeypatch.setattr(web_handoff, "latest_handoff", down)
    asked = len(rasa.received)
    assert say(client, {"message": "hello"}, token).json()["messages"] == [{"text": "Hello from the bot"}]
    assert len(rasa.received) == asked + 1
    assert events(client, token).status_code == 503


def test_events_are_open_to_the_allowed_origins(monkeypatch: pytest.MonkeyPatch, rasa: FakeRasa) -> None:
    monkeypatch.setenv("WIDGET_ALLOWED_ORIGINS", "https://www.practice.example")
    get_settings.cache_clear()
    upgrade(get_settings().database_url)
    with _app(rasa) as client:
        preflight = client.options(
            "/chat/events?after=0",
            headers={
                "Origin": "https://www.practice.example",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": TOKEN_HEADER.lower(),
            },
        )
        assert preflight.headers.get("access-control-allow-origin") == "https://www.practice.example"
        token = say(client, {"message": "hi"}).json()["token"]
        answer = client.get(
            "/chat/events", headers={TOKEN_HEADER: token, "Origin": "https://www.practice.example"}
        )
        assert answer.headers.get("access-control-allow-origin") == "https://www.practice.example"
        assert "script-src 'self'" in answer.headers["content-security-policy"]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared_database(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    upgrade(url)
    yield url
    if request.param == "postgresql":
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("TRUNCATE handoff_messages, handoffs RESTART IDENTITY CASCADE"))
        engine.dispose()


def test_two_replicas_on_one_database_serve_the_same_handoff(shared_database: str, rasa: FakeRasa) -> None:
    with _app(rasa) as one, _app(rasa) as two:
        uow = one.app.state.uow
        token, handoff_id = start(one, uow)
        assert say(one, {"message": "hello from replica one"}, token).json()["handoff"]["state"] == "waiting"
        with uow() as session:
            assert take(session, handoff_id, "dana", _now())
            staff = add_message(
                session, get_handoff(session, handoff_id), "staff", "Dana here", _now(), "dana"
            )
        seen = events(two, token, "after=0&state=waiting&position=1&typing=0").json()
        assert [m["text"] for m in seen["messages"]] == ["Dana here"]
        assert seen["handoff"]["state"] == "held" and seen["messages"][0]["id"] == staff.id
        with two.app.state.uow() as session:
            assert [m.text for m in messages_after(session, handoff_id)] == [
                "hello from replica one",
                "Dana here",
            ]
            assert end(session, handoff_id, "dana", "returned", _now())
            assert active_handoff(session, token.split(".")[0]) is None
        asked = len(rasa.received)
        assert say(two, {"message": "back to the bot"}, token).json()["messages"] == [
            {"text": "Hello from the bot"}
        ]
        assert len(rasa.received) == asked + 1


WIDGET = (ROOT / "bot" / "web" / "static" / "widget.js").read_text()


def test_the_widget_long_polls_events_and_renders_text_only() -> None:
    assert "/chat/events" in WIDGET and "X-Conversation-Token" in WIDGET
    assert "(practice staff)" in WIDGET and "in the queue." in WIDGET and "is typing…" in WIDGET
    assert "innerHTML" not in WIDGET and "insertAdjacentHTML" not in WIDGET and "document.write" not in WIDGET
