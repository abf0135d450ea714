"""Where the gateway keeps its short-lived state: this process's memory, or Redis shared by several gateways.

The gateway holds four kinds of state, none of it a message's text or a Telegram chat id:

- web sessions: the SHA-256 of a widget session id -> the random sender id Rasa sees, and whether it was used;
- rate counters: events per key (a hash, never an address or a session id) in the current fixed window;
- Telegram message ids per sender hash, so /exit can delete them (48 hours at most);
- Telegram button ids -> (sender hash, the payload the button sends).

`MemoryState` (the default) keeps them in this process exactly as before: nothing on disk, all gone on
restart, fine for one gateway. `RedisState` (bot/gateway/state/redis.py) is used only when REDIS_HOST is
set: every key under one prefix and with an expiry, so gateways behind a load balancer share the state.

The channels see the same async interfaces either way. A Redis store that cannot answer quickly raises
`StateUnavailableError`; the channels then still answer (with the static crisis and helpline content when they
can do no better) and never fail a request or hang because of it. Per-chat locks stay in each process:
they only order one chat's turns inside one gateway.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Optional, Protocol

from bot.gateway.state.memory import ExpiringMap, RateLimiter
from bot.gateway.telegram.chats import ButtonIds, HeldMessages, MessageLog
from bot.settings import Settings

Clock = Callable[[], float]


class StateUnavailableError(Exception):
    """The shared store did not answer in time. Its message is the cause's class name, nothing more."""


@dataclass
class WebSession:
    """One widget conversation: the Rasa sender id it maps to, and whether a message was ever sent."""

    sender: str
    used: bool = False


class Sessions(Protocol):
    """Web sessions by key (the SHA-256 of the session id), each living `ttl` seconds after it was last stored."""

    async def create(self, key: str, session: WebSession) -> None: ...

    async def get(self, key: str) -> Optional[WebSession]: ...

    async def update(self, key: str, session: WebSession) -> bool:
        """Store a live session again, restarting its time to live; False if it has gone (expired or forgotten)."""
        ...

    async def pop(self, key: str) -> Optional[WebSession]: ...


class Limiter(Protocol):
    """At most `limit` events per fixed window per key; the window starts with the key's first event."""

    async def allow(self, key: str) -> bool: ...


class MessageIds(Protocol):
    """A Telegram chat's message ids (incoming and outgoing) per sender hash, for /exit (see MessageLog)."""

    async def add(self, sender: str, message_id: int) -> None: ...

    async def discard(self, sender: str, message_id: int) -> None: ...

    async def take(self, sender: str) -> HeldMessages: ...

    async def count(self, sender: str) -> int: ...


class Buttons(Protocol):
    """Short random Telegram callback ids -> the payload a button sends, tied to the chat it was sent to."""

    async def new(self, sender: str, payload: str) -> str: ...

    async def payload(self, sender: str, button_id: str) -> Optional[str]: ...


class GatewayState(Protocol):
    """Makes the stores above. `clock` is for the memory stores (tests move it); Redis keeps its own time."""

    kind: str

    def sessions(self, ttl: float, clock: Clock = time.monotonic) -> Sessions: ...

    def limiter(self, name: str, limit: int, window: float, clock: Clock = time.monotonic) -> Limiter: ...

    def message_ids(self, clock: Clock = time.monotonic) -> MessageIds: ...

    def buttons(self, ttl: float, clock: Clock = time.monotonic) -> Buttons: ...

    async def healthy(self) -> bool:
        """False while the store cannot be reached (the gateway is then degraded, not down)."""
        ...

    async def close(self) -> None: ...


# --- In this process's memory (the default) -----------------------------------------------------


class MemorySessions:
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
    def __init__(self, limit: int, window: float, clock: Clock = time.monotonic) -> None:
        self._limiter = RateLimiter(limit, window, clock)

    async def allow(self, key: str) -> bool:
        return self._limiter.allow(key)


class MemoryMessageIds:
    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._log = MessageLog(clock)

    async def add(self, sender: str, message_id: int) -> None:
        self._log.add(sender, message_id)

    async def discard(self, sender: str, message_id: int) -> None:
        self._log.discard(sender, message_id)

    async def take(self, sender: str) -> HeldMessages:
        return self._log.take(sender)

    async def count(self, sender: str) -> int:
        return self._log.count(sender)


class MemoryButtons:
    def __init__(self, ttl: float, clock: Clock = time.monotonic) -> None:
        self._buttons = ButtonIds(ttl, clock)

    async def new(self, sender: str, payload: str) -> str:
        return self._buttons.new(sender, payload)

    async def payload(self, sender: str, button_id: str) -> Optional[str]:
        return self._buttons.payload(sender, button_id)


class MemoryState:
    """Everything in this process: nothing on disk, nothing shared, never unavailable."""

    kind = "memory"

    def sessions(self, ttl: float, clock: Clock = time.monotonic) -> MemorySessions:
        return MemorySessions(ttl, clock)

    def limiter(self, name: str, limit: int, window: float, clock: Clock = time.monotonic) -> MemoryLimiter:
        return MemoryLimiter(limit, window, clock)

    def message_ids(self, clock: Clock = time.monotonic) -> MemoryMessageIds:
        return MemoryMessageIds(clock)

    def buttons(self, ttl: float, clock: Clock = time.monotonic) -> MemoryButtons:
        return MemoryButtons(ttl, clock)

    async def healthy(self) -> bool:
        return True

    async def close(self) -> None:
        return None


def open_state(settings: Settings) -> GatewayState:
    """Redis when REDIS_HOST is set (gateways then share their state), otherwise this process's memory."""
    if not settings.redis_host:
        return MemoryState()
    from bot.gateway.state.redis import RedisState  # only imported (and connected) when asked for

    return RedisState.from_settings(settings)
