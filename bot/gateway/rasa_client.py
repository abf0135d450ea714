"""Talk to Rasa's REST channel, and never leave a survivor without an answer.

When Rasa is down, slow or answers with nothing, `RasaClient.send` returns the content pack's
static crisis and helpline replies instead (the channel fallback contract of the crisis issue).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Optional, Union

import aiohttp

from bot.content.loader import ContentPack
from bot.content.render import Button, Reply, static_fallback

logger = logging.getLogger(__name__)

#: Payload that clears a conversation in Rasa from any state (the `stop` rule; see tracker_store.py).
FORGET_PAYLOAD = "/stop"


@dataclass(frozen=True)
class Answer:
    """The replies for one message, and whether they came from Rasa or the static fallback."""

    replies: list[Reply]
    from_rasa: bool


def replies_from_rest(payload: Any) -> list[Reply]:
    """Rasa REST channel JSON -> replies. Unknown fields are ignored; text is never interpreted here."""
    replies: list[Reply] = []
    if not isinstance(payload, list):
        return replies
    for item in payload:
        if not isinstance(item, dict):
            continue
        text = item.get("text") if isinstance(item.get("text"), str) else ""
        buttons = tuple(
            Button(str(b["title"]), str(b["payload"]))
            for b in item.get("buttons") or []
            if isinstance(b, dict) and "title" in b and "payload" in b
        )
        if text or buttons:
            replies.append(Reply(text or "", buttons))
    return replies


class RasaClient:
    """Kept-alive HTTP sessions to one or more Rasa servers' REST webhooks.

    With several replicas (sharing a Redis tracker and lock store) turns go round robin; a
    replica that refuses connections is skipped for `retry_after` seconds and the turn goes to
    the next one. Only a refused connection is retried elsewhere: a slow or failing replica may
    have processed the message already, so those turns get the static content instead.
    """

    def __init__(
        self,
        webhook_urls: Union[str, Sequence[str]],
        pack: ContentPack,
        timeout: float = 10.0,
        retry_after: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.webhook_urls = [webhook_urls] if isinstance(webhook_urls, str) else list(webhook_urls)
        if not self.webhook_urls:
            raise ValueError("at least one Rasa webhook URL is needed")
        self.pack = pack
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.retry_after = retry_after
        self._clock = clock
        self._turn = 0
        self._down_until: dict[str, float] = {}
        self._session: Optional[aiohttp.ClientSession] = None

    @property
    def webhook_url(self) -> str:
        """The first replica's webhook (the only one in a single-server setup)."""
        return self.webhook_urls[0]

    async def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout, connector=aiohttp.TCPConnector(limit=100))
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def _replicas_in_order(self) -> list[str]:
        """Round robin from the next replica, healthy ones first, ones marked down as a last resort."""
        start = self._turn % len(self.webhook_urls)
        self._turn += 1
        rotated = self.webhook_urls[start:] + self.webhook_urls[:start]
        now = self._clock()
        healthy = [url for url in rotated if self._down_until.get(url, 0.0) <= now]
        return healthy + [url for url in rotated if url not in healthy]

    async def send(self, sender: str, text: str, channel: Optional[str] = None) -> Answer:
        """Send one message; on any failure answer with the static crisis and helpline content.

        `channel` ("web", "telegram") travels as metadata, for the opt-in topic counts only.
        """
        body: dict[str, Any] = {"sender": sender, "message": text}
        if channel:
            body["metadata"] = {"channel": channel}
        replies: list[Reply] = []
        for url in self._replicas_in_order():
            try:
                session = await self._client()
                async with session.post(url, json=body) as response:
                    response.raise_for_status()
                    replies = replies_from_rest(await response.json(content_type=None))
                break
            except aiohttp.ClientConnectorError:
                # Nothing reached that replica, so the next one can safely take the turn.
                self._down_until[url] = self._clock() + self.retry_after
                logger.warning("a Rasa replica refused the connection; trying the next one")
                continue
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
                # The error's class only: its text may hold the URL or a body.
                logger.warning("Rasa unreachable (%s); answering with static crisis and helpline content", type(error).__name__)
                return Answer(static_fallback(self.pack, text), from_rasa=False)
        if not replies:
            logger.warning("Rasa answered with nothing; answering with static crisis and helpline content")
            return Answer(static_fallback(self.pack, text), from_rasa=False)
        return Answer(replies, from_rasa=True)

    async def forget(self, sender: str) -> bool:
        """Ask Rasa to delete a conversation now. Returns whether Rasa confirmed it."""
        return (await self.send(sender, FORGET_PAYLOAD)).from_rasa
