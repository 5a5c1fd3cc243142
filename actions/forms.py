"""What every form validator shares: counting failed answers and stopping instead of looping."""

from __future__ import annotations

from abc import abstractmethod
from enum import Enum
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import language_of, settings
from actions.handoff import person_buttons
from bot.conversation.wording import say, say_buttons

MAX_FAILURES = 3
CALLBACK_BUTTON = {"title": "Request a callback", "payload": "/request_callback"}


class Blocker(str, Enum):
    """Why a form asks nothing more (the `form_blocker` slot); the next step says what happens now."""

    STUCK = "stuck"  # MAX_FAILURES failed answers in a row
    NO_CONSENT = "no_consent"  # consent refused: nothing is sent or kept
    EMERGENCY = "emergency"  # a red flag typed as an answer: the emergency message was given
    WAITING = "waiting"  # lookup: the request is still being stored (spooled); the visitor was told
    LOCKED = "locked"  # lookup: too many failed contact checks for this code; the visitor was told


class LimitedFormValidator(FormValidationAction):
    """A form that gives up after MAX_FAILURES failed answers in a row; the next step explains why."""

    @abstractmethod
    def name(self) -> str: ...

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        # A blocked form (repeated failures, consent refused, an emergency) asks nothing more.
        return [] if tracker.get_slot("form_blocker") else domain_slots

    def accept(self, values: dict[str, Any]) -> dict[str, Any]:
        return {**values, "form_failures": 0}

    def reject(self, dispatcher: CollectingDispatcher, tracker: Tracker, slot: str, message: str) -> dict:
        failures = int(tracker.get_slot("form_failures") or 0) + 1
        if failures >= MAX_FAILURES:
            return {slot: None, "form_failures": 0, "form_blocker": Blocker.STUCK.value}
        if failures == MAX_FAILURES - 1:  # the ladder's second step: a person, before the form gives up
            offer, buttons = self.offer_help(tracker)
            # Titles already in the visitor's language stay as they are; any English one is translated.
            buttons = say_buttons(language_of(tracker), buttons)
            dispatcher.utter_message(text=f"{message} {offer}", buttons=buttons or None)
        else:
            dispatcher.utter_message(text=message)
        return {slot: None, "form_failures": failures}

    def offer_help(self, tracker: Tracker) -> tuple[str, list[dict]]:
        """What a visitor misunderstood twice in a row is offered besides trying again."""
        text = say(
            language_of(tracker),
            "If it's easier, you can call the practice at {phone}.",
            phone=settings().practice_phone,
        )
        return text, person_buttons(tracker)
