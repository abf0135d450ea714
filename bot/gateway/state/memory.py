"""The gateway's state in this process's memory (the default): nothing on disk, nothing shared, all gone on restart.

Every store is async like the Redis ones, so the channels cannot tell them apart, and counts time by the
clock given to `MemoryState` (monotonic; tests pass one they can move). An entry is gone `ttl` seconds
after it was last set.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, Optional, TypeVar

from bot.gateway.state.base import (
    DELETE_WINDOW_SECONDS,
    MAX_IDS_PER_CHAT,
    Clock,
    HeldMessages,
    WebSession,
    delete_deadline,
    held_messages,
)

K = TypeVar("K")
V = TypeVar("V")


class ExpiringMap(Generic[K, V]):
    """A dict with a time to live per entry and an optional size bound (oldest dropped first)."""

    def __init__(self, ttl: float, max_items: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        self.ttl = ttl
        self.max_items = max_items
        self._clock = clock
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def _evict(self) -> None:
        deadline = self._clock() - self.ttl
        while self._items:
            key, (stamp, _) = next(iter(self._items.items()))
            if stamp > deadline:
                break
            del self._items[key]

    def set(self, key: K, value: V) -> None:
        """Store `value`, restarting its time to live."""
        self._evict()
        self._items[key] = (self._clock(), value)
        self._items.move_to_end(key)
        while len(self._items) > self.max_items:
            self._items.popitem(last=False)

    def get(self, key: K, default: Optional[V] = None) -> Optional[V]:
        """The live value for `key`, or `default`. Reading does not extend the time to live."""
        self._evict()
        entry = self._items.get(key)
        return entry[1] if entry else default

    def replace(self, key: K, value: V) -> bool:
        """Change a live entry's value without restarting its time to live; False if it is gone."""
        self._evict()
        entry = self._items.get(key)
        if entry is None:
            return False
        self._items[key] = (entry[0], value)
        return True

    def pop(self, key: K, default: Optional[V] = None) -> Optional[V]:
        self._evict()
        entry = self._items.pop(key, None)
        return entry[1] if entry else default

    def __contains__(self, key: object) -> bool:
        self._evict()
        return key in self._items

    def __len__(self) -> int:
        self._evict()
        return len(self._items)


class MemorySessions:
    """Web sessions in an expiring map: each lives `ttl` seconds after it was last stored."""

    def __init__(self, ttl: float, clock: Clock = time.monotonic) -> None:
        self._sessions: ExpiringMap[str, WebSession] = ExpiringMap(ttl, clock=clock)

    async def create(self, key: str, session: WebSession) -> None:
        self._sessions.set(key, session)

    async def get(self, key: str) -> Optional[WebSession]:
        return self._sessions.get(key)

    async def update(self, key: str, session: WebSession) -> bool:
        if key not in self._sessions:
            return False
        self._sessions.set(key, session)
        return True

    async def pop(self, key: str) -> Optional[WebSession]:
        return self._sessions.pop(key)

    def __len__(self) -> int:
        return len(self._sessions)


class MemoryLimiter:
    """Allows `limit` events per `window` seconds per key; counters live in memory for one window only."""

    def __init__(self, limit: int, window: float, clock: Clock = time.monotonic) -> None:
        self.limit = limit
        self._counts: ExpiringMap[str, int] = ExpiringMap(window, clock=clock)

    async def allow(self, key: str) -> bool:
        """Count one event for `key`; False once the window's limit is passed."""
        count = (self._counts.get(key) or 0) + 1
        # The window starts at the first event and is not extended by later ones.
        if not self._counts.replace(key, count):
            self._counts.set(key, count)
        return count <= self.limit


@dataclass
class _ChatMessages:
    ids: deque[tuple[float, int]] = field(default_factory=deque)
    #: Ids dropped because they grew too old or too many: /exit can no longer reach them.
    dropped: int = 0


class MemoryMessageIds:
    """Message ids (incoming and outgoing) per sender, for 48 hours, so /exit can delete them."""

    def __init__(self, clock: Clock = time.monotonic, max_chats: int = 100_000) -> None:
        self._clock = clock
        # A chat silent for 48 hours has nothing left that the Bot API would delete.
        self._chats: ExpiringMap[str, _ChatMessages] = ExpiringMap(DELETE_WINDOW_SECONDS, max_chats, clock)

    async def add(self, sender: str, message_id: int) -> None:
        chat = self._chats.get(sender) or _ChatMessages()
        now = self._clock()
        chat.ids.append((now, message_id))
        deadline = delete_deadline(now)
        while chat.ids and (chat.ids[0][0] <= deadline or len(chat.ids) > MAX_IDS_PER_CHAT):
            chat.ids.popleft()
            chat.dropped += 1
        self._chats.set(sender, chat)

    async def discard(self, sender: str, message_id: int) -> None:
        """Forget one id (the message was deleted already)."""
        chat = self._chats.get(sender)
        if chat is not None:
            chat.ids = deque(entry for entry in chat.ids if entry[1] != message_id)

    async def take(self, sender: str) -> HeldMessages:
        """Remove and return everything held for `sender`: ids still deletable, and how many are not."""
        chat = self._chats.pop(sender)
        if chat is None:
            return HeldMessages([], 0)
        return held_messages(chat.ids, chat.dropped, self._clock())

    async def count(self, sender: str) -> int:
        chat = self._chats.get(sender)
        return len(chat.ids) if chat else 0


class MemoryButtons:
    """Inline keyboard callback data: a short random id per button, mapped to its payload.

    Telegram allows 64 bytes of callback data and shows it to the client; a random id keeps
    payloads (and anything in them) on our side, and lets a button from another chat or an
    old conversation be recognised as expired.
    """

    def __init__(self, ttl: float, clock: Clock = time.monotonic, max_items: int = 500_000) -> None:
        self._payloads: ExpiringMap[str, tuple[str, str]] = ExpiringMap(ttl, max_items, clock)

    async def new(self, sender: str, payload: str) -> str:
        button_id = secrets.token_urlsafe(12)  # 16 characters, 96 random bits
        self._payloads.set(button_id, (sender, payload))
        return button_id

    async def payload(self, sender: str, button_id: str) -> Optional[str]:
        """The payload of a live button pressed in the chat it was sent to; None otherwise."""
        entry = self._payloads.get(button_id)
        if entry is None or not hmac.compare_digest(entry[0], sender):
            return None
        return entry[1]


class MemoryState:
    """Everything in this process: nothing on disk, nothing shared, never unavailable."""

    kind = "memory"

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self.clock = clock

    def sessions(self, ttl: float) -> MemorySessions:
        return MemorySessions(ttl, self.clock)

    def limiter(self, name: str, limit: int, window: float) -> MemoryLimiter:
        return MemoryLimiter(limit, window, self.clock)

    def message_ids(self) -> MemoryMessageIds:
        return MemoryMessageIds(self.clock)

    def buttons(self, ttl: float) -> MemoryButtons:
        return MemoryButtons(ttl, self.clock)

    async def healthy(self) -> bool:
        return True

    async def close(self) -> None:
        return None
