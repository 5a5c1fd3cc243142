"""What the bot says about a request, kept apart from Rasa so it is easy to read and test."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from bot.booking.contact import format_phone
from bot.booking.dates import describe_date
from bot.booking.patient import for_visitor
from bot.booking.reasons import CONDITIONS, SPANISH_COMPLAINTS
from bot.conversation.wording import say

SKIPPED = "skipped"

FIELD_LABELS = {
    "full_name": "Name",
    "phone": "Phone",
    "email": "E-mail",
    "preferred_date": "Preferred date",
    "preferred_time": "Time of day",
    "reason": "Reason",
}

APPOINTMENT_FIELDS = tuple(FIELD_LABELS)
CALLBACK_FIELDS = ("full_name", "phone")

STATUS_MEANINGS = {
    "new": "received; the practice will call you to confirm a time",
    "contacted": "in progress; the practice has been in touch with you",
    "scheduled": "scheduled; the practice has arranged a visit with you",
    "declined": "closed by the practice; please call us if you have questions",
    "cancelled": "cancelled",
}


# Slot values that are words of ours, not the visitor's: said in the conversation's language.
_OUR_WORDS = frozenset({*CONDITIONS, *SPANISH_COMPLAINTS, "morning", "afternoon", "evening", "any time"})


def _shown(field: str, value: Any, language: str = "en") -> str | None:
    if value in (None, "", SKIPPED):
        return None
    if field == "phone":
        return format_phone(value)
    if field == "preferred_date":
        return describe_date(date.fromisoformat(value), language)
    return say(language, value) if isinstance(value, str) and value in _OUR_WORDS else str(value)


def summary_lines(slots: Mapping[str, Any], language: str = "en") -> list[str]:
    """One line a detail; the reason quotes the visitor's own words when they said more than it."""
    lines = []
    for field, label in FIELD_LABELS.items():
        shown = _shown(field, slots.get(field), language)
        if field == "reason" and shown and slots.get("reason_text"):
            shown += say(language, " (in your words: \u201c{words}\u201d)", words=slots["reason_text"])
        if shown:
            lines.append(f"• {say(language, label)}: {shown}")
        if field == "full_name" and (
            patient := for_visitor(slots.get("patient_name"), slots.get("patient_relation"), language)
        ):
            lines.append(f"• {say(language, 'Patient')}: {patient}")
    return lines


def noted_text(given: Mapping[str, Any], language: str = "en") -> str:
    """Details taken from a first message, as one phrase: "Tuesday, December 8, afternoon"."""
    parts = [
        shown
        for field in ("preferred_date", "preferred_time")
        if (shown := _shown(field, given.get(field), language))
    ]
    if given.get("reason"):
        parts.append(
            say(language, "{reason} as the reason", reason=_shown("reason", given["reason"], language))
        )
    if patient := for_visitor(given.get("patient_name"), given.get("patient_relation"), language):
        parts.append(say(language, "that it's for {patient}", patient=patient))
    return ", ".join(parts)


def review_text(slots: Mapping[str, Any], kind: str, language: str = "en") -> str:
    what = say(language, "callback request" if kind == "callback" else "appointment request")
    return "\n".join(
        [
            say(language, "Here is your {what}:", what=what),
            *summary_lines(slots, language),
            say(language, "Shall I send it to the practice?"),
        ]
    )


def received_text(reference: str, kind: str, practice_name: str, language: str = "en") -> str:
    if kind == "callback":
        return say(
            language,
            "Thank you! Your callback request has been received. Your reference code is {reference}. "
            "{practice_name} will call you back as soon as they can.",
            reference=reference,
            practice_name=practice_name,
        )
    return say(
        language,
        "Thank you! Your appointment request has been received. Your reference code is {reference}. "
        "This is a request, not yet an appointment: {practice_name} will call you to confirm a time.",
        reference=reference,
        practice_name=practice_name,
    )


def status_text(
    reference: str,
    status: str,
    preferred_date: date | None,
    preferred_time: str | None,
    language: str = "en",
) -> str:
    when = ""
    if preferred_date:
        when = say(language, " for {day}", day=describe_date(preferred_date, language))
        if preferred_time:
            when += f" ({_shown('preferred_time', preferred_time, language)})"
    meaning = say(language, STATUS_MEANINGS[status]) if status in STATUS_MEANINGS else status
    return say(
        language,
        "Your request {reference}{when} is {meaning}.",
        reference=reference,
        when=when,
        meaning=meaning,
    )
