"""What every action needs: settings, the store, the practice's clock, and facts from the tracker.

The engine is created on first use and then shared by all actions of the server process, never at
import and never per call.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from rasa_sdk import Tracker

from bot.conversation.wording import normal_language
from bot.settings import Settings, get_settings
from bot.store.db import UnitOfWork, make_engine

FORM_SLOTS = ("full_name", "phone", "email", "preferred_date", "preferred_time", "reason", "consent")
# Set beside the form's answers: the visitor's words for the reason, and who the appointment is for.
DETAIL_SLOTS = ("reason_text", "patient_relation", "patient_name")
TRANSCRIPT_LIMIT = 200


@lru_cache(maxsize=1)
def unit_of_work() -> UnitOfWork:
    return UnitOfWork(make_engine(get_settings().database_url))


def settings() -> Settings:
    return get_settings()


def practice_now() -> datetime:
    return datetime.now(settings().practice_timezone)


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def transcript(tracker: Tracker) -> list[dict[str, Any]]:
    """The conversation so far, as staff will read it with the request."""
    lines = []
    for event in tracker.events:
        if event.get("event") in ("user", "bot") and event.get("text"):
            who = "visitor" if event["event"] == "user" else "assistant"
            lines.append({"from": who, "text": event["text"], "at": event.get("timestamp")})
    return lines[-TRANSCRIPT_LIMIT:]


def idempotency_key(tracker: Tracker) -> str:
    """Conversation id plus the start of the current request form.

    A retried action call or a repeated "yes" sees the same start event and gets the same key; a
    visitor who deliberately starts another request passes `action_start_request` again.
    """
    form_start = session_start = None
    for event in tracker.events:
        if event.get("event") == "action" and event.get("name") == "action_start_request":
            form_start = event.get("timestamp")
        elif event.get("event") == "session_started":
            session_start = event.get("timestamp")
    return f"{tracker.sender_id}@{form_start or session_start}"


def language_of(tracker: Tracker) -> str:
    """The conversation's language: the `language` slot, which each language's model starts with."""
    return normal_language(tracker.get_slot("language"))
