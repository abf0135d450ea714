"""The Telegram channel under test: its settings, the gateway with only that channel, and helpers that
read what the fake Bot API (fake_bot_api.py) received."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any, Optional

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.content.loader import ContentPack
from bot.gateway.app import create_app
from bot.gateway.rasa_client import RasaClient
from bot.gateway.state.memory import MemoryState
from bot.gateway.telegram import channel as telegram
from bot.gateway.telegram.channel import TELEGRAM, TelegramChannel
from bot.settings import Settings
from tests.support.clock import FakeClock
from tests.support.fake_bot_api import FAKE_TOKEN, FakeBotApi, StubRasa

TOKEN = FAKE_TOKEN
CHAT = 987654321
HMAC_KEY = "test-hmac-key"
SECRET = "s3cret-Token_value"
HOURS = 3600.0
#: Where the fake clock of a Telegram test starts.
START = 1000.0


@pytest.fixture
async def rasa() -> AsyncIterator[StubRasa]:
    """A stub Rasa REST channel on loopback (fake_bot_api.StubRasa)."""
    stub = StubRasa()
    await stub.start()
    yield stub
    await stub.close()


def settings_for(api: FakeBotApi, **overrides: Any) -> Settings:
    """Every Telegram setting explicit, so the environment running the tests cannot change them."""
    values: dict[str, Any] = {
        "telegram_bot_token": TOKEN,
        "telegram_api_url": api.url,
        "telegram_webhook_url": "",
        "telegram_webhook_secret": "",
        "telegram_hmac_key": HMAC_KEY,
        "telegram_protect_content": True,
        "telegram_delete_user_messages": False,
        "telegram_messages_per_minute": 1000,
        "tracker_ttl_seconds": 1800,
    }
    values.update(overrides)
    return Settings(**values)


@asynccontextmanager
async def gateway(
    settings: Settings, pack: ContentPack, rasa_url: str, clock: Optional[FakeClock] = None
) -> AsyncIterator[tuple[TestClient[Any, Any], TelegramChannel]]:
    """The gateway with only the Telegram channel, started and ready."""
    client_for_rasa = RasaClient(rasa_url, pack, timeout=2)
    setup = partial(telegram.setup, poll_timeout=1.0, retry_delay=0.1)
    # This process's memory runs on the test's clock; Redis (when set) keeps its own time.
    state = None if settings.redis_host else MemoryState(clock or FakeClock(START))
    app = create_app(settings, pack, client_for_rasa, channels=[setup], state=state)
    async with TestClient(TestServer(app)) as client:
        channel = app[TELEGRAM]
        await asyncio.wait_for(channel.ready.wait(), 10)
        yield client, channel


def sender_for(chat_id: int) -> str:
    """The Rasa sender id the gateway makes of a chat id with HMAC_KEY."""
    return hmac.new(HMAC_KEY.encode(), str(chat_id).encode(), hashlib.sha256).hexdigest()


def keyboard(params: dict[str, Any]) -> list[tuple[str, str]]:
    """(title, callback_data) of every inline button in a sendMessage call."""
    rows = (params.get("reply_markup") or {}).get("inline_keyboard", [])
    return [(button["text"], button["callback_data"]) for row in rows for button in row]
