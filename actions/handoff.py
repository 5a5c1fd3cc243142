"""Asking for a person: the live chat with the practice's staff, or a callback when nobody can join.

Only the website's chat can carry a live chat (bot.web relays it while the handoff is active), and only
while the practice is open. Everywhere else, and whenever the queue cannot be reached, the visitor is
told so plainly and the callback form starts, so nothing they asked for is lost. The callback path sets
`request_kind` to callback; the rules then run `action_start_request` and the callback form.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import language_of, practice_now, settings, transcript, unit_of_work
from bot.booking.hours import is_open
from bot.connectors.namespace import SEPARATOR
from bot.conversation.transcript import for_handoff
from bot.conversation.wording import say, say_buttons
from bot.store.db import describe_error
from bot.store.handoffs import open_handoff

logger = logging.getLogger(__name__)

WAITING_TEXT = (
    "I'm asking a member of the practice's staff to join this chat. Please stay here; you can keep typing."
)
PERSON_BUTTON = {"title": "Talk to a person", "payload": "/talk_to_person"}
STORE_TIME_LIMIT_S = (
    4.0  # as for requests: the visitor's answer must not wait on a database that is not there
)
_LOOKUP_SLOTS = ("lookup_purpose", "lookup_reference", "lookup_contact")


def live_channel(tracker: Tracker) -> str | None:
    """Where staff can join the chat: the website's (bot.web's REST conversations, ids without ':')
    and socket.io sessions (`socketio:<id>`); None on SMS, Telegram, Slack and Facebook."""
    channel = tracker.get_latest_input_channel()
    if channel == "rest" and SEPARATOR not in tracker.sender_id:
        return "web"
    if channel == "socketio" and tracker.sender_id.startswith(f"socketio{SEPARATOR}"):
        return "socketio"
    return None


def live_chat_possible(tracker: Tracker) -> bool:
    return live_channel(tracker) is not None and is_open(settings().practice_hours, practice_now())


def person_buttons(tracker: Tracker) -> list[dict]:
    """The ladder's "Talk to a person", where someone can actually join."""
    return say_buttons(language_of(tracker), [PERSON_BUTTON]) if live_chat_possible(tracker) else []


def _hours_text(language: str) -> str:
    hours = settings().practice_hours.describe(language=language)
    return say(language, "The practice's staff are available {hours}.", hours=hours)


def _start_callback() -> list[EventType]:
    """The rules follow `request_kind: callback` with action_start_request and the callback form."""
    return [SlotSet("request_kind", "callback")]


def _leave_form(tracker: Tracker) -> list[EventType]:
    """A form in progress stops asking: staff take over, or the callback form replaces it. The
    request's answers so far stay in their slots (a later request reuses them); a lookup is forgotten.
    Always `ActiveLoop(None)`, in or out of a form, as the rules say."""
    events: list[EventType] = [ActiveLoop(None)]
    if not tracker.active_loop.get("name"):
        return events
    events.append(SlotSet("requested_slot", None))
    if tracker.active_loop.get("name") == "lookup_form":
        events += [SlotSet(slot, None) for slot in _LOOKUP_SLOTS]
    return [*events, SlotSet("form_failures", 0), SlotSet("form_blocker", None)]


class ActionTalkToPerson(Action):
    def name(self) -> str:
        return "action_talk_to_person"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        config, language = settings(), language_of(tracker)
        events = _leave_form(tracker)
        channel = live_channel(tracker)
        if channel is None:
            dispatcher.utter_message(
                text=say(
                    language,
                    "Live chat with the practice's staff is only available in the chat on the practice's "
                    "website. I can take a callback request so they call you. You can also call them at "
                    "{phone}.",
                    phone=config.practice_phone,
                )
            )
            return [*events, *_start_callback()]
        if not is_open(config.practice_hours, practice_now()):
            dispatcher.utter_message(
                text=say(
                    language,
                    "{availability} Nobody can join this chat right now, but I can take a callback "
                    "request so they call you.",
                    availability=_hours_text(language),
                )
            )
            return [*events, *_start_callback()]
        try:
            await asyncio.wait_for(asyncio.to_thread(self._queue, tracker, channel), STORE_TIME_LIMIT_S)
        except Exception as error:
            logger.error("opening a live chat failed: %s", describe_error(error))
            dispatcher.utter_message(
                text=say(
                    language,
                    "I'm sorry, I can't reach the practice's staff from this chat right now. I can take a "
                    "callback request so they call you, or you can call them at {phone}.",
                    phone=config.practice_phone,
                )
            )
            return [*events, *_start_callback()]
        dispatcher.utter_message(text=say(language, WAITING_TEXT), json_message={"handoff": "waiting"})
        return [*events, SlotSet("request_kind", None)]

    @staticmethod
    def _queue(tracker: Tracker, channel: str) -> None:
        with unit_of_work()() as session:
            open_handoff(
                session,
                tracker.sender_id,
                channel,
                for_handoff(transcript(tracker)),
                datetime.now(timezone.utc),
            )


class ActionHandoffUnanswered(Action):
    """Sent by bot.web (`/handoff_unanswered`) when nobody took the waiting chat in time."""

    def name(self) -> str:
        return "action_handoff_unanswered"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        language = language_of(tracker)
        dispatcher.utter_message(
            text=say(
                language,
                "Sorry, nobody from the practice could join the chat right now. {availability} I can take "
                "a callback request so they call you; you can also call them at {phone}.",
                availability=_hours_text(language),
                phone=settings().practice_phone,
            )
        )
        return [*_leave_form(tracker), *_start_callback()]
