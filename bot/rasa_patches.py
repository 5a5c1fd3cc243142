"""Two corrections to Rasa 3.6, installed by the project's tracker store as each Rasa server starts.

- Rasa wraps every tracker store in a FailSafeTrackerStore which, when the database fails, goes on
  with an empty in-memory conversation (see bot/tracker_store.py); its error hooks now re-raise, so
  the turn fails instead.
- Rasa checks each action server answer with `jsonschema.validate`, which re-checks the whole schema
  against the meta-schema on every call: about 40 ms of CPU per action call, the largest single cost
  of a turn here (docs/performance.md). The same check now runs with a validator built once.
"""

from __future__ import annotations

from typing import Any

import jsonschema
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.constants import DOCS_BASE_URL


def _raise(_store: FailSafeTrackerStore, error: Exception) -> None:
    raise error


_validator: Any = None
RASA_VALIDATE = RemoteAction._validate_action_result  # Rasa's own check, for the bench's comparison


def _validate_action_result(_action: RemoteAction, result: dict[str, Any]) -> bool:
    try:
        _validator.validate(result)
    except jsonschema.ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            "Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise
    return True


def apply() -> None:
    """Install both, once per process (a later call leaves what is installed, wrappers included)."""
    global _validator
    if _validator is not None:
        return
    schema = RemoteAction.action_response_format_spec()
    _validator = jsonschema.validators.validator_for(schema)(schema)
    FailSafeTrackerStore.on_tracker_store_error = _raise
    FailSafeTrackerStore.on_tracker_store_retrieve_error = _raise
    RemoteAction._validate_action_result = _validate_action_result
