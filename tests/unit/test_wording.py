"""Wording by language: every English text the code says through `say` has its Spanish entry."""

from __future__ import annotations

import ast
import re
import string

import pytest
import yaml

from bot.conversation.wording import catalog, normal_language, say, say_buttons
from bot.settings import ROOT

SOURCES = sorted([*(ROOT / "actions").rglob("*.py"), *(ROOT / "bot").rglob("*.py")])


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def said_in_code() -> list[tuple[str, str]]:
    """(where, English text) of each literal given to say(), and each button title in the actions."""
    found = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            called = isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", ""))
            if called == "say" and len(node.args) >= 2 and (text := _literal(node.args[1])) is not None:
                found.append((where, text))
            if where.startswith("actions/") and isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if key is not None and _literal(key) == "title" and (text := _literal(value)):
                        found.append((where, text))
    return found


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_code_says_things_through_say() -> None:
    assert len(said_in_code()) > 50  # the scan below would pass vacuously if it found nothing


@pytest.mark.parametrize(("where", "english"), said_in_code())
def test_each_text_the_code_says_has_a_spanish_entry(where: str, english: str) -> None:
    assert english in catalog("es"), (
        f"{where}: no Spanish entry in bot/conversation/locale/es/ for {english!r}"
    )


@pytest.mark.parametrize(("english", "spanish"), sorted(catalog("es").items()))
def test_spanish_entries_keep_the_placeholders_and_are_translated(english: str, spanish: str) -> None:
    assert placeholders(spanish) == placeholders(english)
    words = re.findall(r"[a-z]{4,}", english.lower())
    if len(words) >= 4:  # a sentence, not a name or a code like PRL-7KQ3MX
        assert spanish != english, f"{english!r} is not translated"


def test_say_translates_then_fills_the_placeholders() -> None:
    english = next(text for text in catalog("es") if placeholders(text))
    values = dict.fromkeys(placeholders(english), "PRL-7KQ3MX")
    assert say("es", english, **values) == catalog("es")[english].format(**values)
    assert say("en", english, **values) == english.format(**values)


def test_unknown_languages_and_texts_fall_back_to_english() -> None:
    assert say("fr", "Hello {name}", name="Ana") == "Hello Ana"
    assert say("es", "A text nobody translated") == "A text nobody translated"
    assert (
        say("es", "Braces {stay} as typed when nothing is filled")
        == "Braces {stay} as typed when nothing is filled"
    )
    assert [normal_language(code) for code in ("es-MX", "ES", "es_US", "", None, "pt")] == [
        "es",
        "es",
        "es",
        "en",
        "en",
        "en",
    ]


def test_buttons_keep_their_payloads_in_every_language() -> None:
    title = next(text for text in catalog("es") if len(text) < 30)
    buttons = [{"title": title, "payload": "/book_appointment"}]
    assert say_buttons("es", buttons) == [{"title": catalog("es")[title], "payload": "/book_appointment"}]
    assert say_buttons("en", buttons) == buttons


def test_catalog_files_are_maps_of_text_to_text() -> None:
    for path in sorted((ROOT / "bot" / "conversation" / "locale").rglob("*.yml")):
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        assert isinstance(loaded, dict), path
        assert all(isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in loaded.items()), path
