"""An in-memory tracker store that forgets: idle conversations expire, and "stop" deletes at once.

Rasa 3.6's own `InMemoryTrackerStore` keeps every conversation until the process ends. This one
keeps a conversation only while it is in use: each entry expires `ttl_seconds` after its last
turn, and a tracker whose `forget_conversation` slot is set (by `action_stop`) is deleted instead
of saved. Nothing touches disk, and nothing here logs a sender id.

Configured in endpoints.yml as `type: bot.rasa_plugins.tracker_store.ExpiringInMemoryTrackerStore`.
"""

from __future__ import annotations

import os
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any, Optional

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import RedisTrackerStore, SerializedTrackerAsText, SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker, get_trackers_for_conversation_sessions

TTL_ENV = "TRACKER_TTL_SECONDS"
DEFAULT_TTL_SECONDS = 30 * 60
MAX_CONVERSATIONS_ENV = "TRACKER_MAX_CONVERSATIONS"
DEFAULT_MAX_CONVERSATIONS = 100_000
FORGET_SLOT = "forget_conversation"


class ExpiringInMemoryTrackerStore(TrackerStore, SerializedTrackerAsText):
    """Keeps each conversation in memory for `ttl_seconds` after its last turn, then drops it."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        event_broker: Optional[EventBroker] = None,
        ttl_seconds: Optional[float] = None,
        max_conversations: Optional[int] = None,
        clock: Callable[[], float] = time.monotonic,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("host", None)  # Rasa passes the endpoint's `url` as host; we have none.
        super().__init__(domain, event_broker, **kwargs)
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
        self._entries[tracker.sender_id] = (self._clock(), self.serialise_tracker(tracker))
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

    def __init__(self, domain: Optional[Domain] = None, record_exp: Optional[float] = None, **kwargs: Any) -> None:
        # Redis wants whole seconds.
        ttl = int(float(record_exp if record_exp not in (None, "") else os.environ.get(TTL_ENV, DEFAULT_TTL_SECONDS)))
        if ttl <= 0:
            raise ValueError("the Redis tracker store needs a positive expiry (TRACKER_TTL_SECONDS)")
        port = kwargs.pop("port", 6379)
        super().__init__(domain=domain or Domain.empty(), record_exp=ttl, port=int(port), **kwargs)

    async def save(self, tracker: DialogueStateTracker, timeout: Optional[float] = None) -> None:
        """Store with expiry, or delete if the survivor asked us to forget the conversation."""
        if tracker.get_slot(FORGET_SLOT):
            self.forget(tracker.sender_id)
            return
        await super().save(tracker, timeout)

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
        **kwargs: Any,
    ) -> None:
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
        """Store the new events, or delete everything if the survivor asked us to forget."""
        if tracker.get_slot(FORGET_SLOT):
            self.forget(tracker.sender_id)
            return
        await super().save(tracker)
        if self._clock() >= self._next_purge:
            self.purge()

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        """The conversation, unless it has been idle past the retention period (then it is deleted)."""
        self.purge(sender_id)
        return await super().retrieve(sender_id)

    async def retrieve_full_tracker(self, sender_id: str) -> Optional[DialogueStateTracker]:
        self.purge(sender_id)
        return await super().retrieve_full_tracker(sender_id)
