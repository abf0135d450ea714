"""The gateway's short-lived state in Redis, so several gateways behind a load balancer share it.

Used only when REDIS_HOST is set (see `bot.gateway.state.open_state`). What is stored, all under one
prefix and every key with an expiry:

| key (after ``survivor:gateway:``)   | value                                   | expires                                 |
|-------------------------------------|-----------------------------------------|-----------------------------------------|
| ``web:session:<sha256 of session>`` | ``{"sender": random hex, "used": bool}`` | TRACKER_TTL_SECONDS after the last message |
| ``rate:<name>:<hashed key>``         | a count                                 | at the end of its fixed window (60 s)   |
| ``telegram:messages:<sender hash>``  | sorted set: message id -> unix time     | 48 h after the chat's last message      |
| ``telegram:dropped:<sender hash>``   | how many ids /exit can no longer reach  | with the set above                      |
| ``telegram:button:<random id>``      | ``[sender hash, button payload]``       | max(TRACKER_TTL_SECONDS, 60 s)          |

No message text, no Telegram chat id, no client address and no usable session id is ever written:
a dump of Redis links nothing to a person and cannot be used to take over a conversation.

Redis is given short timeouts. When it does not answer, the operation raises `StateUnavailableError`
(the channels then answer with what they can, at least the static crisis and helpline content),
one log line names the error's class, and for a couple of seconds later calls fail at once instead
of each waiting for a timeout. The first call that succeeds again logs that Redis is back.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any, Optional, TypeVar

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.gateway.state.base import (
    DELETE_WINDOW_SECONDS,
    MAX_IDS_PER_CHAT,
    Clock,
    HeldMessages,
    StateUnavailableError,
    WebSession,
    delete_deadline,
    held_messages,
)
from bot.settings import Settings

logger = logging.getLogger(__name__)

#: Inside the project's Redis namespace (Rasa's tracker and lock keys use ``survivor:`` too).
PREFIX = "survivor:gateway:"
#: Socket connect and read timeout. Redis answers in well under a millisecond on a private network;
#: a survivor should not wait longer than this for the gateway to find out it is gone.
TIMEOUT_SECONDS = 0.5
#: After a failure, calls fail at once for this long instead of each waiting for a timeout.
RETRY_AFTER_SECONDS = 2.0
#: What an unreachable, slow or misconfigured Redis raises (OSError: refused or reset sockets).
_ERRORS = (RedisError, OSError, asyncio.TimeoutError)
#: Button ids as `new` makes them; anything else pressed is not looked up.
_BUTTON_ID = re.compile(r"^[A-Za-z0-9_-]{16}$")

T = TypeVar("T")


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


class RedisState:
    """One Redis client for the gateway, and the stores built on it."""

    kind = "redis"

    def __init__(
        self,
        client: Redis,
        prefix: str = PREFIX,
        timeout: float = TIMEOUT_SECONDS,
        retry_after: float = RETRY_AFTER_SECONDS,
        clock: Clock = time.monotonic,
        wall_clock: Clock = time.time,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.timeout = timeout
        self.retry_after = retry_after
        #: Times the retry pause: this process's own business, so monotonic.
        self._clock = clock
        #: Stamps Telegram message ids: they must mean the same on every gateway, so wall-clock time.
        self.wall_clock = wall_clock
        self._down_until = 0.0
        self._cause = ""
        self.degraded = False

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> RedisState:
        timeout = float(options.pop("timeout", TIMEOUT_SECONDS))
        client = Redis(
            host=settings.redis_host,
            port=settings.redis_port,
            db=settings.redis_db,
            password=settings.redis_password.get_secret_value() or None,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            decode_responses=True,
        )
        return cls(client, timeout=timeout, **options)

    def key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    async def run(self, operation: Callable[[Redis], Awaitable[T]]) -> T:
        """Run one operation (a command or a transaction) or raise `StateUnavailableError`, within about a second."""
        if self._clock() < self._down_until:
            raise StateUnavailableError(self._cause)
        try:
            # The socket timeouts bound each connect and read; this bounds the whole operation.
            result = await asyncio.wait_for(operation(self.client), 2 * self.timeout)
        except _ERRORS as error:
            self._went_down(error)
            raise StateUnavailableError(type(error).__name__) from None
        self._came_back()
        return result

    def _went_down(self, error: BaseException) -> None:
        self._cause = type(error).__name__
        self._down_until = self._clock() + self.retry_after
        if not self.degraded:
            self.degraded = True
            # The class name only: an error's text can hold the address or a reply.
            logger.error(
                "Gateway state store (Redis) unavailable (%s): degraded, answering with what needs no shared state "
                "(at least the static crisis and helpline content) until it is back",
                self._cause,
            )

    def _came_back(self) -> None:
        self._down_until = 0.0
        if self.degraded:
            self.degraded = False
            logger.warning("Gateway state store (Redis) is back; no longer degraded")

    # --- the stores ---------------------------------------------------------------------------

    def sessions(self, ttl: float) -> RedisSessions:
        # Session, counter and button expiries are Redis's own (PX): they need no clock of ours.
        return RedisSessions(self, ttl)

    def limiter(self, name: str, limit: int, window: float) -> RedisLimiter:
        return RedisLimiter(self, name, limit, window)

    def message_ids(self) -> RedisMessageIds:
        return RedisMessageIds(self, self.wall_clock)

    def buttons(self, ttl: float) -> RedisButtons:
        return RedisButtons(self, ttl)

    async def healthy(self) -> bool:
        """PING, bypassing the retry pause so that a health probe notices as soon as Redis is back."""
        try:
            await asyncio.wait_for(self.client.ping(), 2 * self.timeout)
        except _ERRORS as error:
            self._went_down(error)
            return False
        self._came_back()
        return True

    async def close(self) -> None:
        await self.client.aclose()


class RedisSessions:
    """Web sessions; the key is already the SHA-256 of the session id (see web.session_ref)."""

    def __init__(self, state: RedisState, ttl: float) -> None:
        self._state = state
        self._ttl_ms = _ms(ttl)

    def _key(self, key: str) -> str:
        return self._state.key("web", "session", key)

    @staticmethod
    def _dump(session: WebSession) -> str:
        return json.dumps({"sender": session.sender, "used": session.used}, separators=(",", ":"))

    @staticmethod
    def _load(raw: Optional[str]) -> Optional[WebSession]:
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            return WebSession(sender=str(data["sender"]), used=bool(data["used"]))
        except (ValueError, TypeError, KeyError):
            return None

    async def create(self, key: str, session: WebSession) -> None:
        await self._state.run(lambda r: r.set(self._key(key), self._dump(session), px=self._ttl_ms))

    async def get(self, key: str) -> Optional[WebSession]:
        return self._load(await self._state.run(lambda r: r.get(self._key(key))))

    async def update(self, key: str, session: WebSession) -> bool:
        # XX: a session forgotten meanwhile (perhaps on another gateway) is not brought back.
        stored = await self._state.run(lambda r: r.set(self._key(key), self._dump(session), px=self._ttl_ms, xx=True))
        return bool(stored)

    async def pop(self, key: str) -> Optional[WebSession]:
        async def get_and_delete(r: Redis) -> Optional[str]:
            async with r.pipeline(transaction=True) as pipe:
                pipe.get(self._key(key))
                pipe.delete(self._key(key))
                raw, _ = await pipe.execute()
            return raw

        return self._load(await self._state.run(get_and_delete))


class RedisLimiter:
    """A fixed-window counter per key, shared by every gateway."""

    def __init__(self, state: RedisState, name: str, limit: int, window: float) -> None:
        self._state = state
        self._name = name
        self.limit = limit
        self._window_ms = _ms(window)

    async def allow(self, key: str) -> bool:
        counter = self._state.key("rate", self._name, key)

        async def count(r: Redis) -> int:
            async with r.pipeline(transaction=True) as pipe:
                # SET NX starts the window with its expiry and INCR keeps it: traffic never extends a window,
                # and no counter exists without an expiry.
                pipe.set(counter, 0, px=self._window_ms, nx=True)
                pipe.incr(counter)
                _, value = await pipe.execute()
            return int(value)

        return await self._state.run(count) <= self.limit


class RedisMessageIds:
    """A chat's message ids as a sorted set scored by send time; the same rules as `MemoryMessageIds` (see base)."""

    def __init__(self, state: RedisState, clock: Clock = time.time) -> None:
        self._state = state
        self._clock = clock

    def _keys(self, sender: str) -> tuple[str, str]:
        return self._state.key("telegram", "messages", sender), self._state.key("telegram", "dropped", sender)

    async def add(self, sender: str, message_id: int) -> None:
        ids, dropped = self._keys(sender)
        now = self._clock()
        deadline = delete_deadline(now)

        async def add_and_trim(r: Redis) -> None:
            async with r.pipeline(transaction=True) as pipe:
                pipe.zadd(ids, {str(message_id): now})
                pipe.zremrangebyscore(ids, "-inf", deadline)  # too old for the Bot API to delete
                pipe.zremrangebyrank(ids, 0, -(MAX_IDS_PER_CHAT + 1))  # too many: the oldest go
                # A chat silent for 48 hours has nothing left that the Bot API would delete.
                pipe.expire(ids, DELETE_WINDOW_SECONDS)
                pipe.expire(dropped, DELETE_WINDOW_SECONDS)
                results = await pipe.execute()
            gone = int(results[1]) + int(results[2])
            if gone:
                async with r.pipeline(transaction=True) as pipe:
                    pipe.incrby(dropped, gone)
                    pipe.expire(dropped, DELETE_WINDOW_SECONDS)
                    await pipe.execute()

        await self._state.run(add_and_trim)

    async def discard(self, sender: str, message_id: int) -> None:
        ids, _ = self._keys(sender)
        await self._state.run(lambda r: r.zrem(ids, str(message_id)))

    async def take(self, sender: str) -> HeldMessages:
        ids, dropped = self._keys(sender)

        async def take_all(r: Redis) -> tuple[list[tuple[str, float]], Optional[str]]:
            async with r.pipeline(transaction=True) as pipe:
                pipe.zrange(ids, 0, -1, withscores=True)
                pipe.get(dropped)
                pipe.delete(ids, dropped)
                entries, dropped_count, _ = await pipe.execute()
            return entries, dropped_count

        entries, dropped_count = await self._state.run(take_all)
        return held_messages(((stamp, int(member)) for member, stamp in entries), int(dropped_count or 0), self._clock())

    async def count(self, sender: str) -> int:
        ids, _ = self._keys(sender)
        return int(await self._state.run(lambda r: r.zcard(ids)))


class RedisButtons:
    """Callback ids -> (sender hash, payload); a press on any gateway finds the button another one sent."""

    def __init__(self, state: RedisState, ttl: float) -> None:
        self._state = state
        self._ttl_ms = _ms(ttl)

    async def new(self, sender: str, payload: str) -> str:
        button_id = secrets.token_urlsafe(12)  # 16 characters, 96 random bits
        value = json.dumps([sender, payload], separators=(",", ":"))
        await self._state.run(lambda r: r.set(self._state.key("telegram", "button", button_id), value, px=self._ttl_ms))
        return button_id

    async def payload(self, sender: str, button_id: str) -> Optional[str]:
        """The payload of a live button pressed in the chat it was sent to; None otherwise."""
        if not _BUTTON_ID.match(button_id):
            return None
        raw = await self._state.run(lambda r: r.get(self._state.key("telegram", "button", button_id)))
        try:
            owner, payload = json.loads(raw) if raw is not None else (None, None)
        except (ValueError, TypeError):
            return None
        if not isinstance(owner, str) or not isinstance(payload, str) or not hmac.compare_digest(owner, sender):
            return None
        return payload
