"""The opt-in Redis tracker store against a real redis-server started on loopback by the test."""

from __future__ import annotations

import asyncio
import shutil
import time
import unittest

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_plugins.tracker_store import ExpiringRedisTrackerStore
from tests.support import servers

DOMAIN = Domain.load("domain.yml")


def tracker(sender_id: str, forget: bool = False) -> DialogueStateTracker:
    events = [ActionExecuted("action_listen"), UserUttered("canary-redis-1")]
    if forget:
        events.append(SlotSet("forget_conversation", True))
    return DialogueStateTracker.from_events(sender_id, events, slots=DOMAIN.slots)


@unittest.skipUnless(shutil.which("redis-server"), "redis-server is not installed (scripts/install-test-deps.sh installs it)")
class RedisStoreTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.server = servers.redis()
        cls.port = cls.server.__enter__()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.__exit__(None, None, None)

    def store(self, ttl: float = 60) -> ExpiringRedisTrackerStore:
        return ExpiringRedisTrackerStore(DOMAIN, host="127.0.0.1", port=self.port, record_exp=ttl)

    def test_every_conversation_is_stored_with_an_expiry(self) -> None:
        store = self.store(ttl=30)
        asyncio.run(store.save(tracker("a")))
        self.assertIsNotNone(asyncio.run(store.retrieve("a")))
        ttl = store.red.ttl(store.key_prefix + "a")
        self.assertTrue(0 < ttl <= 30, ttl)

    def test_conversation_is_gone_after_the_expiry(self) -> None:
        store = self.store(ttl=1)
        asyncio.run(store.save(tracker("b")))
        time.sleep(1.5)
        self.assertIsNone(asyncio.run(store.retrieve("b")))

    def test_forget_slot_deletes_the_conversation(self) -> None:
        store = self.store()
        asyncio.run(store.save(tracker("c")))
        asyncio.run(store.save(tracker("c", forget=True)))
        self.assertIsNone(asyncio.run(store.retrieve("c")))
        self.assertEqual(store.red.exists(store.key_prefix + "c"), 0)

    def test_two_stores_share_one_conversation(self) -> None:
        first, second = self.store(), self.store()
        asyncio.run(first.save(tracker("d")))
        self.assertIsNotNone(asyncio.run(second.retrieve("d")))

    def test_store_without_expiry_is_refused(self) -> None:
        with self.assertRaises(ValueError):
            ExpiringRedisTrackerStore(DOMAIN, host="127.0.0.1", port=self.port, record_exp=0)


if __name__ == "__main__":
    unittest.main()
