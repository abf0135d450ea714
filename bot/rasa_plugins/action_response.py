"""Check action server responses with a schema compiled once, not once per message.

Rasa 3.6.21 checks every custom action's response with `jsonschema.validate(result, schema)`.
That call first validates the *schema itself* against the JSON Schema meta-schema, every time:
about 20 ms of CPU per call on a 2-core machine, two thirds of all the work our Rasa server does
for one message (every turn of this bot is a custom action). See docs/benchmarks.md, "Why two
targets were missed: the profile".

`install()` replaces `RemoteAction._validate_action_result` with the same check against the same
schema, compiled once: the same errors are refused with the same `ValidationError` (the one
`jsonschema.validate` would raise, chosen by `best_match`, with Rasa's hint appended), so an
invalid action response is still rejected exactly as before. Called by `bot.rasa_plugins.serve`
before Rasa starts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

#: Rasa's hint, appended to the error message exactly as Rasa 3.6.21 does.
_HINT = (
    ". Failed to validate Action server response from API, "
    "make sure your response from the Action endpoint is valid. "
    "For more information about the format visit {docs}/custom-actions"
)

_installed = False


def compiled_validator() -> Callable[[dict[str, Any]], bool]:
    """A drop-in for `RemoteAction._validate_action_result` (without `self`) with the schema compiled once."""
    from jsonschema import exceptions, validators
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)  # once, here, instead of on every message
    validator = validator_class(schema)
    hint = _HINT.format(docs=DOCS_BASE_URL)

    def validate(result: dict[str, Any]) -> bool:
        error = exceptions.best_match(validator.iter_errors(result))
        if error is not None:
            error.message += hint
            raise error
        return True

    return validate


def install() -> bool:
    """Patch Rasa's `RemoteAction` to use the compiled validator. False (and a log line) if Rasa changed shape."""
    global _installed
    if _installed:
        return True
    from rasa.core.actions.action import RemoteAction

    if not callable(getattr(RemoteAction, "_validate_action_result", None)):
        logger.warning("RemoteAction._validate_action_result not found: action responses are checked the slow way")
        return False
    validate = compiled_validator()

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        return validate(result)

    RemoteAction._validate_action_result = _validate_action_result
    _installed = True
    return True
