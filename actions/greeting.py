"""The greeting names the practice from settings, never a made-up one."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import settings


class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        dispatcher.utter_message(
            text=f"Hello! I'm the virtual assistant of {settings().practice_name}. I can take an appointment "
            "request or a callback request, and check or cancel a request you've made.",
            buttons=[
                {"title": "Request an appointment", "payload": "/book_appointment"},
                {"title": "Ask for a callback", "payload": "/request_callback"},
                {"title": "Check a request", "payload": "/check_status"},
            ],
        )
        return []
