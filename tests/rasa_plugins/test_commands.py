"""Exact commands always mean the same intent, whatever the classifier said."""

from __future__ import annotations

import unittest

from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from rasa_plugins.command_map import CommandMap
from rasa_plugins.commands import FixedCommands


def message(text: str, intent: str = "affirm") -> Message:
    predicted = {INTENT_NAME_KEY: intent, "confidence": 0.6}
    return Message(data={TEXT: text, INTENT: predicted, INTENT_RANKING_KEY: [predicted]})


class FixedCommandsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.component = FixedCommands(FixedCommands.get_default_config(), CommandMap.from_content_dir())

    def intent(self, text: str) -> str:
        (result,) = self.component.process([message(text)])
        return str(result.get(INTENT)[INTENT_NAME_KEY])

    def test_exit_words_always_stop(self) -> None:
        for text in ("stop", "STOP!", "/exit", "exit", " quit. ", "forget me", "/forget"):
            self.assertEqual(self.intent(text), "stop", text)

    def test_start_command_greets(self) -> None:
        self.assertEqual(self.intent("/start"), "greet")

    def test_longer_messages_are_left_to_the_model(self) -> None:
        self.assertEqual(self.intent("please stop asking me that"), "affirm")


class CommandMapTest(unittest.TestCase):
    def test_one_command_under_two_intents_is_refused(self) -> None:
        with self.assertRaises(ValueError):
            CommandMap.from_mapping({"stop": ["exit"], "menu": ["Exit!"]})


if __name__ == "__main__":
    unittest.main()
