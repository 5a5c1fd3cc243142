"""socket.io through a real socket.io client against the running Rasa: session persistence, and a client
that names another channel's conversation (an SMS sender's phone, a /chat id) gets none of it."""

from __future__ import annotations

import json
import queue
import time
import urllib.request

import pytest
import socketio
from sqlalchemy import create_engine, text

from bot.store.codes import find_code
from bot.store.db import UnitOfWork
from bot.store.requests import get_request
from tests.conftest import next_open_day
from tests.e2e.conftest import Stack
from tests.e2e.fake_providers import FakeProviders
from tests.e2e.test_channels import VISITORS

pytestmark = pytest.mark.e2e


class Session:
    """One socket.io connection; it asks for a session (optionally naming one) and keeps what it got."""

    def __init__(self, stack: Stack, session_id: str | None = None) -> None:
        self.replies: queue.Queue[dict] = queue.Queue()
        confirmed: queue.Queue[str] = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("bot_uttered", self.replies.put)
        self.client.on("session_confirm", confirmed.put)
        self.client.connect(f"http://127.0.0.1:{stack.rasa_port}", transports=["polling"], wait_timeout=20)
        self.client.emit("session_request", {"session_id": session_id})
        self.session_id = confirmed.get(timeout=20)

    def says(self, message: str, until: str, session_id: str | None = None) -> list[str]:
        self.client.emit("user_uttered", {"message": message, "session_id": session_id or self.session_id})
        texts: list[str] = []
        while not any(until in t for t in texts):
            texts.append(self.replies.get(timeout=30).get("text", ""))
        return texts

    def collect(self, message: str, session_id: str | None = None, quiet_s: float = 4) -> str:
        """Everything the bot answers until it has been quiet for a few seconds."""
        self.client.emit("user_uttered", {"message": message, "session_id": session_id or self.session_id})
        texts = [self.replies.get(timeout=30).get("text", "")]
        while True:
            try:
                texts.append(self.replies.get(timeout=quiet_s).get("text", ""))
            except queue.Empty:
                return " ".join(texts)

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()


def test_replies_reach_a_persistent_socketio_session(stack: Stack) -> None:
    session = Session(stack)
    try:
        session.says("what is prolotherapy?", until="connective tissue")
    finally:
        session.close()


def test_reconnecting_with_the_issued_session_id_resumes_the_conversation(stack: Stack) -> None:
    first = Session(stack)
    try:
        first.says("I'd like to book an appointment", until="full name")
    finally:
        first.close()
    again = Session(stack, first.session_id)  # a reload of the page, a new connection
    try:
        assert again.session_id == first.session_id
        texts = again.says("Pat Lindqvist", until="phone")  # the form goes on where it was
        assert not any("virtual assistant" in t for t in texts)
    finally:
        again.close()


def test_a_session_id_we_did_not_issue_gets_a_fresh_conversation(stack: Stack) -> None:
    for chosen in ("+12125550148", "visitor-1", "sio-abc.forged"):
        session = Session(stack, chosen)
        try:
            assert session.session_id != chosen and session.session_id.startswith("sio-")
        finally:
            session.close()


def test_a_phone_number_as_session_id_does_not_read_that_phones_sms_booking(
    stack: Stack, providers: FakeProviders, stack_store: UnitOfWork
) -> None:
    victim = VISITORS["twilio"](stack, providers)
    victim.ident = "+12125550148"
    day = next_open_day()
    victim.says("I'd like to book an appointment")
    for answer in ("Robin Vasquez", "212 555 0148", "skip", f"{day:%B} {day.day}", "morning", "sciatica"):
        victim.says(answer)
    assert "Robin Vasquez" in " ".join(victim.says("yes"))  # the read-back, waiting for "yes"

    attacker = Session(stack, "+12125550148")
    try:
        # Rasa's own connector took the session id of each message too: name the phone there as well.
        seen = attacker.collect("no, change it", session_id="+12125550148")
        seen += attacker.collect("yes")
        assert "Robin" not in seen and "555-0148" not in seen and "PRL-" not in seen
    finally:
        attacker.close()
    code = find_code(" ".join(victim.says("yes")))  # the SMS booking is intact and its owner's
    assert code
    with stack_store() as session:
        assert get_request(session, code).conversation_id == "twilio:+12125550148"


def chat(stack: Stack, message: str, token: str | None) -> tuple[str, str]:
    headers = {"Content-Type": "application/json", **({"X-Conversation-Token": token} if token else {})}
    request = urllib.request.Request(
        f"{stack.web_url}/chat", data=json.dumps({"message": message}).encode(), headers=headers
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.loads(response.read())
    return answer["token"], " ".join(m["text"] for m in answer["messages"])


def test_a_chat_conversation_id_as_session_id_neither_checks_nor_cancels_its_request(
    stack: Stack, stack_store: UnitOfWork
) -> None:
    day = next_open_day()
    token = None
    for turn in ("I'd like to book an appointment", "Jo Whitfield", "212 555 0171", "skip"):
        token, _ = chat(stack, turn, token)
    for turn in (f"{day:%B} {day.day}", "afternoon", "whiplash", "yes"):
        token, reply = chat(stack, turn, token)
    token, reply = chat(stack, "yes", token)
    code = find_code(reply)
    assert code
    conversation = token.split(".")[0]

    for named in (conversation, token):
        attacker = Session(stack, named)
        try:
            status = " ".join(attacker.says(f"what's the status of {code}?", until="phone"))
            assert "phone number or e-mail" in status and f"Your request {code}" not in status
            attacker.collect("stop")
            asked = " ".join(attacker.says(f"cancel {code}", until="phone"))
            assert "phone number or e-mail" in asked and "Do you want to cancel" not in asked
        finally:
            attacker.close()
    with stack_store() as session:
        assert get_request(session, code).status == "new"


def events_with(stack: Stack, needle: str) -> int:
    engine = create_engine(stack.tracker_database_url)
    try:
        with engine.connect() as connection:
            query = text("SELECT COUNT(*) FROM events WHERE data LIKE :needle")
            return connection.execute(query, {"needle": f"%{needle}%"}).scalar_one()
    finally:
        engine.dispose()


def test_an_over_long_message_is_refused_and_a_huge_one_never_arrives(stack: Stack) -> None:
    session = Session(stack)
    try:
        reply = " ".join(session.says("x" * 1001, until="under 1000 characters"))
        assert "under 1000 characters" in reply
        huge = "overlong-" + "y" * 200_000
        session.client.emit("user_uttered", {"message": huge, "session_id": session.session_id})
        with pytest.raises(queue.Empty):
            session.replies.get(timeout=5)  # no answer: the transport refused the packet
    finally:
        session.close()
    assert events_with(stack, "overlong-") == 0 and events_with(stack, "x" * 1001) == 0


def test_a_flood_of_messages_is_rate_limited(stack: Stack) -> None:
    session = Session(stack)
    try:
        for _ in range(20):
            session.client.emit("user_uttered", {"message": "hello", "session_id": session.session_id})
            time.sleep(0.1)  # one message at a time, as a client sends them
        assert "very quickly" in " ".join(session.says("hello", until="very quickly"))
    finally:
        session.close()
