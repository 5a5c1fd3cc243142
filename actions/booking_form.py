"""Validation of the appointment and callback forms: one `validate_<slot>` per answer.

Every answer the visitor types while a question is open is taken as that answer; only a clear
request to stop ends the form. After three failed answers in a row the form stops asking and the
review step offers a way out instead of looping.
"""

from __future__ import annotations

from abc import abstractmethod
from datetime import datetime
from typing import Any

from rasa_sdk import Tracker, utils
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.context import language_of, latest_intent, latest_text, practice_now, settings
from actions.form_wording import changed_text, date_problem, time_problem
from actions.forms import CALLBACK_BUTTON, Blocker, LimitedFormValidator
from bot.booking.contact import (
    affirms,
    clean_name,
    declines,
    denies,
    find_email,
    find_phone,
    implausible_name,
    is_stop_request,
    looks_like_question,
    normalise_email,
    normalise_phone,
)
from bot.booking.corrections import Correction, read_correction
from bot.booking.dates import read_preferred_date, read_time_of_day
from bot.booking.patient import (
    for_visitor,
    means_the_visitor,
    patient_name_in,
    read_patient,
    says_only_patient,
)
from bot.booking.reasons import read_reason, reason_words
from bot.booking.wording import SKIPPED
from bot.conversation.safety import emergency_text, red_flag
from bot.conversation.wording import say, say_buttons

# Intents that interrupt a form to be answered (the form then resumes); red flags never count as answers.
INTERRUPTIONS = {"faq", "unknown", "several_questions", "about_practice", "medical_advice", "out_of_scope"}
# The domain's `not_intent` list of the form slots: messages that are no answer to the open question.
NOT_ANSWERS = {"stop", *INTERRUPTIONS, "red_flag", "cancel_request", "request_callback", "talk_to_person"}


def _is_timestamp(value: Any) -> bool:
    try:
        return datetime.fromisoformat(str(value)).tzinfo is not None
    except ValueError:
        return False


class RequestFormValidator(LimitedFormValidator):
    """What the appointment and the callback form share."""

    @abstractmethod
    def name(self) -> str: ...

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Take an answer that NLU misread as an interruption as the answer it is.

        "Tom Stopford" is a name, not "stop"; "sciatica" answers the reason question rather than asking
        the FAQ about conditions. Only a clear stop, or a real question, interrupts the form. The
        questions asked only for some requests (`extra_slots`) have custom mappings in the domain: their
        answer is taken here, as `from_text` with the form slots' `not_intent` list would take it.
        """
        slot = tracker.get_slot("requested_slot")
        text = latest_text(tracker)
        intent = latest_intent(tracker)
        if slot not in self.form_slots(tracker, domain) or text.startswith("/"):
            return []
        language = language_of(tracker)
        if (intent == "stop" and not is_stop_request(text, language=language)) or (
            intent in INTERRUPTIONS and not looks_like_question(text, language=language)
        ):
            return [SlotSet(slot, text)]
        if slot in self.extra_slots(tracker) and intent not in NOT_ANSWERS:
            return [SlotSet(slot, text)]
        return []

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """A correction of any detail ("actually my number is …") is applied wherever the form stands.

        Typed while another question is open, it changes that detail and the open question is asked
        again; typed at the read-back (the form restarts after `action_correct_field`), it changes the
        detail and the form reads the request back again.
        """
        correction = self._correction(tracker, domain)
        if correction is None:
            return await super().get_validation_events(dispatcher, tracker, domain)
        return [
            SlotSet(slot, value)
            for slot, value in (await self._correct(correction, dispatcher, tracker, domain)).items()
        ]

    def extra_slots(self, tracker: Tracker) -> list[str]:
        """Questions asked only for some requests, after the reason (see `required_slots`)."""
        return []

    def notes_patient(self) -> bool:
        """Whether the form records who the appointment is for (`patient_relation`, `patient_name`)."""
        return False

    def form_slots(self, tracker: Tracker, domain: DomainDict) -> list[str]:
        return [*self.domain_slots(domain), *self.extra_slots(tracker)]

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        extra = self.extra_slots(tracker)
        if not slots or not extra:
            return slots
        at = slots.index("reason") + 1 if "reason" in slots else len(slots)
        return [*slots[:at], *extra, *slots[at:]]

    def _correction(self, tracker: Tracker, domain: DomainDict) -> Correction | None:
        correction = read_correction(
            latest_text(tracker), settings().phone_region, language=language_of(tracker)
        )
        if correction is None or correction.field not in self.form_slots(tracker, domain):
            return None
        requested = tracker.get_slot("requested_slot")
        if correction.field == requested and correction.value is None:
            return None  # "my phone number" typed as the phone answer: the validator explains
        if requested == "phone" and correction.field == "email" and self.phone_optional():
            return None  # "just e-mail me: …" answers the phone question (skipped, e-mail kept)
        return correction

    async def _correct(
        self, correction: Correction, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        field, requested = correction.field, tracker.get_slot("requested_slot")
        values: dict[str, Any] = {}
        if requested and requested != field:
            values[requested] = None  # the open question's answer was this correction: ask it again
        if correction.value is None:
            values.update({field: None, "form_failures": 0})
            partner = {"phone": "email", "email": "phone"}.get(field)
            if partner and tracker.get_slot(partner) == SKIPPED:
                values[partner] = None  # skipping one contact was only allowed because of the other
            return values
        validate = getattr(self, f"validate_{field}")
        outcome = await utils.call_potential_coroutine(
            validate(correction.value, dispatcher, tracker, domain)
        )
        values.update(outcome)
        if outcome.get(field) is not None and field != requested:
            dispatcher.utter_message(text=changed_text(language_of(tracker), field))
        return values

    def validate_full_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        lang = language_of(tracker)
        if read_patient(
            str(value or ""), language=language_of(tracker)
        ):  # "it's for my mother Rosa": the visitor's own name is to come
            if not self.notes_patient():  # the appointment form says what it noted and asks again
                dispatcher.utter_message(text=say(lang, "Thanks. And what is your own full name?"))
            return {"full_name": None}
        if implausible_name(str(value or ""), language=language_of(tracker)):
            message = say(lang, "Sorry, that doesn't look like a name (for example Jane Smith).")
            return self.reject(dispatcher, tracker, "full_name", message)
        name = clean_name(str(value or ""), language=language_of(tracker))
        if name is None:
            message = say(lang, "Please tell me your full name, for example Jane Smith.")
            return self.reject(dispatcher, tracker, "full_name", message)
        return self.accept({"full_name": name})

    def phone_optional(self) -> bool:
        return False

    def validate_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "")
        region = settings().phone_region
        if self.phone_optional() and (declines(text, language=language_of(tracker)) or text == SKIPPED):
            if tracker.get_slot("email") == SKIPPED:  # both skipped after a correction: ask the e-mail again
                return self.accept({"phone": SKIPPED, "email": None})
            return self.accept({"phone": SKIPPED})
        phone = normalise_phone(text, region) or find_phone(text, region)
        if phone:
            return self.accept({"phone": phone})
        email = find_email(text)
        if self.phone_optional() and email:
            return self.accept({"phone": SKIPPED, "email": email})
        lang = language_of(tracker)
        if declines(text, language=language_of(tracker)):
            message = say(lang, "I need a phone number so the practice can call you back.")
        else:
            message = say(
                lang, "That doesn't look like a complete phone number. Please include the area code."
            )
        if self.phone_optional():
            message = say(
                lang, "{message} If you'd rather be contacted by e-mail, say 'skip'.", message=message
            )
        return self.reject(dispatcher, tracker, "phone", message)

    def validate_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if _is_timestamp(value):  # given earlier; the form re-validates answers when it resumes
            return self.accept({"consent": value})
        text = str(value or "")
        intent = latest_intent(tracker)
        if intent == "affirm" or affirms(text, language=language_of(tracker)):
            return self.accept({"consent": practice_now().isoformat(timespec="seconds")})
        if intent == "deny" or denies(text, language=language_of(tracker)):
            return {"consent": None, "form_blocker": Blocker.NO_CONSENT.value, "form_failures": 0}
        return self.reject(
            dispatcher, tracker, "consent", say(language_of(tracker), "Please answer yes or no.")
        )


class ValidateAppointmentForm(RequestFormValidator):
    def name(self) -> str:
        return "validate_appointment_form"

    def extra_slots(self, tracker: Tracker) -> list[str]:
        return ["patient_name"] if tracker.get_slot("patient_relation") else []

    def notes_patient(self) -> bool:
        return True

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Any answer may also say who the appointment is for ("sciatica, it's for my son"): noted. A
        message that says only that answers nothing: the open question is asked again, no failure."""
        text, requested = latest_text(tracker), tracker.get_slot("requested_slot")
        answerable = requested in self.form_slots(tracker, domain) and requested != "patient_name"
        if answerable and says_only_patient(text, language=language_of(tracker)):
            return [SlotSet(requested, None), *self._note_patient(dispatcher, tracker, always=True)]
        events = await super().get_validation_events(dispatcher, tracker, domain)
        return [*events, *self._note_patient(dispatcher, tracker)]

    def _note_patient(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, always: bool = False
    ) -> list[EventType]:
        patient = read_patient(latest_text(tracker), language=language_of(tracker))
        if patient is None:
            return []
        noted = {"patient_relation": patient.relation}
        if patient.name:
            noted["patient_name"] = patient.name
        elif patient.relation != tracker.get_slot("patient_relation"):
            noted["patient_name"] = None  # another relation: the earlier patient's name is not theirs
        if not always and all(tracker.get_slot(slot) == value for slot, value in noted.items()):
            return []
        shown = for_visitor(
            noted.get("patient_name", tracker.get_slot("patient_name")),
            patient.relation,
            language=language_of(tracker),
        )
        dispatcher.utter_message(
            text=say(language_of(tracker), "Noted: the appointment is for {patient}.", patient=shown)
        )
        return [SlotSet(slot, value) for slot, value in noted.items()]

    def offer_help(self, tracker: Tracker) -> tuple[str, list[dict]]:
        lang = language_of(tracker)
        return (
            say(
                lang,
                "If it's easier, the practice can call you back instead (your answers so far are kept), "
                "or you can call them at {phone}.",
                phone=settings().practice_phone,
            ),
            [*say_buttons(lang, [CALLBACK_BUTTON]), *super().offer_help(tracker)[1]],
        )

    def phone_optional(self) -> bool:
        return True

    def validate_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text, lang = str(value or ""), language_of(tracker)
        have_phone = tracker.get_slot("phone") not in (None, SKIPPED)
        if declines(text, language=language_of(tracker)) or text == SKIPPED:
            if have_phone:
                return self.accept({"email": SKIPPED})
            message = say(
                lang,
                "I need an e-mail address or a phone number to reach you. Please type your e-mail address.",
            )
            return self.reject(dispatcher, tracker, "email", message)
        email = normalise_email(text) or find_email(text)
        if email:
            return self.accept({"email": email})
        if have_phone:
            message = say(
                lang,
                "That e-mail address doesn't look right, please check it. Or say 'skip' to leave it out.",
            )
        else:
            message = say(lang, "That e-mail address doesn't look right, please check it.")
        return self.reject(dispatcher, tracker, "email", message)

    def validate_preferred_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        config = settings()
        now = practice_now()
        answer = read_preferred_date(
            str(value or ""), now, config.practice_hours, config.phone_region, language=language_of(tracker)
        )
        if answer.value:
            values: dict[str, Any] = {"preferred_date": answer.value.isoformat()}
            if answer.time_hint and tracker.get_slot("preferred_time") is None:
                time_of_day = read_time_of_day(
                    answer.time_hint, config.practice_hours, now, language=language_of(tracker)
                )
                if time_of_day:
                    values["preferred_time"] = time_of_day
            return self.accept(values)
        return self.reject(dispatcher, tracker, "preferred_date", date_problem(language_of(tracker), answer))

    def validate_preferred_time(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        choice = read_time_of_day(
            str(value or ""), settings().practice_hours, practice_now(), language=language_of(tracker)
        )
        if choice:
            return self.accept({"preferred_time": choice})
        return self.reject(dispatcher, tracker, "preferred_time", time_problem(language_of(tracker)))

    def validate_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if red_flag(str(value or "")):  # NLU normally catches this first; never book past an emergency
            dispatcher.utter_message(text=emergency_text(str(value or ""), language=language_of(tracker)))
            return {"reason": None, "form_blocker": Blocker.EMERGENCY.value}
        text = str(value or "")
        reason = read_reason(text, language=language_of(tracker))
        if reason:
            if text == tracker.get_slot("reason") and latest_text(tracker) != text:
                return self.accept({"reason": reason})  # a stored answer re-validated: keep its words
            return self.accept({"reason": reason, "reason_text": reason_words(text, reason)})
        lang = language_of(tracker)
        if str(value or "").strip().lower() in ("something else", "other", "otra cosa", "otro", "otra"):
            dispatcher.utter_message(
                text=say(lang, "Please describe it in a few words, for example 'lower back pain'.")
            )
            return {"reason": None}
        message = say(lang, "Could you describe the reason in a few words (up to 300 characters)?")
        return self.reject(dispatcher, tracker, "reason", message)

    def validate_patient_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text, lang = " ".join(str(value or "").split()), language_of(tracker)
        if means_the_visitor(text, language=language_of(tracker)):
            dispatcher.utter_message(text=say(lang, "All right, the appointment is for you."))
            return self.accept({"patient_name": None, "patient_relation": None})
        patient = read_patient(text, language=language_of(tracker))
        if patient and patient.name:
            return self.accept({"patient_name": patient.name, "patient_relation": patient.relation})
        name = patient_name_in(text, language=language_of(tracker))
        if name is None or patient:
            patient = for_visitor(
                None, tracker.get_slot("patient_relation") or "patient", language=language_of(tracker)
            )  # "your mother"
            message = say(
                lang, "Please tell me {patient}'s full name, for example Rosa Lopez.", patient=patient
            )
            return self.reject(dispatcher, tracker, "patient_name", message)
        return self.accept({"patient_name": name})


class ValidateCallbackForm(RequestFormValidator):
    def name(self) -> str:
        return "validate_callback_form"
