"""Fault matrix, offline: Rasa down, slow (past the timeout) or failing → both channels answer with
the content pack's static crisis and helpline content, and carry on once Rasa is back.

Already covered elsewhere, not repeated here (see docs/security.md, "Faults"):
- RasaClient alone: down, 500, empty and non-JSON answers (tests/test_gateway_core.py);
- web API: Rasa down and 503 (tests/gateway/test_web_api.py);
- Telegram: Rasa down, HTML refused, RetryAfter retried once, Bot API unreachable at start-up
  (tests/gateway/test_telegram_channel.py);
- action server killed in the real stack, and restarted by the supervisor (tests/e2e/test_faults.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.content.loader import ContentPack
from bot.gateway.app import create_app
from bot.gateway.rasa_client import RasaClient
from bot.gateway.web import channel as web_channel
from bot.settings import Settings
from tests.support.fake_bot_api import FakeBotApi
from tests.support.telegram import gateway, settings_for
from tests.support.web_clients import Client
from tests.support.web_stub import GREETING, WebStubRasa

TIMEOUT = 0.5


def crisis_text(texts: list[str]) -> bool:
    joined = "\n".join(texts)
    return "999" in joined and "116 123" in joined


@pytest.fixture
async def web_client(pack: ContentPack, rasa: WebStubRasa) -> AsyncIterator[Client]:
    settings = Settings(web_allowed_origins=())
    app = create_app(settings, pack, RasaClient(rasa.url, pack, timeout=TIMEOUT), channels=[web_channel.setup])
    async with TestClient(TestServer(app)) as client:
        yield client


async def say(client: Client, session: str, text: str) -> dict[str, Any]:
    response = await client.post("/api/message", json={"session": session, "text": text})
    assert response.status == 200
    return dict(await response.json())


@pytest.mark.parametrize("fault", ["slow", "500"])
async def test_web_answers_with_crisis_content_and_carries_on(web_client: Client, rasa: WebStubRasa, fault: str) -> None:
    session = (await (await web_client.post("/api/session")).json())["session"]
    if fault == "slow":
        rasa.delay = TIMEOUT * 4
    else:
        rasa.down = True
    body = await say(web_client, session, "I'm not safe")
    assert body["from_rasa"] is False and crisis_text([r["text"] for r in body["replies"]])
    rasa.delay, rasa.down = 0.0, False
    body = await say(web_client, session, "hello again")
    assert body["from_rasa"] is True and body["replies"][0]["text"] == GREETING


@pytest.mark.parametrize("fault", ["slow", "500"])
async def test_telegram_answers_with_crisis_content_and_carries_on(
    api: FakeBotApi, rasa: WebStubRasa, pack: ContentPack, fault: str
) -> None:
    if fault == "slow":
        rasa.delay = 2.5  # the Telegram test gateway's Rasa timeout is 2 s
    else:
        rasa.down = True
    async with gateway(settings_for(api), pack, rasa.url):
        api.message(111, "I'm not safe")
        await api.wait_for("sendMessage", timeout=15)
        await api.settle()
        fallback = api.sent_texts()
        assert crisis_text(fallback)
        rasa.delay, rasa.down = 0.0, False
        api.message(111, "hello again")
        await api.wait_for("sendMessage", len(fallback) + 1)
        await api.settle()
    after = api.sent_texts()[len(fallback) :]
    assert after and "automated assistant" in after[0]
    assert all(call["chat_id"] == 111 for call in api.calls_to("sendMessage"))
