"""An in-memory tracker store that forgets: idle conversations expire, and "stop" deletes at once.

Rasa 3.6's own `InMemoryTrackerStore` keeps every conversation until the process ends. This one
keeps a conversation only while it is in use: each entry expires `ttl_seconds` after its last
turn, and a tracker whose `forget_conversation` slot is set (by `action_stop`) is deleted instead
of saved. Nothing touches disk, and nothing here logs a sender id.

Configured in endpoints.yml as `type: rasa_plugins.tracker_store.ExpiringInMemoryTrackerStore`.

Every store here also keeps a conversation's cost per turn constant (`compact_events`): Rasa
deserialises, replays (`past_states`) and sends to the action server every event of a tracker on
every turn, so a stock tracker makes turn 300 several times slower than turn 3. Our policies
(RulePolicy with two-step rules, MemoizationPolicy with max_history 3) never look further back
than a few turns, and our actions read only slots and the latest message, so once a conversation
has more than twice `keep_turns` user turns, the older events are replaced by a session start
whose SlotSet events restore every slot's value as it was at the start of the kept turns.
"""

from __future__ import annotations

import json
import os
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any, Optional

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import RedisTrackerStore, SerializedTrackerAsText, SQLTrackerStore, TrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    ConversationPaused,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, get_trackers_for_conversation_sessions

TTL_ENV = "TRACKER_TTL_SECONDS"
DEFAULT_TTL_SECONDS = 30 * 60
MAX_CONVERSATIONS_ENV = "TRACKER_MAX_CONVERSATIONS"
DEFAULT_MAX_CONVERSATIONS = 100_000
FORGET_SLOT = "forget_conversation"
#: User turns kept after compaction; a tracker is compacted once it has twice as many.
#: Rules here are two steps and memoization looks back 3 states (about 2 turns), so 5 is ample.
DEFAULT_KEEP_TURNS = 5


def compact_events(tracker: DialogueStateTracker, keep_turns: int = DEFAULT_KEEP_TURNS) -> Optional[list[Event]]:
    """The tracker's events with all but the last `keep_turns` user turns folded into a session start.

    Returns None while the tracker has at most 2 x `keep_turns` user turns (nothing to do), so a
    store rewrites a conversation once every `keep_turns` turns, not on every turn. The result
    is what Rasa itself writes at a session start (action_session_start, session_started, the
    slots) followed by the kept turns, each starting with its action_listen; every slot and an
    active loop or pause are restored to their state at the start of the kept turns, so the
    replayed tracker ends with exactly the current slot values.
    """
    if keep_turns < 1:
        raise ValueError("keep_turns must be at least 1")
    events = list(tracker.events)
    user_turns = [index for index, event in enumerate(events) if isinstance(event, UserUttered)]
    if len(user_turns) <= 2 * keep_turns:
        return None
    start = user_turns[-keep_turns]
    previous = events[start - 1] if start > 0 else None
    if isinstance(previous, ActionExecuted) and previous.action_name == ACTION_LISTEN_NAME:
        start -= 1
    # The state just before the kept turns: replaying at most 2 x keep_turns turns, since the
    # stored tracker was compacted before.
    before = tracker.init_copy()
    for event in events[:start]:
        before.update(event)
    at = events[start].timestamp
    prefix: list[Event] = [ActionExecuted(ACTION_SESSION_START_NAME, timestamp=at), SessionStarted(timestamp=at)]
    for name, slot in before.slots.items():
        if slot.value != slot.initial_value:
            prefix.append(SlotSet(name, slot.value, timestamp=at))
    if before.active_loop_name:
        prefix.append(ActiveLoop(before.active_loop_name, timestamp=at))
    if before.is_paused():
        prefix.append(ConversationPaused(timestamp=at))
    return prefix + events[start:]


def compacted(tracker: DialogueStateTracker, keep_turns: int = DEFAULT_KEEP_TURNS) -> DialogueStateTracker:
    """The tracker itself, or a copy of it compacted by `compact_events` when it has grown long."""
    events = compact_events(tracker, keep_turns)
    if events is None:
        return tracker
    copy = tracker.init_copy()
    copy.update_with_events(events, override_timestamp=False, domain=None)
    return copy


class ExpiringInMemoryTrackerStore(TrackerStore, SerializedTrackerAsText):
    """Keeps each conversation in memory for `ttl_seconds` after its last turn, then drops it."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        event_broker: Optional[EventBroker] = None,
        ttl_seconds: Optional[float] = None,
        max_conversations: Optional[int] = None,
        clock: Callable[[], float] = time.monotonic,
        keep_turns: int = DEFAULT_KEEP_TURNS,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("host", None)  # Rasa passes the endpoint's `url` as host; we have none.
        super().__init__(domain, event_broker, **kwargs)
        self.keep_turns = int(keep_turns)
        self.ttl_seconds = float(ttl_seconds if ttl_seconds is not None else os.environ.get(TTL_ENV, DEFAULT_TTL_SECONDS))
        if self.ttl_seconds <= 0:
            raise ValueError(f"{TTL_ENV} must be a positive number of seconds")
        self.max_conversations = int(
            max_conversations
            if max_conversations is not None
            else os.environ.get(MAX_CONVERSATIONS_ENV, DEFAULT_MAX_CONVERSATIONS)
        )
        self._clock = clock
        # Ordered by last use, oldest first, so expiry only ever looks at the front.
        self._entries: OrderedDict[str, tuple[float, str]] = OrderedDict()

    def __len__(self) -> int:
        self._evict_expired()
        return len(self._entries)

    def _evict_expired(self) -> None:
        deadline = self._clock() - self.ttl_seconds
        while self._entries:
            sender_id, (touched, _) = next(iter(self._entries.items()))
            if touched > deadline:
                break
            del self._entries[sender_id]

    def forget(self, sender_id: str) -> bool:
        """Delete one conversation now. Returns whether there was anything to delete."""
        return self._entries.pop(sender_id, None) is not None

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the conversation, or delete it if the survivor asked us to forget it."""
        self._evict_expired()
        if tracker.get_slot(FORGET_SLOT):
            self.forget(tracker.sender_id)
            return
        await self.stream_events(tracker)
        self._entries[tracker.sender_id] = (self._clock(), self.serialise_tracker(compacted(tracker, self.keep_turns)))
        self._entries.move_to_end(tracker.sender_id)
        while len(self._entries) > self.max_conversations:
            # Under a flood, the oldest conversation goes first rather than memory growing without bound.
            self._entries.popitem(last=False)

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        """Return the current session of a live conversation, or None if it expired or never was."""
        return self._retrieve(sender_id, fetch_all_sessions=False)

    async def retrieve_full_tracker(self, sender_id: str) -> Optional[DialogueStateTracker]:
        """Return every session of a live conversation."""
        return self._retrieve(sender_id, fetch_all_sessions=True)

    async def keys(self) -> Iterable[str]:
        """Ids of the conversations still live."""
        self._evict_expired()
        return list(self._entries.keys())

    def _retrieve(self, sender_id: str, fetch_all_sessions: bool) -> Optional[DialogueStateTracker]:
        self._evict_expired()
        entry = self._entries.get(sender_id)
        if entry is None:
            return None
        tracker = self.deserialise_tracker(sender_id, entry[1])
        if tracker is None or fetch_all_sessions:
            return tracker
        sessions = get_trackers_for_conversation_sessions(tracker)
        return sessions[-1] if len(sessions) > 1 else tracker


class ExpiringRedisTrackerStore(RedisTrackerStore):
    """Opt-in: conversations in Redis, shared by several Rasa servers, each expiring after its last turn.

    Every key is written with an expiry (`record_exp`, default TRACKER_TTL_SECONDS), so Redis itself
    deletes idle conversations; a tracker whose `forget_conversation` slot is set is deleted at once.
    Refuses to start without an expiry: an unbounded store is never the default.
    """

    def __init__(
        self,
        domain: Optional[Domain] = None,
        record_exp: Optional[float] = None,
        keep_turns: int = DEFAULT_KEEP_TURNS,
        **kwargs: Any,
    ) -> None:
        self.keep_turns = int(keep_turns)
        # Redis wants whole seconds.
        ttl = int(float(record_exp if record_exp not in (None, "") else os.environ.get(TTL_ENV, DEFAULT_TTL_SECONDS)))
        if ttl <= 0:
            raise ValueError("the Redis tracker store needs a positive expiry (TRACKER_TTL_SECONDS)")
        port = kwargs.pop("port", 6379)
        super().__init__(domain=domain or Domain.empty(), record_exp=ttl, port=int(port), **kwargs)

    async def save(self, tracker: DialogueStateTracker, timeout: Optional[float] = None) -> None:
        """Store with expiry (compacted once long), or delete if the survivor asked us to forget it."""
        if tracker.get_slot(FORGET_SLOT):
            self.forget(tracker.sender_id)
            return
        short = compacted(tracker, self.keep_turns)
        if short is tracker:
            await super().save(tracker, timeout)
            return
        # Rasa's save would merge the stored events back in (to keep earlier sessions); a
        # compacted tracker replaces them on purpose.
        await self.stream_events(tracker)
        self.red.set(self.key_prefix + tracker.sender_id, self.serialise_tracker(short), ex=timeout or self.record_exp)

    def forget(self, sender_id: str) -> bool:
        """Delete one conversation now. Returns whether there was anything to delete."""
        return bool(self.red.delete(self.key_prefix + sender_id))


class ExpiringSQLTrackerStore(SQLTrackerStore):
    """Opt-in: conversations in an SQL database, deleted by a purge once idle for the retention period.

    Only ever used together with a retention period (`retention_seconds`, default TRACKER_TTL_SECONDS):
    a conversation whose latest event is older is never returned and its rows are deleted, by a
    purge that runs at start, on every retrieval of that conversation, and at most every
    `purge_interval_seconds` on save. "stop" deletes the conversation's rows at once.
    """

    def __init__(
        self,
        domain: Optional[Domain] = None,
        retention_seconds: Optional[float] = None,
        purge_interval_seconds: float = 60.0,
        clock: Callable[[], float] = time.time,
        keep_turns: int = DEFAULT_KEEP_TURNS,
        **kwargs: Any,
    ) -> None:
        self.keep_turns = int(keep_turns)
        retention = float(
            retention_seconds if retention_seconds not in (None, "") else os.environ.get(TTL_ENV, DEFAULT_TTL_SECONDS)
        )
        if retention <= 0:
            raise ValueError("the SQL tracker store needs a positive retention period (TRACKER_TTL_SECONDS)")
        # endpoints.sql.yml fills every field from the environment; unset ones arrive as "".
        for key in ("host", "port", "username", "password"):
            if kwargs.get(key) == "" or kwargs.get("dialect") == "sqlite":
                kwargs[key] = None
        super().__init__(domain=domain, **kwargs)
        self.retention_seconds = retention
        self.purge_interval_seconds = float(purge_interval_seconds)
        self._clock = clock
        self._next_purge = 0.0
        self.purge()

    def _stale_senders(self, session: Any, sender_id: Optional[str] = None) -> Any:
        event = self.SQLEvent
        query = session.query(event.sender_id).group_by(event.sender_id)
        if sender_id is not None:
            query = query.filter(event.sender_id == sender_id)
        return query.having(sa.func.max(event.timestamp) < self._clock() - self.retention_seconds)

    def purge(self, sender_id: Optional[str] = None) -> int:
        """Delete every conversation (or just `sender_id`'s) idle for longer than the retention period."""
        event = self.SQLEvent
        with self.session_scope() as session:
            stale = [row[0] for row in self._stale_senders(session, sender_id).all()]
            if not stale:
                return 0
            deleted = session.query(event).filter(event.sender_id.in_(stale)).delete(synchronize_session=False)
            session.commit()
        self._next_purge = self._clock() + self.purge_interval_seconds
        return int(deleted)

    def forget(self, sender_id: str) -> bool:
        """Delete one conversation's rows now. Returns whether there was anything to delete."""
        event = self.SQLEvent
        with self.session_scope() as session:
            deleted = session.query(event).filter(event.sender_id == sender_id).delete(synchronize_session=False)
            session.commit()
        return bool(deleted)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the new events (or, once long, the compacted tracker), or delete everything on "stop"."""
        if tracker.get_slot(FORGET_SLOT):
            self.forget(tracker.sender_id)
            return
        events = compact_events(tracker, self.keep_turns)
        if events is None:
            await super().save(tracker)
        else:
            await self.stream_events(tracker)
            self._replace(tracker.sender_id, events)
        if self._clock() >= self._next_purge:
            self.purge()

    def _replace(self, sender_id: str, events: list[Event]) -> None:
        """Swap a conversation's rows for `events` in one transaction (the rows Rasa's save writes)."""
        event = self.SQLEvent
        with self.session_scope() as session:
            session.query(event).filter(event.sender_id == sender_id).delete(synchronize_session=False)
            for item in events:
                data = item.as_dict()
                intent = (data.get("parse_data") or {}).get("intent", {}).get("name")
                session.add(
                    event(
                        sender_id=sender_id,
                        type_name=item.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=intent,
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        """The conversation, unless it has been idle past the retention period (then it is deleted)."""
        self.purge(sender_id)
        return await super().retrieve(sender_id)

    async def retrieve_full_tracker(self, sender_id: str) -> Optional[DialogueStateTracker]:
        self.purge(sender_id)
        return await super().retrieve_full_tracker(sender_id)
