"""The booking logic in Spanish (issue 17): dates, names, patients, reasons, corrections, first messages
and the read-back, each with `language="es"`; English stays as it was (the other suites)."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.booking.contact import (
    affirms,
    clean_name,
    declines,
    denies,
    implausible_name,
    is_stop_request,
    looks_like_question,
)
from bot.booking.corrections import Correction, announced_correction, read_correction
from bot.booking.dates import describe_date, read_preferred_date, read_time_of_day
from bot.booking.hours import OpeningHours
from bot.booking.patient import (
    Patient,
    for_visitor,
    means_the_visitor,
    patient_name_in,
    read_patient,
    says_only_patient,
)
from bot.booking.prefill import asks_for_visit, details_in
from bot.booking.reasons import read_reason
from bot.booking.wording import noted_text, received_text, review_text, status_text, summary_lines

HOURS = OpeningHours(frozenset(range(5)), time(8), time(17))
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("America/New_York"))  # a Wednesday


@pytest.mark.parametrize(
    ("text", "day", "hint"),
    [
        ("el martes que viene", date(2026, 12, 8), None),
        ("el próximo martes", date(2026, 12, 8), None),
        ("el martes", date(2026, 12, 8), None),
        ("mañana por la tarde", date(2026, 12, 3), "afternoon"),
        ("Mañana", date(2026, 12, 3), None),
        ("pasado mañana", date(2026, 12, 4), None),
        ("3 de diciembre", date(2026, 12, 3), None),
        ("el lunes 7", date(2026, 12, 7), None),
        ("el martes 8 de diciembre", date(2026, 12, 8), None),
        ("la semana que viene", date(2026, 12, 9), None),
        ("el 15", date(2026, 12, 15), None),
        ("el jueves por la mañana", date(2026, 12, 3), "morning"),
        ("el miercoles a las 3 de la tarde", date(2026, 12, 9), "15:00"),
        ("dentro de dos semanas", date(2026, 12, 16), None),
    ],
)
def test_spanish_dates_are_read(text: str, day: date, hint: str | None) -> None:
    answer = read_preferred_date(text, NOW, HOURS, language="es")
    assert (answer.value, answer.problem, answer.time_hint) == (day, None, hint)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("el domingo", "closed"),
        ("el 1 de diciembre", "too_far"),  # the next 1 December is a year away
        ("no sé", "unclear"),
        ("ayer", "unclear"),
    ],
)
def test_spanish_dates_that_do_not_work_say_why(text: str, problem: str) -> None:
    assert read_preferred_date(text, NOW, HOURS, language="es").problem == problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("por la mañana", "morning"),
        ("en la tarde", "afternoon"),
        ("la tarde", "afternoon"),
        ("temprano", "morning"),
        ("después del almuerzo", "afternoon"),
        ("me da igual", "any time"),
        ("a cualquier hora", "any time"),
        ("a las 10", "10:00"),
        ("a las 3 de la tarde", "15:00"),
        ("tarde", "afternoon"),
        ("mañana", "morning"),  # the answer to "what time of day?": the morning
        ("por las mañanas", "morning"),
        ("mañana por la tarde", "afternoon"),
        ("por la noche", None),  # closed by then
        ("a las 7 de la mañana", None),
        ("no sé", None),
    ],
)
def test_spanish_times_of_day(text: str, expected: str | None) -> None:
    assert read_time_of_day(text, HOURS, NOW, language="es") == expected


def test_spanish_descriptions_of_dates_and_hours() -> None:
    assert describe_date(date(2026, 12, 8), language="es") == "el martes 8 de diciembre"
    assert describe_date(date(2026, 12, 9), language="es") == "el miércoles 9 de diciembre"
    assert describe_date(date(2026, 12, 8)) == "Tuesday, December 8"
    assert HOURS.describe(language="es") == "de lunes a viernes, 08:00–17:00"
    assert HOURS.describe() == "Monday to Friday, 08:00–17:00"
    some = OpeningHours(frozenset({0, 2, 4}), time(9), time(13))
    assert some.describe_days(language="es") == "lunes, miércoles y viernes"


@pytest.mark.parametrize(
    "text", ["sí", "si", "Sí.", "no", "claro", "hola", "buenas", "buenas tardes", "¿para qué?"]
)
def test_spanish_answers_that_are_not_names(text: str) -> None:
    assert implausible_name(text, language="es")


@pytest.mark.parametrize("text", ["María José García", "José", "Si Ling", "Claro Ruiz", "Ana"])
def test_spanish_names_are_names(text: str) -> None:
    assert not implausible_name(text, language="es")


def test_spanish_name_lead_ins_are_dropped() -> None:
    assert clean_name("me llamo María López", language="es") == "María López"
    assert clean_name("Mi nombre es Ana Ruiz", language="es") == "Ana Ruiz"
    assert clean_name("soy pedro gómez", language="es") == "pedro gómez"


def test_spanish_yes_no_and_none() -> None:
    assert affirms("Sí, envíela", language="es") and affirms("claro que sí!", language="es")
    assert affirms("está bien", language="es") and not affirms("no", language="es")
    assert denies("No, está mal", language="es") and denies("incorrecto", language="es")
    assert declines("No tengo correo", language="es") and declines("ninguno", language="es")
    assert not declines("ana@example.com", language="es")


def test_spanish_stop_requests_and_questions() -> None:
    assert is_stop_request("cancelar", language="es")
    assert is_stop_request("Ya no quiero la cita", language="es")
    assert not is_stop_request("Carmen Cancela", language="es")
    assert looks_like_question("¿cuánto cuesta?", language="es")
    assert looks_like_question("cuanto cuesta", language="es")
    assert not looks_like_question("ciática", language="es")


@pytest.mark.parametrize(
    ("text", "patient", "only"),
    [
        ("es para mi madre Rosa", Patient("mother", "Rosa"), True),
        ("la cita es para mi hijo", Patient("son"), True),
        ("para mi esposa", Patient("wife"), True),
        ("no, es para mi hijo", Patient("son"), True),
        ("Es para mi mamá, Rosa López", Patient("mother", "Rosa López"), True),
        ("es para mi hija menor Ana", Patient("daughter", "Ana"), True),
        ("para mi hijo que tiene ciática", Patient("son"), False),
        ("para mi papá el martes", Patient("father"), False),
        ("me lastimé la espalda cargando a mi hijo", None, False),
    ],
)
def test_spanish_patients(text: str, patient: Patient | None, only: bool) -> None:
    assert read_patient(text, language="es") == patient
    assert says_only_patient(text, language="es") is only
    assert read_patient(text) is None  # English reads no Spanish


def test_the_spanish_patient_answers_and_read_back() -> None:
    assert for_visitor("Rosa", "mother", language="es") == "Rosa (su madre)"
    assert for_visitor(None, "son", language="es") == "su hijo"
    assert for_visitor("Rosa", "mother") == "Rosa (your mother)"
    assert means_the_visitor("es para mí", language="es") and means_the_visitor("para mi", language="es")
    assert not means_the_visitor("Rosa", language="es")
    assert patient_name_in("se llama Rosa López", language="es") == "Rosa López"
    assert patient_name_in("Su nombre es Ana Ruiz", language="es") == "Ana Ruiz"
    assert patient_name_in("sí", language="es") is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("ciática", "sciatica"),
        ("ciatica", "sciatica"),
        ("mi ciática me está molestando", "sciatica"),
        ("latigazo cervical", "whiplash"),
        ("discos degenerativos", "degenerative disc"),
        ("degeneración de discos", "degenerative disc"),
        ("lesión de tejidos blandos", "soft-tissue injury"),
        ("un esguince", "soft-tissue injury"),
        ("dolor de espalda", "back pain"),
        ("dolor lumbar", "lower back pain"),
        ("me duele el cuello", "neck pain"),
        ("me duele la rodilla", "me duele la rodilla"),
        ("otra cosa", None),
        ("no sé", None),
    ],
)
def test_spanish_reasons(text: str, reason: str | None) -> None:
    assert read_reason(text, language="es") == reason


@pytest.mark.parametrize(
    ("text", "correction"),
    [
        ("en realidad mi número es 212 555 0143", Correction("phone", "212 555 0143")),
        ("no, el teléfono está mal", Correction("phone")),
        ("no, el teléfono está mal, es 212 555 0143", Correction("phone", "212 555 0143")),
        ("cambie el correo", Correction("email")),
        ("perdón, mi correo es ana@example.com", Correction("email", "ana@example.com")),
        ("me equivoqué de día", Correction("preferred_date")),
        ("cambie la fecha al viernes", Correction("preferred_date", "viernes")),
        ("no, mejor el jueves", Correction("preferred_date", "jueves")),
        ("la hora está mal, por la tarde", Correction("preferred_time", "por la tarde")),
        ("no, el apellido es Pérez", Correction("full_name", "Pérez")),
        ("el nombre de mi madre está mal, es Rosa", Correction("patient_name", "Rosa")),
        ("número de teléfono", Correction("phone")),
        ("no tengo correo", Correction("email")),  # as "no email": no new value, the form's question decides
        ("quiero una cita", None),
        ("¿qué es la proloterapia?", None),
    ],
)
def test_spanish_corrections(text: str, correction: Correction | None) -> None:
    assert read_correction(text, language="es") == correction


@pytest.mark.parametrize("text", ["todo el día", "a la hora que sea", "por la tarde", "Rosa López"])
def test_spanish_answers_about_the_time_correct_nothing(text: str) -> None:
    assert read_correction(text, language="es") is None


def test_spanish_text_typed_decomposed_keeps_its_accents() -> None:
    decomposed = unicodedata.normalize("NFD", "es para mi mamá José")
    assert read_patient(decomposed, language="es") == Patient("mother", "José")
    assert read_correction(unicodedata.normalize("NFD", "no, el apellido es Pérez"), language="es") == (
        Correction("full_name", "Pérez")
    )


def test_spanish_announced_corrections() -> None:
    assert announced_correction("en realidad mi número es 212 555 0143", language="es") == Correction(
        "phone", "212 555 0143"
    )
    assert announced_correction("mi nombre es José García", language="es") is None  # an answer, not a fix
    assert read_correction("mi nombre es José García", language="es") == Correction(
        "full_name", "José García"
    )


@pytest.mark.parametrize(
    "text",
    [
        "¿puedo ir el martes que viene por la tarde? mi ciática me está molestando",
        "quiero una cita",
        "necesito pedir una cita",
        "¿tienen algo para mañana temprano?",
        "quisiera ver al médico",
    ],
)
def test_spanish_requests_for_a_visit(text: str) -> None:
    assert asks_for_visit(text, "inform", language="es")
    assert not asks_for_visit(text, "book_appointment", language="es")


def test_a_spanish_first_message_fills_the_form() -> None:
    text = "¿puedo ir el martes que viene por la tarde? mi ciática me está molestando"
    assert details_in(text, NOW, HOURS, language="es") == {
        "preferred_date": "2026-12-08",
        "preferred_time": "afternoon",
        "reason": "sciatica",
        "reason_text": "mi ciática me está molestando",
    }
    text = "hola, quisiera una cita para mi madre Rosa el jueves por la mañana, tiene dolor de espalda"
    assert details_in(text, NOW, HOURS, language="es") == {
        "preferred_date": "2026-12-03",
        "preferred_time": "morning",
        "reason": "back pain",
        "reason_text": "tiene dolor de espalda",
        "patient_relation": "mother",
        "patient_name": "Rosa",
    }
    assert details_in("quiero una cita", NOW, HOURS, language="es") == {}


SLOTS = {
    "full_name": "Ana López",
    "phone": "+12125550143",
    "email": "ana@example.com",
    "preferred_date": "2026-12-08",
    "preferred_time": "afternoon",
    "reason": "sciatica",
    "reason_text": "mi ciática me molesta",
    "patient_relation": "mother",
    "patient_name": "Rosa",
}


def test_the_spanish_read_back() -> None:
    assert review_text(SLOTS, "appointment", language="es").splitlines() == [
        "Esta es su solicitud de cita:",
        "• Nombre: Ana López",
        "• Paciente: Rosa (su madre)",
        "• Teléfono: +1 212-555-0143",
        "• Correo electrónico: ana@example.com",
        "• Fecha preferida: el martes 8 de diciembre",
        "• Hora del día: por la tarde",
        "• Motivo: ciática (en sus palabras: “mi ciática me molesta”)",
        "¿La envío al consultorio?",
    ]
    assert summary_lines({"reason": "my own words"}, language="es") == ["• Motivo: my own words"]
    assert noted_text(SLOTS, language="es") == (
        "el martes 8 de diciembre, por la tarde, ciática como motivo, que es para Rosa (su madre)"
    )


def test_the_spanish_request_received_and_status() -> None:
    received = received_text("PRL-7KQ3MX", "appointment", "Spine Care", language="es")
    assert (
        "PRL-7KQ3MX" in received and "Spine Care le llamará" in received and received.startswith("¡Gracias!")
    )
    assert "devolverá la llamada" in received_text("PRL-7KQ3MX", "callback", "Spine Care", language="es")
    assert status_text("PRL-7KQ3MX", "new", date(2026, 12, 8), "morning", language="es") == (
        "Su solicitud PRL-7KQ3MX para el martes 8 de diciembre (por la mañana): "
        "recibida; el consultorio le llamará para confirmar la hora."
    )
    assert status_text("PRL-7KQ3MX", "new", date(2026, 12, 8), "morning") == (
        "Your request PRL-7KQ3MX for Tuesday, December 8 (morning) is received; "
        "the practice will call you to confirm a time."
    )
