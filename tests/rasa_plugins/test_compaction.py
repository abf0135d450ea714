"""Long conversations: every store keeps a bounded tracker and loses nothing the conversation needs."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import unittest
from typing import Any, Optional

from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.slots import BooleanSlot, CategoricalSlot, FloatSlot, ListSlot, Slot
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from rasa_plugins.tracker_store import (
    DEFAULT_KEEP_TURNS,
    FORGET_SLOT,
    ExpiringInMemoryTrackerStore,
    ExpiringRedisTrackerStore,
    ExpiringSQLTrackerStore,
    compact_events,
)
from tests.support import servers

DOMAIN = Domain.load("domain.yml")
TURNS = 300
START = 1_900_000_000.0
#: Every slot of the domain (whatever other slots are added later) is set once, early on.
SLOTS = [slot for slot in DOMAIN.slots if slot.name != FORGET_SLOT]
#: Events of one turn below: action_listen, the message, the action, more_page, the reply.
EVENTS_PER_TURN = 5
#: A tracker never holds more than twice keep_turns turns, plus a session start and every slot.
MAX_EVENTS = (2 * DEFAULT_KEEP_TURNS + 1) * EVENTS_PER_TURN + 2 + len(DOMAIN.slots) + 2


def sample_value(slot: Slot) -> Any:
    """A valid value for any kind of slot, different from its initial value."""
    if isinstance(slot, BooleanSlot):
        return not slot.initial_value
    if isinstance(slot, CategoricalSlot):
        return next(value for value in slot.values if value != slot.initial_value)
    if isinstance(slot, FloatSlot):
        return 7.0
    if isinstance(slot, ListSlot):
        return [f"value-of-{slot.name}"]
    return f"value-of-{slot.name}"


def turn_events(turn: int) -> list[Event]:
    """One turn as Rasa logs it; turn n sets the n-th slot of the domain (one slot per turn)."""
    at = START + turn
    events: list[Event] = [
        ActionExecuted("action_listen", timestamp=at),
        UserUttered(f"message {turn}", intent={"name": "tell_me_more", "confidence": 1.0}, timestamp=at),
        ActionExecuted("action_tell_me_more", timestamp=at),
        SlotSet("more_page", float(turn), timestamp=at),
        BotUttered(f"page {turn}", timestamp=at),
    ]
    if 1 <= turn <= len(SLOTS) and SLOTS[turn - 1].name != "more_page":
        slot = SLOTS[turn - 1]
        events.insert(3, SlotSet(slot.name, sample_value(slot), timestamp=at))
    return events


def new_tracker(sender_id: str) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        sender_id,
        [ActionExecuted("action_session_start", timestamp=START), SessionStarted(timestamp=START)],
        slots=DOMAIN.slots,
    )


def full_conversation(sender_id: str, turns: int = TURNS) -> DialogueStateTracker:
    """The whole conversation in one tracker, never stored: what stock Rasa would hold."""
    tracker = new_tracker(sender_id)
    for turn in range(turns):
        tracker.update_with_events(turn_events(turn), domain=None, override_timestamp=False)
    return tracker


def expected_slots() -> dict[str, Any]:
    values = {slot.name: slot.initial_value for slot in DOMAIN.slots}
    values.update({slot.name: sample_value(slot) for slot in SLOTS})
    values["more_page"] = float(TURNS - 1)
    return values


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


class LongConversation:
    """Shared checks, run against each store: a 300-turn conversation, one turn saved at a time."""

    def store(self) -> TrackerStore:
        raise NotImplementedError

    def converse(self, store: TrackerStore, sender_id: str = "long") -> tuple[DialogueStateTracker, list[int]]:
        """Play every turn as Rasa does (retrieve, add the turn, save); return the last retrieval and sizes."""
        sizes = []
        for turn in range(TURNS):
            tracker = run(store.retrieve(sender_id)) or new_tracker(sender_id)
            sizes.append(len(tracker.events))
            tracker.update_with_events(turn_events(turn), domain=None, override_timestamp=False)
            run(store.save(tracker))
        retrieved = run(store.retrieve(sender_id))
        assert retrieved is not None
        return retrieved, sizes

    def test_every_slot_survives_300_turns(self) -> None:
        tracker, _ = self.converse(self.store())
        self.assertEqual(tracker.current_slot_values(), expected_slots())

    def test_the_stored_tracker_stays_bounded(self) -> None:
        _, sizes = self.converse(self.store())
        self.assertLessEqual(max(sizes), MAX_EVENTS)
        self.assertGreater(min(sizes[100:]), 2 * EVENTS_PER_TURN)  # and still holds the recent turns

    def test_the_action_server_payload_stays_bounded(self) -> None:
        tracker, _ = self.converse(self.store())
        state = tracker.current_state(EventVerbosity.ALL)
        self.assertLessEqual(len(state["events"]), MAX_EVENTS)
        self.assertEqual(state["latest_message"]["text"], f"message {TURNS - 1}")
        self.assertEqual(state["slots"], expected_slots())

    def test_policies_see_the_same_recent_states_as_with_the_whole_conversation(self) -> None:
        tracker, _ = self.converse(self.store())
        whole = full_conversation("long")
        # RulePolicy's rules are two steps and MemoizationPolicy reads 3 states: 8 states is ample.
        self.assertEqual(tracker.past_states(DOMAIN)[-8:], whole.past_states(DOMAIN)[-8:])
        self.assertEqual(tracker.latest_message.text, whole.latest_message.text)

    def test_stop_still_deletes_a_long_conversation(self) -> None:
        store = self.store()
        tracker, _ = self.converse(store)
        tracker.update(SlotSet(FORGET_SLOT, True))
        run(store.save(tracker))
        self.assertIsNone(run(store.retrieve("long")))


class CompactEventsTest(unittest.TestCase):
    def test_a_short_conversation_is_left_alone(self) -> None:
        self.assertIsNone(compact_events(full_conversation("a", 2 * DEFAULT_KEEP_TURNS)))

    def test_a_long_conversation_keeps_its_last_turns_after_a_session_start(self) -> None:
        events = compact_events(full_conversation("a", 40))
        assert events is not None
        self.assertIsInstance(events[0], ActionExecuted)
        self.assertEqual(events[0].action_name, "action_session_start")
        self.assertIsInstance(events[1], SessionStarted)
        users = [event.text for event in events if isinstance(event, UserUttered)]
        self.assertEqual(users, [f"message {turn}" for turn in range(40 - DEFAULT_KEEP_TURNS, 40)])

    def test_slots_are_restored_as_they_were_before_the_kept_turns(self) -> None:
        events = compact_events(full_conversation("a", 40))
        assert events is not None
        first_kept = next(index for index, event in enumerate(events) if isinstance(event, UserUttered))
        restored = {event.key: event.value for event in events[:first_kept] if isinstance(event, SlotSet)}
        # more_page changes every turn: the prefix holds the value before the kept turns, not the last one.
        self.assertEqual(restored["more_page"], float(40 - DEFAULT_KEEP_TURNS - 1))
        for slot in SLOTS:
            if slot.name != "more_page":
                self.assertEqual(restored[slot.name], sample_value(slot))

    def test_a_slot_at_its_initial_value_is_not_written(self) -> None:
        events = compact_events(full_conversation("a", 40)) or []
        self.assertNotIn(FORGET_SLOT, [event.key for event in events if isinstance(event, SlotSet)])

    def test_keep_turns_below_one_is_refused(self) -> None:
        with self.assertRaises(ValueError):
            compact_events(full_conversation("a", 3), keep_turns=0)


class InMemoryTest(LongConversation, unittest.TestCase):
    def store(self) -> TrackerStore:
        return ExpiringInMemoryTrackerStore(DOMAIN, ttl_seconds=60)


class SQLiteTest(LongConversation, unittest.TestCase):
    def setUp(self) -> None:
        self.folder = tempfile.mkdtemp()

    def tearDown(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def store(self) -> TrackerStore:
        return ExpiringSQLTrackerStore(
            DOMAIN,
            # Turn n happens at START + n: a retention longer than the conversation keeps it all.
            retention_seconds=10 * TURNS,
            clock=lambda: START + TURNS,
            dialect="sqlite",
            db=os.path.join(self.folder, "t.db"),
        )

    def test_the_database_rows_stay_bounded(self) -> None:
        store = self.store()
        self.converse(store)
        with store.session_scope() as session:  # type: ignore[attr-defined]
            rows = session.query(store.SQLEvent).count()  # type: ignore[attr-defined]
        self.assertLessEqual(rows, MAX_EVENTS + EVENTS_PER_TURN)


@unittest.skipUnless(shutil.which("redis-server"), "redis-server is not installed (scripts/install-test-deps.sh installs it)")
class RedisTest(LongConversation, unittest.TestCase):
    server: Any
    port: Optional[int] = None

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = servers.redis()
        cls.port = cls.server.__enter__()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.__exit__(None, None, None)

    def store(self) -> TrackerStore:
        store = ExpiringRedisTrackerStore(DOMAIN, host="127.0.0.1", port=self.port, record_exp=60)
        store.forget("long")
        return store


if __name__ == "__main__":
    unittest.main()
