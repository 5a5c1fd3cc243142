"""Reading preferred dates and times of day, always seen from a fixed `now`."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.booking.dates import MAX_DAYS_AHEAD, parse_date, read_preferred_date, read_time_of_day
from bot.booking.hours import parse_hours

TZ = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)  # a Monday
TODAY = NOW.date()
HOURS = parse_hours("Mon-Fri 08:00-17:00")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def test_fixed_now_is_a_monday() -> None:
    assert NOW.weekday() == 0


@pytest.mark.parametrize(
    ("text", "expected", "hint"),
    [
        ("next Tuesday", date(2026, 12, 1), None),  # parsedatetime: the Tuesday of next week
        ("tuesday", date(2026, 11, 24), None),
        ("on Tuesday", date(2026, 11, 24), None),
        ("tomorrow", date(2026, 11, 24), None),
        ("tomorrow afternoon", date(2026, 11, 24), "afternoon"),
        ("tomorrow at 2pm", date(2026, 11, 24), "14:00"),
        ("today", date(2026, 11, 23), None),
        ("Dec 3", date(2026, 12, 3), None),
        ("December 3", date(2026, 12, 3), None),
        ("the 3rd of December", date(2026, 12, 3), None),
        ("12/3", date(2026, 12, 3), None),  # US order: month first
        ("2026-12-01", date(2026, 12, 1), None),
        ("in two weeks", date(2026, 12, 7), None),
        ("in 2 weeks", date(2026, 12, 7), None),
        ("Monday morning", date(2026, 11, 30), "morning"),
        ("friday afternoon", date(2026, 11, 27), "afternoon"),
    ],
)
def test_understood_dates(text: str, expected: date, hint: str | None) -> None:
    answer = read_preferred_date(text, NOW, HOURS, "US")
    assert answer.problem is None
    assert answer.value == expected
    assert answer.time_hint == hint


@pytest.mark.parametrize("text", ["yesterday", "last year", "last monday"])
def test_past_dates_are_refused_with_the_next_open_day(text: str) -> None:
    answer = read_preferred_date(text, NOW, HOURS)
    assert answer.value is None
    assert answer.problem == "past"
    assert answer.next_open == date(2026, 11, 24)  # tomorrow, a Tuesday


@pytest.mark.parametrize("text", ["someday", "blah", "", "   ", "x" * 101])
def test_unclear_dates(text: str) -> None:
    answer = read_preferred_date(text, NOW, HOURS)
    assert answer.value is None
    assert answer.problem == "unclear"
    assert answer.next_open == date(2026, 11, 24)


def test_more_than_six_months_ahead_is_too_far() -> None:
    last_ok = TODAY + timedelta(days=MAX_DAYS_AHEAD)
    assert last_ok == date(2027, 5, 25)  # a Tuesday, so only the distance can refuse it
    assert read_preferred_date(last_ok.isoformat(), NOW, HOURS).value == last_ok

    for text in [(last_ok + timedelta(days=1)).isoformat(), "June 30 2027", "in 7 months"]:
        answer = read_preferred_date(text, NOW, HOURS)
        assert answer.value is None, text
        assert answer.problem == "too_far", text


@pytest.mark.parametrize("text", ["saturday", "Saturday", "sunday"])
def test_closed_days_suggest_the_next_open_day(text: str) -> None:
    answer = read_preferred_date(text, NOW, HOURS)
    assert answer.value is None
    assert answer.problem == "closed"
    assert answer.next_open == date(2026, 11, 30)  # the following Monday


def test_closed_day_keeps_the_time_hint() -> None:
    friday = datetime(2026, 11, 27, 10, 0, tzinfo=TZ)
    answer = read_preferred_date("tomorrow afternoon", friday, HOURS)
    assert answer.problem == "closed"
    assert answer.time_hint == "afternoon"
    assert answer.next_open == date(2026, 11, 30)


@pytest.mark.parametrize("offset", range(7))
@pytest.mark.parametrize("hour", [0, 10, 23])
@pytest.mark.parametrize("weekday", range(7))
def test_bare_weekday_is_the_next_one_never_today(offset: int, hour: int, weekday: int) -> None:
    base = NOW.replace(hour=hour) + timedelta(days=offset)
    result = parse_date(WEEKDAYS[weekday], base)
    assert result is not None
    day, _ = result
    assert day.weekday() == weekday
    assert base.date() < day <= base.date() + timedelta(days=7)


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("3/12", "GB", date(2026, 12, 3)),  # day first
        ("25/12", "GB", date(2026, 12, 25)),
        ("12/3", "GB", date(2027, 3, 12)),
        ("3/12", "US", date(2027, 3, 12)),  # month first
        ("12/3", "US", date(2026, 12, 3)),
    ],
)
def test_numeric_dates_follow_the_region(text: str, region: str, expected: date) -> None:
    result = parse_date(text, NOW, region)
    assert result is not None
    assert result[0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("morning", "morning"),
        ("Afternoon", "afternoon"),
        ("in the morning please", "morning"),
        ("any time", "any time"),
        ("anytime", "any time"),
        ("no preference", "any time"),
        ("2pm", "14:00"),
        ("around 2 pm", "14:00"),
        ("10:30", "10:30"),
        ("8am", "08:00"),
        ("noon", "12:00"),
        ("5pm", None),  # closing time itself is outside the window
        ("7pm", None),
        ("evening", None),
        ("blah", None),
        ("", None),
        ("x" * 61, None),
    ],
)
def test_read_time_of_day(text: str, expected: str | None) -> None:
    assert read_time_of_day(text, HOURS, NOW) == expected


def test_periods_depend_on_opening_hours() -> None:
    afternoons_only = parse_hours("Mon-Fri 13:00-17:00")
    late = parse_hours("Mon-Fri 08:00-20:00")
    assert read_time_of_day("morning", afternoons_only, NOW) is None
    assert read_time_of_day("afternoon", afternoons_only, NOW) == "afternoon"
    assert read_time_of_day("evening", late, NOW) == "evening"
    assert read_time_of_day("7pm", late, NOW) == "19:00"
