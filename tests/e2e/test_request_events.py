"""Each way staff move a request announces it exactly once, through the real stack: the dashboard
(bot.web over HTTP, logged in, CSRF token) and the CLI (python -m bot.staff), each ending in one
`request.status_changed` outbox row and one signed delivery to a real local receiver.
(The visitor's own cancel: tests/e2e/test_conversations.py.)
"""

from __future__ import annotations

import re
import subprocess
import sys
import uuid

import httpx
import pytest

from bot.settings import ROOT
from bot.store.codes import find_code
from bot.store.db import UnitOfWork
from bot.store.outbox import CREATED, STATUS_CHANGED
from bot.store.requests import get_request, status_history
from tests.e2e.conftest import Stack
from tests.e2e.test_conversations import converse, outbox_of
from tests.e2e.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.e2e
PASSWORD = "a long staff password"


def callback_request(stack: Stack, sender: str) -> str:
    converse(stack, sender, "can someone call me back", "Sam Lee", "617 253 1000", "yes")
    code = find_code(" ".join(converse(stack, sender, "yes")))
    assert code
    return code


def moves_announced(store: UnitOfWork, code: str) -> list[tuple[str, str]]:
    return [row for row in outbox_of(store, code) if row[1] == STATUS_CHANGED]


def test_a_move_in_the_dashboard_is_announced_once(
    stack: Stack, stack_store: UnitOfWork, webhooks: WebhookReceiver, sender: str
) -> None:
    code = callback_request(stack, sender)
    assert webhooks.wait_for(code, CREATED)
    username = f"desk{uuid.uuid4().hex[:8]}"
    stack.add_staff_user(username, PASSWORD)
    with httpx.Client(base_url=stack.web_url, timeout=60) as staff:
        login = staff.get("/staff/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', login.text)
        assert csrf, login.text[:500]
        logged_in = staff.post(
            "/staff/login", data={"csrf": csrf.group(1), "username": username, "password": PASSWORD}
        )
        assert logged_in.status_code == 303, logged_in.text[:500]
        page = staff.get(f"/staff/requests/{code}")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert page.status_code == 200 and token
        for action, note in (("contacted", "left a voicemail"), ("note", "prefers mornings")):
            done = staff.post(
                f"/staff/requests/{code}", data={"csrf": token.group(1), "action": action, "note": note}
            )
            assert done.status_code == 303, done.text[:500]

    with stack_store() as session:
        request = get_request(session, code)
        assert request.status == "contacted"
        history = [(c.from_status, c.to_status, c.actor) for c in status_history(session, request)]
    assert history[1:] == [
        ("new", "contacted", f"staff:{username}"),
        ("contacted", "contacted", f"staff:{username}"),
    ]
    assert moves_announced(stack_store, code) == [("webhook", STATUS_CHANGED)]  # the note is not a move
    [delivered] = webhooks.wait_for(code, STATUS_CHANGED)
    assert delivered["data"]["status"] == "contacted"


def test_a_move_with_the_cli_is_announced_once(
    stack: Stack, stack_store: UnitOfWork, webhooks: WebhookReceiver, sender: str
) -> None:
    code = callback_request(stack, sender)

    def set_status(status: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "bot.staff", "set-status", code, status, "--note", "by phone"],
            cwd=ROOT,
            env=stack.env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    moved = set_status("scheduled")
    assert moved.returncode == 0 and f"{code} is now 'scheduled'" in moved.stdout, moved.stderr
    refused = set_status("contacted")  # not an allowed move from 'scheduled': nothing written
    assert refused.returncode == 1
    assert moves_announced(stack_store, code) == [("webhook", STATUS_CHANGED)]
    [delivered] = webhooks.wait_for(code, STATUS_CHANGED)
    assert delivered["data"]["status"] == "scheduled"
    assert webhooks.badly_signed == 0
