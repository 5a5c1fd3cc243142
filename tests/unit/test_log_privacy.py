"""The log filters withhold what visitors typed, in every form Rasa and uvicorn are known to log it."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from uvicorn.logging import AccessFormatter

from bot.ops.log_privacy import (
    WITHHELD,
    DropQueryString,
    RedactUserText,
    redact_user_text,
    uvicorn_log_config,
    without_query,
)
from bot.settings import ROOT

SECRET = "Jane Quillonby 617-555-0143 jane@example.org"


def structlog_line(**event: object) -> str:
    """A line as Rasa's structlog set-up renders it when not on a terminal (JSONRenderer)."""
    return json.dumps(event)


@pytest.mark.parametrize(
    "line",
    [
        # rasa.core.channels.rest: structlogger.exception("rest.message.received.failure", text=...)
        structlog_line(text=SECRET, event="rest.message.received.failure", level="error"),
        structlog_line(text=SECRET, event="rest.message.received.timeout", level="error"),
        # YAMLStoryReader.unpack_regex_message: structlogger.warning("message.parsing.failed", ...)
        structlog_line(user_text="/@" + SECRET, event="message.parsing.failed", level="warning"),
        # rasa.core.channels.facebook: structlogger.warning("facebook.message.cannot.handle", message=)
        structlog_line(message={"text": SECRET}, event="facebook.message.cannot.handle", level="warning"),
        # rasa.core.http_interpreter: text= and response_text=
        structlog_line(text=SECRET, response_text=SECRET, event="http.parse.text.failure", level="error"),
        structlog_line(event="x", level="error", exception=[{"frames": [], "user_message": SECRET}]),
    ],
)
def test_user_fields_of_rasa_structlog_events_are_withheld(line: str) -> None:
    redacted = redact_user_text(line)
    assert "Quillonby" not in redacted and "0143" not in redacted
    event = json.loads(redacted)
    assert event["event"] == json.loads(line)["event"] and event["level"] == json.loads(line)["level"]
    assert WITHHELD in redacted


@pytest.mark.parametrize(
    "message",
    [
        # rasa.shared.utils.io.raise_warning from YAMLStoryReader (a message that starts with "/")
        f"io.py:100: UserWarning: Failed to parse arguments in line '/{SECRET}'. Expected the intent to be "
        f"one of [['affirm', 'deny']] but found {SECRET}.Continuing with given line as user text.",
        f'Failed to parse arguments in line \'/affirm{{"name": "x"}} {SECRET}\'. Failed to interpret some '
        f"parts. Make sure your regex string is in the following format:/<intent_name>@<confidence-value>"
        f"<dictionary of entities> Continuing without {SECRET}. ",
        f"Failed to parse arguments in line '/affirm{{{SECRET}'.\nmore on a second line: {SECRET}",
        # The channels' logger.error(f"Exception when trying to handle message.{e}")
        f"Exception when trying to handle message.'{SECRET}' is not valid",
        f"Exception when trying to handle webhook for facebook message.{SECRET}",
        # The form the brief names: an error quoting the message
        f"Could not process message '{SECRET}' for sender 'abc'",
        f'Failed on user text: "{SECRET}"',
    ],
)
def test_plain_text_forms_that_quote_a_message_are_withheld(message: str) -> None:
    redacted = redact_user_text(message)
    assert "Quillonby" not in redacted and "0143" not in redacted and WITHHELD in redacted


@pytest.mark.parametrize(
    "message",
    [
        "Circuit breaker tripped. Stopped predicting more actions for sender 'web-abc'.",
        "Starting Rasa server on http://127.0.0.1:5005",
        "Couldn't create message for response 'utter_greet'.",
        '{"event": "action.run", "action_name": "action_greet", "level": "info"}',
        "{not json at all}",
    ],
)
def test_messages_without_user_text_are_left_alone(message: str) -> None:
    assert redact_user_text(message) == message


def test_a_coloured_warning_keeps_its_colour_reset() -> None:
    coloured = f"\x1b[93mio.py:100: UserWarning: Failed to parse arguments in line '/{SECRET}'.\x1b[0m"
    assert (
        redact_user_text(coloured)
        == f"\x1b[93mio.py:100: UserWarning: Failed to parse a '/' message {WITHHELD}\x1b[0m"
    )


def test_the_filter_rewrites_a_record_with_arguments() -> None:
    record = logging.LogRecord(
        "rasa.core.channels.rest",
        logging.ERROR,
        __file__,
        1,
        "%s",
        (structlog_line(text=SECRET, event="e"),),
        None,
    )
    assert RedactUserText().filter(record) is True
    assert "Quillonby" not in record.getMessage() and WITHHELD in record.getMessage()


def test_the_filter_lets_a_malformed_record_through_for_the_handler_to_report() -> None:
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "%s and %s", ("only one",), None)
    assert RedactUserText().filter(record) is True


def test_the_access_log_loses_the_query_string_but_keeps_the_path() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("10.0.0.1:5000", "GET", "/staff?q=Jane+Quillonby&status=new", "1.1", 200),
        None,
    )
    assert DropQueryString().filter(record) is True
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False).format(
        record
    )
    assert line == '10.0.0.1:5000 - "GET /staff HTTP/1.1" 200 OK'
    assert without_query("/staff/requests/PRL-7KQ3MX") == "/staff/requests/PRL-7KQ3MX"


def test_uvicorn_gets_the_filter_on_its_access_handler_only() -> None:
    config = uvicorn_log_config()
    assert config["handlers"]["access"]["filters"] == ["drop_query_string"]
    assert "filters" not in config["handlers"]["default"]
    assert config["filters"]["drop_query_string"] == {"()": DropQueryString}
    assert config["loggers"]["uvicorn.access"]["handlers"] == ["access"]


RASA_LOGGING = """
import logging, sys, warnings
import structlog
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.core.domain import Domain
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.common import configure_logging_and_warnings
from rasa.utils.log_utils import configure_structlog
import rasa.utils.io

configure_logging_and_warnings(None, sys.argv[1], warn_only_once=True, filter_repeated_logs=True)
rasa.utils.io.configure_colored_logging(None)
configure_structlog(None)
secret = sys.argv[2]
domain = Domain.from_dict({"intents": ["affirm"]})
YAMLStoryReader.unpack_regex_message(Message(data={"text": "/" + secret}), domain)
YAMLStoryReader.unpack_regex_message(Message(data={"text": "/@" + secret}), domain)
structlog.get_logger("rasa.core.channels.rest").error("rest.message.received.failure", text=secret)
logging.getLogger("rasa.core.channels.slack").error(f"Exception when trying to handle message.{secret}")
"""


def test_rasa_loads_the_logging_config_and_its_warnings_and_errors_come_out_withheld(tmp_path: Path) -> None:
    """Rasa ignores a logging config it cannot apply without a word, so apply it as Rasa does."""
    result = subprocess.run(
        [sys.executable, "-c", RASA_LOGGING, str(ROOT / "bot" / "rasa" / "logging.yml"), SECRET],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    output = result.stdout + result.stderr
    assert "Quillonby" not in output and "0143" not in output, output[-2000:]
    assert "Failed to parse a '/' message [withheld]" in output
    assert '"user_text": "[withheld]"' in output and '"text": "[withheld]"' in output
    assert f"Exception when trying to handle message. {WITHHELD}" in output


def test_without_the_config_the_same_rasa_calls_would_leak(tmp_path: Path) -> None:
    """The check above is not vacuous: Rasa's default logging prints the text."""
    empty = tmp_path / "empty.yml"
    empty.write_text("version: 1\ndisable_existing_loggers: false\n")
    result = subprocess.run(
        [sys.executable, "-c", RASA_LOGGING, str(empty), SECRET],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Quillonby" in result.stdout + result.stderr
