"""The booking flow around the forms: start, read back, send, correct, stop."""

from __future__ import annotations

import logging
from datetime import date, datetime, timezone

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import (
    DETAIL_SLOTS,
    FORM_SLOTS,
    idempotency_key,
    language_of,
    latest_intent,
    latest_text,
    practice_now,
    settings,
    transcript,
    unit_of_work,
)
from actions.forms import Blocker
from actions.prompts import no_request_text
from bot.booking.contact import split_phone
from bot.booking.corrections import read_correction
from bot.booking.prefill import details_in
from bot.booking.wording import (
    APPOINTMENT_FIELDS,
    CALLBACK_FIELDS,
    SKIPPED,
    noted_text,
    received_text,
    review_text,
)
from bot.conversation.wording import say
from bot.request_service import submit
from bot.store.db import describe_error
from bot.store.requests import NewRequest

logger = logging.getLogger(__name__)

# A callback request, asked for or offered because no person can join the chat (actions/handoff.py).
CALLBACK_INTENTS = ("request_callback", "talk_to_person", "handoff_unanswered")

FIELD_SYNONYMS = {
    "name": "full_name",
    "full name": "full_name",
    "number": "phone",
    "phone number": "phone",
    "telephone": "phone",
    "mobile": "phone",
    "e-mail": "email",
    "mail": "email",
    "email address": "email",
    "date": "preferred_date",
    "day": "preferred_date",
    "time": "preferred_time",
    "time of day": "preferred_time",
    "reason for visit": "reason",
    "patient": "patient_name",
    "patient name": "patient_name",
    "patient's name": "patient_name",
    # What Spanish-speaking visitors call them.
    **{word: "full_name" for word in ("nombre", "nombre completo", "mi nombre")},
    **{word: "phone" for word in ("teléfono", "telefono", "número", "numero", "celular", "móvil", "movil")},
    **{word: "phone" for word in ("número de teléfono", "numero de telefono")},
    **{word: "email" for word in ("correo", "correo electrónico", "correo electronico", "mail")},
    **{word: "preferred_date" for word in ("fecha", "día", "dia")},
    **{word: "preferred_time" for word in ("hora", "horario", "hora del día", "hora del dia")},
    **{word: "reason" for word in ("motivo", "razón", "razon", "motivo de la visita")},
    **{word: "patient_name" for word in ("paciente", "nombre del paciente")},
}


def no_pending_request(language: str) -> str:
    return say(language, "There's no request waiting to be sent. Would you like to request an appointment?")


def clear_form() -> list[EventType]:
    return [SlotSet(slot, None) for slot in (*FORM_SLOTS, *DETAIL_SLOTS, "form_blocker", "request_kind")] + [
        SlotSet("form_failures", 0)
    ]


def _kind(tracker: Tracker) -> str:
    return tracker.get_slot("request_kind") or "appointment"


def review_pending(tracker: Tracker) -> bool:
    """A complete request has been read back and is waiting for the visitor's yes."""
    kind = tracker.get_slot("request_kind")
    if not kind or (tracker.active_loop or {}).get("name") or tracker.get_slot("form_blocker"):
        return False
    fields = CALLBACK_FIELDS if kind == "callback" else APPOINTMENT_FIELDS
    required = [field for field in fields if field not in ("phone", "email")] + ["consent"]
    if kind == "appointment" and tracker.get_slot("patient_relation"):
        required.append("patient_name")
    contact = _present(tracker.get_slot("phone")) or _present(tracker.get_slot("email"))
    return bool(contact) and all(tracker.get_slot(field) for field in required)


def _present(value: str | None) -> str | None:
    return None if value in (None, "", SKIPPED) else value


class ActionStartRequest(Action):
    """Marks the start of a request (the idempotency key counts these) and picks the form."""

    def name(self) -> str:
        return "action_start_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        intent, lang = latest_intent(tracker), language_of(tracker)
        kind = "callback" if intent in CALLBACK_INTENTS else "appointment"
        events: list[EventType] = [
            SlotSet("request_kind", kind),
            SlotSet("form_blocker", None),
            SlotSet("form_failures", 0),
        ]
        if kind == "callback":
            if intent == "request_callback":  # after asking for a person, action_talk_to_person explained
                dispatcher.utter_message(text=say(lang, "Sure, I'll ask the practice to call you back."))
            # Switching from an appointment request: only the name and phone carry over.
            return events + [
                SlotSet(field, None)
                for field in (*APPOINTMENT_FIELDS, *DETAIL_SLOTS)
                if field not in CALLBACK_FIELDS
            ]
        config = settings()
        given = details_in(
            latest_text(tracker),
            practice_now(),
            config.practice_hours,
            config.phone_region,
            language=language_of(tracker),
        )
        noted = noted_text(given, language=language_of(tracker))
        if noted:
            dispatcher.utter_message(
                text=say(
                    lang,
                    "I can take your appointment request. The practice will call you to confirm a time. "
                    "I've noted {noted}.",
                    noted=noted,
                )
            )
        elif not tracker.get_slot("full_name"):
            dispatcher.utter_message(
                text=say(
                    lang, "I can take your appointment request. The practice will call you to confirm a time."
                )
            )
        return events + [SlotSet(slot, value) for slot, value in given.items()]


class ActionReviewRequest(Action):
    """After a form: read the request back for confirmation, or explain why it stopped."""

    def name(self) -> str:
        return "action_review_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        kind, lang = _kind(tracker), language_of(tracker)
        blocker = tracker.get_slot("form_blocker")
        if not tracker.get_slot("request_kind") and not blocker:
            dispatcher.utter_message(
                text=no_pending_request(lang),
                buttons=[{"title": say(lang, "Request an appointment"), "payload": "/book_appointment"}],
            )
            return []
        if blocker == Blocker.EMERGENCY:  # the emergency message has been given; nothing else to say
            return clear_form()
        if blocker == Blocker.NO_CONSENT:
            dispatcher.utter_message(
                text=say(
                    lang,
                    "I understand. Without your consent the practice can't contact you, so I haven't sent "
                    "or kept anything. If you change your mind, just say 'I'd like an appointment'.",
                )
            )
            return clear_form()
        if blocker == Blocker.STUCK:
            dispatcher.utter_message(
                text=say(
                    lang,
                    "I'm sorry, I'm having trouble with that answer. Nothing has been sent yet. You can try "
                    "again, leave just your name and phone number for a callback, or stop here. You can also "
                    "call the practice at {phone}.",
                    phone=settings().practice_phone,
                ),
                buttons=[
                    {
                        "title": say(lang, "Try again"),
                        "payload": "/request_callback" if kind == "callback" else "/book_appointment",
                    },
                    {"title": say(lang, "Request a callback"), "payload": "/request_callback"},
                    {"title": say(lang, "Stop"), "payload": "/stop"},
                ],
            )
            return [SlotSet("form_blocker", None)]
        if latest_intent(tracker) in ("goodbye", "thank"):
            dispatcher.utter_message(text=say(lang, "Just to check: your request has not been sent yet."))
        dispatcher.utter_message(
            text=review_text(tracker.slots, kind, language=language_of(tracker)),
            buttons=[
                {"title": say(lang, "Yes, send it"), "payload": "/affirm"},
                {"title": say(lang, "Change something"), "payload": "/correct_field"},
                {"title": say(lang, "Cancel"), "payload": "/stop"},
            ],
        )
        return []


class ActionSubmitRequest(Action):
    """Store the confirmed request once and give the visitor its reference code."""

    def name(self) -> str:
        return "action_submit_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        config, lang = settings(), language_of(tracker)
        kind = _kind(tracker)
        slots = tracker.slots
        name, email = slots.get("full_name"), _present(slots.get("email"))
        phone, extension = split_phone(_present(slots.get("phone")))
        if not (name and (phone or email) and slots.get("consent")):
            previous = slots.get("last_reference")
            dispatcher.utter_message(
                text=say(
                    lang,
                    "Your request {reference} has been received, and it is stored once: the practice will "
                    "call you to confirm.",
                    reference=previous,
                )
                if previous
                else no_pending_request(lang)
            )
            return []
        appointment = kind == "appointment"
        new = NewRequest(
            kind=kind,
            full_name=name,
            phone=phone,
            phone_extension=extension,
            email=email if appointment else None,
            preferred_date=date.fromisoformat(slots["preferred_date"]) if appointment else None,
            preferred_time=slots.get("preferred_time") if appointment else None,
            reason=slots.get("reason") if appointment else None,
            reason_text=slots.get("reason_text") if appointment else None,
            patient_name=slots.get("patient_name") if appointment else None,
            patient_relation=slots.get("patient_relation") if appointment else None,
            consent_at=datetime.fromisoformat(slots["consent"]),
            channel=tracker.get_latest_input_channel(),
            conversation_id=tracker.sender_id,
            idempotency_key=idempotency_key(tracker),
            transcript=transcript(tracker),
            created_at=datetime.now(timezone.utc),
            language=language_of(tracker),
        )
        try:
            submitted = await submit(unit_of_work(), config, new)
        except Exception as error:
            # No patient details in the log: the request kind and the error type say enough.
            logger.error("storing a %s request failed: %s", kind, describe_error(error))
            dispatcher.utter_message(
                text=say(
                    lang,
                    "I'm sorry, something went wrong on our side and I couldn't send your request. "
                    "Please call the practice at {phone} and they'll take it by phone.",
                    phone=config.practice_phone,
                )
            )
            return []
        received = received_text(
            submitted.reference, kind, config.practice_name, language=language_of(tracker)
        )
        if submitted.spooled:
            received = say(
                lang,
                "{received} It may take a few minutes to reach the practice's list, but nothing more is "
                "needed from you.",
                received=received,
            )
        dispatcher.utter_message(text=received)
        return [*clear_form(), SlotSet("last_reference", submitted.reference)]


class ActionCorrectField(Action):
    """Forget one answer so the form asks for it again."""

    def name(self) -> str:
        return "action_correct_field"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        lang = language_of(tracker)
        if not tracker.get_slot("request_kind"):
            dispatcher.utter_message(text=no_request_text(lang, settings().practice_phone))
            return [SlotSet("field", None)]
        kind = _kind(tracker)
        allowed = CALLBACK_FIELDS if kind == "callback" else APPOINTMENT_FIELDS
        if kind == "appointment" and tracker.get_slot("patient_relation"):
            allowed = (*allowed, "patient_name")
        raw = (tracker.get_slot("field") or "").strip().lower()
        field = FIELD_SYNONYMS.get(raw, raw)
        events: list[EventType] = [
            SlotSet("field", None),
            SlotSet("form_failures", 0),
            SlotSet("form_blocker", None),
        ]
        if field not in allowed:
            dispatcher.utter_message(text=_changeable_text(lang, kind, "patient_name" in allowed))
            return events
        events.append(SlotSet(field, None))
        correction = read_correction(
            latest_text(tracker), settings().phone_region, language=language_of(tracker)
        )
        if correction and correction.field == field and correction.value:
            return events  # the form takes the new value from the text (actions/booking_form.py)
        # Skipping one contact was only allowed because of the other: ask again for both.
        partner = {"phone": "email", "email": "phone"}.get(field)
        if partner and tracker.get_slot(partner) == SKIPPED:
            events.append(SlotSet(partner, None))
        return events


def _changeable_text(language: str, kind: str, with_patient: bool) -> str:
    """What the visitor can change, when the detail they named is not one of them."""
    if kind == "callback":
        return say(language, "I can change your name or phone number.")
    if with_patient:
        return say(
            language,
            "I can change your name, phone, e-mail, date, time of day or reason, or the patient's name.",
        )
    return say(language, "I can change your name, phone, e-mail, date, time of day or reason.")


class ActionStopRequest(Action):
    """Stop whatever form is running; nothing is stored."""

    def name(self) -> str:
        return "action_stop_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        dispatcher.utter_message(
            text=say(
                language_of(tracker),
                "OK, I've stopped. Nothing has been sent or stored. "
                "If you'd like to start again later, just ask.",
            )
        )
        lookup = [SlotSet(slot, None) for slot in ("lookup_purpose", "lookup_reference", "lookup_contact")]
        return [ActiveLoop(None), SlotSet("requested_slot", None), *clear_form(), *lookup]
