"""CSV export of requests, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from bot.store.schema import AppointmentRequest

COLUMNS = (
    "reference",
    "kind",
    "status",
    "full_name",
    "patient_name",
    "patient_relation",
    "phone",
    "phone_extension",
    "email",
    "preferred_date",
    "preferred_time",
    "reason",
    "reason_text",
    "channel",
    "created_at",
    "staff_note",
    "language",  # last, so spreadsheets built on the earlier columns keep working
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """A cell a spreadsheet shows as text: anything that could start a formula gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def write_csv(requests: Iterable[AppointmentRequest], out: TextIO) -> int:
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    for request in requests:
        writer.writerow([neutralise(getattr(request, column)) for column in COLUMNS])
        count += 1
    return count
