"""Corrections in the visitor's words: "actually my number is 212 555 0143", "no the phone is wrong".

A correction names the detail it changes (or carries a value only one detail takes, like a phone
number after "sorry") and may carry the new value. It is read the same way whether a question of the
form is open or the request is being read back; the form validates the value like any other answer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.booking.contact import find_email, find_phone
from bot.booking.patient import RELATION_WORDS
from bot.booking.spanish import fold

_DETERMINER = r"(?:my|the|that|this|our)\s+(?:new\s+|old\s+|preferred\s+|appointment\s+|contact\s+)?"
# Ordered: "e-mail address" before the bare "address", "phone number" before "number".
_FIELD_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (field, re.compile(pattern, re.I))
    for field, pattern in (
        ("email", r"\be-?mail(?:\s+address)?\b|\b" + _DETERMINER + r"address\b"),
        (
            "phone",
            r"\b(?:phone|cell|cellphone|mobile|telephone)(?:\s*(?:number|no\.?|#))?\b"
            r"|\b" + _DETERMINER + r"(?:home\s+|work\s+)?number\b(?!\s+of\b)"
            r"|\b(?:wrong|new|different)\s+number\b",
        ),
        (
            "full_name",
            r"\b" + _DETERMINER + r"(?:full\s+|first\s+|last\s+|family\s+)?name\b"
            r"|\b(?:surname|last name|first name|spelling of my name)\b|\bmy name\b",
        ),
        ("preferred_date", r"\bdate\b|\b" + _DETERMINER + r"day\b"),
        ("preferred_time", r"\btime of day\b|\b" + _DETERMINER + r"time\b"),
        ("reason", r"\breason(?:\s+for\s+(?:the\s+|my\s+)?(?:visit|appointment))?\b"),
        (
            "patient_name",
            rf"\b(?:(?:my|our|the)\s+)?(?:{RELATION_WORDS})'s\s+(?:full\s+)?name\b"
            r"|\b(?:the\s+)?patient'?s?\s+(?:full\s+)?name\b|\bname of the patient\b",
        ),
    )
)
# A whole answer that is just the detail's name, as typed after "Which detail would you like to change?"
_BARE_FIELDS = {
    "name": "full_name",
    "full name": "full_name",
    "number": "phone",
    "phone number": "phone",
    "date": "preferred_date",
    "day": "preferred_date",
    "time": "preferred_time",
    "time of day": "preferred_time",
    "reason": "reason",
    "patient": "patient_name",
    "patient name": "patient_name",
    "patient's name": "patient_name",
}
_MARKER = re.compile(
    r"\b(?:actually|sorry|wait|oops|correction|i meant|i mean|meant|change|changed|update|fix|wrong|"
    r"mistake|typo|incorrect|instead|should be|not right|isn'?t right|not correct)\b|^\s*no\b",
    re.I,
)
_WHEN = re.compile(
    r"\b(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\b|\btomorrow\b|\bnext week\b",
    re.I,
)
_TIME_OF_DAY = re.compile(r"\b(?:morning|afternoon|any ?time)\b", re.I)
_BOOKING = re.compile(
    r"\b(?:appointment|appt|book|booking|come in|visit|schedule|see (?:the|a) doctor)\b", re.I
)
_QUESTION_START = re.compile(
    r"^\s*(?:what|whats|what's|how|why|who|where|which|when|is|are|does|do|can|could)\b", re.I
)
# Words between the detail and its new value: "the phone is wrong, it's …", "change the date to …".
_FILLER = re.compile(
    r"^(?:[\s,:;.!=>-]|\b(?:of|for|on) (?:my|the) (?:appointment|visit|request|booking)\b|"
    r"\bis\b|\bwas\b|\bare\b|\bwrong\b|\bincorrect\b|\bnot right\b|\bnot correct\b|"
    r"\bshould (?:be|have been|read)\b|\bneeds to be\b|\bit'?s\b|\bit is\b|\bit\b|\bchanged?\b|\bto\b|"
    r"\bplease\b|\bactually\b|\binstead\b|\bsorry\b|\bnow\b|\bmake it\b|\bshould say\b|\bi meant\b|"
    r"\bi mean\b|\bmeant\b|\bthe right one\b|\bthe correct one\b|\bnew one\b|\bone\b)+",
    re.I,
)
_TRAILING = re.compile(r"(?:[\s,.!]|\binstead\b|\bplease\b|\bthanks?\b|\bthank you\b)+$", re.I)


@dataclass(frozen=True)
class Correction:
    """The detail to change and, if the visitor gave it, the new value as they typed it."""

    field: str
    value: str | None = None


def _field_named(
    text: str, patterns: tuple[tuple[str, re.Pattern[str]], ...] = _FIELD_PATTERNS
) -> tuple[str, re.Match[str]] | None:
    found = [(match.start(), field, match) for field, pattern in patterns if (match := pattern.search(text))]
    if not found:
        return None
    _, field, match = max(found, key=lambda item: item[0])  # the last named detail is the one changed
    return field, match


_HEAD_END = re.compile(r"(?:\b(?:is|was|my|the|as|no|actually|sorry|wait|oops)\b|[\s,:;.!-])+$", re.I)


def _value_after(
    text: str,
    match: re.Match[str],
    filler: re.Pattern[str] = _FILLER,
    trailing: re.Pattern[str] = _TRAILING,
    head_end: re.Pattern[str] = _HEAD_END,
    original: str | None = None,
) -> str | None:
    """The new value after the detail's name (or before it); cut from `original` (the text as typed,
    when `text` is its accent-free twin of the same length)."""
    source = original if original is not None and len(original) == len(text) else text
    tail_start = match.end() + len(text[match.end() :]) - len(filler.sub("", text[match.end() :]))
    tail = trailing.sub("", text[tail_start:])
    if tail:
        return source[tail_start : tail_start + len(tail)]
    head = trailing.sub("", filler.sub("", text[: match.start()][::-1])[::-1])
    head = head_end.sub("", head)
    head = filler.sub("", head)
    if not head:
        return None
    start = text.find(head)
    return source[start : start + len(head)] if start >= 0 else head


def _plain(text: str) -> str:
    return " ".join((text or "").replace("\u2019", "'").split())


@dataclass(frozen=True)
class _Rules:
    """One language's words for reading corrections."""

    fields: tuple[tuple[str, re.Pattern[str]], ...]
    bare: dict[str, str]
    marker: re.Pattern[str]
    when: re.Pattern[str]
    time_of_day: re.Pattern[str]
    booking: re.Pattern[str]
    question_start: re.Pattern[str]
    changes: re.Pattern[str]  # a question or a booking that still corrects ("can I change the date?")
    fixes: re.Pattern[str]
    filler: re.Pattern[str]
    trailing: re.Pattern[str]
    head_end: re.Pattern[str]


_ENGLISH = _Rules(
    _FIELD_PATTERNS,
    _BARE_FIELDS,
    _MARKER,
    _WHEN,
    _TIME_OF_DAY,
    _BOOKING,
    _QUESTION_START,
    re.compile(r"\b(?:change|update|fix)\b", re.I),
    re.compile(r"\b(?:change|update|fix|wrong|correct)\b", re.I),
    _FILLER,
    _TRAILING,
    _HEAD_END,
)


def _rules(language: str) -> _Rules:
    if language == "es":
        from bot.booking.corrections_es import SPANISH  # only Spanish conversations need it

        return SPANISH
    return _ENGLISH


def read_correction(text: str, region: str = "US", language: str = "en") -> Correction | None:
    """The correction a message makes, or None when it is an ordinary answer or question."""
    original = _plain(text)
    if not original or original.startswith("/") or len(original) > 200:
        return None
    rules = _rules(language)
    if language == "es":  # Spanish is matched without accents; the value is cut from the text as typed
        original = unicodedata.normalize("NFC", original)
    plain = fold(original) if language == "es" else original
    bare = rules.bare.get(plain.lower().strip(" .!?¿¡"))
    if bare:
        return Correction(bare)
    marked = bool(rules.marker.search(plain))
    if rules.question_start.match(plain) and not rules.changes.search(plain):
        return None
    if rules.booking.search(plain) and not rules.fixes.search(plain):
        return None  # "hi, my name is José and I'd like an appointment" asks for a visit
    named = _field_named(plain, rules.fields)
    if named:
        field, match = named
        value = _value_after(plain, match, rules.filler, rules.trailing, rules.head_end, original)
        if field == "phone" and value and not find_phone(value, region) and find_phone(original, region):
            value = original
        return Correction(field, value)
    if not marked:
        return None
    if find_email(original):
        return Correction("email", original)
    if find_phone(original, region):
        return Correction("phone", original)
    if when := rules.when.search(plain):
        return Correction("preferred_date", rules.trailing.sub("", original[when.start() :]))
    if moment := rules.time_of_day.search(plain):
        return Correction("preferred_time", original[moment.start() : moment.end()])
    return None


def announced_correction(text: str, region: str = "US", language: str = "en") -> Correction | None:
    """A correction said as one, whatever the form is doing: marked ("actually", "wrong", "change",
    "no, …") or carrying a new phone number or e-mail address.

    What NLU overrides to `correct_field`: "I'd like a phone call" names the phone and "my name is
    Priya Patel" the name, but neither corrects anything. Inside a form the validator still reads
    unmarked corrections from the text itself (read_correction).
    """
    correction = read_correction(text, region, language)
    if correction is None:
        return None
    rules = _rules(language)
    plain = fold(_plain(text)) if language == "es" else _plain(text)
    if rules.marker.search(plain) or rules.bare.get(plain.lower().strip(" .!?¿¡")):
        return correction
    value = correction.value or ""
    carries_contact = (correction.field == "phone" and find_phone(value, region)) or (
        correction.field == "email" and find_email(value)
    )
    return correction if carries_contact else None
