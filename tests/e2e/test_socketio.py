"""socket.io with session persistence, through a real socket.io client against the running Rasa."""

from __future__ import annotations

import queue
import uuid

import pytest
import socketio

from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e


def test_replies_reach_a_persistent_socketio_session(stack: Stack) -> None:
    replies: queue.Queue[dict] = queue.Queue()
    confirmed: queue.Queue[str] = queue.Queue()
    client = socketio.Client(reconnection=False)
    client.on("bot_uttered", replies.put)
    client.on("session_confirm", confirmed.put)
    session_id = uuid.uuid4().hex
    client.connect(f"http://127.0.0.1:{stack.rasa_port}", transports=["polling"], wait_timeout=20)
    try:
        client.emit("session_request", {"session_id": session_id})
        assert confirmed.get(timeout=20) == session_id
        client.emit("user_uttered", {"message": "what is prolotherapy?", "session_id": session_id})
        texts = []
        while not any("connective tissue" in t for t in texts):
            texts.append(replies.get(timeout=30).get("text", ""))
    finally:
        client.disconnect()
