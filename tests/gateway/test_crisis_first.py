"""Crisis first: a recognised crisis is answered at once when Rasa is slow, and Rasa's reply follows.

Rasa is a stub that holds each message until the test lets it go, so nothing here depends on how
busy the machine is.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.content.loader import ContentPack
from bot.content.render import Reply, crisis_reply
from bot.content.schema import Region
from bot.gateway.rasa_client import RasaClient, same_crisis_reply
from tests.crisis_dev.sets import crisis_messages


def one_message_per_kind() -> list[tuple[str, str]]:
    """A crisis dev-set message for every crisis kind the dev set has (new kinds included)."""
    found: dict[str, str] = {}
    for kind, message in crisis_messages():
        found.setdefault(kind, message)
    return sorted(found.items())


KINDS = one_message_per_kind()


def as_rest(reply: Reply) -> dict[str, Any]:
    return {"text": reply.text, "buttons": [{"title": b.title, "payload": b.payload} for b in reply.buttons]}


@dataclass
class SlowRasa:
    """A REST webhook that answers each message only once `release` is set."""

    answers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    received: list[str] = field(default_factory=list)

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append(body["message"])
        await self.release.wait()
        return web.json_response(self.answers.get(body["message"], [{"text": f"rasa says: {body['message']}"}]))


@pytest.fixture
async def rasa() -> AsyncIterator[tuple[SlowRasa, str]]:
    stub = SlowRasa()
    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", stub.webhook)
    async with TestServer(app) as server:
        yield stub, str(server.make_url("/webhooks/rest/webhook"))


@pytest.mark.parametrize("kind,message", KINDS)
async def test_a_crisis_is_answered_by_the_gateway_while_rasa_is_busy(
    pack: ContentPack, rasa: tuple[SlowRasa, str], kind: str, message: str
) -> None:
    stub, url = rasa
    client = RasaClient(url, pack, crisis_grace=0.01)
    try:
        answer = await client.send("s", message)
        stub.release.set()
    finally:
        await client.close()
    assert answer.crisis_first and not answer.from_rasa
    assert answer.replies == [crisis_reply(pack, kind, None)]
    assert "999" in answer.replies[0].text or "116 123" in answer.replies[0].text
    assert stub.received == [message]  # Rasa still has it: the conversation carries on there


@pytest.mark.parametrize("kind,message", KINDS)
async def test_rasas_reply_follows_without_repeating_the_crisis_numbers(
    pack: ContentPack, rasa: tuple[SlowRasa, str], kind: str, message: str
) -> None:
    stub, url = rasa
    # Rasa renders the same kind's reply for the survivor's region, then says something more.
    stub.answers[message] = [as_rest(crisis_reply(pack, kind, Region.scotland)), {"text": "and one more thing"}]
    client = RasaClient(url, pack, crisis_grace=0.01)
    try:
        first = await client.send("s", message)
        stub.release.set()
        second = await client.send("s", "hello")
    finally:
        await client.close()
    assert first.crisis_first
    texts = [reply.text for reply in second.replies]
    assert texts == ["and one more thing", "rasa says: hello"]


async def test_a_crisis_that_rasa_answers_in_time_gets_rasas_answer(pack: ContentPack, rasa: tuple[SlowRasa, str]) -> None:
    stub, url = rasa
    kind, message = KINDS[0]
    regional = crisis_reply(pack, kind, Region.scotland)
    stub.answers[message] = [as_rest(regional)]
    stub.release.set()
    client = RasaClient(url, pack, crisis_grace=30)
    try:
        answer = await client.send("s", message)
    finally:
        await client.close()
    assert not answer.crisis_first and answer.from_rasa and answer.replies == [regional]


async def test_a_crisis_with_rasa_down_gets_that_kinds_crisis_reply(pack: ContentPack) -> None:
    kind, message = KINDS[0]
    client = RasaClient("http://127.0.0.1:9/webhooks/rest/webhook", pack, timeout=2, crisis_grace=30)
    try:
        answer = await client.send("s", message)
    finally:
        await client.close()
    assert not answer.from_rasa and answer.replies == [crisis_reply(pack, kind, None)]


async def test_stop_drops_replies_held_for_the_conversation(pack: ContentPack, rasa: tuple[SlowRasa, str]) -> None:
    stub, url = rasa
    _, message = KINDS[0]
    stub.answers[message] = [{"text": "held back"}]
    stub.answers["/stop"] = [{"text": "forgotten"}]
    client = RasaClient(url, pack, crisis_grace=0.01)
    try:
        await client.send("s", message)
        stub.release.set()
        assert await client.forget("s")
        after = await client.send("s", "hello")
    finally:
        await client.close()
    assert [reply.text for reply in after.replies] == ["rasa says: hello"]


async def test_an_ordinary_message_waits_for_rasa(pack: ContentPack, rasa: tuple[SlowRasa, str]) -> None:
    stub, url = rasa
    client = RasaClient(url, pack, crisis_grace=0.01)
    try:
        pending = asyncio.ensure_future(client.send("s", "what are my options"))
        while not stub.received:
            await asyncio.sleep(0.01)
        assert not pending.done()
        stub.release.set()
        answer = await pending
    finally:
        await client.close()
    assert answer.from_rasa and not answer.crisis_first and answer.replies[0].text == "rasa says: what are my options"


def test_rasas_crisis_reply_for_any_region_counts_as_the_same(pack: ContentPack) -> None:
    for kind, _ in KINDS:
        ours = crisis_reply(pack, kind, None)
        for region in Region:
            assert same_crisis_reply(crisis_reply(pack, kind, region), ours)
        others = [crisis_reply(pack, other, None) for other, _ in KINDS if other != kind]
        assert not any(same_crisis_reply(other, ours) for other in others)


async def test_a_crisis_right_after_a_crisis_does_not_wait_for_the_first_one(
    pack: ContentPack, rasa: tuple[SlowRasa, str]
) -> None:
    stub, url = rasa
    kind, message = KINDS[0]
    client = RasaClient(url, pack, crisis_grace=0.01)
    try:
        first = await client.send("s", message)
        second = await client.send("s", message)  # Rasa still holds the first one
        stub.release.set()
        after = await client.send("s", "hello")
    finally:
        await client.close()
    assert first.crisis_first and second.crisis_first
    assert second.replies == [crisis_reply(pack, kind, None)]
    assert stub.received == [message, message, "hello"]  # and Rasa got every turn, in order
    assert after.replies[-1].text == "rasa says: hello"
