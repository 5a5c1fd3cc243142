"""Spanish dates and times read by the English parsers: "el martes que viene por la tarde" -> "next
tuesday afternoon".

dateparser's Spanish misses most relative phrasings ("el próximo martes", "pasado mañana", "la semana
que viene") and parsedatetime reads only English, so the parts of a Spanish answer that say when are
put into the English the date parser already understands, and everything else is left out. The
answer is then checked exactly as an English one is (past, too far, closed), so both languages agree.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

WEEKDAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
MONTHS = (
    *("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre"),
    *("octubre", "noviembre", "diciembre"),
)
_ENGLISH_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ENGLISH_MONTHS = (
    *("january", "february", "march", "april", "may", "june", "july", "august", "september"),
    *("october", "november", "december"),
)
_NUMBERS = {"un": 1, "una": 1, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6}


def fold(text: str | None) -> str:
    """Lower case without accents ("Miércoles" -> "miercoles"), as visitors often type it anyway."""
    decomposed = unicodedata.normalize("NFKD", (text or "").lower().replace("\u2019", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c) or c == "\u0303").replace(
        "n\u0303", "ñ"
    )


_DAY = "|".join(fold(day) for day in WEEKDAYS)
_MONTH = "|".join([*(fold(m) for m in MONTHS), "setiembre"])
_PERIOD = r"(?:por|en|de|a)\s+la\s+(?P<period>mañana|tarde|noche)"
_EARLY = r"(?P<early>temprano|a primera hora)"
_LATE = r"(?P<late>despues del? (?:almuerzo|comer|mediodia)|al mediodia|pasado el mediodia)"
_ANY = r"(?P<any>(?:a )?cualquier (?:hora|momento|dia)|me da igual|da igual|no importa|cuando sea|" + (
    r"sin preferencia|indiferente|todo el dia|lo que sea)"
)
_CLOCK = (
    r"(?:a\s+las?\s+)(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?"
    r"(?:\s*(?P<ampm>am|pm|de la mañana|de la tarde))?"
)
_PIECES = re.compile(
    "|".join(
        (
            r"(?P<after>pasado\s+mañana)",
            r"(?P<nextweek>(?:la\s+)?(?:semana\s+que\s+viene|proxima\s+semana|semana\s+proxima))",
            r"(?P<thisweek>esta\s+semana)",
            r"(?P<inn>(?:dentro\s+de|en)\s+(?P<count>\d|un|una|uno|dos|tres|cuatro|cinco|seis)\s+"
            r"(?P<unit>dias?|semanas?))",
            rf"(?P<date>(?:(?:{_DAY})\s+)?(?P<dday>\d{{1,2}})\s+de\s+(?P<dmonth>{_MONTH})(?:\s+(?:de|del)\s+(?P<year>\d{{4}}))?)",
            rf"(?P<nextday>(?:proximo|proxima)\s+(?P<nday>{_DAY})|(?P<vday>{_DAY})\s+(?:que\s+viene|proximo))",
            rf"(?P<daynum>(?P<wday>{_DAY})\s+(?P<num>\d{{1,2}})\b(?!\s*(?::|am|pm|de la)))",
            rf"(?P<day>{_DAY})",
            r"(?P<numeric>\d{1,2}/\d{1,2}(?:/\d{2,4})?)",
            r"(?P<the>\bel\s+(?P<thenum>\d{1,2})\b(?!\s*(?:/|:|de\s)))",
            _CLOCK,
            _PERIOD,
            _EARLY,
            _LATE,
            _ANY,
            r"(?P<today>\bhoy\b)",
            r"(?P<tomorrow>\bmañana\b)",
        )
    )
)
_PERIODS = {"mañana": "morning", "tarde": "afternoon", "noche": "evening"}


def _clock(match: re.Match[str]) -> str:
    hour, minute, ampm = int(match["hour"]), match["minute"] or "00", match["ampm"] or ""
    if ampm in ("pm", "de la tarde") and hour < 12:
        hour += 12
    elif not ampm and 1 <= hour <= 7:
        hour += 12  # "a las 3": nobody books a visit at three in the morning
    return f"at {hour:02d}:{minute}" if hour < 24 else ""


def _day_of_month(number: int, weekday: str | None, today: date) -> str:
    """ "el 7" / "el lunes 7": the next 7th to come (a Monday, if the weekday is said), as "december 7"."""
    year, month = today.year, today.month
    candidates = []
    for _ in range(3):
        try:
            day = date(year, month, number)
        except ValueError:
            day = None
        if day and day >= today:
            candidates.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if weekday:
        matching = [day for day in candidates if day.weekday() == [fold(d) for d in WEEKDAYS].index(weekday)]
        candidates = matching or candidates
    if not candidates:
        return ""
    return f"{_ENGLISH_MONTHS[candidates[0].month - 1]} {number} {candidates[0].year}"


def _english(match: re.Match[str], for_time: bool, today: date) -> str:
    kind = match.lastgroup
    if kind in ("period", "early", "late", "any") or match["hour"]:
        if match["hour"]:
            return _clock(match)
        if match["period"]:
            return _PERIODS[match["period"]]
        return {"early": "morning", "late": "afternoon", "any": "any time"}[str(kind)]
    if match["tomorrow"]:
        return "morning" if for_time else "tomorrow"
    if match["count"]:
        count = int(match["count"]) if match["count"].isdigit() else _NUMBERS[match["count"]]
        unit = "day" if match["unit"].startswith("dia") else "week"
        return f"in {count} {unit}{'s' if count > 1 else ''}"
    if match["dday"]:
        month = _ENGLISH_MONTHS[_month_index(match["dmonth"])]
        return f"{month} {int(match['dday'])}" + (f" {match['year']}" if match["year"] else "")
    if match["nextday"]:
        return f"next {_english_day(match['nday'] or match['vday'])}"
    if match["num"]:
        return _day_of_month(int(match["num"]), match["wday"], today)
    if match["day"]:
        return _english_day(match["day"])
    if match["thenum"]:
        return _day_of_month(int(match["thenum"]), None, today)
    # parsedatetime takes "day after tomorrow" for tomorrow; "in 2 days" it reads right.
    simple = {"after": "in 2 days", "nextweek": "next week", "thisweek": "this week", "today": "today"}
    return simple.get(str(kind), match.group(0))


def _month_index(name: str) -> int:
    return 8 if name == "setiembre" else [fold(m) for m in MONTHS].index(name)


def _english_day(name: str) -> str:
    return _ENGLISH_DAYS[[fold(d) for d in WEEKDAYS].index(name)]


def english_when(text: str, today: date, for_time: bool = False) -> str:
    """The date and time words of a Spanish phrase, in English ("" when it has none).

    `for_time` reads a bare "mañana" as the morning: the answer to "what time of day?".
    """
    folded = fold(text)
    # "la mañana" is the morning, not tomorrow: read it as a period before "mañana" can mean tomorrow.
    folded = re.sub(r"\besta\s+(tarde|noche)\b", r"hoy por la \1", folded)
    folded = re.sub(
        r"(?<!por )(?<!en )(?<!de )(?<!a )\b(?:la|las)\s+(mañana|tarde|noche)s?\b", r"por la \1", folded
    )
    if for_time:  # "tarde" alone answers "what time of day?"; "mañana por la tarde" is tomorrow's
        folded = re.sub(r"\bmañana\s+(?=(?:por|en|a|de)\s+la\s+)", "", folded)
        folded = re.sub(r"(?<!la )(?<!mas )(?<!por )\b(tarde|noche|mañana)s\b", r"por la \1", folded)
        folded = re.sub(r"(?<!la )(?<!mas )\b(tarde|noche)\b", r"por la \1", folded)
    pieces = [_english(match, for_time, today) for match in _PIECES.finditer(folded)]
    return " ".join(piece for piece in pieces if piece)


def describe_date_es(day: date) -> str:
    """ "el martes 8 de diciembre"."""
    return f"el {WEEKDAYS[day.weekday()]} {day.day} de {MONTHS[day.month - 1]}"


def describe_days_es(days: list[int]) -> str:
    """ "de lunes a viernes", or "lunes, miércoles y viernes"."""
    if days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        return f"de {WEEKDAYS[days[0]]} a {WEEKDAYS[days[-1]]}"
    names = [WEEKDAYS[d] for d in days]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} y {names[-1]}"
