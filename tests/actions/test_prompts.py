"""The forms' questions: what they ask, and never more than three buttons on one message."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.prompts
from actions.prompts import AskWhichField, Prompt


def tracker(**slots: Any) -> Tracker:
    return Tracker("visitor-1", slots, {}, [], False, None, {}, "action_listen")


PROMPTS = [cls for _, cls in inspect.getmembers(actions.prompts, inspect.isclass) if issubclass(cls, Prompt)]


@pytest.mark.parametrize(
    "prompt", [p for p in PROMPTS if not inspect.isabstract(p)], ids=lambda p: p.__name__
)
@pytest.mark.parametrize("kind", ["appointment", "callback"])
async def test_no_message_has_more_than_three_buttons(prompt: type[Prompt], kind: str, domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    await prompt().run(dispatcher, tracker(request_kind=kind), domain)
    assert dispatcher.messages and all(message["text"] for message in dispatcher.messages)
    assert all(len(message["buttons"]) <= 3 for message in dispatcher.messages)


async def test_six_details_to_change_come_as_two_messages(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    await AskWhichField().run(dispatcher, tracker(request_kind="appointment"), domain)
    titles = [[b["title"] for b in message["buttons"]] for message in dispatcher.messages]
    assert titles == [["Name", "Phone", "E-mail"], ["Preferred date", "Time of day", "Reason"]]

    dispatcher = CollectingDispatcher()
    await AskWhichField().run(dispatcher, tracker(request_kind="callback"), domain)
    assert [[b["title"] for b in m["buttons"]] for m in dispatcher.messages] == [["Name", "Phone"]]
