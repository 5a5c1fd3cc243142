"""The practice's opening hours: `PRACTICE_HOURS` parsed, and the open days in English words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time

from bot.booking.spanish import describe_days_es

_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class HoursError(ValueError):
    """The text is not opening hours; the message quotes it."""


@dataclass(frozen=True)
class OpeningHours:
    """Open weekdays (0 = Monday) and the daily window in which the practice takes visits."""

    days: frozenset[int]
    opens: time
    closes: time

    def is_open_on(self, weekday: int) -> bool:
        return weekday in self.days

    def describe_days(self, language: str = "en") -> str:
        ordered = sorted(self.days)
        if language == "es":
            return describe_days_es(ordered)
        if ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 2:
            return f"{_DAY_NAMES[ordered[0]]} to {_DAY_NAMES[ordered[-1]]}"
        return ", ".join(_DAY_NAMES[d] for d in ordered)

    def describe(self, language: str = "en") -> str:
        """ "Monday to Friday, 08:00–17:00": what the bot says when staff are not there."""
        return f"{self.describe_days(language)}, {self.opens:%H:%M}–{self.closes:%H:%M}"


def is_open(hours: OpeningHours, now: datetime) -> bool:
    """Whether `now` (in the practice's time zone) is inside the opening hours: staff can answer."""
    return hours.is_open_on(now.weekday()) and hours.opens <= now.time() < hours.closes


def parse_hours(text: str) -> OpeningHours:
    """Parse `Mon-Fri 08:00-17:00` (days as a range or a comma list, then the daily window)."""
    match = re.fullmatch(r"\s*([A-Za-z,\- ]+?)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", text)
    if not match:
        raise HoursError(f"'{text}' is not like 'Mon-Fri 08:00-17:00'")
    days: set[int] = set()
    for part in match.group(1).replace(" ", "").lower().split(","):
        ends = part.split("-")
        if len(ends) > 2 or any(end[:3] not in _DAYS for end in ends):
            raise HoursError(f"unknown day '{part}' in '{text}'")
        first, last = _DAYS.index(ends[0][:3]), _DAYS.index(ends[-1][:3])
        days.update(range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)])
    h1, m1, h2, m2 = (int(g) for g in match.group(2, 3, 4, 5))
    try:
        opens, closes = time(h1, m1), time(h2, m2)
    except ValueError:
        raise HoursError(f"'{text}' has an impossible time") from None
    if opens >= closes:
        raise HoursError(f"opening time must be before closing time in '{text}'")
    return OpeningHours(frozenset(days), opens, closes)
