"""The Spanish responses mirror the English ones, so the Spanish model's stories and actions work unchanged.

Names, channels, button payloads and `{placeholders}` are what rules, connectors and Rasa's slot filling
rely on; only the words may differ, and they must differ (an English text left in is an untranslated one).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def responses_of(path: Path) -> dict[str, list[dict]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["responses"]


ENGLISH = responses_of(ROOT / "domain.yml")
SPANISH = responses_of(ROOT / "data" / "es" / "domain.yml")


def pairs() -> list:
    """(English, Spanish) for every variation both files have; a count that differs fails elsewhere."""
    return [
        pytest.param(english, spanish, id=f"{name}-{index}")
        for name, variations in ENGLISH.items()
        for index, (english, spanish) in enumerate(zip(variations, SPANISH.get(name, []), strict=False))
    ]


def buttons_of(variations: list[dict]) -> list[dict]:
    return [button for variation in variations for button in variation.get("buttons", [])]


def test_the_spanish_file_holds_only_the_version_and_the_responses() -> None:
    loaded = yaml.safe_load((ROOT / "data" / "es" / "domain.yml").read_text(encoding="utf-8"))
    assert set(loaded) == {"version", "responses"}
    assert loaded["version"] == "3.1"


def test_same_response_names() -> None:
    assert sorted(SPANISH) == sorted(ENGLISH)


@pytest.mark.parametrize("name", sorted(ENGLISH))
def test_same_variations_with_the_same_channels(name: str) -> None:
    english = [variation.get("channel") for variation in ENGLISH[name]]
    spanish = [variation.get("channel") for variation in SPANISH.get(name, [])]
    assert spanish == english


@pytest.mark.parametrize(("english", "spanish"), pairs())
def test_same_button_payloads_in_the_same_order(english: dict, spanish: dict) -> None:
    payloads = [button["payload"] for button in spanish.get("buttons", [])]
    assert payloads == [button["payload"] for button in english.get("buttons", [])]


@pytest.mark.parametrize(("english", "spanish"), pairs())
def test_same_placeholders(english: dict, spanish: dict) -> None:
    assert sorted(PLACEHOLDER.findall(spanish["text"])) == sorted(PLACEHOLDER.findall(english["text"]))


def test_no_english_text_is_reused() -> None:
    english_texts = {variation["text"].strip() for variations in ENGLISH.values() for variation in variations}
    reused = [
        name
        for name, variations in SPANISH.items()
        for variation in variations
        if variation["text"].strip() in english_texts
    ]
    assert reused == []


def test_no_english_button_title_is_reused() -> None:
    english_titles = {button["title"] for variations in ENGLISH.values() for button in buttons_of(variations)}
    reused = [
        button["title"]
        for variations in SPANISH.values()
        for button in buttons_of(variations)
        if button["title"] in english_titles
    ]
    assert reused == []
