"""The crisis detector NLU component overrides whatever the classifier said."""

from __future__ import annotations

import unittest

from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from rasa_plugins.crisis_detector import CrisisDetector
from rasa_plugins.crisis_matcher import CrisisMatcher


def message(text: str, intent: str = "ask_work", confidence: float = 0.93) -> Message:
    predicted = {INTENT_NAME_KEY: intent, "confidence": confidence}
    return Message(data={TEXT: text, INTENT: predicted, INTENT_RANKING_KEY: [predicted]})


class CrisisDetectorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.detector = CrisisDetector(CrisisDetector.get_default_config(), CrisisMatcher.from_content_dir())

    def test_confident_wrong_prediction_is_overridden_for_suicide(self) -> None:
        (result,) = self.detector.process([message("work is awful and i want to kill myself")])
        self.assertEqual(result.get(INTENT)[INTENT_NAME_KEY], "crisis_suicide")
        self.assertEqual(result.get(INTENT)["confidence"], 1.0)
        self.assertEqual(result.get(INTENT_RANKING_KEY)[0][INTENT_NAME_KEY], "crisis_suicide")

    def test_danger_now_is_overridden_even_after_nlu_fallback(self) -> None:
        (result,) = self.detector.process([message("hes outside my house right now", intent="nlu_fallback", confidence=0.3)])
        self.assertEqual(result.get(INTENT)[INTENT_NAME_KEY], "crisis_danger")

    def test_danger_while_leaving_the_chat_gets_the_short_leave_now_reply(self) -> None:
        # An arrival said as the whole message: the abuser is already there, so the screen clears.
        for text in (
            "got to go, he's here",
            "he's back. gtg",
            "can't talk, someone's here",
            "he's here, hide this",
            "he's home",
            "he's walking in",
        ):
            (result,) = self.detector.process([message(text)])
            self.assertEqual(result.get(INTENT)[INTENT_NAME_KEY], "leave_now", text)
        for text in (
            "he's home and he's drunk",
            "my ex is on his way here",
            "he's outside, I have to go and hide",
            "can you call 999 i cant talk",
        ):
            (result,) = self.detector.process([message(text)])
            self.assertEqual(result.get(INTENT)[INTENT_NAME_KEY], "crisis_danger", text)
        (result,) = self.detector.process([message("I want to kill myself, got to go")])
        self.assertEqual(result.get(INTENT)[INTENT_NAME_KEY], "crisis_suicide")  # never cut short

    def test_a_recent_sexual_assault_goes_to_the_crisis_action(self) -> None:
        for text in ("I was sexually assaulted yesterday at a work do", "I got raped last night"):
            (result,) = self.detector.process([message(text, intent="disclose")])
            self.assertEqual(result.get(INTENT)[INTENT_NAME_KEY], "crisis_danger", text)
        (result,) = self.detector.process([message("he raped me years ago", intent="disclose")])
        self.assertEqual(result.get(INTENT)[INTENT_NAME_KEY], "disclose")

    def test_ordinary_message_is_left_alone(self) -> None:
        (result,) = self.detector.process([message("how do I raise a grievance")])
        self.assertEqual(result.get(INTENT)[INTENT_NAME_KEY], "ask_work")

    def test_button_payload_is_left_alone(self) -> None:
        (result,) = self.detector.process([message("/safe_now", intent="safe_now", confidence=1.0)])
        self.assertEqual(result.get(INTENT)[INTENT_NAME_KEY], "safe_now")

    def test_unsure_crisis_guess_is_kept_as_crisis_not_fallback(self) -> None:
        fallback = {INTENT_NAME_KEY: "nlu_fallback", "confidence": 0.25}
        guess = {INTENT_NAME_KEY: "crisis_suicide", "confidence": 0.21}
        unsure = Message(data={TEXT: "everything feels pointless", INTENT: fallback, INTENT_RANKING_KEY: [fallback, guess]})
        (result,) = self.detector.process([unsure])
        self.assertEqual(result.get(INTENT)[INTENT_NAME_KEY], "crisis_suicide")

    def test_unsure_other_guess_stays_a_fallback(self) -> None:
        fallback = {INTENT_NAME_KEY: "nlu_fallback", "confidence": 0.25}
        guess = {INTENT_NAME_KEY: "ask_work", "confidence": 0.21}
        unsure = Message(data={TEXT: "qwzx plorb", INTENT: fallback, INTENT_RANKING_KEY: [fallback, guess]})
        (result,) = self.detector.process([unsure])
        self.assertEqual(result.get(INTENT)[INTENT_NAME_KEY], "nlu_fallback")

    def test_a_warning_sign_family_is_forced_by_its_pattern(self) -> None:
        (result,) = self.detector.process([message("he had his hands round my neck last night")])
        self.assertEqual(result.get(INTENT)[INTENT_NAME_KEY], "crisis_harm_risk")
        (result,) = self.detector.process([message("everyone would be better off without me")])
        self.assertEqual(result.get(INTENT)[INTENT_NAME_KEY], "crisis_suicide_signs")

    def test_a_model_guess_of_a_warning_sign_family_alone_gives_way_to_its_next_guess(self) -> None:
        guess = {INTENT_NAME_KEY: "crisis_suicide_signs", "confidence": 0.6}
        second = {INTENT_NAME_KEY: "ask_work", "confidence": 0.3}
        calm = Message(data={TEXT: "will reporting affect my pension", INTENT: guess, INTENT_RANKING_KEY: [guess, second]})
        (result,) = self.detector.process([calm])
        self.assertEqual(result.get(INTENT)[INTENT_NAME_KEY], "ask_work")

    def test_a_crisis_guessed_from_a_negation_gives_way_and_the_survivor_is_believed(self) -> None:
        guess = {INTENT_NAME_KEY: "crisis_suicide", "confidence": 0.8}
        second = {INTENT_NAME_KEY: "safe_now", "confidence": 0.15}
        negated = Message(data={TEXT: "I'm not suicidal", INTENT: guess, INTENT_RANKING_KEY: [guess, second]})
        (result,) = self.detector.process([negated])
        self.assertEqual(result.get(INTENT)[INTENT_NAME_KEY], "safe_now")

    def test_component_loads_patterns_from_the_content_pack(self) -> None:
        self.assertTrue(self.detector.matcher.patterns["danger"])
        self.assertTrue(self.detector.matcher.patterns["suicide"])


if __name__ == "__main__":
    unittest.main()
