"""Shared pieces for the reliability tests: the web gateway in front of a stub Rasa, offline."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.content.loader import ContentPack
from tests.support.web_stub import WebStubRasa, web_gateway

Client = TestClient[Any, Any]
ALLOWED = "https://charity.example"


class EchoRasa(WebStubRasa):
    """A Rasa that (unlike the real one) quotes the user's text back: the worst case for injection."""

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        sender, message = body["sender"], body["message"]
        self.received.append((sender, message))
        return web.json_response([{"recipient_id": sender, "text": f"You said: {message}"}])


async def make_client(pack: ContentPack, rasa_url: str, **overrides: Any) -> Client:
    overrides.setdefault("web_allowed_origins", (ALLOWED,))
    server = TestServer(web_gateway(pack, rasa_url, **overrides))
    await server.start_server(access_log=None)
    return TestClient(server)


@pytest.fixture
async def rasa() -> AsyncIterator[WebStubRasa]:
    stub = await WebStubRasa().start()
    yield stub
    await stub.stop()


@pytest.fixture
async def echo_rasa() -> AsyncIterator[EchoRasa]:
    stub = await EchoRasa().start()
    yield stub
    await stub.stop()


@pytest.fixture
async def client(pack: ContentPack, rasa: WebStubRasa) -> AsyncIterator[Client]:
    # Rate limits high: these tests send many hostile messages on purpose.
    client = await make_client(pack, rasa.url, web_session_messages_per_minute=10_000, web_client_messages_per_minute=10_000)
    yield client
    await client.close()


@pytest.fixture
async def echo_client(pack: ContentPack, echo_rasa: EchoRasa) -> AsyncIterator[Client]:
    client = await make_client(pack, echo_rasa.url, web_session_messages_per_minute=10_000, web_client_messages_per_minute=10_000)
    yield client
    await client.close()


async def new_session(client: Client) -> str:
    response = await client.post("/api/session")
    assert response.status == 200
    return str((await response.json())["session"])
