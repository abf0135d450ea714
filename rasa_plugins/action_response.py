"""Check action server responses with a schema compiled once, not once per message.

Rasa 3.6.21 checks every custom action's response with `jsonschema.validate(result, schema)`.
That call first validates the *schema itself* against the JSON Schema meta-schema, every time:
about 20 ms of CPU per call on a 2-core machine, two thirds of all the work our Rasa server does
for one message (every turn of this bot is a custom action). See docs/benchmarks.md, "Why two
targets were missed: the profile".

`install()` replaces `RemoteAction._validate_action_result` with the same check against the same
schema, compiled once: the same errors are refused with the same `ValidationError` (the one
`jsonschema.validate` would raise, chosen by `best_match`, with Rasa's hint appended), so an
invalid action response is still rejected exactly as before. Called by `rasa_plugins.serve`
before Rasa starts.

Most of what is left is the schema's `oneOf` over Rasa's 23 event types: every event of a
response is checked against all 23 to prove that exactly one fits, about 2 ms of CPU per message
(docs/benchmarks.md, "Per-message CPU of one short turn"). Each of the 23 fixes `event` to its
own name (`const`), so an event can only ever fit the one named by its `event`: a response that
passes the shape check and has every event fit the type it names is one the full check passes
too. Such a response is accepted without the full check; anything else (an unknown event type,
a wrong field, a schema of another shape) goes through the full check, which accepts it or
raises exactly the error it always did.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable
from typing import Any, Optional

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
    passes = surely_valid(schema, validator_class)

    def validate(result: dict[str, Any]) -> bool:
        if passes is not None and passes(result):
            return True
        error = exceptions.best_match(validator.iter_errors(result))
        if error is not None:
            error.message += hint
            raise error
        return True

    return validate


def surely_valid(schema: dict[str, Any], validator_class: Any) -> Optional[Callable[[Any], bool]]:
    """A quick check that only ever says yes when the full schema does: True = valid, False = ask the full check.

    The response's shape is checked without the events' `oneOf`, then each event against the one
    alternative whose `const` is its `event` (plus what every event must have). That is the full
    check whenever the alternatives each fix `event` to a different name, which is verified here;
    None (no quick check) if Rasa's schema has another shape.
    """
    try:
        events = schema["properties"]["events"]
        items = events["items"]
        alternatives = items["oneOf"]
        names = [alternative["properties"]["event"]["const"] for alternative in alternatives]
        required = isinstance(items["required"], list) and "event" in items["required"]
        required = required and items["properties"]["event"]["type"] == "string"
    except (KeyError, TypeError):
        return None
    if not required or "$ref" in json.dumps(schema) or len(set(names)) != len(names):
        return None
    if not all(isinstance(name, str) for name in names):
        return None
    common = {key: value for key, value in items.items() if key != "oneOf"}
    pairs = zip(names, alternatives, strict=True)
    by_name = {name: validator_class({**common, "allOf": [*common.get("allOf", []), alternative]}) for name, alternative in pairs}
    outer_schema = copy.deepcopy(schema)
    outer_schema["properties"]["events"] = {key: value for key, value in events.items() if key != "items"}
    outer = validator_class(outer_schema)

    def passes(result: Any) -> bool:
        if not outer.is_valid(result):
            return False
        for event in result.get("events") or []:
            name = event.get("event") if isinstance(event, dict) else None
            check = by_name.get(name) if isinstance(name, str) else None
            if check is None or not check.is_valid(event):
                return False
        return True

    return passes


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
