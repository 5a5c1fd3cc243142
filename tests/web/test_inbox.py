"""The staff dashboard's live inbox through the Starlette test client, on a real (SQLite) store."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.settings import ROOT, get_settings
from bot.staff.passwords import hash_password
from bot.store.db import UnitOfWork, make_engine
from bot.store.handoffs import add_message, get_handoff, messages_after, open_handoff
from bot.store.migrate import upgrade
from bot.store.schema import AccessEvent, StaffSessionRecord, utcnow
from bot.store.staff import create_user, get_user, start_session
from bot.web.app import create_app
from bot.web.inbox import CLOSED, RETURNED, wait_text
from bot.web.sessions import COOKIE, IDLE_TIMEOUT, LIFETIME
from tests.web.test_staff import PASSWORD, csrf_of, log_in

STATIC = ROOT / "bot" / "web" / "static"
TRANSCRIPT = [{"sender": "visitor", "text": "can I talk to someone?", "timestamp": 1}]


@pytest.fixture
def uow() -> UnitOfWork:
    url = get_settings().database_url
    upgrade(url)
    store = UnitOfWork(make_engine(url))
    with store() as session:
        for name in ("alice", "dana"):
            create_user(session, name, hash_password(PASSWORD))
    return store


def new_app() -> object:
    return create_app(get_settings(), transport=httpx.MockTransport(lambda r: httpx.Response(200, json=[])))


@pytest.fixture
def app(uow: UnitOfWork) -> object:
    return new_app()


def staff_client(app: object, username: str = "alice") -> TestClient:
    client = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    assert log_in(client, username).status_code == 303
    return client


@pytest.fixture
def alice(app: object) -> Iterator[TestClient]:
    with staff_client(app) as client:
        yield client


def waiting(uow: UnitOfWork, conversation: str = "c1", ago: timedelta = timedelta(seconds=70)) -> int:
    with uow() as session:
        return open_handoff(session, conversation, "web", TRANSCRIPT, utcnow() - ago).id


def token(client: TestClient) -> str:
    return csrf_of(client.get("/staff/inbox").text)


def act(client: TestClient, handoff_id: int, action: str, **fields: object) -> httpx.Response:
    return client.post(f"/staff/inbox/{handoff_id}/{action}", data={"csrf": token(client), **fields})


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/staff/inbox/feed"),
        ("GET", "/staff/inbox/1/messages"),
        *[("POST", f"/staff/inbox/1/{a}") for a in ("take", "reply", "note", "typing", "return", "close")],
    ],
)
def test_anonymous_requests_are_refused(app: object, method: str, path: str) -> None:
    response = TestClient(app, follow_redirects=False).request(method, path)  # type: ignore[arg-type]
    assert response.status_code == 401 and "log in" in response.json()["error"]


def test_the_page_sends_anonymous_visitors_to_the_login(app: object) -> None:
    response = TestClient(app, follow_redirects=False).get("/staff/inbox")  # type: ignore[arg-type]
    assert response.status_code == 303 and response.headers["location"] == "/staff/login"


def test_every_action_needs_the_csrf_token(alice: TestClient, uow: UnitOfWork) -> None:
    handoff_id = waiting(uow)
    for given in ({}, {"csrf": "forged"}):
        assert alice.post(f"/staff/inbox/{handoff_id}/take", data=given).status_code == 403
    forged = alice.post(f"/staff/inbox/{handoff_id}/take", json={"csrf": "forged"})
    assert forged.status_code == 403
    with uow() as session:
        assert get_handoff(session, handoff_id).state == "waiting"
    header = {"X-CSRF-Token": token(alice)}
    assert alice.post(f"/staff/inbox/{handoff_id}/take", json={}, headers=header).status_code == 200


def test_a_waiting_conversation_is_in_the_feed_with_its_wait(alice: TestClient, uow: UnitOfWork) -> None:
    handoff_id = waiting(uow)
    feed = alice.get("/staff/inbox/feed").json()
    assert feed["waiting"] == 1
    [item] = feed["conversations"]
    assert item["id"] == handoff_id and item["state"] == "waiting" and item["staff_user"] is None
    assert 70 <= item["waiting_seconds"] < 130
    assert item["last_text"] == "can I talk to someone?" and item["red_flag"] is False
    page = alice.get("/staff/inbox").text
    assert "waiting 1 min" in page and f'href="/staff/inbox?id={handoff_id}"' in page
    assert (wait_text(40), wait_text(61), wait_text(185)) == (
        "waiting 40 s",
        "waiting 1 min",
        "waiting 3 min",
    )


def test_take_holds_it_and_a_colleague_is_told_who_has_it(app: object, uow: UnitOfWork) -> None:
    handoff_id = waiting(uow)
    with staff_client(app, "alice") as alice, staff_client(app, "dana") as dana:
        taken = act(dana, handoff_id, "take")
        assert taken.status_code == 200 and taken.json()["staff_user"] == "dana"
        assert act(dana, handoff_id, "take").status_code == 200  # taking your own again is fine
        late = act(alice, handoff_id, "take")
        assert (
            late.status_code == 409 and late.json()["error"] == "Dana is already handling this conversation."
        )
        [item] = alice.get("/staff/inbox/feed").json()["conversations"]
        assert (item["state"], item["staff_user"]) == ("held", "dana")
        assert "held by dana" in alice.get("/staff/inbox").text
        refused = act(alice, handoff_id, "reply", text="I can help too")
        assert refused.status_code == 403 and "Dana" in refused.json()["error"]
        for action in ("return", "close", "typing"):
            assert act(alice, handoff_id, action).status_code == 403
        assert act(alice, handoff_id, "note", text="she called yesterday").status_code == 200  # anyone notes


def test_replies_and_notes_are_stored_and_shown(alice: TestClient, uow: UnitOfWork) -> None:
    handoff_id = waiting(uow)
    assert act(alice, handoff_id, "reply", text="hi").status_code == 409  # take it first
    act(alice, handoff_id, "take")
    sent = act(alice, handoff_id, "reply", text="  Hello, this is Alice at the front desk.  ")
    assert sent.status_code == 200
    assert sent.json()["message"]["text"] == "Hello, this is Alice at the front desk."
    noted = alice.post(f"/staff/inbox/{handoff_id}/note", json={"csrf": token(alice), "text": "regular"})
    assert noted.status_code == 200
    assert act(alice, handoff_id, "typing").status_code == 200
    with uow() as session:
        stored = [(m.sender, m.staff_user, m.text) for m in messages_after(session, handoff_id)]
    assert stored == [
        ("staff", "alice", "Hello, this is Alice at the front desk."),
        ("note", "alice", "regular"),
    ]
    answer = alice.get(f"/staff/inbox/{handoff_id}/messages?after=0").json()
    assert answer["transcript"][0]["text"] == "can I talk to someone?"
    assert [m["sender"] for m in answer["messages"]] == ["staff", "note"]
    assert answer["visitor_typing"] is False and answer["state"] == "held"
    later = alice.get(f"/staff/inbox/{handoff_id}/messages?after={answer['messages'][0]['id']}").json()
    assert "transcript" not in later and [m["text"] for m in later["messages"]] == ["regular"]
    page = alice.get(f"/staff/inbox?id={handoff_id}").text
    assert 'class="msg from-note"' in page and "Note by alice (staff only)" in page


@pytest.mark.parametrize(
    "text", ["", "   ", "x" * 2001, 42, None, ["hi"]], ids=["empty", "blank", "long", "int", "null", "list"]
)
def test_bad_text_gets_a_polite_400(alice: TestClient, uow: UnitOfWork, text: object) -> None:
    handoff_id = waiting(uow)
    act(alice, handoff_id, "take")
    for action in ("reply", "note"):
        response = alice.post(
            f"/staff/inbox/{handoff_id}/{action}", json={"csrf": token(alice), "text": text}
        )
        assert response.status_code == 400 and response.json()["error"].startswith("Please")
    bad_body = alice.post(
        f"/staff/inbox/{handoff_id}/reply",
        content=b"[1]",
        headers={"Content-Type": "application/json", "X-CSRF-Token": token(alice)},
    )
    assert bad_body.status_code == 400


@pytest.mark.parametrize(
    ("action", "state", "goodbye"), [("return", "returned", RETURNED), ("close", "closed", CLOSED)]
)
def test_hand_back_and_close_end_it_with_a_system_message(
    alice: TestClient, uow: UnitOfWork, action: str, state: str, goodbye: str
) -> None:
    handoff_id = waiting(uow)
    act(alice, handoff_id, "take")
    done = act(alice, handoff_id, action)
    assert done.status_code == 200 and done.json()["state"] == state
    with uow() as session:
        assert get_handoff(session, handoff_id).state == state
        assert [(m.sender, m.text) for m in messages_after(session, handoff_id)] == [("system", goodbye)]
    for again in ("take", "reply", "note", "return", "close"):
        ended = act(alice, handoff_id, again, text="still there?")
        assert ended.status_code == 409 and ended.json()["error"] == "This conversation has ended."
    assert alice.get("/staff/inbox/feed").json() == {"waiting": 0, "conversations": []}
    assert "This conversation has ended." in alice.get(f"/staff/inbox?id={handoff_id}").text


def test_an_unknown_conversation_is_404(alice: TestClient) -> None:
    for action in ("take", "reply", "close"):
        assert act(alice, 999, action, text="hi").status_code == 404
    assert alice.get("/staff/inbox/999/messages").status_code == 404
    assert alice.get("/staff/inbox/abc/messages").status_code == 404
    for odd in ("999", "²", "1" * 30, "-1"):
        assert alice.get("/staff/inbox", params={"id": odd}).status_code == 404
    assert alice.get("/staff/inbox/²/messages").status_code == 404
    assert alice.get("/staff/inbox/1/messages?after=²").status_code == 400
    assert alice.get("/staff/inbox/1/messages?after=-1").status_code == 400


def test_visitor_text_stays_text_and_red_flags_are_marked(alice: TestClient, uow: UnitOfWork) -> None:
    handoff_id = waiting(uow)
    with uow() as session:
        handoff = get_handoff(session, handoff_id)
        add_message(
            session, handoff, "visitor", "<script>alert(1)</script> chest pain", utcnow(), red_flag=True
        )
    answer = alice.get(f"/staff/inbox/{handoff_id}/messages?after=0").json()
    assert answer["messages"][0]["text"] == "<script>alert(1)</script> chest pain"
    assert answer["messages"][0]["red_flag"] is True
    assert alice.get("/staff/inbox/feed").json()["conversations"][0]["red_flag"] is True
    page = alice.get(f"/staff/inbox?id={handoff_id}").text
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)" in page
    assert 'class="msg from-visitor red-flag"' in page and "Red flag" in page
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert inline == [] and " onclick=" not in page


@pytest.mark.parametrize("script", ["inbox.js", "staff_badge.js"])
def test_the_scripts_render_text_only(app: object, script: str) -> None:
    source = (STATIC / script).read_text()
    for unsafe in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert unsafe not in source
    served = TestClient(app).get(f"/{script}")  # type: ignore[arg-type]
    assert served.status_code == 200 and served.headers["content-type"].startswith("text/javascript")


def test_every_page_carries_the_badge_and_its_script(alice: TestClient) -> None:
    page = alice.get("/staff").text
    assert '<script src="/staff_badge.js" defer></script>' in page
    assert 'id="inbox-link"' in page and 'id="inbox-count"' in page and 'name="csrf-token"' in page


def test_actions_are_audited_without_their_text(alice: TestClient, uow: UnitOfWork) -> None:
    handoff_id = waiting(uow)
    alice.get(f"/staff/inbox?id={handoff_id}")
    act(alice, handoff_id, "take")
    act(alice, handoff_id, "reply", text="secret words")
    act(alice, handoff_id, "note", text="private note")
    act(alice, handoff_id, "close")
    with uow() as session:
        events = session.execute(select(AccessEvent).order_by(AccessEvent.id)).scalars().all()
    assert [(e.actor, e.action, e.detail) for e in events] == [
        ("staff:alice", action, f"handoff {handoff_id}")
        for action in ("handoff_viewed", "handoff_take", "handoff_reply", "handoff_note", "handoff_close")
    ]


def test_polling_does_not_keep_an_idle_dashboard_logged_in(app: object, uow: UnitOfWork) -> None:
    with uow() as session:
        cookie = start_session(session, get_user(session, "alice"), IDLE_TIMEOUT, LIFETIME)
        record = session.get(StaffSessionRecord, hashlib.sha256(cookie.encode()).hexdigest())
        record.last_seen_at = seen = utcnow() - timedelta(minutes=14)
    client = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    client.cookies.set(COOKIE, cookie, path="/staff")
    for _ in range(3):
        polled = client.get("/staff/inbox/feed")
        assert polled.status_code == 200 and "set-cookie" not in polled.headers
    with uow() as session:
        record = session.get(StaffSessionRecord, hashlib.sha256(cookie.encode()).hexdigest())
        assert record.last_seen_at == seen  # the polls were no activity
        record.last_seen_at = utcnow() - timedelta(minutes=16)
    assert client.get("/staff/inbox/feed").status_code == 401
    assert client.get("/staff/inbox").status_code == 303


def test_two_web_servers_share_one_inbox(uow: UnitOfWork) -> None:
    handoff_id = waiting(uow)
    with staff_client(new_app(), "alice") as first, staff_client(new_app(), "dana") as second:
        assert act(first, handoff_id, "take").status_code == 200
        [item] = second.get("/staff/inbox/feed").json()["conversations"]
        assert (item["state"], item["staff_user"]) == ("held", "alice")
        act(first, handoff_id, "reply", text="from the first server")
        texts = [
            m["text"] for m in second.get(f"/staff/inbox/{handoff_id}/messages?after=0").json()["messages"]
        ]
        assert texts == ["from the first server"]
