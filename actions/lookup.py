"""Checking and cancelling an existing request by its reference code.

A visitor may look up a request made in the same conversation; for any other request they must
also give the phone number or e-mail address on file, so one visitor cannot read another's.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import latest_intent, latest_text, settings, unit_of_work
from actions.forms import LimitedFormValidator
from bot.booking.contact import find_email, find_phone, normalise_email, normalise_phone
from bot.booking.dates import describe_date
from bot.booking.wording import status_text
from bot.store.codes import find_code
from bot.store.requests import FINAL_STATUSES, StatusMoveRefused, change_status, get_request
from bot.store.spool import Spool
from bot.submission import is_outage

VERIFIED = "__verified__"
_LOOKUP_SLOTS = ("lookup_purpose", "lookup_reference", "lookup_contact")


def _clear_lookup() -> list[EventType]:
    return [SlotSet(slot, None) for slot in _LOOKUP_SLOTS] + [
        SlotSet("form_blocker", None),
        SlotSet("form_failures", 0),
    ]


def matches_contact(text: str, phone: str | None, email: str | None, region: str) -> bool:
    given_phone = normalise_phone(text, region) or find_phone(text, region)
    given_email = normalise_email(text) or find_email(text)
    return bool(
        (phone and given_phone == phone) or (email and given_email and given_email.lower() == email.lower())
    )


def _waiting_in_spool(code: str) -> bool:
    """Taken while the database was down and not stored yet (see bot.submission)."""
    return any(entry.reference == code for _, entry in Spool(settings().local_outbox_dir).entries())


class ActionStartLookup(Action):
    def name(self) -> str:
        return "action_start_lookup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        purpose = "cancel" if latest_intent(tracker) == "cancel_request" else "status"
        return [
            *_clear_lookup(),
            SlotSet("lookup_purpose", purpose),
            SlotSet("lookup_reference", find_code(latest_text(tracker))),
        ]


class ValidateLookupForm(LimitedFormValidator):
    def name(self) -> str:
        return "validate_lookup_form"

    def validate_lookup_reference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        code = find_code(str(value or ""))
        if code is None:
            return self.reject(
                dispatcher,
                tracker,
                "lookup_reference",
                "That doesn't look like a reference code. They look like PRL-7KQ3MX.",
            )
        try:
            with unit_of_work()() as session:
                request = get_request(session, code)
                owner = request is not None and request.conversation_id == tracker.sender_id
        except Exception as error:
            if not is_outage(error):
                raise
            return self.reject(
                dispatcher,
                tracker,
                "lookup_reference",
                "I'm sorry, I can't look up requests right now. Please try again in a few minutes, or call "
                f"the practice at {settings().practice_phone}.",
            )
        if request is None and _waiting_in_spool(code):
            dispatcher.utter_message(
                text=f"Request {code} has been received and is on its way to the practice's list; our "
                "system is catching up. The practice will call you to confirm. You can check it again in a "
                "few minutes."
            )
            return {"lookup_reference": None, "form_blocker": "waiting"}
        if request is None:
            return self.reject(
                dispatcher,
                tracker,
                "lookup_reference",
                f"I couldn't find a request with the code {code}. Please check it and type it again.",
            )
        values = {"lookup_reference": code, "form_failures": 0}
        if owner:
            values["lookup_contact"] = VERIFIED
        return values

    def validate_lookup_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        code = tracker.get_slot("lookup_reference")
        with unit_of_work()() as session:
            request = get_request(session, code) if code else None
            on_file = (request.phone, request.email) if request else (None, None)
        if request and matches_contact(str(value or ""), *on_file, settings().phone_region):
            return {"lookup_contact": VERIFIED, "form_failures": 0}
        return self.reject(
            dispatcher,
            tracker,
            "lookup_contact",
            "That doesn't match the details on that request. Please give the phone number or e-mail "
            "address you used when you made it.",
        )


class ActionLookupResult(Action):
    """Say where the request stands, or ask to confirm its cancellation."""

    def name(self) -> str:
        return "action_lookup_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        code = tracker.get_slot("lookup_reference")
        if tracker.get_slot("form_blocker") == "waiting":  # already told: the request is in the spool
            return _clear_lookup()
        if tracker.get_slot("form_blocker") or tracker.get_slot("lookup_contact") != VERIFIED or not code:
            dispatcher.utter_message(
                text="I'm sorry, I couldn't confirm that request. Please call the practice at "
                f"{settings().practice_phone} and they'll help you."
            )
            return _clear_lookup()
        with unit_of_work()() as session:
            request = get_request(session, code)
            status, day, time_of_day = request.status, request.preferred_date, request.preferred_time
        if tracker.get_slot("lookup_purpose") != "cancel":
            dispatcher.utter_message(text=status_text(code, status, day, time_of_day))
            return _clear_lookup()
        if status in FINAL_STATUSES:
            dispatcher.utter_message(
                text=f"Request {code} is already {status}, so there is nothing to cancel."
            )
            return _clear_lookup()
        when = f" for {describe_date(day)}" if day else ""
        dispatcher.utter_message(
            text=f"Do you want to cancel request {code}{when}?",
            buttons=[
                {"title": "Yes, cancel it", "payload": "/affirm"},
                {"title": "No, keep it", "payload": "/deny"},
            ],
        )
        return []


class ActionCancelRequest(Action):
    def name(self) -> str:
        return "action_cancel_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        code = tracker.get_slot("lookup_reference")
        if not code or tracker.get_slot("lookup_contact") != VERIFIED:
            dispatcher.utter_message(text="I can only cancel a request once you've confirmed it is yours.")
            return _clear_lookup()
        try:
            with unit_of_work()() as session:
                change_status(
                    session, code, "cancelled", actor="visitor", note="cancelled by the visitor in chat"
                )
        except StatusMoveRefused:
            dispatcher.utter_message(
                text=f"Request {code} can no longer be cancelled here; it is already closed."
            )
            return _clear_lookup()
        dispatcher.utter_message(
            text=f"Your request {code} has been cancelled. If you'd like a new one, just ask."
        )
        return _clear_lookup()
