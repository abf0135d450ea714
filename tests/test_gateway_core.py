"""Gateway core: expiring maps, rate limits, the degraded-mode fallback, the Rasa client's fallback, and log redaction."""

from __future__ import annotations

import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.content.loader import ContentPack
from bot.gateway.rasa_client import RasaClient, replies_from_rest
from bot.gateway.state.base import StateUnavailableError, or_default
from bot.gateway.state.memory import ExpiringMap, MemoryLimiter
from bot.privacy import RedactingFilter, redact


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_expiring_map_forgets_after_ttl() -> None:
    clock = Clock()
    items: ExpiringMap[str, int] = ExpiringMap(10, clock=clock)
    items.set("a", 1)
    clock.now = 9.9
    assert items.get("a") == 1
    clock.now = 10.0
    assert items.get("a") is None and len(items) == 0


def test_expiring_map_is_bounded() -> None:
    items: ExpiringMap[int, int] = ExpiringMap(10, max_items=2)
    for i in range(3):
        items.set(i, i)
    assert 0 not in items and 1 in items and 2 in items


async def test_rate_limiter_window_is_not_extended_by_traffic() -> None:
    clock = Clock()
    limiter = MemoryLimiter(limit=2, window=10, clock=clock)
    assert await limiter.allow("k") and await limiter.allow("k") and not await limiter.allow("k")
    clock.now = 9
    assert not await limiter.allow("k")
    clock.now = 10
    assert await limiter.allow("k")


async def test_or_default_gives_the_fallback_only_when_the_shared_store_cannot_answer() -> None:
    async def answers() -> int:
        return 5

    async def unavailable() -> int:
        raise StateUnavailableError("ConnectionError")

    async def broken() -> int:
        raise ValueError("a bug is not an outage")

    assert await or_default(answers(), 0) == 5
    assert await or_default(unavailable(), 0) == 0
    with pytest.raises(ValueError):
        await or_default(broken(), 0)


def test_rest_payload_parsing_ignores_junk() -> None:
    replies = replies_from_rest(
        [{"text": "hi", "buttons": [{"title": "A", "payload": "/a"}, {"bad": 1}]}, "junk", {"image": "x"}]
    )
    assert [(r.text, [b.payload for b in r.buttons]) for r in replies] == [("hi", ["/a"])]


async def test_rasa_down_gives_static_crisis_content(pack: ContentPack) -> None:
    client = RasaClient("http://127.0.0.1:9/webhooks/rest/webhook", pack, timeout=2)
    try:
        answer = await client.send("s", "hello")
    finally:
        await client.close()
    assert not answer.from_rasa
    text = "\n".join(r.text for r in answer.replies)
    assert "999" in text and "116 123" in text


@pytest.mark.parametrize("status,body", [(500, "oops"), (200, "[]"), (200, "not json")])
async def test_rasa_errors_and_empty_answers_give_static_content(pack: ContentPack, status: int, body: str) -> None:
    async def webhook(request: web.Request) -> web.Response:
        return web.Response(status=status, text=body, content_type="application/json")

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    async with TestServer(app) as server:
        client = RasaClient(str(server.make_url("/webhooks/rest/webhook")), pack, timeout=2)
        answer = await client.send("s", "hello")
        await client.close()
    assert not answer.from_rasa and "999" in "\n".join(r.text for r in answer.replies)


async def test_rasa_answer_passes_through(pack: ContentPack) -> None:
    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response([{"recipient_id": body["sender"], "text": "hello back"}])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    async with TestServer(app) as server:
        client = RasaClient(str(server.make_url("/webhooks/rest/webhook")), pack)
        answer = await client.send("s", "hello")
        await client.close()
    assert answer.from_rasa and answer.replies[0].text == "hello back"


@pytest.mark.parametrize(
    "secret",
    [
        "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
        "someone@example.org",
        "07700 900123",
        "+44 7700 900 123",
        "a3f9c2d1e4b5a6f7c8d9",
    ],
)
def test_redaction_removes_tokens_addresses_numbers_and_ids(secret: str) -> None:
    assert secret not in redact(f"before {secret} after")


def test_redacting_filter_rewrites_formatted_records() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "sender %s said %s", ("a3f9c2d1e4b5a6f7c8d9", "07700900123"), None)
    RedactingFilter().filter(record)
    assert "a3f9c2d1e4b5a6f7c8d9" not in record.getMessage() and "07700900123" not in record.getMessage()


async def test_turns_go_round_robin_and_skip_a_replica_that_refuses(pack: ContentPack) -> None:
    seen: list[str] = []

    def replica(name: str) -> web.Application:
        async def webhook(request: web.Request) -> web.Response:
            seen.append(name)
            return web.json_response([{"text": f"from {name}"}])

        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", webhook)
        return app

    async with TestServer(replica("a")) as a, TestServer(replica("b")) as b:
        dead = "http://127.0.0.1:9/webhooks/rest/webhook"
        urls = [str(a.make_url("/webhooks/rest/webhook")), dead, str(b.make_url("/webhooks/rest/webhook"))]
        client = RasaClient(urls, pack, timeout=2)
        answers = [await client.send("s", "hi") for _ in range(4)]
        await client.close()
    assert all(answer.from_rasa for answer in answers)
    assert set(seen) == {"a", "b"} and len(seen) == 4


def test_rasa_urls_setting_lists_every_replica(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.settings import Settings

    monkeypatch.setenv("RASA_URLS", "http://10.0.0.1:5005, http://10.0.0.2:5005/")
    assert Settings().rest_webhooks == [
        "http://10.0.0.1:5005/webhooks/rest/webhook",
        "http://10.0.0.2:5005/webhooks/rest/webhook",
    ]
