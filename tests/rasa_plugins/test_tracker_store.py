"""The expiring in-memory tracker store: conversations expire when idle and "stop" deletes at once."""

from __future__ import annotations

import asyncio
import unittest

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_plugins.tracker_store import ExpiringInMemoryTrackerStore

DOMAIN = Domain.load("domain.yml")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def tracker_with_message(sender_id: str, text: str = "hello") -> DialogueStateTracker:
    tracker = DialogueStateTracker.from_events(
        sender_id, [ActionExecuted("action_listen"), UserUttered(text)], slots=DOMAIN.slots
    )
    return tracker


class ExpiringStoreTest(unittest.TestCase):
    def setUp(self) -> None:
        self.clock = FakeClock()
        self.store = ExpiringInMemoryTrackerStore(DOMAIN, ttl_seconds=60, clock=self.clock)

    def test_saved_conversation_is_retrieved_while_in_use(self) -> None:
        run(self.store.save(tracker_with_message("a", "canary-7f3a")))
        self.clock.now += 59
        tracker = run(self.store.retrieve("a"))
        self.assertIsNotNone(tracker)
        self.assertEqual(tracker.latest_message.text, "canary-7f3a")

    def test_idle_conversation_expires_and_nothing_of_it_remains(self) -> None:
        run(self.store.save(tracker_with_message("a", "canary-7f3a")))
        self.clock.now += 60
        self.assertIsNone(run(self.store.retrieve("a")))
        self.assertEqual(len(self.store), 0)
        self.assertNotIn("canary-7f3a", repr(self.store.__dict__))

    def test_each_turn_resets_the_expiry(self) -> None:
        run(self.store.save(tracker_with_message("a")))
        self.clock.now += 50
        run(self.store.save(tracker_with_message("a")))
        self.clock.now += 50
        self.assertIsNotNone(run(self.store.retrieve("a")))

    def test_expiry_drops_only_idle_conversations(self) -> None:
        run(self.store.save(tracker_with_message("old")))
        self.clock.now += 30
        run(self.store.save(tracker_with_message("new")))
        self.clock.now += 31
        self.assertEqual(sorted(run(self.store.keys())), ["new"])

    def test_forget_slot_deletes_the_conversation_instead_of_saving_it(self) -> None:
        run(self.store.save(tracker_with_message("a")))
        tracker = tracker_with_message("a")
        tracker.update(SlotSet("forget_conversation", True))
        run(self.store.save(tracker))
        self.assertIsNone(run(self.store.retrieve("a")))
        self.assertEqual(len(self.store), 0)

    def test_forget_deletes_one_conversation_now(self) -> None:
        run(self.store.save(tracker_with_message("a")))
        run(self.store.save(tracker_with_message("b")))
        self.assertTrue(self.store.forget("a"))
        self.assertFalse(self.store.forget("a"))
        self.assertEqual(sorted(run(self.store.keys())), ["b"])

    def test_oldest_conversation_goes_first_when_full(self) -> None:
        store = ExpiringInMemoryTrackerStore(DOMAIN, ttl_seconds=60, max_conversations=2, clock=self.clock)
        for sender in ("a", "b", "c"):
            run(store.save(tracker_with_message(sender)))
        self.assertEqual(sorted(run(store.keys())), ["b", "c"])

    def test_ttl_comes_from_the_environment_by_default(self) -> None:
        import os

        os.environ["TRACKER_TTL_SECONDS"] = "5"
        try:
            self.assertEqual(ExpiringInMemoryTrackerStore(DOMAIN).ttl_seconds, 5.0)
        finally:
            del os.environ["TRACKER_TTL_SECONDS"]

    def test_non_positive_ttl_is_refused(self) -> None:
        with self.assertRaises(ValueError):
            ExpiringInMemoryTrackerStore(DOMAIN, ttl_seconds=0)

    def test_endpoint_style_construction_accepts_host(self) -> None:
        store = ExpiringInMemoryTrackerStore(domain=DOMAIN, host=None, event_broker=None)
        self.assertGreater(store.ttl_seconds, 0)


if __name__ == "__main__":
    unittest.main()
