"""Preferred dates and times of day in the visitor's own words.

No single parser that resolves with Rasa's pins reads them all: parsedatetime handles relative
phrasings ("next Tuesday", "tomorrow afternoon", "in two weeks") that dateparser 1.2 misses, while
dateparser reads explicit dates ("the 3rd of December") that parsedatetime gets wrong. We ask
parsedatetime first and keep its answer only when it pinned down a day or a week. Spanish answers
(`language="es"`) are read through their English words (bot/booking/spanish.py).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import parsedatetime
from parsedatetime.context import pdtContext

from bot.booking.hours import OpeningHours
from bot.booking.spanish import describe_date_es, english_when

MAX_DAYS_AHEAD = 183  # about six months
_PDT_DAY, _PDT_WEEK = pdtContext.ACU_DAY, pdtContext.ACU_WEEK
_PDT_HOUR, _PDT_MINUTE = pdtContext.ACU_HOUR, pdtContext.ACU_MIN
_PERIODS = ("morning", "afternoon", "evening")
_ANY_TIME = re.compile(
    r"\b(any ?time|anytime|no preference|either|whenever|doesn'?t matter|flexible|all day)\b", re.I
)
_WEEKDAY_ONLY = re.compile(
    r"^\s*(on\s+)?(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?(\s+(morning|afternoon|evening))?\s*$",
    re.I,
)
_DAY_FIRST_REGIONS = {"GB", "IE", "AU", "NZ", "IN", "ZA", "FR", "DE", "ES", "IT", "NL", "BE", "BR", "MX"}


@dataclass(frozen=True)
class DateAnswer:
    """The outcome of reading a preferred date: a date, or a problem to explain, plus any time hint."""

    value: date | None
    problem: str | None = None  # "unclear", "past", "too_far", "closed"
    time_hint: str | None = None
    next_open: date | None = None


def _calendar(region: str = "US") -> parsedatetime.Calendar:
    """parsedatetime reads numeric dates in its locale's order: en_AU is day-first, en_US month-first."""
    locale = "en_AU" if region in _DAY_FIRST_REGIONS else "en_US"
    return parsedatetime.Calendar(
        parsedatetime.Constants(locale), version=parsedatetime.VERSION_CONTEXT_STYLE
    )


def _time_hint(text: str, parsed: datetime, accuracy: int) -> str | None:
    lowered = text.lower()
    for period in _PERIODS:
        if period in lowered:
            return period
    if accuracy & (_PDT_HOUR | _PDT_MINUTE):
        return parsed.strftime("%H:%M")
    return None


def _with_dateparser(text: str, now: datetime, region: str) -> datetime | None:
    import dateparser  # slow to import; only needed for the phrasings parsedatetime misreads

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return dateparser.parse(
            text,
            languages=["en"],
            settings={
                "PREFER_DATES_FROM": "future",
                "RELATIVE_BASE": now.replace(tzinfo=None),
                "DATE_ORDER": "DMY" if region in _DAY_FIRST_REGIONS else "MDY",
                "RETURN_AS_TIMEZONE_AWARE": False,
            },
        )


def parse_date(
    text: str, now: datetime, region: str = "US", language: str = "en"
) -> tuple[date, str | None] | None:
    """The date a phrase means, seen from `now` (the practice's local time), and a time-of-day hint."""
    text = (text or "").strip()
    if not text or len(text) > 100:
        return None
    if language == "es":
        text = english_when(text, now.date())  # Spanish is read as its English words for the date
        if not text:
            return None
    base = now.replace(tzinfo=None)
    parsed, context = _calendar(region).parseDT(text, sourceTime=base)
    if context.hasDate and context.accuracy & (_PDT_DAY | _PDT_WEEK):
        day = parsed.date()
        # A bare weekday means the next one to come, never today.
        if _WEEKDAY_ONLY.match(text) and day <= base.date():
            day += timedelta(days=7)
        return day, _time_hint(text, parsed, context.accuracy)
    parsed = _with_dateparser(text, now, region)
    if parsed is None:
        return None
    return parsed.date(), _time_hint(text, parsed, _PDT_HOUR if parsed.time() != time(0) else 0)


def next_open_day(start: date, hours: OpeningHours) -> date:
    day = start
    while not hours.is_open_on(day.weekday()):
        day += timedelta(days=1)
    return day


def read_preferred_date(
    text: str, now: datetime, hours: OpeningHours, region: str = "US", language: str = "en"
) -> DateAnswer:
    """Check a preferred date: understood, not past, within six months, on an open day."""
    result = parse_date(text, now, region, language)
    if result is None:
        return DateAnswer(None, "unclear", next_open=next_open_day(now.date() + timedelta(days=1), hours))
    day, hint = result
    today = now.date()
    if day < today:
        return DateAnswer(None, "past", next_open=next_open_day(today + timedelta(days=1), hours))
    if day > today + timedelta(days=MAX_DAYS_AHEAD):
        return DateAnswer(None, "too_far")
    if not hours.is_open_on(day.weekday()):
        return DateAnswer(None, "closed", time_hint=hint, next_open=next_open_day(day, hours))
    return DateAnswer(day, time_hint=hint)


def read_time_of_day(text: str, hours: OpeningHours, now: datetime, language: str = "en") -> str | None:
    """ "morning", "afternoon", "any time" or an HH:MM inside opening hours; None if not usable."""
    text = (text or "").strip().lower()
    if not text or len(text) > 60:
        return None
    if language == "es":
        text = english_when(text, now.date(), for_time=True)
        if not text:
            return None
    if _ANY_TIME.search(text):
        return "any time"
    for period in _PERIODS:
        if period in text:
            return period if _period_fits(period, hours) else None
    parsed, context = _calendar().parseDT(text, sourceTime=now.replace(tzinfo=None))
    if not (context.hasTime and context.accuracy & (_PDT_HOUR | _PDT_MINUTE | pdtContext.ACU_HALFDAY)):
        return None
    moment = parsed.time()
    if not hours.opens <= moment < hours.closes:
        return None
    return moment.strftime("%H:%M")


def _period_fits(period: str, hours: OpeningHours) -> bool:
    windows = {
        "morning": (time(0), time(12)),
        "afternoon": (time(12), time(17)),
        "evening": (time(17), time(23, 59)),
    }
    start, end = windows[period]
    return hours.opens < end and start < hours.closes


def describe_date(day: date, language: str = "en") -> str:
    """ "Tuesday, December 8"; in Spanish "el martes 8 de diciembre"."""
    if language == "es":
        return describe_date_es(day)
    return f"{day:%A}, {day:%B} {day.day}"
