"""A message made only of words the model never saw is not understood, whatever the model guessed."""

from __future__ import annotations

import unittest
from unittest import mock

from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_plugins.crisis_detector import CrisisDetector
from rasa_plugins.crisis_matcher import CrisisMatcher
from rasa_plugins.unknown_words import UnknownWordsFallback


def message(text: str, intent: str = "affirm", confidence: float = 0.6) -> Message:
    predicted = {INTENT_NAME_KEY: intent, "confidence": confidence}
    return Message(data={TEXT: text, INTENT: predicted, INTENT_RANKING_KEY: [predicted]})


def trained(*examples: str) -> UnknownWordsFallback:
    storage = mock.MagicMock()  # write_to() gives a mock folder: nothing is written
    component = UnknownWordsFallback(storage, mock.MagicMock(), ())
    component.train(TrainingData(training_examples=[Message(data={TEXT: text, INTENT: "x"}) for text in examples]))
    return component


class UnknownWordsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.component = trained("I was raped by a colleague", "thanks so much", "yes please", "he hit me")

    def intent_of(self, text: str, **kwargs: object) -> str:
        (result,) = self.component.process([message(text, **kwargs)])  # type: ignore[arg-type]
        return str(result.get(INTENT)[INTENT_NAME_KEY])

    def test_keyboard_mashing_and_unknown_words_are_not_understood(self) -> None:
        for text in ("qwzx plorb 77", "asdfgh", "zzkx vvqp"):
            self.assertEqual(self.intent_of(text), "nlu_fallback", text)

    def test_the_models_guess_stays_in_the_ranking_behind_the_fallback(self) -> None:
        (result,) = self.component.process([message("qwzx plorb", intent="crisis_suicide")])
        ranking = [entry[INTENT_NAME_KEY] for entry in result.get(INTENT_RANKING_KEY)]
        self.assertEqual(ranking[:2], ["nlu_fallback", "crisis_suicide"])

    def test_known_words_typos_numbers_payloads_and_entities_are_left_alone(self) -> None:
        for text in ("yes", "thnks", "i was rapd", "77", "/affirm", "??"):
            self.assertEqual(self.intent_of(text), "affirm", text)
        found = message("Inverness")
        found.set(ENTITIES, [{"entity": "region", "value": "scotland"}])
        (result,) = self.component.process([found])
        self.assertEqual(result.get(INTENT)[INTENT_NAME_KEY], "affirm")

    def test_an_untrained_component_changes_nothing(self) -> None:
        empty = UnknownWordsFallback(mock.MagicMock(), mock.MagicMock(), ())
        (result,) = empty.process([message("qwzx plorb")])
        self.assertEqual(result.get(INTENT)[INTENT_NAME_KEY], "affirm")

    def test_a_crisis_pattern_still_wins_after_the_fallback(self) -> None:
        detector = CrisisDetector(CrisisDetector.get_default_config(), CrisisMatcher.from_content_dir())
        (marked,) = self.component.process([message("qwzx plorb", intent="crisis_danger", confidence=0.7)])
        (result,) = detector.process([marked])
        self.assertEqual(result.get(INTENT)[INTENT_NAME_KEY], "crisis_danger")


if __name__ == "__main__":
    unittest.main()
