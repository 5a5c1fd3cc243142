"""Everything around the article's answers: the notice, honest limits, safety and misunderstandings.

The answers themselves come from the ResponseSelector (`utter_faq/<topic>`); these actions add what
depends on settings (the practice's phone and name) or on the conversation so far.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import (
    ActionExecuted,
    ActiveLoop,
    EventType,
    FollowupAction,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
)
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.booking import clear_form, review_pending
from actions.context import language_of, latest_text, settings
from actions.greeting import greet
from actions.handoff import person_buttons
from bot.booking.contact import affirms, denies
from bot.conversation.safety import emergency_text
from bot.conversation.wording import say, say_buttons

REQUEST_FORMS = ("appointment_form", "callback_form")  # the forms whose request makes the practice call

ARTICLE_AUTHOR = "Stefano Sinicropi"
ARTICLE_TITLE = "Prolotherapy for Back Pain – Is it Effective?"
_MISUNDERSTOOD = ("nlu_fallback", "out_of_scope")
# The intents the rules answer with action_misunderstood. For any other it ran as RulePolicy's core
# fallback, and must take the message back (as Rasa's action_default_fallback does): otherwise the
# policies predict it again and again until Rasa's circuit breaker stops the conversation for good.
_RULE_INTENTS = (*_MISUNDERSTOOD, "inform")
_CARRIED_OVER = ("notice_shown", "last_reference")
# Actions Rasa runs around every turn; they answer nothing.
_BOOKKEEPING = ("action_listen", "action_extract_slots", "action_session_start")
_OFFER_BUTTONS = [
    {"title": "Request a callback", "payload": "/request_callback"},
    {"title": "Request an appointment", "payload": "/book_appointment"},
]


def notice_text(practice_name: str, language: str = "en") -> str:
    return say(
        language,
        "Hi, I'm the virtual assistant of {practice_name}. I give general information about prolotherapy "
        "from the practice's article, not medical advice. If you leave a request, the practice uses your "
        "details only to contact you about it.",
        practice_name=practice_name,
    )


class ActionSessionStart(Action):
    """Start each session with the notice, once per conversation, and keep what must carry over."""

    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        events: list[EventType] = [SessionStarted()]
        events += [SlotSet(slot, tracker.get_slot(slot)) for slot in _CARRIED_OVER if tracker.get_slot(slot)]
        if not tracker.get_slot("notice_shown"):
            dispatcher.utter_message(text=notice_text(settings().practice_name, language_of(tracker)))
            events.append(SlotSet("notice_shown", True))
        events.append(ActionExecuted("action_listen"))
        return events


class ActionOfferContact(Action):
    """After "I don't have that information": the way forward, with the practice's real phone."""

    def name(self) -> str:
        return "action_offer_contact"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        phone, form = settings().practice_phone, tracker.active_loop.get("name")
        language = language_of(tracker)
        if form in REQUEST_FORMS:  # the request being made is the way forward: they will call
            dispatcher.utter_message(
                text=say(
                    language,
                    "The practice can answer that when they call you, or call them at {phone}.",
                    phone=phone,
                )
            )
        elif form:  # a status check or a cancellation: nobody calls because of it
            dispatcher.utter_message(
                text=say(language, "The practice can answer that: call them at {phone}.", phone=phone)
            )
        else:
            dispatcher.utter_message(
                text=say(
                    language,
                    "The practice can answer that: call them at {phone}, or I can take a callback request "
                    "or an appointment request for you.",
                    phone=phone,
                ),
                buttons=say_buttons(language, _OFFER_BUTTONS),
            )
        return []


class ActionAnswerQuestions(Action):
    """Several questions in one message: the article's answer or the honest "don't know" for each.

    The parts come as `topic` entities (bot.rasa.nlu.QuestionSplitter), in the order they were asked. One
    offer of the practice's phone follows when any part is something the article does not say.
    """

    def name(self) -> str:
        return "action_answer_questions"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        responses = domain.get("responses") or {}
        topics = [
            entity.get("value")
            for entity in tracker.latest_message.get("entities") or []
            if entity.get("entity") == "topic" and f"utter_{entity.get('value')}" in responses
        ]
        unknown = any(topic.startswith("unknown/") for topic in topics)
        # The booking buttons go on the last answer, outside a form, when no contact offer follows.
        offer_buttons = not unknown and not tracker.active_loop.get("name")
        buttons: list[dict] = []
        for position, topic in enumerate(topics):
            response = responses[f"utter_{topic}"][0]
            buttons += [b for b in response.get("buttons") or [] if b not in buttons]
            last = position == len(topics) - 1
            dispatcher.utter_message(text=response["text"], buttons=buttons if last and offer_buttons else [])
        if unknown:
            await ActionOfferContact().run(dispatcher, tracker, domain)
        return []


class ActionAboutPractice(Action):
    def name(self) -> str:
        return "action_about_practice"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        config, hours = settings(), settings().practice_hours
        dispatcher.utter_message(
            text=say(
                language_of(tracker),
                "I'm the assistant of {practice_name}. My answers come from the practice's article "
                "“{title}” by {author}. You can reach the practice at {phone} or {email}; it is open "
                "{days}, {opens}–{closes}.",
                practice_name=config.practice_name,
                title=ARTICLE_TITLE,
                author=ARTICLE_AUTHOR,
                phone=config.practice_phone,
                email=config.practice_email,
                days=hours.describe_days(language=language_of(tracker)),
                opens=f"{hours.opens:%H:%M}",
                closes=f"{hours.closes:%H:%M}",
            )
        )
        return []


class ActionEmergency(Action):
    """Red-flag symptoms: the emergency message first, and no booking form."""

    def name(self) -> str:
        return "action_emergency"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        text = tracker.latest_message.get("text") or ""
        dispatcher.utter_message(text=emergency_text(text, language=language_of(tracker)))
        return [ActiveLoop(None), SlotSet("requested_slot", None), *clear_form()]


def spanish_notice_text(practice_name: str, phone: str) -> str:
    return (
        f"Hola. Soy el asistente virtual de {practice_name}. Por ahora solo puedo atenderle en inglés. "
        f"Puede llamar a la consulta al {phone}, donde le atenderán con gusto, o dejar su nombre y su "
        "teléfono para que le devuelvan la llamada (las preguntas son en inglés: nombre, teléfono y "
        "consentimiento). Si tiene síntomas graves, llame al 911."
    )


class ActionSpanishNotice(Action):
    """A Spanish-speaking visitor: the practice's phone and a callback, in Spanish, nothing invented.

    In a conversation that is already in Spanish the assistant does speak it: the Spanish welcome."""

    def name(self) -> str:
        return "action_spanish_notice"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        if language_of(tracker) == "es":
            greet(dispatcher, "es")
            return []
        if tracker.sender_id.startswith("web-"):
            # bot.web moves the widget's visitor to the Spanish model (when it is served) and answers
            # from there; the notice below is what is left where it is not.
            dispatcher.utter_message(json_message={"switch_language": "es"})
        current = settings()
        dispatcher.utter_message(
            text=spanish_notice_text(current.practice_name, current.practice_phone),
            buttons=[{"title": "Que me llamen (callback)", "payload": "/request_callback"}],
        )
        return []


class ActionMisunderstood(Action):
    """Ask to rephrase; after two misunderstandings in a row, offer a human callback instead (and a live
    chat with staff where someone can join)."""

    def name(self) -> str:
        return "action_misunderstood"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        taken_back = (
            []
            if (tracker.latest_message.get("intent") or {}).get("name") in _RULE_INTENTS
            else [UserUtteranceReverted()]
        )
        if review_pending(tracker):
            return [*taken_back, *self._at_review(dispatcher, tracker)]
        language = language_of(tracker)
        if misunderstandings_in_a_row(tracker) >= 2:
            dispatcher.utter_message(
                text=say(
                    language,
                    "I'm sorry I'm not able to help with that. Would you like someone from the practice to "
                    "call you back? You can also call them at {phone}.",
                    phone=settings().practice_phone,
                ),
                buttons=[*say_buttons(language, _OFFER_BUTTONS), *person_buttons(tracker)],
            )
        elif (tracker.latest_message.get("intent") or {}).get("name") == "out_of_scope":
            dispatcher.utter_message(
                text=say(
                    language,
                    "Sorry, I can only help with questions about prolotherapy and back pain, and with "
                    "appointment requests for the practice.",
                )
            )
        else:
            dispatcher.utter_message(
                text=say(
                    language,
                    "Sorry, I didn't quite understand. Could you rephrase that? I can answer questions about "
                    "prolotherapy or take an appointment request.",
                )
            )
        return taken_back

    @staticmethod
    def _at_review(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """The read-back never traps: a yes sends, a no asks what to change, anything else reads it again."""
        text, language = latest_text(tracker), language_of(tracker)
        if affirms(text, language=language):
            return [FollowupAction("action_submit_request")]
        if denies(text, language=language):
            return [FollowupAction("action_ask_which_field")]
        if misunderstandings_in_a_row(tracker) >= 2:
            dispatcher.utter_message(
                text=say(
                    language,
                    "I'm sorry, I didn't catch that. If it's easier, you can also call the practice at "
                    "{phone}. Here is your request again:",
                    phone=settings().practice_phone,
                )
            )
        else:
            dispatcher.utter_message(
                text=say(language, "Sorry, I didn't catch that. Here is your request again:")
            )
        return [FollowupAction("action_review_request")]


def misunderstandings_in_a_row(tracker: Tracker) -> int:
    """Visitor turns in a row, the current one included, that the bot answered as misunderstood.

    Counted by the bot's answer rather than the intent: a message the policies could not place gets
    the same rephrase prompt as an NLU fallback and must move the visitor up the same ladder. A turn
    with no recorded answer is judged by its intent.
    """
    turns: list[list] = []  # [intent, first action answering it]
    for event in tracker.events:
        if event.get("event") == "user":
            turns.append([((event.get("parse_data") or {}).get("intent") or {}).get("name"), None])
        elif (
            event.get("event") == "action"
            and turns
            and turns[-1][1] is None
            and event.get("name") not in _BOOKKEEPING
        ):
            turns[-1][1] = event.get("name")
    count = 0
    for position, (intent, action) in enumerate(reversed(turns)):
        current = position == 0
        if not (current or action == "action_misunderstood" or (action is None and intent in _MISUNDERSTOOD)):
            break
        count += 1
    return count
