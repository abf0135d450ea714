"""Who a Telegram chat is to the gateway, and one chat's turns in order; both in this process only.

- `SenderIds`: chat id -> the keyed hash Rasa sees as the sender (never the chat id itself).
- `ChatLocks`: one lock per sender, so a chat's messages are answered in order.

The message ids /exit deletes and the button ids are gateway state (bot/gateway/state/), keyed by this
sender hash, not the chat id, so a dump links nothing to an account without the HMAC key.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Optional

logger = logging.getLogger(__name__)

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
