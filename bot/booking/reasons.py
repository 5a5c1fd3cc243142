"""The reason for a visit: one of the article's conditions, or the visitor's own words."""

from __future__ import annotations

import re

from bot.booking.spanish import fold

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
# The article's conditions in Spanish (compared without accents), read as the same conditions.
CONDITIONS_ES = {
    "whiplash": (
        *("latigazo", "latigazo cervical", "lesion de cuello", "lesion del cuello", "lesion cervical"),
        *("accidente de coche", "accidente de carro", "accidente de auto", "choque", "me chocaron"),
    ),
    "degenerative disc": (
        *("degenerativo", "degenerativa", "degeneracion", "discos degenerativos", "disco degenerativo"),
        *("degeneracion de disco", "degeneracion de discos", "disco", "discos", "hernia discal"),
    ),
    "sciatica": (
        *("ciatica", "ciatico", "nervio ciatico", "dolor en la pierna", "dolor de pierna"),
        *("dolor por la pierna", "dolor que baja por la pierna"),
    ),
    "soft-tissue injury": (
        *("tejido blando", "tejidos blandos", "lesion de tejidos blandos", "esguince", "torcedura"),
        *("distension", "desgarro", "tiron", "ligamento", "ligamentos", "tendon", "tendones", "musculo"),
        *("musculos", "muscular", "contractura"),
    ),
}
# Plain Spanish descriptions, read as the words staff already get from English visitors.
_COMPLAINTS_ES = (
    (
        "lower back pain",
        r"\bdolor (?:de|en la) (?:parte )?(?:baja de la espalda|espalda baja)\b|\bdolor lumbar\b",
    ),
    ("lower back pain", r"\blumbago\b|\bespalda baja\b|\bzona lumbar\b"),
    ("upper back pain", r"\bdolor (?:de|en la) (?:parte )?(?:alta de la espalda|espalda alta)\b"),
    ("back pain", r"\bdolor (?:de|en la) espalda\b|\bme duele la espalda\b|\bespalda\b"),
    ("neck pain", r"\bdolor (?:de|en el) cuello\b|\bdolor cervical\b|\bme duele el cuello\b|\bcuello\b"),
    ("hip pain", r"\bdolor (?:de|en la) cadera\b|\bme duele la cadera\b"),
)
SPANISH_COMPLAINTS = frozenset(name for name, _ in _COMPLAINTS_ES)
_VAGUE_ES = {"otra cosa", "otro", "otra", "algo", "algo mas", "no se", "no estoy seguro", "no estoy segura"}


def _read_spanish(folded: str) -> str | None:
    """The condition or plain complaint a Spanish reason names, in the words staff read."""
    for condition, words in CONDITIONS_ES.items():
        if any(re.search(rf"\b{re.escape(word)}(?:s|es)?\b", folded) for word in words):
            return condition
    for complaint, pattern in _COMPLAINTS_ES:
        if re.search(pattern, folded):
            return complaint
    return None


def read_reason(text: str, language: str = "en") -> str | None:
    """The condition a reason names, the visitor's own short description, or None if too vague."""
    cleaned = " ".join((text or "").split()).strip(" .!")
    lowered = cleaned.lower()
    if not lowered or lowered in _VAGUE:
        return None
    if language == "es":
        folded = fold(cleaned).strip(" ¡!¿?")
        if folded in _VAGUE_ES or folded in {"nada", "ninguno"}:
            return None
        if named := _read_spanish(folded):
            return named
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
