"""Trackers built in code, the real domain, and a fresh store behind the actions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.context
import actions.handoff
from bot.settings import ROOT, get_settings
from bot.store.db import UnitOfWork
from bot.store.migrate import upgrade
from bot.store.requests import NewRequest, create_request
from tests.conftest import next_open_day

SENDER = "visitor-1"
ZONE = ZoneInfo("America/New_York")
OPEN = datetime(2026, 12, 3, 10, 0, tzinfo=ZONE)  # a Thursday morning
CLOSED = datetime(2026, 12, 5, 10, 0, tzinfo=ZONE)  # a Saturday


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "domain.yml").read_text())


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch):
    """Sets the practice's clock the handoff actions read; at first a weekday morning (OPEN)."""

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(actions.handoff, "practice_now", lambda: moment)

    set_to(OPEN)
    return set_to


@pytest.fixture
def reference(store: UnitOfWork) -> str:
    """A stored request of SENDER's, for the status and cancel actions."""
    with store() as session:
        request, _ = create_request(
            session,
            NewRequest(
                full_name="Jane Smith",
                phone="+12125550199",
                email="jane@example.org",
                preferred_date=next_open_day(),
                preferred_time="morning",
                conversation_id=SENDER,
            ),
        )
        return request.reference


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[UnitOfWork]:
    """The store the actions use (DATABASE_URL from the isolated settings), migrated and empty."""
    upgrade(get_settings().database_url)
    actions.context.unit_of_work.cache_clear()
    uow = actions.context.unit_of_work()
    yield uow
    uow.engine.dispose()
    actions.context.unit_of_work.cache_clear()


def user_event(text: str, intent: str = "inform", timestamp: float = 1000.0) -> dict[str, Any]:
    return {
        "event": "user",
        "text": text,
        "timestamp": timestamp,
        "input_channel": "rest",
        "parse_data": {"intent": {"name": intent, "confidence": 0.9}, "entities": []},
    }


def make_tracker(
    slots: dict[str, Any] | None = None,
    *,
    text: str = "",
    intent: str = "inform",
    candidates: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    sender: str = SENDER,
    active_loop: str | None = None,
) -> Tracker:
    """A tracker as Rasa sends it: history, the latest user message, then any slot candidates."""
    all_slots: dict[str, Any] = {"form_failures": 0, **(slots or {}), **(candidates or {})}
    history = list(events or [])
    latest = user_event(text, intent, timestamp=2000.0)
    history.append(latest)
    history += [
        {"event": "slot", "name": k, "value": v, "timestamp": 2000.1} for k, v in (candidates or {}).items()
    ]
    return Tracker(
        sender_id=sender,
        slots=all_slots,
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []},
        events=history,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    return [m.get("text") or "" for m in dispatcher.messages]
