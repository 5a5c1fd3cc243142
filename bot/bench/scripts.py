"""The scripted conversations the bench sends: our FAQ questions and whole bookings, the stock bot's chat.

Every conversation stays well under bot.web's per-conversation limit (20 turns a minute) because none
is longer than ten turns; load is raised by running more conversations at once, never longer ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.booking.dates import next_open_day
from bot.booking.hours import OpeningHours

FAQ = "faq"
BOOKING = "booking"
STOCK_KIND = "stock"


@dataclass(frozen=True)
class Script:
    kind: str
    turns: tuple[str, ...]
    expects_code: bool = False  # the last answer must carry a reference code (a booking went through)


FAQ_QUESTIONS = (
    "what is prolotherapy?",
    "how do prolotherapy injections work",
    "does prolotherapy help with sciatica?",
    "how many injections will I need",
    "what are the side effects",
    "how long is the recovery",
    "is prolotherapy covered by insurance",
    "who performs it?",
    "what is in the injection",
    "is prolotherapy an alternative to spine surgery",
)

# The same questions as a Spanish-speaking visitor asks them (the Spanish model's path).
FAQ_QUESTIONS_ES = (
    "¿qué es la proloterapia?",
    "¿cómo funcionan las inyecciones de proloterapia?",
    "¿la proloterapia ayuda con la ciática?",
    "¿cuántas inyecciones voy a necesitar?",
    "¿cuáles son los efectos secundarios?",
    "¿cuánto dura la recuperación?",
    "¿el seguro cubre la proloterapia?",
    "¿quién la hace?",
    "¿qué tiene la inyección?",
    "¿la proloterapia es una alternativa a la cirugía de columna?",
)
MONTHS_ES = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]

STOCK_CONVERSATIONS = (
    ("hello", "I am sad", "yes", "bye"),
    ("hi", "I am feeling great", "are you a bot?", "goodbye"),
    ("good morning", "I'm unhappy", "no", "bye"),
    ("hey", "perfect, very good", "am I talking to a human?", "see you later"),
)


def preferred_day(today: date, hours: OpeningHours) -> date:
    """A day the practice is open, a few days ahead, so the booking is valid whatever day the bench runs."""
    return next_open_day(today + timedelta(days=2), hours)


def booking(day: date) -> Script:
    return Script(
        BOOKING,
        (
            "hello",
            "I'd like to book an appointment",
            "Tom Stopford",
            "212 555 0199",
            "jane@example.org",
            f"{day:%B} {day.day}",
            "afternoon",
            "sciatica",
            "yes",
            "yes",
        ),
        expects_code=True,
    )


def booking_es(day: date) -> Script:
    return Script(
        BOOKING,
        (
            "hola",
            "quiero pedir una cita",
            "Tomás Stopford",
            "212 555 0199",
            "jane@example.org",
            f"el {day.day} de {MONTHS_ES[day.month - 1]}",
            "por la tarde",
            "ciática",
            "sí",
            "sí",
        ),
        expects_code=True,
    )


def faq_conversations(size: int = 5, questions: tuple[str, ...] = FAQ_QUESTIONS) -> list[Script]:
    """FAQ-only conversations of `size` questions, each starting at another question."""
    count = len(questions)
    return [
        Script(FAQ, tuple(questions[(start + i) % count] for i in range(size)))
        for start in range(0, count, 2)
    ]


def our_conversations(today: date, hours: OpeningHours, language: str = "en") -> list[Script]:
    """FAQ conversations and bookings alternating, so every level sees both kinds."""
    spanish = language == "es"
    mixed: list[Script] = []
    for faq in faq_conversations(questions=FAQ_QUESTIONS_ES if spanish else FAQ_QUESTIONS):
        day = preferred_day(today, hours)
        mixed += [faq, booking_es(day) if spanish else booking(day)]
    return mixed


def stock_conversations() -> list[Script]:
    return [Script(STOCK_KIND, turns) for turns in STOCK_CONVERSATIONS]
