"""The booking actions speak the conversation's language: Spanish words, the same button payloads.

Text built by bot/booking (the read-back, dates) is that package's own concern and not asserted here.
"""

from __future__ import annotations

import ast
import string
from typing import Any

import pytest
import yaml
from rasa_sdk import Action
from rasa_sdk.executor import CollectingDispatcher

from actions.booking import ActionReviewRequest, ActionStartRequest, ActionStopRequest
from actions.booking_form import ValidateAppointmentForm
from actions.form_wording import _CHANGED
from actions.prompts import AskConsent, AskPhone, AskPreferredTime, AskReason, AskWhichField
from bot.conversation.wording import LOCALE_DIR
from bot.settings import ROOT
from tests.actions.conftest import make_tracker
from tests.actions.test_booking import complete_slots

MODULES = ("booking.py", "booking_form.py", "form_wording.py", "forms.py", "prompts.py")


async def say_all(action: Action, domain: dict, language: str | None, **kwargs: Any) -> list[dict]:
    slots = {**kwargs.pop("slots", {}), **({"language": language} if language else {})}
    dispatcher = CollectingDispatcher()
    await action.run(dispatcher, make_tracker(slots, **kwargs), domain)
    return dispatcher.messages


def titles(messages: list[dict]) -> list[str]:
    return [button["title"] for message in messages for button in message.get("buttons") or []]


def payloads(messages: list[dict]) -> list[str]:
    return [button["payload"] for message in messages for button in message.get("buttons") or []]


def texts_of(messages: list[dict]) -> list[str]:
    return [message.get("text") or "" for message in messages]


async def test_the_phone_question_in_spanish_keeps_the_skip_payload(domain: dict) -> None:
    messages = await say_all(AskPhone(), domain, "es", slots={"request_kind": "appointment"})
    assert messages[0]["text"].startswith("¿A qué número de teléfono puede llamarle el consultorio?")
    assert messages[0]["buttons"] == [{"title": "Omitir", "payload": "skip"}]


async def test_the_time_and_reason_questions_in_spanish(domain: dict) -> None:
    time = await say_all(AskPreferredTime(), domain, "es")
    assert time[0]["text"] == (
        "¿En qué momento del día le queda mejor? Atendemos pacientes de 08:00 a 17:00."
    )
    assert titles(time) == ["Por la mañana", "Por la tarde", "A cualquier hora"]
    assert payloads(time) == ["morning", "afternoon", "any time"]
    reason = await say_all(AskReason(), domain, "es")
    assert titles(reason) == ["Ciática", "Latigazo cervical", "Discos degenerativos"]
    assert payloads(reason) == ["sciatica", "whiplash", "degenerative disc"]


async def test_consent_is_asked_in_spanish_with_the_practice_name(domain: dict) -> None:
    messages = await say_all(AskConsent(), domain, "es")
    assert messages[0]["text"].startswith("¿Permite que Test Spine Clinic guarde estos datos")
    assert messages[0]["buttons"] == [
        {"title": "Sí", "payload": "/affirm"},
        {"title": "No", "payload": "/deny"},
    ]


async def test_the_patients_name_is_a_spanish_button_among_the_details(domain: dict) -> None:
    slots = {"request_kind": "appointment", "patient_relation": "mother"}
    messages = await say_all(AskWhichField(), domain, "es", slots=slots)
    assert texts_of(messages) == [
        "¿Qué dato desea cambiar?",
        "O un dato de su visita:",
        "O un dato de su visita:",
    ]
    assert "Nombre del paciente" in titles(messages)
    assert '/correct_field{"field": "patient_name"}' in payloads(messages)


async def test_the_read_back_buttons_in_spanish_keep_their_payloads(domain: dict) -> None:
    messages = await say_all(ActionReviewRequest(), domain, "es", slots=complete_slots())
    assert titles(messages) == ["Sí, envíela", "Cambiar algo", "Cancelar"]
    assert payloads(messages) == ["/affirm", "/correct_field", "/stop"]


async def test_a_stuck_form_offers_its_way_out_in_spanish(domain: dict) -> None:
    slots = {"request_kind": "appointment", "form_blocker": "stuck"}
    messages = await say_all(ActionReviewRequest(), domain, "es", slots=slots)
    assert messages[0]["text"].startswith("Lo siento, tengo dificultades con esa respuesta.")
    assert messages[0]["text"].endswith("También puede llamar al consultorio al (555) 010-0101.")
    assert titles(messages) == ["Intentar de nuevo", "Pedir que me llamen", "Terminar"]
    assert payloads(messages) == ["/book_appointment", "/request_callback", "/stop"]


async def test_nothing_to_review_and_stopping_in_spanish(domain: dict) -> None:
    nothing = await say_all(ActionReviewRequest(), domain, "es")
    assert nothing[0]["text"] == "No hay ninguna solicitud pendiente de enviar. ¿Desea solicitar una cita?"
    assert nothing[0]["buttons"] == [{"title": "Solicitar una cita", "payload": "/book_appointment"}]
    stopped = await say_all(ActionStopRequest(), domain, "es")
    assert stopped[0]["text"].startswith("De acuerdo, me detengo. No se ha enviado ni guardado nada.")


async def test_a_callback_request_starts_in_spanish(domain: dict) -> None:
    messages = await say_all(ActionStartRequest(), domain, "es", text="llámenme", intent="request_callback")
    assert texts_of(messages) == ["Claro, le pediré al consultorio que le devuelva la llamada."]


async def validate(domain: dict, language: str, requested: str, value: str, **slots: Any) -> list[dict]:
    dispatcher = CollectingDispatcher()
    all_slots = {"requested_slot": requested, "language": language, **slots}
    tracker = make_tracker(all_slots, text=value, candidates={requested: value})
    await ValidateAppointmentForm().run(dispatcher, tracker, domain)
    return dispatcher.messages


async def test_a_bad_answer_is_explained_in_spanish(domain: dict) -> None:
    messages = await validate(domain, "es", "email", "jane@", phone="+12125550199")
    assert texts_of(messages) == [
        "Ese correo electrónico no parece correcto; por favor, revíselo. "
        "O diga 'omitir' para dejarlo en blanco."
    ]


async def test_the_second_failure_offers_a_callback_in_spanish(domain: dict) -> None:
    messages = await validate(domain, "es", "full_name", "555 0199", form_failures=1)
    assert texts_of(messages)[0].startswith("Por favor, dígame su nombre completo, por ejemplo, Ana García.")
    assert "el consultorio puede devolverle la llamada" in texts_of(messages)[0]
    assert {"title": "Pedir que me llamen", "payload": "/request_callback"} in messages[0]["buttons"]


async def test_english_stays_word_for_word(domain: dict) -> None:
    stuck = {"request_kind": "appointment", "form_blocker": "stuck"}
    for language in ("en", None):
        messages = await say_all(ActionReviewRequest(), domain, language, slots=stuck)
        assert messages[0]["text"] == (
            "I'm sorry, I'm having trouble with that answer. Nothing has been sent yet. You can try "
            "again, leave just your name and phone number for a callback, or stop here. You can also "
            "call the practice at (555) 010-0101."
        )
        assert titles(messages) == ["Try again", "Request a callback", "Stop"]
        phone = await say_all(AskPhone(), domain, language, slots={"request_kind": "appointment"})
        assert phone[0]["buttons"] == [{"title": "Skip", "payload": "skip"}]
        patient = await say_all(
            ValidateAppointmentForm(),
            domain,
            language,
            slots={"requested_slot": "patient_name", "patient_relation": "mother"},
            text="12345",
            candidates={"patient_name": "12345"},
        )
        assert texts_of(patient) == ["Please tell me your mother's full name, for example Rosa Lopez."]
    email = await validate(domain, "en", "email", "jane@", phone="+12125550199")
    assert texts_of(email) == [
        "That e-mail address doesn't look right, please check it. Or say 'skip' to leave it out."
    ]


def said_literals() -> set[str]:
    """The English texts every `say(language, "...")` of the booking actions passes, and their dicts."""
    found = set(_CHANGED.values())
    for name in MODULES:
        tree = ast.parse((ROOT / "actions" / name).read_text(encoding="utf-8"))
        found.update(text for node in ast.walk(tree) if (text := _said(node)))
    return found


def _said(node: ast.AST) -> str | None:
    if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "say" and len(node.args) > 1):
        return None
    text = node.args[1]
    return text.value if isinstance(text, ast.Constant) and isinstance(text.value, str) else None


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


@pytest.fixture(scope="module")
def entries() -> dict[str, str]:
    return yaml.safe_load((LOCALE_DIR / "es" / "booking_actions.yml").read_text(encoding="utf-8"))


def test_every_text_of_the_booking_actions_has_a_spanish_entry(entries: dict[str, str]) -> None:
    assert sorted(said_literals() - set(entries)) == []


def test_the_spanish_entries_keep_the_placeholders(entries: dict[str, str]) -> None:
    assert {
        english: spanish
        for english, spanish in entries.items()
        if placeholders(english) != placeholders(spanish)
    } == {}
