"""Talk to Rasa's REST channel, and never leave a survivor without an answer.

When Rasa is down, slow or answers with nothing, `RasaClient.send` returns the content pack's
static crisis and helpline replies instead (the channel fallback contract of the crisis issue).

Crisis first: every message goes to Rasa (which keeps the conversation: "I'm safe" goes back to
where it was), but if Rasa has not answered within `crisis_grace` seconds (a long queue) and the
content pack's crisis matcher recognises the message, the survivor gets the pack's crisis reply
for that kind at once. Rasa's answer follows with the survivor's next message, without its own crisis reply
of the same kind, so the numbers are not repeated. Both channels get this through `send`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Optional, Union

import aiohttp

from bot.content.loader import ContentPack
from bot.content.render import Button, Reply, crisis_kind, crisis_reply, static_fallback

logger = logging.getLogger(__name__)

#: Payload that clears a conversation in Rasa from any state (the `stop` rule; see tracker_store.py).
FORGET_PAYLOAD = "/stop"
#: How long a recognised crisis message waits for Rasa before the gateway answers it itself.
DEFAULT_CRISIS_GRACE_SECONDS = 0.1
#: Conversations whose follow-up replies are held for their next message; the oldest go first.
MAX_PENDING_CONVERSATIONS = 10_000


@dataclass(frozen=True)
class Answer:
    """The replies for one message, and whether they came from Rasa or the static fallback.

    `crisis_first`: the gateway answered a recognised crisis itself because Rasa was slow (so
    `from_rasa` is False); the message is still with Rasa and Rasa's other replies follow.
    """

    replies: list[Reply]
    from_rasa: bool
    crisis_first: bool = False


def same_crisis_reply(reply: Reply, crisis: Reply) -> bool:
    """Whether `reply` is the crisis reply `crisis` as Rasa renders it (any region, any opening hours).

    The first paragraph (what the crisis kind says first) and the buttons are the same whatever
    the region; the helplines under them may differ, so they are not compared.
    """
    return reply.buttons == crisis.buttons and reply.text.split("\n\n", 1)[0] == crisis.text.split("\n\n", 1)[0]


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
        crisis_grace: Optional[float] = DEFAULT_CRISIS_GRACE_SECONDS,
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
        #: None turns the crisis fast path off: every message waits for Rasa.
        self.crisis_grace = crisis_grace
        # Crisis turns still with Rasa after the gateway answered, and the replies they left.
        self._in_flight: dict[str, asyncio.Task[Answer]] = {}
        self._pending: OrderedDict[str, list[Reply]] = OrderedDict()

    def use_pack(self, pack: ContentPack) -> None:
        """Speak from a reloaded pack: its crisis phrases and replies, and the static fallback."""
        self.pack = pack

    async def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout, connector=aiohttp.TCPConnector(limit=100))
        return self._session

    async def close(self) -> None:
        """Wait for crisis turns still with Rasa (each bounded by the timeout), then close the sessions."""
        if self._in_flight:
            await asyncio.wait(set(self._in_flight.values()))
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
        """Send one message; a recognised crisis is answered at once if Rasa is slow (see the module).

        On any failure the answer is the static crisis and helpline content. Replies left over
        from an earlier crisis turn of this conversation come first. `channel` ("web",
        "telegram") travels as metadata, for the opt-in topic counts only.
        """
        if self.crisis_grace is None:
            answer = await self._post(sender, text, channel)
        else:
            answer = await self._crisis_first(sender, text, channel, self.crisis_grace)
        held = self._pending.pop(sender, None)
        return Answer(held + answer.replies, answer.from_rasa, answer.crisis_first) if held else answer

    async def _settle(self, sender: str) -> None:
        """Let an earlier crisis turn of this conversation reach Rasa first, so turns stay in order."""
        task = self._in_flight.get(sender)
        if task is not None:
            await asyncio.wait({task})

    async def _crisis_first(self, sender: str, text: str, channel: Optional[str], grace: float) -> Answer:
        """Rasa's answer if it comes within `grace` seconds; else, for a recognised crisis, that kind's reply now."""
        handed_over: list[Reply] = []  # the crisis reply the gateway sent, once it has

        async def to_rasa() -> Answer:
            # Inside the task, so that a crisis never waits for an earlier turn: only Rasa does.
            await self._settle(sender)
            answer = await self._post(sender, text, channel)
            if handed_over and answer.from_rasa:
                rest = [reply for reply in answer.replies if not same_crisis_reply(reply, handed_over[0])]
                if rest:
                    self._hold(sender, rest)
            return answer

        task = asyncio.ensure_future(to_rasa())
        await asyncio.wait({task}, timeout=grace)
        # The patterns run only now: a message Rasa answers at once costs the gateway nothing more.
        if task.done():
            answer = task.result()
            if answer.from_rasa:
                return answer
            # Rasa failed fast: for a crisis, that kind's reply says more than the general fallback.
            kind = crisis_kind(self.pack, text)
            return Answer([crisis_reply(self.pack, kind, None)], from_rasa=False) if kind else answer
        kind = crisis_kind(self.pack, text)
        if kind is None or self.pack.crisis_matcher.leaving_now(text, kind):
            # "He's home, got to go": Rasa's short leave-now reply (which clears the screen) is
            # what helps, not a screenful of crisis text first.
            return await task
        handed_over.append(crisis_reply(self.pack, kind, None))
        self._in_flight[sender] = task
        task.add_done_callback(lambda done: self._in_flight.pop(sender, None) if self._in_flight.get(sender) is done else None)
        return Answer(list(handed_over), from_rasa=False, crisis_first=True)

    def _hold(self, sender: str, replies: list[Reply]) -> None:
        self._pending[sender] = self._pending.pop(sender, []) + replies
        while len(self._pending) > MAX_PENDING_CONVERSATIONS:
            self._pending.popitem(last=False)

    async def _post(self, sender: str, text: str, channel: Optional[str]) -> Answer:
        """One message to Rasa (round robin over replicas); the static fallback on any failure."""
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
        await self._settle(sender)
        self._pending.pop(sender, None)
        return (await self._post(sender, FORGET_PAYLOAD, None)).from_rasa
