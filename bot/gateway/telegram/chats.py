"""What the Telegram channel holds, all of it in memory only and all of it short-lived.

- `SenderIds`: chat id -> the keyed hash Rasa sees as the sender (never the chat id itself).
- `MessageLog`: per sender, the ids of the chat's messages that /exit may still delete.
- `ButtonIds`: short random callback ids -> the payload a button sends.
- `ChatLocks`: one lock per sender, so a chat's messages are answered in order.

Every map is keyed by the sender hash, not the chat id, so a memory dump links nothing to an
account without the HMAC key.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Optional

from bot.gateway.state.memory import ExpiringMap

logger = logging.getLogger(__name__)

#: The Bot API lets a bot delete messages in a private chat for 48 hours after they were sent.
DELETE_WINDOW_SECONDS = 48 * 60 * 60
#: Ids this close to the 48-hour line are not attempted (clocks and queues drift a little).
DELETE_MARGIN_SECONDS = 60
#: Per chat, the most message ids kept; beyond it the oldest go (and /exit says some are left).
MAX_IDS_PER_CHAT = 5000

_process_key: Optional[bytes] = None


def _random_process_key() -> bytes:
    """One random key per process, announced once: conversations then end when the gateway restarts."""
    global _process_key
    if _process_key is None:
        _process_key = secrets.token_bytes(32)
        logger.warning(
            "TELEGRAM_HMAC_KEY is not set: using a random key for this process, "
            "so Telegram conversations end whenever the gateway restarts"
        )
    return _process_key


class SenderIds:
    """HMAC-SHA256(key, chat id) as hex: stable for a chat, meaningless without the key."""

    def __init__(self, key: str = "") -> None:
        self._key = key.encode("utf-8") if key else _random_process_key()

    def __call__(self, chat_id: int) -> str:
        return hmac.new(self._key, str(chat_id).encode("ascii"), hashlib.sha256).hexdigest()


@dataclass
class _ChatMessages:
    ids: deque[tuple[float, int]] = field(default_factory=deque)
    #: Ids dropped because they grew too old or too many: /exit can no longer reach them.
    dropped: int = 0


@dataclass(frozen=True)
class HeldMessages:
    """What /exit found for one chat."""

    deletable: list[int]
    too_old: int


class MessageLog:
    """Message ids (incoming and outgoing) per sender, for 48 hours, so /exit can delete them."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_chats: int = 100_000) -> None:
        self._clock = clock
        # A chat silent for 48 hours has nothing left that the Bot API would delete.
        self._chats: ExpiringMap[str, _ChatMessages] = ExpiringMap(DELETE_WINDOW_SECONDS, max_chats, clock)

    def _deadline(self) -> float:
        return self._clock() - (DELETE_WINDOW_SECONDS - DELETE_MARGIN_SECONDS)

    def add(self, sender: str, message_id: int) -> None:
        chat = self._chats.get(sender) or _ChatMessages()
        chat.ids.append((self._clock(), message_id))
        deadline = self._deadline()
        while chat.ids and (chat.ids[0][0] <= deadline or len(chat.ids) > MAX_IDS_PER_CHAT):
            chat.ids.popleft()
            chat.dropped += 1
        self._chats.set(sender, chat)

    def discard(self, sender: str, message_id: int) -> None:
        """Forget one id (the message was deleted already)."""
        chat = self._chats.get(sender)
        if chat is not None:
            chat.ids = deque(entry for entry in chat.ids if entry[1] != message_id)

    def take(self, sender: str) -> HeldMessages:
        """Remove and return everything held for `sender`: ids still deletable, and how many are not."""
        chat = self._chats.pop(sender)
        if chat is None:
            return HeldMessages([], 0)
        deadline = self._deadline()
        deletable = sorted({message_id for stamp, message_id in chat.ids if stamp > deadline})
        too_old = chat.dropped + sum(1 for stamp, _ in chat.ids if stamp <= deadline)
        return HeldMessages(deletable, too_old)

    def count(self, sender: str) -> int:
        chat = self._chats.get(sender)
        return len(chat.ids) if chat else 0


class ButtonIds:
    """Inline keyboard callback data: a short random id per button, mapped to its payload.

    Telegram allows 64 bytes of callback data and shows it to the client; a random id keeps
    payloads (and anything in them) on our side, and lets a button from another chat or an
    old conversation be recognised as expired.
    """

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic, max_items: int = 500_000) -> None:
        self._payloads: ExpiringMap[str, tuple[str, str]] = ExpiringMap(ttl, max_items, clock)

    def new(self, sender: str, payload: str) -> str:
        button_id = secrets.token_urlsafe(12)  # 16 characters, 96 random bits
        self._payloads.set(button_id, (sender, payload))
        return button_id

    def payload(self, sender: str, button_id: str) -> Optional[str]:
        """The payload of a live button pressed in the chat it was sent to; None otherwise."""
        entry = self._payloads.get(button_id)
        if entry is None or not hmac.compare_digest(entry[0], sender):
            return None
        return entry[1]


class ChatLocks:
    """One asyncio lock per sender, dropped as soon as nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, sender: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(sender, (asyncio.Lock(), 0))
        self._locks[sender] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[sender]
            if users <= 1:
                del self._locks[sender]
            else:
                self._locks[sender] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)
