"""What every state store speaks, whichever is behind it: the interfaces, the degraded-mode fallback, the 48-hour rule.

Nothing here imports a store or a channel: `memory` and `redis` implement these interfaces, the channels use
them, and each store counts time by the clock it was made with (see `GatewayState`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Optional, Protocol, TypeVar

Clock = Callable[[], float]
T = TypeVar("T")

#: The Bot API lets a bot delete messages in a private chat for 48 hours after they were sent.
DELETE_WINDOW_SECONDS = 48 * 60 * 60
#: Ids this close to the 48-hour line are not attempted (clocks and queues drift a little).
DELETE_MARGIN_SECONDS = 60
#: Per chat, the most message ids kept; beyond it the oldest go (and /exit says some are left).
MAX_IDS_PER_CHAT = 5000


class StateUnavailableError(Exception):
    """The shared store did not answer in time. Its message is the cause's class name, nothing more."""


async def or_default(pending: Awaitable[T], default: T) -> T:
    """What `pending` returns, or `default` when the shared store cannot answer.

    The degraded mode in one place: the store has logged the outage itself (once), so the caller only
    says what to do without it, and a survivor is still answered.
    """
    try:
        return await pending
    except StateUnavailableError:
        return default


@dataclass
class WebSession:
    """One widget conversation: the Rasa sender id it maps to, and whether a message was ever sent."""

    sender: str
    used: bool = False


@dataclass(frozen=True)
class HeldMessages:
    """What /exit found for one chat."""

    deletable: list[int]
    too_old: int


def delete_deadline(now: float) -> float:
    """Message ids stamped at or before this are past the 48-hour line (less the margin): /exit no longer tries them."""
    return now - (DELETE_WINDOW_SECONDS - DELETE_MARGIN_SECONDS)


def held_messages(stamped: Iterable[tuple[float, int]], dropped: int, now: float) -> HeldMessages:
    """(send time, message id) pairs -> the ids still deletable, and how many are not (`dropped` earlier, or too old now)."""
    deadline = delete_deadline(now)
    entries = list(stamped)
    deletable = sorted({message_id for stamp, message_id in entries if stamp > deadline})
    too_old = dropped + sum(1 for stamp, _ in entries if stamp <= deadline)
    return HeldMessages(deletable, too_old)


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
    """A Telegram chat's message ids (incoming and outgoing) per sender hash, for /exit.

    Ids older than the 48-hour line, or beyond MAX_IDS_PER_CHAT, are dropped and counted; a chat silent
    for 48 hours is forgotten (nothing of it is deletable any more).
    """

    async def add(self, sender: str, message_id: int) -> None: ...

    async def discard(self, sender: str, message_id: int) -> None:
        """Forget one id (the message was deleted already)."""
        ...

    async def take(self, sender: str) -> HeldMessages:
        """Remove and return everything held for `sender`: ids still deletable, and how many are not."""
        ...

    async def count(self, sender: str) -> int: ...


class Buttons(Protocol):
    """Short random Telegram callback ids -> the payload a button sends, tied to the chat it was sent to."""

    async def new(self, sender: str, payload: str) -> str: ...

    async def payload(self, sender: str, button_id: str) -> Optional[str]:
        """The payload of a live button pressed in the chat it was sent to; None otherwise."""
        ...


class GatewayState(Protocol):
    """Makes the stores above. Each state counts time by the clocks it was made with (tests pass their own)."""

    kind: str

    def sessions(self, ttl: float) -> Sessions: ...

    def limiter(self, name: str, limit: int, window: float) -> Limiter: ...

    def message_ids(self) -> MessageIds: ...

    def buttons(self, ttl: float) -> Buttons: ...

    async def healthy(self) -> bool:
        """False while the store cannot be reached (the gateway is then degraded, not down)."""
        ...

    async def close(self) -> None: ...
