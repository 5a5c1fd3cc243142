"""Buttons on channels that only carry text (SMS): shown as one numbered list, picked by number or words."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

_PUNCTUATION = re.compile(r"[^\w\s]")


def numbered(text: str, buttons: Sequence[dict[str, Any]], first: int = 1) -> str:
    lines = [text.strip()] if text.strip() else []
    lines += [f"{first + i}. {button.get('title', '')}" for i, button in enumerate(buttons)]
    return "\n".join(lines)


def _plain(text: str) -> str:
    return " ".join(_PUNCTUATION.sub(" ", text.casefold()).split())


def picked(reply: str, offered: Sequence[dict[str, Any]]) -> str | None:
    """The payload a reply chooses among the offered buttons ("2", "2.", "Afternoon"), else None."""
    answer = reply.strip().rstrip(".)")
    if answer.isascii() and answer.isdigit():
        number = int(answer)
        return str(offered[number - 1].get("payload", "")) if 1 <= number <= len(offered) else None
    words = _plain(reply)
    for button in offered:
        if words and words == _plain(str(button.get("title", ""))):
            return str(button.get("payload", ""))
    return None


def as_typed(reply: str) -> str:
    """What a visitor typed, never a `/intent` command (only offered buttons carry those)."""
    typed = reply.strip()
    while typed.startswith("/"):  # "/ /affirm" must not become "/affirm"
        typed = typed[1:].strip()
    return typed
