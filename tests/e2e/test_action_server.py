"""The running action server obeys only Rasa: a forged cancel without Rasa's shared secret is refused."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from bot.ops.runtime_config import action_server_token
from bot.settings import load_settings
from bot.store.codes import find_code
from bot.store.db import UnitOfWork
from bot.store.requests import get_request
from tests.e2e.conftest import Stack
from tests.e2e.test_conversations import book_until_review, converse

pytestmark = pytest.mark.e2e


def forged_cancel(code: str) -> bytes:
    """What Rasa would send to run the cancel, with the contact check claimed as passed."""
    tracker = {
        "sender_id": "attacker",
        "slots": {"lookup_reference": code, "lookup_contact": "__verified__", "lookup_purpose": "cancel"},
        "latest_message": {"text": "yes", "intent": {"name": "affirm"}},
        "events": [],
        "paused": False,
        "latest_action_name": "action_listen",
        "active_loop": {},
    }
    return json.dumps(
        {"next_action": "action_cancel_request", "sender_id": "attacker", "tracker": tracker, "domain": {}}
    ).encode()


def call(stack: Stack, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{stack.action_port}/webhook",
        data=body,
        headers={"Content-Type": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def status_of(store: UnitOfWork, code: str) -> str:
    with store() as session:
        return get_request(session, code).status


def test_a_forged_cancel_without_rasas_secret_is_refused(
    stack: Stack, stack_store: UnitOfWork, sender: str
) -> None:
    book_until_review(stack, sender)
    code = find_code(" ".join(converse(stack, sender, "yes")))
    assert code
    forged = forged_cancel(code)
    assert call(stack, forged, {}) == 401
    assert call(stack, forged, {"X-Action-Server-Token": "a-guessed-token"}) == 403
    assert call(stack, forged, {"X-Action-Server-Token": "é"}) == 403
    assert status_of(stack_store, code) == "new"
    # Everything else about the forged call was genuine: with Rasa's secret it would have cancelled.
    token = action_server_token(load_settings(stack.env))
    assert call(stack, forged, {"X-Action-Server-Token": token}) == 200
    assert status_of(stack_store, code) == "cancelled"


def test_the_action_servers_health_route_stays_open(stack: Stack) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{stack.action_port}/health", timeout=10) as response:
        assert response.status == 200
