"""Longer answers of the appointment form's validators, in the conversation's language.

Kept apart from actions/booking_form.py so that module stays about validating, and short.
"""

from __future__ import annotations

from typing import Any

from actions.context import settings
from bot.booking.dates import describe_date
from bot.conversation.wording import say

# One sentence a detail: Spanish needs the article that goes with each ("el nombre", "la fecha").
_CHANGED = {
    "full_name": "Thanks, I've changed the name.",
    "phone": "Thanks, I've changed the phone number.",
    "email": "Thanks, I've changed the e-mail address.",
    "preferred_date": "Thanks, I've changed the preferred date.",
    "preferred_time": "Thanks, I've changed the time of day.",
    "reason": "Thanks, I've changed the reason for the visit.",
    "patient_name": "Thanks, I've changed the patient's name.",
}


def changed_text(language: str, field: str) -> str:
    """A correction typed while another question was open has been applied."""
    if field in _CHANGED:
        return say(language, _CHANGED[field])
    return say(language, "Thanks, I've changed the {field}.", field=field)


def date_problem(language: str, answer: Any) -> str:
    """Why a preferred date was not taken, and which day would be (`answer` of read_preferred_date)."""
    if answer.problem == "past":
        if answer.next_open:
            return say(
                language,
                "That date has already passed. Which day would suit you? The next day we're open is {day}.",
                day=describe_date(answer.next_open, language=language),
            )
        return say(language, "That date has already passed. Which day would suit you?")
    if answer.problem == "too_far":
        return say(language, "We take requests up to six months ahead. Please choose an earlier date.")
    if answer.problem == "closed":
        return say(
            language,
            "The practice is closed that day (we're open {days}). Would {day} work instead?",
            days=settings().practice_hours.describe_days(language=language),
            day=describe_date(answer.next_open, language=language),
        )
    return say(
        language,
        "Sorry, I couldn't read that as a date. You can say things like 'next Tuesday', "
        "'Dec 3' or 'tomorrow'.",
    )


def time_problem(language: str) -> str:
    """The answer to the time-of-day question was none of its choices."""
    hours = settings().practice_hours
    return say(
        language,
        "Please choose morning, afternoon or any time, or give a time between {opens} and {closes}.",
        opens=f"{hours.opens:%H:%M}",
        closes=f"{hours.closes:%H:%M}",
    )
