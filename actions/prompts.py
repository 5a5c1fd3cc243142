"""The forms' questions. They are actions (`action_ask_<slot>`) so they can depend on the answers so far
and quote the practice's settings."""

from __future__ import annotations

from abc import ABC, abstractmethod

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import language_of, settings
from bot.booking.patient import for_visitor
from bot.booking.wording import APPOINTMENT_FIELDS, CALLBACK_FIELDS, FIELD_LABELS, SKIPPED
from bot.conversation.wording import say, say_buttons


def no_request_text(language: str, phone: str) -> str:
    return say(
        language,
        "There's no request in progress here to change. To change a request you have already sent, "
        "please call the practice at {phone}, or I can take a new request.",
        phone=phone,
    )


SKIP_BUTTON = [{"title": "Skip", "payload": "skip"}]
MAX_BUTTONS = 3  # Facebook Messenger shows at most three; every channel gets the same


class Prompt(Action, ABC):
    """One question; `ask` returns its text and buttons for the conversation so far."""

    @abstractmethod
    def name(self) -> str: ...

    @abstractmethod
    def ask(self, tracker: Tracker) -> tuple[str, list[dict]]: ...

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        text, buttons = self.ask(tracker)
        dispatcher.utter_message(text=text, buttons=say_buttons(language_of(tracker), buttons) or None)
        return []


class AskFullName(Prompt):
    def name(self) -> str:
        return "action_ask_full_name"

    def ask(self, tracker: Tracker) -> tuple[str, list[dict]]:
        lang = language_of(tracker)
        if tracker.get_slot("patient_relation"):  # the patient's name is asked after the reason
            return say(
                lang, "And what is your own full name? The practice will ask for you when they call."
            ), []
        return say(lang, "What is your full name?"), []


class AskPhone(Prompt):
    def name(self) -> str:
        return "action_ask_phone"

    def ask(self, tracker: Tracker) -> tuple[str, list[dict]]:
        lang = language_of(tracker)
        if tracker.get_slot("request_kind") == "callback":
            return say(lang, "What phone number should the practice call?"), []
        return (
            say(
                lang,
                "What phone number can the practice reach you on? If you'd rather be contacted by e-mail, "
                "say 'skip'.",
            ),
            SKIP_BUTTON,
        )


class AskEmail(Prompt):
    def name(self) -> str:
        return "action_ask_email"

    def ask(self, tracker: Tracker) -> tuple[str, list[dict]]:
        lang = language_of(tracker)
        if tracker.get_slot("phone") in (None, SKIPPED):
            return say(lang, "What e-mail address can the practice reach you at?"), []
        return say(lang, "And your e-mail address? It's optional: say 'skip' to leave it out."), SKIP_BUTTON


class AskPreferredDate(Prompt):
    def name(self) -> str:
        return "action_ask_preferred_date"

    def ask(self, tracker: Tracker) -> tuple[str, list[dict]]:
        days = settings().practice_hours.describe_days(language=language_of(tracker))
        return (
            say(
                language_of(tracker),
                "Which day would you prefer? We're open {days}. "
                "You can say things like 'next Tuesday' or 'Dec 3'.",
                days=days,
            ),
            [],
        )


class AskPreferredTime(Prompt):
    def name(self) -> str:
        return "action_ask_preferred_time"

    def ask(self, tracker: Tracker) -> tuple[str, list[dict]]:
        hours = settings().practice_hours
        return (
            say(
                language_of(tracker),
                "What time of day suits you best? We see patients from {opens} to {closes}.",
                opens=f"{hours.opens:%H:%M}",
                closes=f"{hours.closes:%H:%M}",
            ),
            [
                {"title": "Morning", "payload": "morning"},
                {"title": "Afternoon", "payload": "afternoon"},
                {"title": "Any time", "payload": "any time"},
            ],
        )


class AskReason(Prompt):
    def name(self) -> str:
        return "action_ask_reason"

    def ask(self, tracker: Tracker) -> tuple[str, list[dict]]:
        return (
            say(
                language_of(tracker),
                "What is the main reason for your visit? Choose one, or describe it in a few words "
                "(for example a soft-tissue injury of the back).",
            ),
            [
                {"title": "Sciatica", "payload": "sciatica"},
                {"title": "Whiplash", "payload": "whiplash"},
                {"title": "Degenerative disc", "payload": "degenerative disc"},
            ],
        )


class AskPatientName(Prompt):
    """Asked after the reason, only when the appointment is for someone else (actions/booking_form.py)."""

    def name(self) -> str:
        return "action_ask_patient_name"

    def ask(self, tracker: Tracker) -> tuple[str, list[dict]]:
        patient = for_visitor(
            None, tracker.get_slot("patient_relation") or "patient", language=language_of(tracker)
        )  # "your mother"
        return say(language_of(tracker), "What is {patient}'s full name?", patient=patient), []


class AskConsent(Prompt):
    def name(self) -> str:
        return "action_ask_consent"

    def ask(self, tracker: Tracker) -> tuple[str, list[dict]]:
        return (
            say(
                language_of(tracker),
                "May {practice} keep these details and contact you about this request? "
                "They are used only to arrange your visit.",
                practice=settings().practice_name,
            ),
            [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}],
        )


class AskLookupReference(Prompt):
    def name(self) -> str:
        return "action_ask_lookup_reference"

    def ask(self, tracker: Tracker) -> tuple[str, list[dict]]:
        return say(
            language_of(tracker), "What is the reference code of your request? It looks like PRL-7KQ3MX."
        ), []


class AskLookupContact(Prompt):
    def name(self) -> str:
        return "action_ask_lookup_contact"

    def ask(self, tracker: Tracker) -> tuple[str, list[dict]]:
        return (
            say(
                language_of(tracker),
                "To protect your privacy, please tell me the phone number or e-mail address you gave with "
                "that request.",
            ),
            [],
        )


class AskWhichField(Prompt):
    def name(self) -> str:
        return "action_ask_which_field"

    def ask(self, tracker: Tracker) -> tuple[str, list[dict]]:
        fields = CALLBACK_FIELDS if tracker.get_slot("request_kind") == "callback" else APPOINTMENT_FIELDS
        if fields is APPOINTMENT_FIELDS and tracker.get_slot("patient_relation"):
            fields = (*fields, "patient_name")
        lang = language_of(tracker)
        # The labels of bot/booking are translated by say_buttons in `run`, from booking.yml.
        labels = {**FIELD_LABELS, "patient_name": say(lang, "Patient's name")}
        return say(lang, "Which detail would you like to change?"), [
            {"title": labels[field], "payload": f'/correct_field{{"field": "{field}"}}'} for field in fields
        ]

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        """Six details make two messages: no channel shows more than three buttons on one."""
        lang = language_of(tracker)
        if not tracker.get_slot("request_kind"):
            dispatcher.utter_message(text=no_request_text(lang, settings().practice_phone))
            return []
        text, buttons = self.ask(tracker)
        buttons = say_buttons(lang, buttons)
        for start in range(0, len(buttons), MAX_BUTTONS):
            dispatcher.utter_message(
                text=text if start == 0 else say(lang, "Or a detail of your visit:"),
                buttons=buttons[start : start + MAX_BUTTONS],
            )
        return []
