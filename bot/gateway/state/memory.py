"""A small in-memory map whose entries expire: sessions, callback ids, message ids, rate counters.

Nothing here is ever written to disk; an entry is gone `ttl` seconds after it was last set.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Generic, Optional, TypeVar

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

    def touch(self, key: K) -> bool:
        """Restart an entry's time to live; False if it has expired or never existed."""
        value = self.get(key)
        if value is None:
            return False
        self.set(key, value)
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

    def items(self) -> Iterator[tuple[K, V]]:
        self._evict()
        return ((k, v) for k, (_, v) in list(self._items.items()))


class RateLimiter:
    """Allows `limit` events per `window` seconds per key; counters live in memory for one window only."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._counts: ExpiringMap[str, int] = ExpiringMap(window, clock=clock)

    def allow(self, key: str) -> bool:
        """Count one event for `key`; False once the window's limit is passed."""
        count = (self._counts.get(key) or 0) + 1
        # The window starts at the first event and is not extended by later ones.
        if not self._counts.replace(key, count):
            self._counts.set(key, count)
        return count <= self.limit
