"""Four corrections to Rasa 3.6, installed by `python -m bot.rasa` before Rasa starts.

- Rasa wraps every tracker store in a FailSafeTrackerStore which, when the database fails, goes on
  with an empty in-memory conversation (see bot/rasa/tracker_store.py); its error hooks now re-raise, so
  the turn fails instead.
- Rasa checks each action server answer with `jsonschema.validate`, which re-checks the whole schema
  against the meta-schema on every call: about 40 ms of CPU per action call, the largest single cost
  of a turn here (docs/performance.md). The same check now runs with a validator built once.
- Rasa loads each TensorFlow model (DIET, ResponseSelector) for serving by compiling it with an
  optimizer and training it on one example, only to create its variables, then restores the weights
  and the optimizer's state. That traces a training graph and keeps two Adam slots per weight that a
  server never uses: seconds of start-up and hundreds of MB. The variables are now created by one
  eager prediction, the weights restored (optimizer state skipped), and the prediction graph traced
  once with them, as Rasa's loader does last.
- Rasa runs every ResponseSelector on every message, although an answer is only ever taken from the
  selector of the message's own intent (`utter_faq` reads the `faq` selector when the intent is
  `faq`): two TensorFlow calls of about 5 ms each on a booking turn, for nothing. A selector now runs
  only on messages whose intent is its retrieval intent. `rasa test nlu` does not install this: it
  scores each selector on every example, with the example's true intent.
"""

from __future__ import annotations

from typing import Any

import jsonschema
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.tensorflow.constants import RUN_EAGERLY
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel


def _raise(_store: FailSafeTrackerStore, error: Exception) -> None:
    raise error


_validator: Any = None
RASA_VALIDATE = RemoteAction._validate_action_result  # Rasa's own check, for the bench's comparison
RASA_LOAD = RasaModel.load.__func__  # Rasa's own loader, for fine-tuning and the tests' comparison
RASA_SELECT = ResponseSelector.process  # every selector on every message


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


def load_for_inference(
    cls: type[RasaModel],
    model_file_name: str,
    model_data_example: RasaModelData,
    predict_data_example: RasaModelData | None = None,
    finetune_mode: bool = False,
    *args: Any,
    **kwargs: Any,
) -> RasaModel:
    """Rasa's `RasaModel.load` for serving, without the training step and the optimizer's state."""
    if finetune_mode or not predict_data_example:
        return RASA_LOAD(
            cls, model_file_name, model_data_example, predict_data_example, finetune_mode, *args, **kwargs
        )
    model = cls(*args, **kwargs)
    model.compile(run_eagerly=True)
    model.run_inference(predict_data_example)  # creates the variables, eagerly: nothing traced
    model.load_weights(model_file_name).expect_partial()  # the optimizer's slots are not wanted
    # What the first prediction derived from the random weights (e.g. every label's embedding) goes;
    # the next one derives it again from the restored weights and traces the graph with them.
    model.prepared_for_prediction = False
    model._tf_predict_step = None
    model.compile(run_eagerly=kwargs.get("config", {}).get(RUN_EAGERLY))
    model.run_inference(predict_data_example)
    return model


def select_for_own_intent(selector: ResponseSelector, messages: list[Message]) -> list[Message]:
    """Rasa's `ResponseSelector.process`, on the messages whose intent this selector answers."""
    own = selector.retrieval_intent
    mine = [m for m in messages if not own or (m.get(INTENT) or {}).get(INTENT_NAME_KEY) == own]
    RASA_SELECT(selector, mine)
    return messages


def apply() -> None:
    """Install all four, once per process (a later call leaves what is installed, wrappers included)."""
    global _validator
    if _validator is not None:
        return
    schema = RemoteAction.action_response_format_spec()
    _validator = jsonschema.validators.validator_for(schema)(schema)
    FailSafeTrackerStore.on_tracker_store_error = _raise
    FailSafeTrackerStore.on_tracker_store_retrieve_error = _raise
    RemoteAction._validate_action_result = _validate_action_result
    RasaModel.load = classmethod(load_for_inference)
    ResponseSelector.process = select_for_own_intent
