"""Opening hours (PRACTICE_HOURS): parsed days and window, and the open days in words."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from bot.booking.hours import HoursError, is_open, parse_hours


@pytest.mark.parametrize(
    ("text", "days", "opens", "closes"),
    [
        ("Mon-Fri 08:00-17:00", {0, 1, 2, 3, 4}, time(8), time(17)),
        ("Mon,Wed,Fri 09:00-13:00", {0, 2, 4}, time(9), time(13)),
        ("monday-friday 8:30-17:00", {0, 1, 2, 3, 4}, time(8, 30), time(17)),
        ("Tue 09:00-12:00", {1}, time(9), time(12)),
        ("Sat-Mon 09:00-12:00", {5, 6, 0}, time(9), time(12)),  # a range may wrap past Sunday
        ("Mon-Tue, Thu 09:00 - 12:00", {0, 1, 3}, time(9), time(12)),
    ],
)
def test_parse_hours(text: str, days: set[int], opens: time, closes: time) -> None:
    hours = parse_hours(text)
    assert hours.days == frozenset(days)
    assert (hours.opens, hours.closes) == (opens, closes)
    assert all(hours.is_open_on(day) == (day in days) for day in range(7))


@pytest.mark.parametrize(
    ("text", "described"),
    [
        ("Mon-Fri 08:00-17:00", "Monday to Friday"),
        ("Mon-Sun 08:00-17:00", "Monday to Sunday"),
        ("Mon-Wed 08:00-17:00", "Monday to Wednesday"),
        ("Mon,Wed,Fri 09:00-13:00", "Monday, Wednesday, Friday"),
        ("Mon,Tue 09:00-13:00", "Monday, Tuesday"),
        ("Thu 09:00-13:00", "Thursday"),
    ],
)
def test_describe_days(text: str, described: str) -> None:
    assert parse_hours(text).describe_days() == described


@pytest.mark.parametrize(
    "text", ["whenever", "Mon-Fri 17:00-08:00", "Mon-Fri 08:00-25:00", "Mon-Funday 08:00-17:00"]
)
def test_what_is_not_opening_hours_is_refused(text: str) -> None:
    with pytest.raises(HoursError, match=text):
        parse_hours(text)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 12, 3, 8, 0), True),  # a Thursday, at opening time
        (datetime(2026, 12, 3, 16, 59), True),
        (datetime(2026, 12, 3, 17, 0), False),  # closing time: nobody to answer any more
        (datetime(2026, 12, 3, 7, 59), False),
        (datetime(2026, 12, 5, 10, 0), False),  # a Saturday
    ],
)
def test_is_open(moment: datetime, expected: bool) -> None:
    assert is_open(parse_hours("Mon-Fri 08:00-17:00"), moment) is expected


def test_describe_says_days_and_window() -> None:
    assert parse_hours("Mon-Fri 08:00-17:00").describe() == "Monday to Friday, 08:00–17:00"
