"""Action server responses: the compiled check refuses exactly what Rasa's own check refuses, faster."""

from __future__ import annotations

import copy
import time
import unittest
from typing import Any
from unittest import mock

import jsonschema
from jsonschema import validators
from rasa.core.actions.action import RemoteAction

from bot.rasa_plugins import action_response

#: A typical response of ours: slot events and texts with buttons.
GOOD: dict[str, Any] = {
    "events": [
        {"event": "slot", "timestamp": None, "name": "region", "value": "scotland"},
        {"event": "slot", "timestamp": None, "name": "topic", "value": "review"},
    ],
    "responses": [
        {"text": "Here are your options.", "buttons": [{"title": "Tell me more", "payload": "/tell_me_more"}]},
        {"text": "Rape Crisis Scotland: 08088 01 03 02"},
    ],
}

BAD: dict[str, dict[str, Any]] = {
    "events is not a list": {"events": {"event": "slot"}, "responses": []},
    "an event without a type": {"events": [{"name": "region", "value": "x"}], "responses": []},
    "an unknown event type": {"events": [{"event": "make_coffee"}], "responses": []},
    "a slot event without a name": {"events": [{"event": "slot", "value": 1}], "responses": []},
    "responses is not a list": {"events": [], "responses": "hello"},
    "a response that is not an object": {"events": [], "responses": ["hello"]},
    "not an object at all": [],  # type: ignore[dict-item]
}


def rasa_original(result: Any) -> None:
    """What Rasa 3.6.21 itself does (`jsonschema.validate` with the full meta-schema check)."""
    jsonschema.validate(result, RemoteAction.action_response_format_spec())


class CompiledValidatorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.validate = staticmethod(action_response.compiled_validator())

    def test_a_good_response_passes(self) -> None:
        self.assertTrue(self.validate(copy.deepcopy(GOOD)))
        rasa_original(copy.deepcopy(GOOD))

    def test_every_bad_response_is_refused_with_the_same_error_as_rasa(self) -> None:
        for case, result in BAD.items():
            with self.subTest(case):
                with self.assertRaises(jsonschema.ValidationError) as ours:
                    self.validate(copy.deepcopy(result))
                with self.assertRaises(jsonschema.ValidationError) as theirs:
                    rasa_original(copy.deepcopy(result))
                self.assertTrue(ours.exception.message.startswith(theirs.exception.message), case)
                self.assertIn("Failed to validate Action server response", ours.exception.message)
                self.assertEqual(list(ours.exception.path), list(theirs.exception.path), case)

    def test_the_schema_is_not_checked_again_per_response(self) -> None:
        schema_class = validators.validator_for(RemoteAction.action_response_format_spec())
        with mock.patch.object(schema_class, "check_schema", side_effect=AssertionError("checked again")):
            for _ in range(3):
                self.validate(copy.deepcopy(GOOD))

    def test_it_is_much_faster_than_rasas_own_check(self) -> None:
        def seconds(check: Any, rounds: int = 20) -> float:
            start = time.perf_counter()
            for _ in range(rounds):
                check(copy.deepcopy(GOOD))
            return time.perf_counter() - start

        # Generous margin (measured about 20x on 2 cores) so a busy machine cannot make this flaky.
        self.assertLess(seconds(self.validate), seconds(rasa_original) / 3)


class InstallTest(unittest.TestCase):
    def test_install_makes_rasa_use_it_and_still_refuse_bad_responses(self) -> None:
        original = RemoteAction._validate_action_result
        try:
            self.assertTrue(action_response.install())
            remote = RemoteAction("action_topic", None)
            self.assertTrue(remote._validate_action_result(copy.deepcopy(GOOD)))
            with self.assertRaises(jsonschema.ValidationError):
                remote._validate_action_result(copy.deepcopy(BAD["an unknown event type"]))
            with mock.patch.object(jsonschema, "validate", side_effect=AssertionError("slow path used")):
                remote._validate_action_result(copy.deepcopy(GOOD))
        finally:
            RemoteAction._validate_action_result = original  # type: ignore[method-assign]
            action_response._installed = False


if __name__ == "__main__":
    unittest.main()
