"""The reason for a visit: one of the article's conditions, or the visitor's own words."""

from __future__ import annotations

import re

MAX_REASON_LENGTH = 300
CONDITIONS = {
    "whiplash": ("whiplash", "neck injury", "car accident", "rear-ended", "rear ended"),
    "degenerative disc": ("degenerative", "disc", "disk", "ddd"),
    "sciatica": ("sciatica", "sciatic", "pain down my leg", "pain down the leg", "leg pain"),
    "soft-tissue injury": (
        "soft tissue",
        "soft-tissue",
        "strain",
        "sprain",
        "pulled muscle",
        "ligament",
        "tendon",
        "muscle",
    ),
}
_VAGUE = {"something else", "other", "else", "something", "not sure", "dunno", "idk", "none"}


def read_reason(text: str) -> str | None:
    """The condition a reason names, the visitor's own short description, or None if too vague."""
    cleaned = " ".join((text or "").split()).strip(" .!")
    lowered = cleaned.lower()
    if not lowered or lowered in _VAGUE:
        return None
    for condition, words in CONDITIONS.items():
        if any(re.search(rf"\b{re.escape(word)}(?:s|es|ed|ing|a|itis)?\b", lowered) for word in words):
            return condition
    if len(cleaned) > MAX_REASON_LENGTH or not re.search(r"[^\W\d_]{2,}", cleaned):
        return None
    return cleaned


MAX_REASON_TEXT_LENGTH = 500


def reason_words(text: str, reason: str | None) -> str | None:
    """The visitor's own words for the reason, kept beside the condition they were read as.

    Only when they say more than the condition ("sciatica down my left leg" is read as sciatica): a
    button's "sciatica" or a free description already stored as the reason is not kept twice.
    """
    words = " ".join((text or "").split()).strip()[:MAX_REASON_TEXT_LENGTH]
    if not words or not reason or words.startswith("/"):
        return None
    return None if words.strip(" .!").casefold() == reason.casefold() else words
