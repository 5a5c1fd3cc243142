"""The two shapes of a conversation's transcript, and how they meet.

A stored request keeps lines `{"from": "visitor"|"assistant"|"staff"|"system", "text", "at"}` (what the
staff page shows); a handoff keeps `{"sender": "visitor"|"bot"|…, "text", "timestamp"}` (bot/store/schema.py).
Visitors' messages during a handoff never reach Rasa, so the request's transcript gets them, and the
staff's replies, from the handoff's turns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

_REQUEST_FROM = {"bot": "assistant"}  # a handoff's other senders keep their names
_HANDOFF_SENDER = {"assistant": "bot"}


def for_handoff(lines: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Request-shaped lines (actions.context.transcript) as a handoff's transcript."""
    return [
        {
            "sender": _HANDOFF_SENDER.get(line.get("from", ""), line.get("from", "visitor")),
            "text": line.get("text", ""),
            "timestamp": line.get("at"),
        }
        for line in lines
    ]


def from_handoff_turn(turn: dict[str, Any]) -> dict[str, Any]:
    """One turn of `bot.store.handoffs.handoff_turns` as a line of a request's transcript."""
    sender = turn.get("sender", "")
    line: dict[str, Any] = {
        "from": _REQUEST_FROM.get(sender, sender),
        "text": turn.get("text", ""),
        "at": turn.get("timestamp"),
    }
    if turn.get("staff_user"):
        line["staff_user"] = turn["staff_user"]
    return line


def with_handoff_turns(
    lines: Sequence[dict[str, Any]], turns: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The bot's transcript and the handoff's turns in one list, in time order."""
    merged = [*lines, *(from_handoff_turn(turn) for turn in turns)]
    merged.sort(key=lambda line: float(line.get("at") or 0))  # stable: on a tie the bot's line stays first
    return merged
