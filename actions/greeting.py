"""The greeting names the practice from settings, never a made-up one."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import language_of, settings
from bot.conversation.wording import say, say_buttons

GREETING_BUTTONS = [
    {"title": "Request an appointment", "payload": "/book_appointment"},
    {"title": "Ask for a callback", "payload": "/request_callback"},
    {"title": "Check a request", "payload": "/check_status"},
]


def greet(dispatcher: CollectingDispatcher, language: str) -> None:
    """The welcome and what the assistant can do; also the answer to a Spanish speaker in Spanish."""
    dispatcher.utter_message(
        text=say(
            language,
            "Hello! I'm the virtual assistant of {practice_name}. I can take an appointment "
            "request or a callback request, and check or cancel a request you've made.",
            practice_name=settings().practice_name,
        ),
        buttons=say_buttons(language, GREETING_BUTTONS),
    )


class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        greet(dispatcher, language_of(tracker))
        return []
