"""Details a visitor gives while asking for an appointment ("can i come in next tuesday afternoon? my
sciatica is acting up"): the form starts with them filled and asks only what is missing.

Only what reads cleanly is taken: a day the practice is open, a time of day within its hours, a
condition the article names or a plain description of back or neck trouble. Anything else is simply
asked for, with the form's usual explanations. With `language="es"` the same is read in Spanish
("¿puedo ir el martes que viene por la tarde? mi ciática me está molestando").
"""

from __future__ import annotations

import re
from datetime import datetime

from bot.booking.dates import read_preferred_date, read_time_of_day
from bot.booking.hours import OpeningHours
from bot.booking.patient import read_patient
from bot.booking.reasons import CONDITIONS, SPANISH_COMPLAINTS, read_reason, reason_words
from bot.booking.spanish import fold

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_WEEKDAY = r"(?:mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun)(?:day|nesday|rsday|urday|sday)?"
_DATE_SPANS = tuple(
    re.compile(pattern, re.I)
    for pattern in (
        rf"\b(?:(?:next|this|coming|on)\s+)?{_WEEKDAY}\b(?:\s+(?:next|this)\s+week)?",
        r"\b(?:the\s+)?day after tomorrow\b|\btomorrow\b|\b(?:next|this)\s+week\b",
        rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b",
        rf"\b(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?=\W|$)",
        r"\bthe\s+\d{1,2}(?:st|nd|rd|th)\b",
        r"\b\d{1,2}/\d{1,2}\b",
        r"\bin\s+(?:a|one|two|three|four|\d)\s+(?:days?|weeks?)\b",
    )
)
_TIME_SPANS = (
    re.compile(r"\b(?:morning|afternoon|evening|any ?time|whenever|no preference)\b", re.I),
    re.compile(r"\b\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)", re.I),
    re.compile(r"\b(?:at\s+)\d{1,2}:\d{2}\b", re.I),
)
_COMPLAINT = re.compile(
    r"\b(?:(?:lower|upper|mid|middle|bad|sore|chronic|my)\s+)*(?:back|neck|spine|spinal|tailbone|hip)"
    r"(?:\s+(?:pain|ache|problems?|issues?|injury|trouble))?\b",
    re.I,
)


_VISIT = re.compile(
    r"\b(?:come in|get seen|be seen|get in|see (?:the|a|your) (?:doctor|physician|specialist|dr)|"
    r"appointments?|appt|book(?:ed|ing)?|schedule|availability|available|openings?|slots?|"
    r"fit me in|squeeze me in|"
    rf"anything (?:on |for )?(?:{_WEEKDAY}|tomorrow|next week))\b",
    re.I,
)
# What DIET makes of "can i come in next tuesday? my sciatica…": the answer words win over the ask.
_MISREAD_AS = frozenset(
    {"inform", "nlu_fallback", "goodbye", "greet", "help", "out_of_scope", "affirm", "thank"}
)


# The same in Spanish, matched without accents ("¿puedo ir el martes que viene por la tarde?").
_DAY_ES = r"(?:lunes|martes|miercoles|jueves|viernes|sabado|domingo)"
_MONTH_ES = r"(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|sep?tiembre|octubre|noviembre|diciembre)"
_PERIOD_ES = r"(?:\s+(?:por|en|de)\s+la\s+(?:mañana|tarde|noche))?"
_DATE_SPANS_ES = tuple(
    re.compile(pattern)
    for pattern in (
        rf"\b(?:(?:proximo|proxima)\s+)?{_DAY_ES}(?:\s+\d{{1,2}})?(?:\s+de\s+{_MONTH_ES})?"
        rf"(?:\s+(?:que\s+viene|proximo))?{_PERIOD_ES}",
        rf"\bpasado\s+mañana\b{_PERIOD_ES}",
        rf"(?<!la )(?<!pasado )\bmañana\b{_PERIOD_ES}",
        r"\b(?:la\s+)?(?:semana\s+que\s+viene|proxima\s+semana)\b",
        rf"\b\d{{1,2}}\s+de\s+{_MONTH_ES}\b",
        r"\bel\s+\d{1,2}\b(?!\s*(?::|/|de\s))",
        r"\b\d{1,2}/\d{1,2}\b",
        r"\b(?:dentro de|en)\s+(?:un|una|dos|tres|cuatro|\d)\s+(?:dias?|semanas?)\b",
    )
)
_TIME_SPANS_ES = (
    re.compile(
        r"\b(?:por|en|de)\s+la\s+(?:mañana|tarde|noche)\b|\btemprano\b|\bdespues del? (?:almuerzo|comer)\b"
        r"|\bcualquier hora\b|\bme da igual\b"
    ),
    re.compile(r"\ba\s+las?\s+\d{1,2}(?::\d{2})?(?:\s*(?:am|pm|de la mañana|de la tarde))?"),
)
_VISIT_ES = re.compile(
    r"\b(?:citas?|turno|consulta|reservar|agendar|programar|pedir hora|sacar hora|disponibilidad|"
    r"disponibles?|hueco|espacio|atender(?:me)?|verme|"
    r"ver(?:me)? (?:al|a la|a un|a una) (?:doctor|doctora|medico|medica|especialista)|"
    r"(?:puedo|podria|quiero|quisiera|necesito) (?:ir|pasar|venir)|"
    rf"algo (?:para )?(?:el )?(?:{_DAY_ES}|mañana|la semana que viene))\b"
)


def asks_for_visit(text: str, intent: str | None, language: str = "en") -> bool:
    """A message asking to be seen, read by NLU as something it is not (a form answer, a greeting)."""
    visit = _VISIT_ES.search(fold(text)) if language == "es" else _VISIT.search(text or "")
    return intent in _MISREAD_AS and bool(visit) and not (text or "").startswith("/")


def _first_date(
    text: str, now: datetime, hours: OpeningHours, region: str, language: str = "en"
) -> tuple[str, str | None] | None:
    spans, text = (_DATE_SPANS_ES, fold(text)) if language == "es" else (_DATE_SPANS, text)
    for pattern in spans:
        for match in pattern.finditer(text):
            answer = read_preferred_date(match.group(0), now, hours, region, language)
            if answer.value:
                return answer.value.isoformat(), answer.time_hint
    return None


def _time_of_day(
    text: str, hint: str | None, now: datetime, hours: OpeningHours, language: str = "en"
) -> str | None:
    if hint and (choice := read_time_of_day(hint, hours, now)):  # the date's hint is in English words
        return choice
    spans, text = (_TIME_SPANS_ES, fold(text)) if language == "es" else (_TIME_SPANS, text)
    for candidate in [m.group(0) for pattern in spans for m in pattern.finditer(text)]:
        if choice := read_time_of_day(candidate, hours, now, language):
            return choice
    return None


def _reason(text: str, language: str = "en") -> str | None:
    if language == "es":
        named = read_reason(text, language)
        return named if named in CONDITIONS or named in SPANISH_COMPLAINTS else None
    named = read_reason(text)
    if named in CONDITIONS:
        return named
    complaint = _COMPLAINT.search(text)
    if complaint:
        words = re.sub(r"^my\s+", "", complaint.group(0), flags=re.I).lower().split()
        if words[-1] in ("back", "neck", "spine", "spinal", "tailbone", "hip") and words[0] not in (
            "bad",
            "sore",
        ):
            words.append("pain")  # "my lower back" -> "lower back pain"
        return read_reason(" ".join(words))
    return None


_CLAUSE_END = re.compile(r"[.?!;,]+\s*")


def _reason_clause(text: str, reason: str, language: str = "en") -> str | None:
    """The part of the message the reason was read from ("my sciatica is acting up"), as typed."""
    for clause in _CLAUSE_END.split(text):
        if _reason(clause, language) == reason:
            return reason_words(clause, reason)
    return None


def details_in(
    text: str, now: datetime, hours: OpeningHours, region: str = "US", language: str = "en"
) -> dict[str, str]:
    """The preferred date (ISO), time of day, reason (with the visitor's words for it when they say
    more) and who the appointment is for that `text` gives, each only when clear."""
    if not text or text.startswith("/") or len(text) > 500:
        return {}
    values: dict[str, str] = {}
    found = _first_date(text, now, hours, region, language)
    hint = None
    if found:
        values["preferred_date"], hint = found
    if choice := _time_of_day(text, hint, now, hours, language):
        values["preferred_time"] = choice
    if reason := _reason(text, language):
        values["reason"] = reason
        if words := _reason_clause(text, reason, language):
            values["reason_text"] = words
    if patient := read_patient(text, language):
        values["patient_relation"] = patient.relation
        if patient.name:
            values["patient_name"] = patient.name
    return values
