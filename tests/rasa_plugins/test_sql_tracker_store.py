"""The opt-in SQL tracker store: a retention period enforced by a purge, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import unittest
from typing import Any

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_plugins.tracker_store import ExpiringSQLTrackerStore
from tests.support import servers

DOMAIN = Domain.load("domain.yml")


class Clock:
    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


def tracker(sender_id: str, at: float, forget: bool = False) -> DialogueStateTracker:
    events: list[Any] = [ActionExecuted("action_listen", timestamp=at), UserUttered("canary-sql-1", timestamp=at)]
    if forget:
        events.append(SlotSet("forget_conversation", True, timestamp=at))
    return DialogueStateTracker.from_events(sender_id, events, slots=DOMAIN.slots)


class PurgeBehaviour:
    """Shared checks, run against each database."""

    clock: Clock

    def store(self) -> ExpiringSQLTrackerStore:
        raise NotImplementedError

    def rows(self, store: ExpiringSQLTrackerStore) -> int:
        with store.session_scope() as session:
            return int(session.query(store.SQLEvent).count())

    def test_idle_conversation_is_purged_and_not_returned(self) -> None:
        store = self.store()
        asyncio.run(store.save(tracker("old", self.clock.now)))
        self.clock.now += 61
        self.assertIsNone(asyncio.run(store.retrieve("old")))  # type: ignore[attr-defined]
        self.assertEqual(self.rows(store), 0)  # type: ignore[attr-defined]

    def test_purge_deletes_only_idle_conversations(self) -> None:
        store = self.store()
        asyncio.run(store.save(tracker("old", self.clock.now)))
        self.clock.now += 50
        asyncio.run(store.save(tracker("new", self.clock.now)))
        self.clock.now += 11
        self.assertGreater(store.purge(), 0)  # type: ignore[attr-defined]
        self.assertIsNotNone(asyncio.run(store.retrieve("new")))  # type: ignore[attr-defined]
        self.assertIsNone(asyncio.run(store.retrieve("old")))  # type: ignore[attr-defined]

    def test_stop_deletes_the_conversation_rows(self) -> None:
        store = self.store()
        asyncio.run(store.save(tracker("a", self.clock.now)))
        asyncio.run(store.save(tracker("a", self.clock.now, forget=True)))
        self.assertEqual(self.rows(store), 0)  # type: ignore[attr-defined]

    def test_no_retention_is_refused(self) -> None:
        with self.assertRaises(ValueError):  # type: ignore[attr-defined]
            ExpiringSQLTrackerStore(DOMAIN, retention_seconds=0, dialect="sqlite", db=":memory:")


class SQLiteTest(PurgeBehaviour, unittest.TestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.folder = tempfile.mkdtemp()

    def tearDown(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def store(self) -> ExpiringSQLTrackerStore:
        return ExpiringSQLTrackerStore(
            DOMAIN, retention_seconds=60, clock=self.clock, dialect="sqlite", db=os.path.join(self.folder, "t.db")
        )


@unittest.skipIf(servers.postgres_bin() is None and not os.environ.get("CI"), "PostgreSQL is not installed here")
class PostgreSQLTest(PurgeBehaviour, unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.server = servers.postgres(user="rasa")
        cls.port = cls.server.__enter__()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.__exit__(None, None, None)

    def setUp(self) -> None:
        self.clock = Clock()
        store = self.store()
        with store.session_scope() as session:
            session.query(store.SQLEvent).delete()
            session.commit()

    def store(self) -> ExpiringSQLTrackerStore:
        return ExpiringSQLTrackerStore(
            DOMAIN,
            retention_seconds=60,
            clock=self.clock,
            dialect="postgresql",
            host="127.0.0.1",
            port=self.port,
            db="postgres",
            username="rasa",
        )


if __name__ == "__main__":
    unittest.main()
