"""Live handoff to the practice's staff (issue 16), through the real stack: the launcher's Rasa, action
server and bot.web, plus further `python -m bot.web` replicas on the same database.

The practice is open all day here (PRACTICE_HOURS), so the handoff does not depend on the clock.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, select, text

from bot.bench.servers import free_port
from bot.settings import ROOT
from bot.store.codes import find_code
from bot.store.db import UnitOfWork, make_engine
from bot.store.handoffs import active_handoff, add_message, end, messages_after, take
from bot.store.schema import AppointmentRequest, Handoff
from tests.e2e.conftest import add_staff_user, launcher_env
from tests.e2e.test_reliability import Launcher
from tests.e2e.test_socketio import Session
from tests.e2e.test_widget import book_in_the_open_chat, send, wait_for_reply

pytestmark = pytest.mark.e2e
PASSWORD = "a long staff password"
RED_FLAG = "I suddenly can't control my bladder and both legs are numb"


@dataclass
class WebReplica:
    """One more `python -m bot.web` on the launcher's database and Rasa, started and stopped alone."""

    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.env['WEB_PORT']}"

    def start(self) -> None:
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.web"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2):
                    return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"bot.web replica did not start:\n{self.log.read_text(errors='replace')}")
                time.sleep(0.3)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)


def replica(launcher: Launcher, folder: Path, **overrides: str) -> WebReplica:
    env = {**launcher.env, "WEB_PORT": str(free_port()), **overrides}
    running = WebReplica(env, folder / f"web-{env['WEB_PORT']}.log")
    running.start()
    return running


@pytest.fixture(scope="module")
def open_all_day(tmp_path_factory: pytest.TempPathFactory, trained_model: Path) -> Iterator[Launcher]:
    folder = tmp_path_factory.mktemp("handoff")
    env = launcher_env(folder, PRACTICE_HOURS="Mon-Sun 00:00-23:59", HANDOFF_WAIT_MINUTES="10")
    running = Launcher(env, folder)
    running.start()
    yield running
    assert running.stop() == 0, running.tail()


@pytest.fixture(scope="module")
def second(open_all_day: Launcher, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebReplica]:
    running = replica(open_all_day, tmp_path_factory.mktemp("replica"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def store(open_all_day: Launcher) -> Iterator[UnitOfWork]:
    engine = make_engine(open_all_day.env["DATABASE_URL"])
    yield UnitOfWork(engine)
    engine.dispose()


class Visitor:
    """A website visitor on `/chat` and `/chat/events`, on whichever replica it is pointed at."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.token: str | None = None
        self.address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"

    @property
    def conversation(self) -> str:
        assert self.token
        return self.token.split(".")[0]

    def _call(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"X-Forwarded-For": self.address, "Content-Type": "application/json"}
        if self.token:
            headers["X-Conversation-Token"] = self.token
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.url}{path}", data=data, headers=headers)
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def say(self, text: str) -> dict[str, Any]:
        answer = self._call("/chat", {"message": text})
        self.token = answer["token"]
        return answer

    def events(self, after: int = 0) -> dict[str, Any]:
        return self._call(f"/chat/events?after={after}")


def texts(answer: dict[str, Any]) -> str:
    return " ".join(message.get("text", "") for message in answer.get("messages", []))


def queued(visitor: Visitor) -> dict[str, Any]:
    visitor.say("hello")
    answer = visitor.say("can I talk to a person?")
    assert answer.get("handoff", {}).get("state") == "waiting", answer
    assert "member of the practice's staff" in texts(answer), answer
    return answer


def test_a_red_flag_during_a_hold_gets_the_emergency_reply_at_once_and_is_marked(
    open_all_day: Launcher, store: UnitOfWork
) -> None:
    visitor = Visitor(f"http://127.0.0.1:{open_all_day.env['WEB_PORT']}")
    queued(visitor)
    with store() as session:
        handoff = active_handoff(session, visitor.conversation)
        assert handoff is not None
        assert take(session, handoff.id, "dana", handoff.requested_at)
    answer = visitor.say(RED_FLAG)
    assert "911" in texts(answer), answer
    assert answer["handoff"]["state"] == "held"
    with store() as session:
        handoff = active_handoff(session, visitor.conversation)
        assert handoff is not None
        [message] = [m for m in messages_after(session, handoff.id) if m.sender == "visitor"]
        assert (message.text, message.red_flag) == (RED_FLAG, True)
    assert RED_FLAG not in user_texts(open_all_day, visitor.conversation)  # Rasa was not asked


def user_texts(launcher: Launcher, conversation: str) -> list[str]:
    """What Rasa was told in this conversation, from its tracker store."""
    engine = create_engine(launcher.env["TRACKER_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT data FROM events WHERE type_name = 'user' AND sender_id = :s ORDER BY id"),
                {"s": conversation},
            ).fetchall()
    finally:
        engine.dispose()
    return [json.loads(data).get("text") or "" for (data,) in rows]


def test_a_restart_of_bot_web_during_a_hold_loses_nothing(
    open_all_day: Launcher, second: WebReplica, store: UnitOfWork, tmp_path: Path
) -> None:
    third = replica(open_all_day, tmp_path)
    visitor = Visitor(third.url)
    queued(visitor)
    with store() as session:
        handoff = active_handoff(session, visitor.conversation)
        assert handoff is not None and take(session, handoff.id, "dana", handoff.requested_at)
        add_message(session, handoff, "staff", "Hi, this is Dana.", handoff.requested_at, staff_user="dana")
    assert "Dana" in json.dumps(visitor.events())
    third.stop()
    third.start()  # the same port, a new process: nothing was in its memory
    seen = visitor.events()
    assert [m["text"] for m in seen["messages"] if m["from"] == "staff"] == ["Hi, this is Dana."], seen
    assert seen["handoff"]["state"] == "held"
    answer = visitor.say("thanks, are you still there?")
    assert answer["messages"] == [] and answer["handoff"]["state"] == "held", answer
    # and another replica sees the same hold
    visitor.url = second.url
    assert visitor.events()["handoff"]["state"] == "held"
    third.stop()
    with store() as session:
        handoff = active_handoff(session, visitor.conversation)
        assert handoff is not None
        assert [m.text for m in messages_after(session, handoff.id) if m.sender == "visitor"] == [
            "thanks, are you still there?"
        ]


def test_nobody_taking_it_in_time_turns_it_into_a_callback_request(
    open_all_day: Launcher, store: UnitOfWork, tmp_path: Path
) -> None:
    quick = replica(open_all_day, tmp_path, HANDOFF_WAIT_MINUTES="0.05")  # 3 s
    try:
        visitor = Visitor(quick.url)
        queued(visitor)
        time.sleep(3.5)
        answer = visitor.events()
        reply = " ".join(m["text"] for m in answer["messages"])
        assert answer["handoff"]["state"] == "expired", answer
        assert "nobody from the practice could join" in reply and "full name" in reply, answer
        visitor.say("Rosa Martinez")
        reply = texts(visitor.say("212 555 0143"))
        assert "keep these details" in reply, reply  # consent: the callback request goes on as usual
        assert "Shall I send it" in texts(visitor.say("yes"))
        assert find_code(texts(visitor.say("yes")))
        with store() as session:
            [row] = session.scalars(
                select(AppointmentRequest).where(AppointmentRequest.conversation_id == visitor.conversation)
            ).all()
            assert (row.kind, row.full_name) == ("callback", "Rosa Martinez")
            assert session.scalars(
                select(Handoff.state).where(Handoff.conversation_id == visitor.conversation)
            ).all() == ["expired"]
    finally:
        quick.stop()


def staff_login(page: Page, url: str, name: str) -> None:
    page.goto(url + "/staff")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_visitor_and_staff_chat_both_ways_then_the_bot_takes_a_request(
    open_all_day: Launcher, second: WebReplica, store: UnitOfWork, browser: Browser
) -> None:
    """Two browsers: the visitor's widget on one bot.web, a logged-in dashboard on another."""
    add_staff_user(open_all_day.env, "dana", PASSWORD)
    visitor_context, staff_context = browser.new_context(), browser.new_context()
    try:
        staff = staff_context.new_page()
        staff.set_default_timeout(30_000)
        staff_login(staff, second.url, "dana")
        staff.goto(second.url + "/staff/inbox")

        widget = visitor_context.new_page()
        widget.set_default_timeout(30_000)
        widget.goto(f"http://127.0.0.1:{open_all_day.env['WEB_PORT']}/")
        widget.get_by_role("button", name=re.compile("chat", re.I)).click()
        send(widget, "can I talk to a person?")
        expect(widget.locator(".prl-status")).to_contain_text(re.compile("in the queue|shortly"))

        # the waiting conversation shows in the open dashboard without a reload
        expect(staff.locator("#inbox-count")).to_be_visible()
        expect(staff).to_have_title(re.compile(r"^\(\d+\) "))
        item = staff.locator("#conversation-list li.conversation.state-waiting").filter(
            has_text="can I talk to a person"
        )
        item.first.locator("a").click()
        staff.locator("#take-button").click()
        expect(staff.locator("#chat-state")).to_contain_text("held by dana")
        expect(staff.locator("#take-button")).to_be_hidden()  # mine now: reply, hand back, close
        expect(staff.locator("#send-button")).to_be_visible()
        expect(widget.locator(".prl-status")).to_contain_text("dana from the practice has joined")

        staff.locator("#reply-text").press_sequentially("Hello, I")
        expect(widget.locator(".prl-staff-typing")).to_contain_text("dana is typing")
        staff.locator("#reply-text").fill("Hello, this is Dana at the front desk. How can I help?")
        staff.locator("#send-button").click()
        staff_message = widget.locator(".prl-msg.prl-staff").last
        expect(staff_message).to_contain_text("How can I help?")
        expect(staff_message.locator(".prl-staff-name")).to_contain_text("dana (practice staff)")

        send(widget, "<b>I'd like</b> an appointment for my sciatica")
        from_visitor = staff.locator("#messages li.msg.from-visitor").last
        expect(from_visitor).to_contain_text("<b>I'd like</b> an appointment")  # shown as text
        expect(staff.locator("#messages b")).to_have_count(0)

        staff.locator("#return-button").click()
        wait_for_reply(widget, "You're back with the assistant")

        code = book_in_the_open_chat(widget, "Rosa Martinez", "212 555 0143", "Morning", "Sciatica")
        with store() as session:
            row = session.scalars(
                select(AppointmentRequest).where(AppointmentRequest.reference == code)
            ).one()
            staff_turns = [turn for turn in row.transcript if turn.get("from") == "staff"]
            assert [turn["text"] for turn in staff_turns] == [
                "Hello, this is Dana at the front desk. How can I help?"
            ]
            assert staff_turns[0]["staff_user"] == "dana"
    finally:
        visitor_context.close()
        staff_context.close()


def test_a_socketio_session_chats_with_staff_and_returns_to_the_bot(
    open_all_day: Launcher, store: UnitOfWork
) -> None:
    """The same hold on socket.io: the connector stores the visitor's messages and emits staff's."""
    session = Session(SimpleNamespace(rasa_port=int(open_all_day.env["RASA_PORT"])))  # type: ignore[arg-type]
    try:
        session.says("can I talk to a person?", until="member of the practice's staff")
        conversation = f"socketio:{session.session_id.split('.')[0]}"
        with store() as db:
            handoff = active_handoff(db, conversation)
            assert handoff is not None and handoff.channel == "socketio"
            assert take(db, handoff.id, "dana", handoff.requested_at)
            add_message(db, handoff, "staff", "Hi, Dana here.", handoff.requested_at, staff_user="dana")
        assert session.replies.get(timeout=10).get("text") == "dana (practice staff): Hi, Dana here."
        assert "911" in session.says(RED_FLAG, until="911")[-1]  # at once, though staff hold the chat
        session.client.emit("user_uttered", {"message": "ok thanks", "session_id": session.session_id})
        time.sleep(3)
        assert session.replies.empty()  # the bot stays quiet while staff hold the chat
        with store() as db:
            handoff = active_handoff(db, conversation)
            assert handoff is not None
            visitor = [(m.text, m.red_flag) for m in messages_after(db, handoff.id) if m.sender == "visitor"]
            assert visitor == [(RED_FLAG, True), ("ok thanks", False)]
            assert end(db, handoff.id, "dana", "returned", handoff.requested_at)
            add_message(db, handoff, "system", "You're back with the assistant.", handoff.requested_at)
        assert session.replies.get(timeout=10).get("text") == "You're back with the assistant."
        assert any(
            "connective tissue" in t for t in session.says("what is prolotherapy?", until="connective")
        )
    finally:
        session.close()
