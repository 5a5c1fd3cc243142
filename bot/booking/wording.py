"""What the bot says about a request, kept apart from Rasa so it is easy to read and test."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from bot.booking.contact import format_phone
from bot.booking.dates import describe_date
from bot.booking.patient import for_visitor

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


def _shown(field: str, value: Any) -> str | None:
    if value in (None, "", SKIPPED):
        return None
    if field == "phone":
        return format_phone(value)
    if field == "preferred_date":
        return describe_date(date.fromisoformat(value))
    return str(value)


def summary_lines(slots: Mapping[str, Any]) -> list[str]:
    """One line a detail; the reason quotes the visitor's own words when they said more than it."""
    lines = []
    for field, label in FIELD_LABELS.items():
        shown = _shown(field, slots.get(field))
        if field == "reason" and shown and slots.get("reason_text"):
            shown += f" (in your words: \u201c{slots['reason_text']}\u201d)"
        if shown:
            lines.append(f"• {label}: {shown}")
        if field == "full_name" and (
            patient := for_visitor(slots.get("patient_name"), slots.get("patient_relation"))
        ):
            lines.append(f"• Patient: {patient}")
    return lines


def noted_text(given: Mapping[str, Any]) -> str:
    """Details taken from a first message, as one phrase: "Tuesday, December 8, afternoon"."""
    parts = [
        shown for field in ("preferred_date", "preferred_time") if (shown := _shown(field, given.get(field)))
    ]
    if given.get("reason"):
        parts.append(f"{given['reason']} as the reason")
    if patient := for_visitor(given.get("patient_name"), given.get("patient_relation")):
        parts.append(f"that it's for {patient}")
    return ", ".join(parts)


def review_text(slots: Mapping[str, Any], kind: str) -> str:
    what = "callback request" if kind == "callback" else "appointment request"
    return "\n".join([f"Here is your {what}:", *summary_lines(slots), "Shall I send it to the practice?"])


def received_text(reference: str, kind: str, practice_name: str) -> str:
    if kind == "callback":
        return (
            f"Thank you! Your callback request has been received. Your reference code is {reference}. "
            f"{practice_name} will call you back as soon as they can."
        )
    return (
        f"Thank you! Your appointment request has been received. Your reference code is {reference}. "
        f"This is a request, not yet an appointment: {practice_name} will call you to confirm a time."
    )


def status_text(reference: str, status: str, preferred_date: date | None, preferred_time: str | None) -> str:
    when = ""
    if preferred_date:
        when = f" for {describe_date(preferred_date)}" + (f" ({preferred_time})" if preferred_time else "")
    return f"Your request {reference}{when} is {STATUS_MEANINGS.get(status, status)}."
