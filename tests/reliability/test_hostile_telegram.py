"""Hostile input on the Telegram channel, offline: the real gateway and python-telegram-bot against
the fake Bot API (tests/support/fake_bot_api.py). Every private chat gets an answer, what Telegram
receives is escaped, forged webhook calls are refused and junk updates never cause a 5xx."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.content.loader import ContentPack
from tests.support.fake_bot_api import FakeBotApi, StubRasa
from tests.support.telegram import SECRET, gateway, keyboard, settings_for

HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK = {"telegram_webhook_url": "https://bot.example.org/telegram/webhook", "telegram_webhook_secret": SECRET}
#: The only tags our Telegram HTML may hold: bold, italics, code and https links (bot/content/markup.py).
ALLOWED_TAG = re.compile(r'^<(/?b|/?i|/?code|/a|a href="https://[^"<>]*")>$')


def echo(sender: str, message: str) -> list[dict[str, Any]]:
    """A Rasa that quotes the user back (the real one never does): the worst case for injection."""
    return [{"recipient_id": sender, "text": f"You said: {message}"}]


@pytest.fixture
async def rasa() -> AsyncIterator[StubRasa]:
    stub = StubRasa(answer=echo)
    await stub.start()
    yield stub
    await stub.close()


HOSTILE_TEXTS = {
    "empty": "",
    "whitespace": " \n\t ",
    "nul": "hello\x00world\x00",
    "control": "".join(chr(i) for i in range(1, 32)) + "\x7f\x9b",
    "100 KB": "help " * 20_000,
    "lone surrogate": "I need \ud800 help \udfff",
    "rtl override": "\u202egnp.exe\u202c \u2066x\u2069\u200f",
    "emoji flood": "\U0001f62d" * 4000,
    "zwj flood": "\U0001f469\u200d\U0001f469\u200d\U0001f467" * 500,
    "html": '<script>alert(1)</script><img src=x onerror=alert(1)><a href="tg://user?id=1">me</a>',
    "markdown": "**bold** [x](javascript:alert(1)) [y](tg://resolve?domain=a) _it_ `code` ~~s~~ ||spoiler||",
    "entities": "&lt;b&gt; &amp;amp; &#60;script&#62; &quot;",
    "junk command": "/junk",
    "bare slash": "/",
    "command with payload": '/inform_region{"region":"<b>x</b>"}',
    "long command": "/" + "a" * 5000,
    "command to another bot": "/start@someone_else_bot",
}


async def test_every_hostile_message_gets_an_escaped_answer(api: FakeBotApi, rasa: StubRasa, pack: ContentPack) -> None:
    chats = {name: 5_000_000 + index for index, name in enumerate(HOSTILE_TEXTS)}
    async with gateway(settings_for(api), pack, rasa.url):
        for name, text in HOSTILE_TEXTS.items():
            api.message(chats[name], text)
        await api.wait_for("sendMessage", len(chats), timeout=30)
        await api.settle()
    for name, chat in chats.items():
        sent = [call for call in api.calls_to("sendMessage") if call["chat_id"] == chat]
        assert sent, f"{name}: no answer"
        for call in sent:
            assert call["protect_content"] is True, name
            assert len(call["text"]) <= 4096, name
            if call.get("parse_mode") == "HTML":
                for tag in re.findall(r"<[^>]*>", call["text"]):
                    assert ALLOWED_TAG.match(tag), f"{name}: live tag {tag!r}"
            assert "<script" not in call["text"] and "<img" not in call["text"], name
        assert [title for title, _ in keyboard(sent[-1])][-1] == "Stop and clear", name
    html = next(call["text"] for call in api.calls_to("sendMessage") if call["chat_id"] == chats["html"])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the words survive, as text
    markdown = next(call["text"] for call in api.calls_to("sendMessage") if call["chat_id"] == chats["markdown"])
    assert "<b>bold</b>" in markdown and "javascript:alert(1))" in markdown and 'href="javascript' not in markdown
    entities = next(call["text"] for call in api.calls_to("sendMessage") if call["chat_id"] == chats["entities"])
    assert "&amp;lt;b&amp;gt;" in entities  # already-escaped text is escaped again, not decoded


async def test_junk_commands_reach_rasa_as_text_and_known_ones_are_mapped(
    api: FakeBotApi, rasa: StubRasa, pack: ContentPack
) -> None:
    async with gateway(settings_for(api), pack, rasa.url):
        for index, text in enumerate(["/junk", "/", "/start@someone_else_bot", "/HELP"]):
            api.message(6_000_000 + index, text)
        await api.wait_for("sendMessage", 4)
    assert sorted(rasa.messages()) == sorted(["/junk", "/", "/greet", "/menu"])


# --- the webhook --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {HEADER: ""},
        {HEADER: "guess"},
        {HEADER: SECRET[:-1]},
        {HEADER: SECRET + "x"},
        {HEADER: SECRET.upper()},
        {HEADER: "x" * 4000},
        {"X-Telegram-Bot-Api-Secret": SECRET},
        {"Authorization": f"Bearer {SECRET}"},
    ],
    ids=lambda h: repr(h)[:40],
)
async def test_forged_webhook_calls_are_refused_before_reading(
    api: FakeBotApi, rasa: StubRasa, pack: ContentPack, headers: dict[str, str]
) -> None:
    async with gateway(settings_for(api, **WEBHOOK), pack, rasa.url) as (client, _):
        update = api.message_update(1234, "/start") | {"update_id": 1}
        response = await client.post("/telegram/webhook", json=update, headers=headers)
        assert response.status == 403
        forged_query = await client.post(f"/telegram/webhook?secret_token={SECRET}", json=update)
        assert forged_query.status == 403
        await asyncio.sleep(0.2)
    assert not api.calls_to("sendMessage") and not rasa.received


JUNK_UPDATES: list[Any] = [
    {},
    {"update_id": "x"},
    {"update_id": 1, "message": "x"},
    {"update_id": 1, "message": 5},
    {"update_id": 1, "message": {}},
    {"update_id": 1, "message": {"message_id": 1}},
    {"update_id": 1, "message": {"message_id": 1, "date": "x", "chat": {"id": 1, "type": "private"}}},
    {"update_id": 1, "message": {"message_id": 1, "date": 10**20, "chat": {"id": 1, "type": "private"}}},
    {"update_id": 1, "message": {"message_id": 1, "date": 1, "chat": "y"}},
    {"update_id": 1, "message": {"message_id": 1, "date": 1, "chat": {"id": 1, "type": "private"}, "entities": "x"}},
    {"update_id": 1, "message": {"message_id": 1, "date": 1, "chat": {"id": 1, "type": "private"}, "text": 5}},
    {"update_id": 1, "callback_query": [1]},
    {"update_id": 1, "callback_query": {"id": "c", "from": {"id": 1, "is_bot": False, "first_name": "x"}, "chat_instance": "c"}},
    {"update_id": 1, "edited_message": {"message_id": 1, "date": 1, "chat": {"id": 1, "type": "private"}, "text": "hi"}},
    [1, 2, 3],
    "text",
    None,
]


async def test_junk_updates_with_the_right_secret_are_never_a_5xx(api: FakeBotApi, rasa: StubRasa, pack: ContentPack) -> None:
    headers = {HEADER: SECRET}
    async with gateway(settings_for(api, **WEBHOOK), pack, rasa.url) as (client, _):
        for junk in JUNK_UPDATES:
            response = await client.post("/telegram/webhook", json=junk, headers=headers)
            assert response.status in (200, 400), (junk, response.status)
        raw_bodies = [b"[" * 50_000 + b"]" * 10_000, b'{"update_id": "\xff\xfe"}', b"{", b"", b"x" * (64 * 1024 + 1)]
        for raw in raw_bodies:
            response = await client.post("/telegram/webhook", data=raw, headers={**headers, "Content-Type": "application/json"})
            assert response.status in (400, 413), (raw[:20], response.status)
        # Still serving: a real update afterwards is answered.
        update = api.message_update(4321, "hello") | {"update_id": 99}
        assert (await client.post("/telegram/webhook", json=update, headers=headers)).status == 200
        await api.wait_for("sendMessage")
        await api.settle()
    answered = {call["chat_id"] for call in api.calls_to("sendMessage")}
    assert 4321 in answered
    # The one junk update that parses as a private text message with text of the wrong type still gets the crisis numbers.
    assert answered <= {1, 4321}


async def test_a_webhook_body_that_trickles_in_is_cut_off(
    api: FakeBotApi, rasa: StubRasa, pack: ContentPack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.gateway.telegram import channel as telegram

    monkeypatch.setattr(telegram, "WEBHOOK_BODY_TIMEOUT_SECONDS", 0.5)
    update = api.message_update(5678, "hello") | {"update_id": 7}
    body = json.dumps(update).encode()

    async def trickle() -> AsyncIterator[bytes]:
        for byte in body[:40]:
            await asyncio.sleep(0.1)
            yield bytes([byte])

    async with gateway(settings_for(api, **WEBHOOK), pack, rasa.url) as (client, _):
        loop = asyncio.get_running_loop()
        started = loop.time()
        response = await client.post(
            "/telegram/webhook", data=trickle(), headers={HEADER: SECRET, "Content-Type": "application/json"}
        )
        assert response.status == 408
        assert loop.time() - started < 2.5
        # Still serving: the same update sent whole is answered.
        assert (
            await client.post("/telegram/webhook", data=body, headers={HEADER: SECRET, "Content-Type": "application/json"})
        ).status == 200
        await api.wait_for("sendMessage")
        await api.settle()
    assert {call["chat_id"] for call in api.calls_to("sendMessage")} == {5678}
