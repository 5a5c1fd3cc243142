"""Checking and cancelling an existing request by its reference code.

A visitor may look up a request made in the same conversation; for any other code they must also
give the phone number or e-mail address on file, so one visitor cannot read another's. Until that
check passes the bot says nothing about the code: a code no request holds is asked for the contact
details just like a real one, and a wrong contact and an unknown code get the same reply. Failures
are counted per code in the database (`bot.request_service.check_contact`); after five the code is
locked for a day and the visitor is sent to the practice's phone.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import language_of, latest_intent, latest_text, settings, unit_of_work
from actions.forms import MAX_FAILURES, Blocker, LimitedFormValidator
from bot.booking.dates import describe_date
from bot.booking.wording import status_text
from bot.conversation.wording import say, say_buttons
from bot.request_service import (
    VISITOR,
    ContactCheck,
    change_status,
    check_contact,
    contact_check_locked,
    is_outage,
    matches_contact,
)
from bot.store.codes import find_code
from bot.store.requests import FINAL_STATUSES, StatusMoveRefused, get_request
from bot.store.spool import Spool, SpooledRequest

VERIFIED = "__verified__"
_LOOKUP_SLOTS = ("lookup_purpose", "lookup_reference", "lookup_contact")
# Blockers after which the visitor has already been told what to do; the result adds nothing.
TOLD = (Blocker.WAITING, Blocker.LOCKED)
NO_MATCH = (
    "I couldn't match that code with those details. Please check both the reference code and the phone "
    "number or e-mail address you gave with the request, and try again."
)
# A closed request, in so many words: the status alone would stay English in a Spanish sentence.
ALREADY_CLOSED = {
    "cancelled": "Request {code} is already cancelled, so there is nothing to cancel.",
    "declined": "Request {code} is already declined, so there is nothing to cancel.",
}
CANCEL_BUTTONS = [
    {"title": "Yes, cancel it", "payload": "/affirm"},
    {"title": "No, keep it", "payload": "/deny"},
]


def _clear_lookup() -> list[EventType]:
    return [SlotSet(slot, None) for slot in _LOOKUP_SLOTS] + [
        SlotSet("form_blocker", None),
        SlotSet("form_failures", 0),
    ]


def _locked_text(language: str) -> str:
    return say(
        language,
        "For your security I can't check that request here at the moment. Please call the practice at "
        "{phone} and they'll help you.",
        phone=settings().practice_phone,
    )


def _unavailable_text(language: str) -> str:
    return say(
        language,
        "I'm sorry, I can't look up requests right now. Please try again in a few minutes, or call "
        "the practice at {phone}.",
        phone=settings().practice_phone,
    )


def _waiting_text(code: str, language: str) -> str:
    return say(
        language,
        "Request {code} has been received and is on its way to the practice's list; our system is "
        "catching up. The practice will call you to confirm. You can check it again in a few minutes.",
        code=code,
    )


def _already_closed_text(code: str, status: str, language: str) -> str:
    template = ALREADY_CLOSED.get(status)
    if template is None:  # a final status without its own sentence: English only, as before
        return f"Request {code} is already {status}, so there is nothing to cancel."
    return say(language, template, code=code)


def _in_spool(code: str) -> SpooledRequest | None:
    """Taken while the database was down and not stored yet (see bot.request_service.submit)."""
    return next(
        (entry for _, entry in Spool(settings().spool_dir).entries() if entry.reference == code), None
    )


class ActionStartLookup(Action):
    def name(self) -> str:
        return "action_start_lookup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        purpose = "cancel" if latest_intent(tracker) == "cancel_request" else "status"
        # "cancel it" names no code: the one this conversation has just confirmed or made.
        code = (
            find_code(latest_text(tracker))
            or tracker.get_slot("verified_reference")
            or tracker.get_slot("last_reference")
        )
        return [*_clear_lookup(), SlotSet("lookup_purpose", purpose), SlotSet("lookup_reference", code)]


class ValidateLookupForm(LimitedFormValidator):
    def name(self) -> str:
        return "validate_lookup_form"

    def validate_lookup_reference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:  # cleared when the lookup started: nothing was typed yet
            return {"lookup_reference": None}
        code, language = find_code(str(value or "")), language_of(tracker)
        if code is None:
            return self.reject(
                dispatcher,
                tracker,
                "lookup_reference",
                say(language, "That doesn't look like a reference code. They look like PRL-7KQ3MX."),
            )
        try:
            with unit_of_work()() as session:
                request = get_request(session, code)
                owner = request is not None and request.conversation_id == tracker.sender_id
            locked = not owner and contact_check_locked(unit_of_work(), code)
        except Exception as error:
            if not is_outage(error):
                raise
            return self.reject(dispatcher, tracker, "lookup_reference", _unavailable_text(language))
        if owner or code == tracker.get_slot("verified_reference"):
            # The conversation that made it, or that has already given its contact: no further proof.
            return {"lookup_reference": code, "lookup_contact": VERIFIED}
        if (
            request is None
            and (pending := _in_spool(code))
            and pending.request.conversation_id == tracker.sender_id
        ):
            dispatcher.utter_message(text=_waiting_text(code, language))
            return {"lookup_reference": None, "form_blocker": Blocker.WAITING.value}
        if locked:
            dispatcher.utter_message(text=_locked_text(language))
            return {"lookup_reference": None, "form_blocker": Blocker.LOCKED.value}
        # Known or not, the next question is the same: the contact details on the request.
        return {"lookup_reference": code}

    def validate_lookup_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        code, language = tracker.get_slot("lookup_reference"), language_of(tracker)
        given = str(value or "")
        if not code:
            return {"lookup_contact": None}
        try:
            outcome = check_contact(unit_of_work(), settings(), code, given)
        except Exception as error:
            if not is_outage(error):
                raise
            return self.reject(dispatcher, tracker, "lookup_contact", _unavailable_text(language))
        if outcome is ContactCheck.MATCHED:
            return {"lookup_contact": VERIFIED, "verified_reference": code, "form_failures": 0}
        if outcome is ContactCheck.LOCKED:
            dispatcher.utter_message(text=_locked_text(language))
            return {"lookup_reference": None, "lookup_contact": None, "form_blocker": Blocker.LOCKED.value}
        pending = _in_spool(code)
        if pending and matches_contact(
            given, pending.request.phone, pending.request.email, settings().phone_region
        ):
            dispatcher.utter_message(text=_waiting_text(code, language))
            return {"lookup_reference": None, "lookup_contact": None, "form_blocker": Blocker.WAITING.value}
        # Ask for both again: the code may be the part that is wrong.
        failures = int(tracker.get_slot("form_failures") or 0) + 1
        if failures >= MAX_FAILURES:
            return {
                "lookup_reference": None,
                "lookup_contact": None,
                "form_failures": 0,
                "form_blocker": Blocker.STUCK.value,
            }
        offer, buttons = self.offer_help(tracker) if failures == MAX_FAILURES - 1 else ("", [])
        dispatcher.utter_message(text=f"{say(language, NO_MATCH)} {offer}".strip(), buttons=buttons or None)
        return {"lookup_reference": None, "lookup_contact": None, "form_failures": failures}


class ActionLookupResult(Action):
    """Say where the request stands, or ask to confirm its cancellation."""

    def name(self) -> str:
        return "action_lookup_result"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        code, language = tracker.get_slot("lookup_reference"), language_of(tracker)
        if tracker.get_slot("form_blocker") in TOLD:
            return _clear_lookup()
        unconfirmed = say(
            language,
            "I'm sorry, I couldn't confirm that request. Please call the practice at {phone} and they'll "
            "help you.",
            phone=settings().practice_phone,
        )
        if tracker.get_slot("form_blocker") or tracker.get_slot("lookup_contact") != VERIFIED or not code:
            dispatcher.utter_message(text=unconfirmed)
            return _clear_lookup()
        with unit_of_work()() as session:
            request = get_request(session, code)
            if request is None:  # removed since it was confirmed (a purge)
                dispatcher.utter_message(text=unconfirmed)
                return _clear_lookup()
            status, day, time_of_day = request.status, request.preferred_date, request.preferred_time
        if tracker.get_slot("lookup_purpose") != "cancel":
            dispatcher.utter_message(text=status_text(code, status, day, time_of_day, language=language))
            return _clear_lookup()
        if status in FINAL_STATUSES:
            dispatcher.utter_message(text=_already_closed_text(code, status, language))
            return _clear_lookup()
        question = (
            say(
                language,
                "Do you want to cancel request {code} for {day}?",
                code=code,
                day=describe_date(day, language=language),
            )
            if day
            else say(language, "Do you want to cancel request {code}?", code=code)
        )
        dispatcher.utter_message(text=question, buttons=say_buttons(language, CANCEL_BUTTONS))
        return []


class ActionCancelRequest(Action):
    def name(self) -> str:
        return "action_cancel_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        code, language = tracker.get_slot("lookup_reference"), language_of(tracker)
        if not code or tracker.get_slot("lookup_contact") != VERIFIED:
            dispatcher.utter_message(
                text=say(language, "I can only cancel a request once you've confirmed it is yours.")
            )
            return _clear_lookup()
        try:
            # One home for the move: the audit row, the webhook and the staff e-mail come with it.
            change_status(
                unit_of_work(),
                settings(),
                code,
                "cancelled",
                actor=VISITOR,
                note="cancelled by the visitor in chat",
            )
        except StatusMoveRefused:
            dispatcher.utter_message(
                text=say(
                    language,
                    "Request {code} can no longer be cancelled here; it is already closed.",
                    code=code,
                )
            )
            return _clear_lookup()
        except Exception as error:
            if not is_outage(error):
                raise
            dispatcher.utter_message(
                text=say(
                    language,
                    "I'm sorry, I can't cancel requests right now, and nothing has changed. Please try "
                    "again in a few minutes, or call the practice at {phone}.",
                    phone=settings().practice_phone,
                )
            )
            return _clear_lookup()
        dispatcher.utter_message(
            text=say(
                language,
                "Your request {code} has been cancelled. If you'd like a new one, just ask.",
                code=code,
            )
        )
        return _clear_lookup()
