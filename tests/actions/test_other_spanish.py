"""The greeting, notice, questions, lookup and handoff actions in a Spanish conversation (issue 17):
the same choices with the same payloads, in Spanish; an English conversation is worded as before."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Action
from rasa_sdk.executor import CollectingDispatcher

import actions.handoff
from actions.greeting import GREETING_BUTTONS, ActionGreet
from actions.handoff import PERSON_BUTTON, WAITING_TEXT, ActionHandoffUnanswered, ActionTalkToPerson
from actions.lookup import (
    ALREADY_CLOSED,
    CANCEL_BUTTONS,
    NO_MATCH,
    VERIFIED,
    ActionCancelRequest,
    ActionLookupResult,
    ValidateLookupForm,
)
from actions.questions import (
    _OFFER_BUTTONS,
    ActionAboutPractice,
    ActionEmergency,
    ActionMisunderstood,
    ActionOfferContact,
    ActionSessionStart,
    ActionSpanishNotice,
    spanish_notice_text,
)
from bot.conversation.safety import EMERGENCY_TEXT, EMERGENCY_TEXT_ES
from bot.conversation.wording import catalog
from bot.store.db import UnitOfWork
from tests.actions.conftest import CLOSED, make_tracker, slot_events, texts, user_event
from tests.actions.test_handoff import ask

SPANISH = {"language": "es"}
PHONE = "(555) 010-0101"


async def run(action: Action, tracker: Any, domain: dict) -> tuple[CollectingDispatcher, list[dict]]:
    dispatcher = CollectingDispatcher()
    return dispatcher, await action.run(dispatcher, tracker, domain)


def payloads(dispatcher: CollectingDispatcher) -> list[list[str]]:
    return [[b["payload"] for b in m.get("buttons") or []] for m in dispatcher.messages]


def titles(dispatcher: CollectingDispatcher) -> list[str]:
    return [b["title"] for m in dispatcher.messages for b in m.get("buttons") or []]


async def in_both(action: Action, domain: dict, **kwargs: Any) -> tuple[CollectingDispatcher, ...]:
    """The action's answer in an English and in a Spanish conversation; the choices are the same."""
    slots = kwargs.pop("slots", {})
    english, _ = await run(action, make_tracker({"language": "en", **slots}, **kwargs), domain)
    spanish, _ = await run(action, make_tracker({**slots, **SPANISH}, **kwargs), domain)
    assert payloads(spanish) == payloads(english)
    assert len(texts(spanish)) == len(texts(english))
    return english, spanish


async def test_the_greeting_in_spanish_offers_the_same_choices(domain: dict) -> None:
    english, spanish = await in_both(ActionGreet(), domain, intent="greet")
    assert texts(english) == [
        "Hello! I'm the virtual assistant of Test Spine Clinic. I can take an appointment request or a "
        "callback request, and check or cancel a request you've made."
    ]
    assert titles(english) == [b["title"] for b in GREETING_BUTTONS]
    assert texts(spanish)[0].startswith("¡Hola! Soy el asistente virtual de Test Spine Clinic.")
    assert titles(spanish) == ["Solicitar una cita", "Pedir que me llamen", "Consultar una solicitud"]


async def test_the_notice_in_spanish(domain: dict) -> None:
    dispatcher, _ = await run(ActionSessionStart(), make_tracker(SPANISH), domain)
    (notice,) = texts(dispatcher)
    assert "Test Spine Clinic" in notice and "no consejos médicos" in notice


@pytest.mark.parametrize("form", [None, "appointment_form", "lookup_form"])
async def test_offer_contact_in_spanish(domain: dict, form: str | None) -> None:
    english, spanish = await in_both(ActionOfferContact(), domain, intent="unknown", active_loop=form)
    assert PHONE in texts(spanish)[0] and texts(spanish) != texts(english)
    assert texts(spanish)[0].startswith("El consultorio puede responderle eso")
    if form is None:
        assert titles(english) == [b["title"] for b in _OFFER_BUTTONS]
        assert titles(spanish) == ["Pedir que me llamen", "Solicitar una cita"]


async def test_about_the_practice_in_spanish(domain: dict) -> None:
    english, spanish = await in_both(ActionAboutPractice(), domain)
    assert texts(english)[0].startswith("I'm the assistant of Test Spine Clinic. My answers come from")
    assert texts(spanish)[0].startswith("Soy el asistente de Test Spine Clinic.")
    assert PHONE in texts(spanish)[0] and "Prolotherapy for Back Pain" in texts(spanish)[0]


async def test_the_emergency_reply_follows_the_conversation(domain: dict) -> None:
    english, spanish = await in_both(ActionEmergency(), domain, text="I can't control my bladder")
    assert (texts(english), texts(spanish)) == ([EMERGENCY_TEXT], [EMERGENCY_TEXT_ES])


async def test_the_spanish_notice_is_kept_for_an_english_conversation(domain: dict) -> None:
    dispatcher, _ = await run(ActionSpanishNotice(), make_tracker(text="hola, hablo español"), domain)
    assert texts(dispatcher) == [spanish_notice_text("Test Spine Clinic", PHONE)]
    assert payloads(dispatcher) == [["/request_callback"]]


async def test_a_spanish_conversation_gets_a_welcome_not_the_english_only_notice(domain: dict) -> None:
    dispatcher, _ = await run(ActionSpanishNotice(), make_tracker(SPANISH, text="¿habla español?"), domain)
    (text,) = texts(dispatcher)
    assert text.startswith("¡Hola!") and "inglés" not in text
    assert payloads(dispatcher) == [[b["payload"] for b in GREETING_BUTTONS]]


@pytest.mark.parametrize(
    ("intent", "start"),
    [("nlu_fallback", "Disculpe, no le entendí bien."), ("out_of_scope", "Disculpe, solo puedo")],
)
async def test_a_misunderstanding_in_spanish(domain: dict, intent: str, start: str) -> None:
    _, spanish = await in_both(ActionMisunderstood(), domain, intent=intent)
    assert texts(spanish)[0].startswith(start)


async def test_the_ladders_offer_in_spanish(domain: dict, clock) -> None:
    earlier = [user_event("hola", "greet", 10.0), user_event("zzz", "nlu_fallback", 20.0)]
    tracker = make_tracker(SPANISH, text="¿qué tiempo hace?", intent="out_of_scope", events=earlier)
    dispatcher, _ = await run(ActionMisunderstood(), tracker, domain)
    assert texts(dispatcher)[0].startswith("Lo siento, no puedo ayudarle con eso.")
    assert payloads(dispatcher) == [["/request_callback", "/book_appointment", "/talk_to_person"]]
    assert titles(dispatcher) == ["Pedir que me llamen", "Solicitar una cita", "Hablar con una persona"]


async def lookup(domain: dict, requested: str, value: str, **slots: Any) -> tuple[dict, list[str]]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        {"requested_slot": requested, **slots}, text=value, candidates={requested: value}, sender="other"
    )
    return slot_events(await ValidateLookupForm().run(dispatcher, tracker, domain)), texts(dispatcher)


async def test_a_code_that_is_no_code_in_spanish(domain: dict, store: UnitOfWork) -> None:
    _, said = await lookup(domain, "lookup_reference", "mi código es 1234", **SPANISH)
    assert said == ["Eso no parece un código de referencia. Los códigos son así: PRL-7KQ3MX."]
    _, said = await lookup(domain, "lookup_reference", "my code is 1234")
    assert said == ["That doesn't look like a reference code. They look like PRL-7KQ3MX."]


async def test_a_wrong_contact_in_spanish(domain: dict, reference: str) -> None:
    slots = {"lookup_reference": reference, **SPANISH}
    _, said = await lookup(domain, "lookup_contact", "999 999 9999", **slots)
    assert said == [catalog("es")[NO_MATCH]]


async def test_cancelling_asks_and_answers_in_spanish(domain: dict, reference: str) -> None:
    slots = {"lookup_reference": reference, "lookup_contact": VERIFIED, "lookup_purpose": "cancel"}
    english, spanish = await in_both(ActionLookupResult(), domain, slots=slots)
    assert texts(english)[0].startswith(f"Do you want to cancel request {reference} for ")
    assert texts(spanish)[0].startswith(f"¿Desea cancelar la solicitud {reference} para ")
    assert titles(english) == [b["title"] for b in CANCEL_BUTTONS]
    assert titles(spanish) == ["Sí, cancelarla", "No, mantenerla"]

    dispatcher, _ = await run(ActionCancelRequest(), make_tracker({**slots, **SPANISH}), domain)
    assert texts(dispatcher) == [
        f"Su solicitud {reference} ha sido cancelada. Si desea hacer una nueva, solo dígamelo."
    ]
    dispatcher, _ = await run(ActionLookupResult(), make_tracker({**slots, **SPANISH}), domain)
    assert texts(dispatcher) == [
        f"La solicitud {reference} ya está cancelada, así que no hay nada que cancelar."
    ]


async def test_cancelling_unconfirmed_in_spanish(domain: dict) -> None:
    english, spanish = await in_both(ActionCancelRequest(), domain, slots={"lookup_reference": "PRL-7KQ3MX"})
    assert texts(english) == ["I can only cancel a request once you've confirmed it is yours."]
    assert texts(spanish) == ["Solo puedo cancelar una solicitud cuando usted haya confirmado que es suya."]


async def test_waiting_for_staff_in_spanish(domain: dict, store: UnitOfWork, clock) -> None:
    dispatcher, _ = await run(ActionTalkToPerson(), ask(slots=SPANISH), domain)
    assert dispatcher.messages[0]["text"] == catalog("es")[WAITING_TEXT]
    assert dispatcher.messages[0]["custom"] == {"handoff": "waiting"}
    assert actions.handoff.person_buttons(ask(slots=SPANISH)) == [
        {"title": "Hablar con una persona", "payload": PERSON_BUTTON["payload"]}
    ]


async def test_no_live_chat_in_spanish(domain: dict, clock) -> None:
    elsewhere = ask("twilio:+12125550199", "twilio", slots=SPANISH)
    dispatcher, _ = await run(ActionTalkToPerson(), elsewhere, domain)
    assert texts(dispatcher)[0].startswith("El chat en vivo con el personal del consultorio solo está")
    clock(CLOSED)
    dispatcher, _ = await run(ActionTalkToPerson(), ask(slots=SPANISH), domain)
    assert texts(dispatcher)[0].startswith("El horario del personal del consultorio es: ")
    assert "Ahora nadie puede unirse a este chat" in texts(dispatcher)[0]
    dispatcher, _ = await run(ActionHandoffUnanswered(), make_tracker(SPANISH), domain)
    (said,) = texts(dispatcher)
    assert said.startswith("Lo siento, nadie del consultorio pudo unirse al chat")
    assert "El horario del personal del consultorio es: " in said and PHONE in said


def test_every_text_kept_in_a_constant_has_its_spanish() -> None:
    """Texts said through a name rather than a literal, which a scan of say("...") calls cannot see."""
    buttons = [*GREETING_BUTTONS, *_OFFER_BUTTONS, PERSON_BUTTON, *CANCEL_BUTTONS]
    english = [
        WAITING_TEXT,
        NO_MATCH,
        EMERGENCY_TEXT,
        *ALREADY_CLOSED.values(),
        *(b["title"] for b in buttons),
    ]
    assert [text for text in english if text not in catalog("es")] == []


async def test_a_widget_visitor_writing_spanish_is_moved_to_the_spanish_model(domain: dict) -> None:
    """bot.web acts on `switch_language`; other channels never get it (their connectors would send it)."""
    web, _ = await run(
        ActionSpanishNotice(), make_tracker(text="hola, hablo español", sender="web-abc"), domain
    )
    assert web.messages[0]["custom"] == {"switch_language": "es"}
    assert texts(web)[-1] == spanish_notice_text("Test Spine Clinic", PHONE)  # if Spanish is not served
    telegram, _ = await run(
        ActionSpanishNotice(), make_tracker(text="hola, hablo español", sender="telegram:1"), domain
    )
    assert all(not m.get("custom") for m in telegram.messages)
