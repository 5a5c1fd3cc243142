"""Keep what patients type out of the logs: names, phone numbers and reasons belong in the store only.

Logs are kept longer, copied further and read by more people than the appointment store, so two
filters stand between visitors' text and the log:

- `DropQueryString` for bot.web's access log (uvicorn prints the request line, and the staff search
  puts a patient's name in the query string);
- `RedactUserText` for Rasa (bot/rasa/logging.yml), whose warnings and errors quote the visitor's
  message: structlog events with a `text`/`user_text`/... field, and warnings about messages that
  start with "/" (messaging channels pass those on as typed).
"""

from __future__ import annotations

import copy
import json
import logging
import re
from typing import Any

WITHHELD = "[withheld]"

# The fields Rasa's own anonymizer treats as user data (rasa.utils.log_utils._anonymizer), and more.
USER_FIELDS = frozenset(
    {
        "text",
        "response_text",
        "user_text",
        "slot_values",
        "parse_data_text",
        "parse_data_entities",
        "prediction_events",
        "tracker_latest_message",
        "prefilled_slots",
        "message",
        "response",
        "slot_candidates",
        "rasa_event",
        "rasa_events",
        "tracker_states",
        "current_states",
        "old_states",
        "successes",
        "current_entity",
        "next_entity",
        "states",
        "entity",
        "token_text",
        "user_message",
        "json_message",
        "metadata",
        "slots",
    }
)

# Plain-text forms that quote a visitor's message, and what is kept of them.
_QUOTING = (
    # rasa.shared.utils.io.raise_warning from YAMLStoryReader.unpack_regex_message: "/..." messages.
    (
        re.compile(
            r"Failed to parse arguments in line .*?(?=\x1b\[0m|\Z)", re.DOTALL
        ),  # keeps the colour reset
        f"Failed to parse a '/' message {WITHHELD}",
    ),
    # The channels' `logger.error(f"Exception when trying to handle message.{e}")`.
    (
        re.compile(r"(Exception when trying to handle (?:webhook for \w+ )?message\.).*", re.DOTALL),
        rf"\1 {WITHHELD}",
    ),
    # Any other "message '...'" / "text: '...'" quoting, up to the end of the line.
    (
        re.compile(r"""\b((?:user )?(?:message|text|utterance)(?: text)?:? )(['"]).*""", re.IGNORECASE),
        rf"\1{WITHHELD}",
    ),
)


def redact_fields(event: Any) -> Any:
    """A structlog event (or part of one) with every user-data field's value withheld."""
    if isinstance(event, dict):
        return {
            key: (
                WITHHELD if key in USER_FIELDS and value not in (None, "", [], {}) else redact_fields(value)
            )
            for key, value in event.items()
        }
    if isinstance(event, list):
        return [redact_fields(item) for item in event]
    return event


def redact_user_text(message: str) -> str:
    """`message` as it may be logged: user text in Rasa's known forms replaced by "[withheld]"."""
    stripped = message.strip()
    if stripped.startswith("{") and stripped.endswith("}"):  # Rasa's structlog JSON renderer
        try:
            event = json.loads(stripped)
        except ValueError:
            event = None
        if isinstance(event, dict):
            return json.dumps(redact_fields(event))
    for pattern, replacement in _QUOTING:
        message = pattern.sub(replacement, message)
    return message


def without_query(target: str) -> str:
    """A request target without its query string ("/staff?q=Jane" -> "/staff")."""
    return target.split("?", 1)[0]


class RedactUserText(logging.Filter):
    """Rewrites each record's message with `redact_user_text` (attach it to the handlers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call is the handler's to report, never the filter's
            return True
        redacted = redact_user_text(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


class DropQueryString(logging.Filter):
    """Drops the query string from uvicorn's access-log records (args: client, method, target, ...)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3 and isinstance(record.args[2], str):
            record.args = (*record.args[:2], without_query(record.args[2]), *record.args[3:])
        return True


def redact_warnings_too() -> RedactUserText:
    """dictConfig factory for `RedactUserText` that also sends `warnings.warn` through logging.

    Rasa reports a malformed "/intent" message with `warnings.warn`, quoting the message, straight to
    stderr; captured, it reaches the handlers and so this filter.
    """
    logging.captureWarnings(True)
    return RedactUserText()


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's default logging, with `DropQueryString` on the access log."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["drop_query_string"] = {"()": DropQueryString}
    config["handlers"]["access"]["filters"] = ["drop_query_string"]
    return config
