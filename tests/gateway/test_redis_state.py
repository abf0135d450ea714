"""Gateway state in a real Redis: shared by two gateways, every key expiring, and degraded (never down) without it.

The stores are tested on their own with short time-to-lives, then through two web gateways sharing one
Redis, then with Redis refusing connections or hanging (CLIENT PAUSE). Telegram: test_telegram_shared_state.py.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.content.loader import ContentPack
from bot.gateway.state import redis as redis_state
from bot.gateway.state.base import DELETE_WINDOW_SECONDS, StateUnavailableError, WebSession
from bot.gateway.state.redis import PREFIX, RedisMessageIds, RedisState
from bot.settings import Settings
from tests.support import servers
from tests.support.web_stub import WebStubRasa, web_gateway

Client = TestClient[Any, Any]


def make_state(port: int, **options: Any) -> RedisState:
    settings = Settings(redis_host="127.0.0.1", redis_port=port, redis_db=0, redis_password="")
    return RedisState.from_settings(settings, **options)


@pytest.fixture
async def states(redis_port: int) -> AsyncIterator[tuple[RedisState, RedisState]]:
    """What two gateways hold: two clients of one (empty) Redis."""
    one, two = make_state(redis_port), make_state(redis_port)
    yield one, two
    await one.close()
    await two.close()


async def all_keys(state: RedisState) -> list[str]:
    return sorted([key async for key in state.client.scan_iter("*")])


class WallClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def sleep_until(moment: float) -> None:
    await asyncio.sleep(max(0.0, moment - time.monotonic()))


def store_log(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "bot.gateway.state.redis"]


# --- the stores ---------------------------------------------------------------------------------


async def test_a_session_made_on_one_gateway_is_used_and_forgotten_on_another(states: tuple[RedisState, RedisState]) -> None:
    one, two = states
    here, there = one.sessions(ttl=30), two.sessions(ttl=30)
    await here.create("ref", WebSession("sender-1"))
    assert await there.get("ref") == WebSession("sender-1", used=False)
    assert await there.update("ref", WebSession("sender-1", used=True))
    assert await here.get("ref") == WebSession("sender-1", used=True)
    assert await here.pop("ref") == WebSession("sender-1", used=True)
    assert await there.get("ref") is None and await there.pop("ref") is None
    # Forgotten on one gateway, a late message on the other must not bring it back.
    assert not await there.update("ref", WebSession("sender-1", used=True))
    assert await all_keys(one) == []


async def test_sessions_expire_after_their_ttl_and_each_update_restarts_it(states: tuple[RedisState, RedisState]) -> None:
    one, _ = states
    sessions = one.sessions(ttl=1.5)
    made = time.monotonic()
    await sessions.create("ref", WebSession("s"))
    assert 0 < await one.client.pttl(f"{PREFIX}web:session:ref") <= 1500
    await sleep_until(made + 1.0)
    updated = time.monotonic()
    assert await sessions.update("ref", WebSession("s", used=True))
    await sleep_until(made + 2.0)  # past the first TTL, but within the one the update restarted
    assert await sessions.get("ref") == WebSession("s", used=True)
    await sleep_until(updated + 1.7)
    assert await sessions.get("ref") is None
    assert await one.client.dbsize() == 0


async def test_rate_limit_is_shared_by_two_gateways_in_a_fixed_window(states: tuple[RedisState, RedisState]) -> None:
    one, two = states
    here, there = one.limiter("web-client", 3, 1.5), two.limiter("web-client", 3, 1.5)
    opened = time.monotonic()
    assert [await here.allow("k"), await there.allow("k"), await here.allow("k"), await there.allow("k")] == [
        True,
        True,
        True,
        False,
    ]
    assert await here.allow("another key")
    assert 0 < await one.client.pttl(f"{PREFIX}rate:web-client:k") <= 1500
    await sleep_until(opened + 1.0)
    assert not await there.allow("k")  # traffic does not extend the window...
    await sleep_until(opened + 1.7)
    assert await there.allow("k")  # ...which ends 1.5 s after its first event
    await asyncio.sleep(1.7)
    assert await one.client.dbsize() == 0


async def test_message_ids_kept_on_one_gateway_are_taken_on_another_with_the_48_hour_rules(
    states: tuple[RedisState, RedisState],
) -> None:
    one, two = states
    clock = WallClock(1_700_000_000.0)
    here, there = RedisMessageIds(one, clock), RedisMessageIds(two, clock)
    await here.add("s", 1)
    await here.add("s", 2)
    clock.now += 47 * 3600
    await there.add("s", 3)
    clock.now += 2 * 3600
    await here.add("s", 4)
    await there.add("other", 9)
    for key in (f"{PREFIX}telegram:messages:s", f"{PREFIX}telegram:dropped:s", f"{PREFIX}telegram:messages:other"):
        assert DELETE_WINDOW_SECONDS - 10 < await one.client.ttl(key) <= DELETE_WINDOW_SECONDS, key
    held = await there.take("s")
    assert held.deletable == [3, 4] and held.too_old == 2
    assert (await here.take("s")).deletable == [] and await here.count("other") == 1
    assert await all_keys(one) == [f"{PREFIX}telegram:messages:other"]


async def test_message_ids_are_bounded_per_chat_and_discarded_ones_are_not_handed_back(
    states: tuple[RedisState, RedisState], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(redis_state, "MAX_IDS_PER_CHAT", 3)
    one, two = states
    clock = WallClock(1_700_000_000.0)
    here, there = RedisMessageIds(one, clock), RedisMessageIds(two, clock)
    for message_id in range(5):
        clock.now += 1
        await here.add("s", message_id)
    await there.discard("s", 3)
    held = await there.take("s")
    assert held.deletable == [2, 4] and held.too_old == 2
    assert await all_keys(one) == []


async def test_buttons_work_on_any_gateway_only_in_their_own_chat_and_expire(states: tuple[RedisState, RedisState]) -> None:
    one, two = states
    here, there = one.buttons(ttl=1.0), two.buttons(ttl=1.0)
    payload = '/inform_region{"region":"scotland"}'
    button_id = await here.new("sender-a", payload)
    assert len(button_id) == 16 and "scotland" not in button_id
    assert await there.payload("sender-a", button_id) == payload
    assert await there.payload("sender-b", button_id) is None
    assert await there.payload("sender-a", "*") is None and await there.payload("sender-a", button_id + "x") is None
    await asyncio.sleep(1.2)
    assert await there.payload("sender-a", button_id) is None
    assert await one.client.dbsize() == 0


# --- two web gateways ---------------------------------------------------------------------------


@pytest.fixture
async def rasa() -> AsyncIterator[WebStubRasa]:
    stub = await WebStubRasa().start()
    yield stub
    await stub.stop()


async def web_client(pack: ContentPack, rasa_url: str, redis_port: int, **overrides: Any) -> Client:
    overrides = {"redis_host": "127.0.0.1", "redis_port": redis_port, "redis_db": 0, "redis_password": "", **overrides}
    server = TestServer(web_gateway(pack, rasa_url, **overrides))
    await server.start_server(access_log=None)
    return TestClient(server)


async def send(client: Client, session: str, text: str) -> Any:
    return await client.post("/api/message", json={"session": session, "text": text})


async def test_two_web_gateways_share_sessions_limits_and_forgetting(
    pack: ContentPack, rasa: WebStubRasa, redis_port: int
) -> None:
    options = {"web_session_messages_per_minute": 3, "web_client_hash_key": "same-on-every-gateway"}
    one = await web_client(pack, rasa.url, redis_port, **options)
    two = await web_client(pack, rasa.url, redis_port, **options)
    state = make_state(redis_port)
    try:
        session = str((await (await one.post("/api/session")).json())["session"])
        first = await send(two, session, "hello from gateway two")
        assert first.status == 200 and (await first.json())["from_rasa"] is True
        assert (await send(one, session, "/options")).status == 200
        assert len({sender for sender, _ in rasa.received}) == 1, "both gateways must map the session to one sender"
        assert (await send(two, session, "three")).status == 200
        assert (await send(one, session, "four")).status == 429  # the limit of 3 is counted across both

        keys = await all_keys(state)
        assert keys and all(key.startswith(PREFIX) for key in keys)
        for key in keys:
            assert await state.client.pttl(key) > 0, f"{key} has no expiry"
            value = str(await state.client.get(key))
            assert session not in key and session not in value and "hello" not in value
        assert (await (await two.get("/healthz")).json()) == {"status": "ok"}

        forgotten = await two.post("/api/forget", json={"session": session})
        assert (await forgotten.json()) == {"forgotten": True}
        assert rasa.received[-1] == (rasa.received[0][0], "/stop")
        assert (await send(one, session, "after forgetting")).status == 410
    finally:
        await one.close()
        await two.close()
        await state.close()


@pytest.mark.parametrize("shared_key", [True, False])
async def test_the_per_address_limit_is_shared_only_with_one_client_hash_key(
    pack: ContentPack, rasa: WebStubRasa, redis_port: int, shared_key: bool, caplog: pytest.LogCaptureFixture
) -> None:
    keys = ("same", "same") if shared_key else ("", "")
    one = await web_client(pack, rasa.url, redis_port, web_client_messages_per_minute=2, web_client_hash_key=keys[0])
    two = await web_client(pack, rasa.url, redis_port, web_client_messages_per_minute=2, web_client_hash_key=keys[1])
    try:
        statuses = [(await client.post("/api/session")).status for client in (one, two, one)]
    finally:
        await one.close()
        await two.close()
    assert statuses == ([200, 200, 429] if shared_key else [200, 200, 200])
    warned = [r for r in caplog.records if "WEB_CLIENT_HASH_KEY" in r.getMessage()]
    assert len(warned) == (0 if shared_key else 2)


# --- Redis down or hanging ----------------------------------------------------------------------


async def test_redis_down_fails_fast_with_one_log_line_and_no_details(caplog: pytest.LogCaptureFixture) -> None:
    state = make_state(servers.free_port())  # nothing listens there
    sessions = state.sessions(30)
    try:
        started = time.monotonic()
        with pytest.raises(StateUnavailableError):
            await sessions.get("ref")
        with pytest.raises(StateUnavailableError):
            await sessions.create("ref", WebSession("s"))  # within the retry pause: at once
        assert time.monotonic() - started < 1.5
        assert not await state.healthy()
    finally:
        await state.close()
    [line] = store_log(caplog)
    assert line.levelno == logging.ERROR and "(ConnectionError)" in line.getMessage()
    assert "127.0.0.1" not in line.getMessage() and "ref" not in line.getMessage()


async def test_a_hanging_redis_times_out_within_a_second_and_recovery_is_noticed(
    states: tuple[RedisState, RedisState], caplog: pytest.LogCaptureFixture
) -> None:
    one, two = states
    limiter = two.limiter("web-session", 5, 60)
    assert await limiter.allow("k")
    await one.client.client_pause(2000)  # Redis stops answering every client for 2 s
    started = time.monotonic()
    with pytest.raises(StateUnavailableError):
        await limiter.allow("k")
    assert 0.3 < time.monotonic() - started < 1.5
    assert not await two.healthy()
    await asyncio.sleep(max(0.0, started + 2.2 - time.monotonic()))
    assert await two.healthy()
    assert await limiter.allow("k")
    messages = [(r.levelno, r.getMessage()) for r in store_log(caplog)]
    assert len(messages) == 2
    assert messages[0][0] == logging.ERROR and "(TimeoutError)" in messages[0][1]
    assert messages[1][0] == logging.WARNING and "back" in messages[1][1]


async def test_web_gateway_without_redis_still_answers_with_the_static_crisis_content(
    pack: ContentPack, rasa: WebStubRasa, caplog: pytest.LogCaptureFixture
) -> None:
    client = await web_client(pack, rasa.url, servers.free_port())
    try:
        started = time.monotonic()
        opened = await client.post("/api/session")
        assert opened.status == 200
        body = await opened.json()
        session = body["session"]
        answer = await send(client, session, "I need help now")
        assert answer.status == 200
        reply = await answer.json()
        assert reply == {"replies": body["fallback"], "from_rasa": False}
        text = "\n".join(r["text"] for r in reply["replies"])
        assert "999" in text and "116 123" in text
        forgotten = await client.post("/api/forget", json={"session": session})
        assert forgotten.status == 200 and (await forgotten.json()) == {"forgotten": False}
        health = await client.get("/healthz")
        assert health.status == 200 and (await health.json())["status"] == "degraded"
        assert time.monotonic() - started < 5
    finally:
        await client.close()
    assert rasa.received == []  # without its session, nothing could be sent to Rasa under a sender
    [line] = store_log(caplog)
    assert "(ConnectionError)" in line.getMessage()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert session not in logged and "I need help now" not in logged


async def test_web_gateway_with_a_hanging_redis_answers_within_seconds(
    pack: ContentPack, rasa: WebStubRasa, redis_port: int, states: tuple[RedisState, RedisState]
) -> None:
    client = await web_client(pack, rasa.url, redis_port)
    one, _ = states
    try:
        session = (await (await client.post("/api/session")).json())["session"]
        await one.client.client_pause(2500)
        started = time.monotonic()
        answer = await send(client, session, "hello")
        assert answer.status == 200 and (await answer.json())["from_rasa"] is False
        assert time.monotonic() - started < 2
        health = await client.get("/healthz")
        assert (await health.json())["status"] == "degraded"
        await asyncio.sleep(max(0.0, started + 2.7 - time.monotonic()))  # the pause is over
        assert (await (await client.get("/healthz")).json())["status"] == "ok"
        assert (await (await send(client, session, "hello again")).json())["from_rasa"] is True
    finally:
        await client.close()
