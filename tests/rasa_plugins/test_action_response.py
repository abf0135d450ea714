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

from rasa_plugins import action_response

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


def candidate_responses() -> list[Any]:
    """Responses with every event type Rasa knows and an unknown one, each with right and wrong fields."""
    schema = RemoteAction.action_response_format_spec()
    names = [alt["properties"]["event"]["const"] for alt in schema["properties"]["events"]["items"]["oneOf"]]
    extras: list[dict[str, Any]] = [
        {},
        {"timestamp": None},
        {"timestamp": "yesterday"},
        {"metadata": {"a": 1}},
        {"metadata": "x"},
        {"name": "region", "value": "scotland"},
        {"name": 3, "value": None},
        {"name": "region"},
        {"text": "hi", "data": {"buttons": []}},
        {"text": 5},
        {"entities": [{"entity": "region", "value": "wales"}]},
        {"entities": [{"entity": "region"}]},
        {"entities": "none"},
        {"policy": "RulePolicy", "confidence": 1.0, "hide_rule_turn": "no"},
        {"parse_data": {"intent": {"name": "greet", "confidence": 1.0}, "entities": []}},
        {"parse_data": {"intent": {"name": 1}}},
        {"parse_data": {"response_selector": {"all_retrieval_intents": []}}},
    ]
    events = [{"event": name, **extra} for name in [*names, "make_coffee"] for extra in extras]
    events += [{"event": None}, {"event": ["slot"]}, {"name": "region", "value": 1}, "slot", None]
    responses: list[Any] = [{"events": [event], "responses": []} for event in events]
    responses += [{**copy.deepcopy(GOOD), "events": [*GOOD["events"], event]} for event in events]
    responses += [copy.deepcopy(GOOD), {}, {"events": None}, {"events": []}, {"responses": [{"text": "x"}]}, *BAD.values()]
    return responses


class QuickCheckTest(unittest.TestCase):
    """The quick check of each event against the one type it names answers exactly as the full schema."""

    def test_it_agrees_with_the_full_check_on_every_candidate(self) -> None:
        schema = RemoteAction.action_response_format_spec()
        full = validators.validator_for(schema)(schema)
        passes = action_response.surely_valid(schema, validators.validator_for(schema))
        assert passes is not None
        candidates = candidate_responses()
        valid = [full.is_valid(copy.deepcopy(result)) for result in candidates]
        self.assertGreater(sum(valid), 30)  # plenty of both
        self.assertGreater(len(valid) - sum(valid), 30)
        for result, expected in zip(candidates, valid, strict=True):
            with self.subTest(result=result):
                self.assertEqual(passes(copy.deepcopy(result)), expected)

    def test_a_good_response_skips_the_full_check(self) -> None:
        validate = action_response.compiled_validator()
        with mock.patch.object(jsonschema.exceptions, "best_match", side_effect=AssertionError("full check used")):
            self.assertTrue(validate(copy.deepcopy(GOOD)))

    def test_no_quick_check_for_a_schema_of_another_shape(self) -> None:
        schema = RemoteAction.action_response_format_spec()
        validator_class = validators.validator_for(schema)
        duplicate = copy.deepcopy(schema)
        alternatives = duplicate["properties"]["events"]["items"]["oneOf"]
        alternatives[1]["properties"]["event"]["const"] = alternatives[0]["properties"]["event"]["const"]
        no_const = copy.deepcopy(schema)
        del no_const["properties"]["events"]["items"]["oneOf"][2]["properties"]["event"]
        no_one_of = copy.deepcopy(schema)
        del no_one_of["properties"]["events"]["items"]["oneOf"]
        for changed in (duplicate, no_const, no_one_of, {"type": "object"}):
            self.assertIsNone(action_response.surely_valid(changed, validator_class))


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
