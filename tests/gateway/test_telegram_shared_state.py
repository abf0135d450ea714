"""Telegram on two gateways sharing a real Redis (webhook mode, as behind a load balancer), and without Redis.

A button sent by one gateway is pressed on the other; /exit on the other deletes the messages the first
one recorded. Without Redis the chat is still answered and /exit still works.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
import redis.asyncio

from bot.content.loader import ContentPack
from bot.gateway.app import create_app
from bot.gateway.rasa_client import RasaClient
from bot.gateway.state.redis import PREFIX
from bot.gateway.telegram import channel as telegram
from bot.gateway.telegram.channel import SECRET_HEADER
from bot.gateway.telegram.conversation import EXIT_BUTTON
from bot.settings import Settings
from tests.support import servers
from tests.support.fake_bot_api import FakeBotApi, StubRasa
from tests.support.telegram import CHAT, SECRET, TOKEN, gateway, keyboard, sender_for, settings_for

WEBHOOK = "https://bot.example.org/telegram/webhook"


async def post_update(client: Any, update: dict[str, Any], update_id: int) -> None:
    update["update_id"] = update_id
    response = await client.post("/telegram/webhook", json=update, headers={SECRET_HEADER: SECRET})
    assert response.status == 200


async def test_two_gateways_share_button_ids_and_message_ids(
    api: FakeBotApi, rasa: StubRasa, pack: ContentPack, redis_port: int
) -> None:
    settings = settings_for(
        api, telegram_webhook_url=WEBHOOK, telegram_webhook_secret=SECRET, redis_host="127.0.0.1", redis_port=redis_port
    )
    async with gateway(settings, pack, rasa.url) as (one, _), gateway(settings, pack, rasa.url) as (two, _):
        hello = api.message_update(CHAT, "hello")
        await post_update(one, hello, 1)
        [first] = await api.wait_for("sendMessage")
        more = dict(keyboard(first))["Tell me more"]

        # The button gateway one sent is pressed, and its payload found, on gateway two.
        await post_update(two, api.press_update(CHAT, more, message_id=api.sent_ids()[0]), 2)
        await api.wait_for("sendMessage", 2)
        assert rasa.messages() == ["hello", "/tell_me_more"]  # not found, it would have been the menu ("/menu")

        async with redis.asyncio.Redis(port=redis_port, decode_responses=True) as client:
            keys = [key async for key in client.scan_iter("*")]
            assert keys and all(key.startswith(PREFIX) for key in keys)
            for key in keys:
                assert await client.pttl(key) > 0, f"{key} has no expiry"
                stored = str(await client.zrange(key, 0, -1) if await client.type(key) == "zset" else await client.get(key))
                assert str(CHAT) not in key + stored and "hello" not in stored

            # /exit on gateway two deletes every message gateway one recorded, and its own.
            exit_update = api.message_update(CHAT, "/exit")
            await post_update(two, exit_update, 3)
            [batch] = await api.wait_for("deleteMessages")
            await api.wait_for("sendMessage", 3)
            expected = {hello["message"]["message_id"], exit_update["message"]["message_id"], *api.sent_ids()[:2]}
            assert set(batch["message_ids"]) == expected
            assert not [key async for key in client.scan_iter(f"{PREFIX}telegram:messages:*")]
    assert rasa.received[-1] == (sender_for(CHAT), "/stop")


async def test_without_redis_the_chat_is_still_answered_and_can_still_exit(
    api: FakeBotApi, rasa: StubRasa, pack: ContentPack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    settings = settings_for(api, redis_host="127.0.0.1", redis_port=servers.free_port())
    async with gateway(settings, pack, rasa.url):
        api.message(CHAT, "hello")
        [sent] = await api.wait_for("sendMessage")
        api.message(CHAT, "/exit")
        summary = (await api.wait_for("sendMessage", 2))[-1]["text"]
        await asyncio.sleep(0.1)
    assert "116 123" in sent["text"]
    # The summary does not pretend: nothing was deleted, and it says how to delete the chat.
    assert pack.channel_text("telegram", "exit_messages_unknown") in summary
    assert pack.channel_text("telegram", "exit_older_remain") not in summary
    assert pack.channel_text("telegram", "delete_chat_howto") in summary
    # "Tell me more" needs a stored id and is left out; the way out needs none.
    assert keyboard(sent) == [("Stop and clear", EXIT_BUTTON)]
    assert rasa.messages() == ["hello", "/stop"]
    assert api.calls_to("deleteMessages") == []  # no ids were held, so none to delete; the summary still came
    logged = [r.getMessage() for r in caplog.records]
    assert len([m for m in logged if "Gateway state store (Redis) unavailable (ConnectionError)" in m]) == 1
    assert not [m for m in logged if "Telegram update failed" in m]
    assert not [m for m in logged if "hello" in m or str(CHAT) in m or sender_for(CHAT) in m]


def test_shared_state_needs_one_hmac_key_on_every_gateway(pack: ContentPack) -> None:
    settings = Settings(telegram_bot_token=TOKEN, telegram_hmac_key="", redis_host="127.0.0.1", redis_port=servers.free_port())
    with pytest.raises(SystemExit, match="TELEGRAM_HMAC_KEY"):
        create_app(settings, pack, RasaClient("http://127.0.0.1:9", pack), channels=[telegram.setup])
