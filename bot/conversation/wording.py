"""Visitor-facing wording in the conversation's language, from one place.

The English text is the key, as in gettext: the code reads as it always did, English needs no
catalog, and a Spanish entry missing for any `say(...)` in the code is caught by a test that scans
the source, not by a patient. Catalogs are YAML maps (English -> Spanish) under `locale/<lang>/`,
one file per area of the assistant, so the practice can review them; they load on first use.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en", "es")
LOCALE_DIR = Path(__file__).with_name("locale")


@cache
def catalog(language: str) -> dict[str, str]:
    """Every English -> `language` entry of the catalogs, merged (a key in two files is an error)."""
    entries: dict[str, str] = {}
    for path in sorted((LOCALE_DIR / language).glob("*.yml")):
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for english, translated in loaded.items():
            if english in entries and entries[english] != translated:
                raise ValueError(f"{path.name}: {english!r} is translated differently in another file")
            entries[str(english)] = str(translated)
    return entries


def normal_language(language: str | None) -> str:
    """A supported language code ("es-MX" -> "es"); anything else is the default."""
    code = (language or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def say(language: str | None, text: str, **values: object) -> str:
    """`text` in `language`, with `{name}` placeholders filled from `values` after translating."""
    language = normal_language(language)
    if language != DEFAULT_LANGUAGE:
        text = catalog(language).get(text, text)
    return text.format(**values) if values else text


def say_buttons(language: str | None, buttons: list[dict]) -> list[dict]:
    """Buttons with their titles in `language`; payloads stay as they are (they are not words)."""
    return [{**button, "title": say(language, button["title"])} for button in buttons]
