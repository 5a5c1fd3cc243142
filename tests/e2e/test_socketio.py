"""socket.io with session persistence, through a real socket.io client against the running Rasa."""

from __future__ import annotations

import queue
import uuid

import pytest
import socketio

from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e


class Session:
    """One socket.io connection that joins a conversation by its session id."""

    def __init__(self, stack: Stack, session_id: str) -> None:
        self.replies: queue.Queue[dict] = queue.Queue()
        confirmed: queue.Queue[str] = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("bot_uttered", self.replies.put)
        self.client.on("session_confirm", confirmed.put)
        self.session_id = session_id
        self.client.connect(f"http://127.0.0.1:{stack.rasa_port}", transports=["polling"], wait_timeout=20)
        self.client.emit("session_request", {"session_id": session_id})
        assert confirmed.get(timeout=20) == session_id

    def says(self, message: str, until: str) -> list[str]:
        self.client.emit("user_uttered", {"message": message, "session_id": self.session_id})
        texts: list[str] = []
        while not any(until in t for t in texts):
            texts.append(self.replies.get(timeout=30).get("text", ""))
        return texts


def test_replies_reach_a_persistent_socketio_session(stack: Stack) -> None:
    session = Session(stack, uuid.uuid4().hex)
    try:
        session.says("what is prolotherapy?", until="connective tissue")
    finally:
        session.client.disconnect()


def test_reconnecting_with_the_same_session_id_resumes_the_conversation(stack: Stack) -> None:
    session_id = uuid.uuid4().hex
    first = Session(stack, session_id)
    try:
        first.says("I'd like to book an appointment", until="full name")
    finally:
        first.client.disconnect()
    again = Session(stack, session_id)  # a reload of the page, a new connection
    try:
        texts = again.says("Pat Lindqvist", until="phone")  # the form goes on where it was
        assert not any("virtual assistant" in t for t in texts)
    finally:
        again.client.disconnect()
