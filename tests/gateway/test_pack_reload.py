"""The gateway follows its content pack: a changed overlay (the studio's publish) reaches the widget without a restart."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.content.loader import load_pack
from bot.content.reload import PackHolder
from bot.gateway import app as gateway_app
from bot.gateway.app import create_app
from bot.gateway.rasa_client import RasaClient
from bot.gateway.telegram.conversation import Conversation
from bot.gateway.web import channel as web_channel
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
#: Bounds how long a broken watcher makes the test wait; not a speed assertion (the watcher looks every 2 s).
DEADLINE_SECONDS = 60
PACK_YML = """bot_name: "Northshire Support Guide"
branding:
  colours:
    primary: "#5b2a6e"
    on_primary: "#ffffff"
"""


async def until(check: Callable[[], Any]) -> Any:
    """`check()` again every half second until it is true (or the deadline passes); its last value."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not (found := await check()) and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    return found


async def test_a_changed_name_and_colour_reach_a_new_widget_session_and_widget_js_without_a_restart(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    overlay = tmp_path / "pack"
    (overlay / "en").mkdir(parents=True)
    packs = PackHolder(loader=lambda: load_pack(ROOT / "data" / "content", "en", overlay))
    first = packs.get()
    app = create_app(
        Settings(),
        rasa=RasaClient("http://127.0.0.1:9/webhooks/rest/webhook", first, timeout=1),
        channels=[web_channel.setup],
        packs=packs,
    )
    caplog.set_level(logging.INFO, logger=gateway_app.__name__)
    async with TestClient(TestServer(app)) as client:
        session = await (await client.post("/api/session")).json()
        assert session["bot_name"] == first.info.bot_name != "Northshire Support Guide"
        (overlay / "en" / "pack.yml").write_text(PACK_YML, encoding="utf-8")

        async def renamed() -> Any:
            answer = await (await client.post("/api/session")).json()
            return answer if answer["bot_name"] == "Northshire Support Guide" else None

        answer = await until(renamed)
        assert answer is not None, "the gateway never picked up the new pack"
        assert answer["branding"]["primary"] == "#5b2a6e"
        assert answer["branding"]["title"] == session["branding"]["title"]  # unchanged: the default pack's
        widget = await (await client.get("/widget.js")).text()
        assert '"primary":"#5b2a6e"' in widget.replace(" ", "") and "Northshire Support Guide" in widget
        assert app[gateway_app.RASA].pack.info.bot_name == "Northshire Support Guide"  # its crisis replies too

        # A broken pack is refused: the gateway keeps the one it has.
        (overlay / "en" / "pack.yml").write_text('bot_name: ""\nnot_a_field: 1\n', encoding="utf-8")
        packs.request_reload()
        await asyncio.sleep(0)
        await until(lambda: _logged(caplog, "refused"))
        again = await (await client.post("/api/session")).json()
        assert again["bot_name"] == "Northshire Support Guide"
    assert "gateway now speaks from the reloaded content pack" in caplog.text


async def _logged(caplog: pytest.LogCaptureFixture, word: str) -> bool:
    return any(word in record.getMessage() for record in caplog.records)


def test_telegram_speaks_from_a_reloaded_pack(tmp_path: Path) -> None:
    overlay = tmp_path / "pack"
    (overlay / "en").mkdir(parents=True)
    first = load_pack(ROOT / "data" / "content", "en", overlay)
    conversation = Conversation(Settings(), first, RasaClient("http://127.0.0.1:9/webhooks/rest/webhook", first, timeout=1))
    (overlay / "en" / "pack.yml").write_text(PACK_YML, encoding="utf-8")
    second = load_pack(ROOT / "data" / "content", "en", overlay)
    conversation.use_pack(second)
    assert conversation.pack is second and conversation.pack.info.bot_name == "Northshire Support Guide"
    assert conversation.commands.intent_for("stop") == "stop"  # its stop words read again, still there
