"""The studio against the real stack: a text published in Chromium reaches a conversation without a restart, and undo brings it back.

The stack (Rasa, action server, gateway, started by the supervisor as in tests/e2e) reads an
overlay pack folder (CONTENT_DIR); the studio, served in-process, publishes to that same folder.
An editor changes a message in the browser and submits it, a reviewer approves and publishes it,
and a new conversation through the gateway then gets the new words: the action server's hot
reload picked the file up. Restoring the version from before the studio brings the old words back.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from playwright.async_api import expect

from bot.content.loader import ContentPack
from bot.studio.app import make_app
from tests.support.servers import free_port
from tests.support.stack import Stack, WebChat, running_stack, text_of
from tests.support.studio import PASSWORD, make_settings

pytestmark = [pytest.mark.stack, pytest.mark.browser]

#: How long the stack may take to answer from the new pack. Not a speed assertion: the hot reload
#: looks every two seconds, and this only bounds how long a broken reload makes the test wait.
RELOAD_DEADLINE_SECONDS = 120
NEW_GREETING = "You can tell me about it in your own words, or choose from the options below. No pressure at all."


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Path]]:
    """The real stack reading an (empty) overlay pack; the folder is where the studio will publish."""
    root = tmp_path_factory.mktemp("studio-live")
    (root / "pack" / "en").mkdir(parents=True)
    with running_stack(root, CONTENT_DIR=str(root / "pack")) as stack:
        yield stack, root


@pytest.fixture
async def studio_url(live: tuple[Stack, Path]) -> AsyncIterator[str]:
    settings = make_settings(live[1])  # its overlay is <root>/pack: the stack's CONTENT_DIR
    port = free_port()
    runner = web.AppRunner(make_app(settings), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def greeting(stack: Stack) -> str:
    """What a new conversation through the gateway's web chat API is told after "hello"."""
    status, body = WebChat(stack).say("hello")
    assert status == 200, body
    return text_of(body)


async def until_greeting_has(stack: Stack, wanted: str) -> str:
    """A new conversation's greeting, asked again every second until it has `wanted` (or the deadline passes)."""
    deadline = time.monotonic() + RELOAD_DEADLINE_SECONDS
    while True:
        said = await asyncio.to_thread(greeting, stack)
        if wanted in said or time.monotonic() > deadline:
            return said
        await asyncio.sleep(1)


async def signed_in(browser: Any, url: str, name: str) -> Any:
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(30_000)
    page = await context.new_page()
    await page.goto(url + "/login")
    await page.get_by_label("Name").fill(name)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    return page


async def test_a_message_published_in_the_studio_reaches_a_conversation_and_restoring_brings_the_old_one_back(
    browser: Any, studio_url: str, live: tuple[Stack, Path], pack: ContentPack
) -> None:
    stack = live[0]
    old = pack.message("greeting_question")
    assert old in await asyncio.to_thread(greeting, stack)

    editor = await signed_in(browser, studio_url, "edna")
    await editor.goto(studio_url + "/messages")
    await editor.get_by_label("Greeting question", exact=True).fill(NEW_GREETING)
    await editor.get_by_role("button", name="Save to the draft").click()
    await expect(editor.get_by_text("Saved to the draft.")).to_be_visible()
    await editor.goto(studio_url + "/")
    await editor.get_by_role("button", name="Submit for review").click()
    await expect(editor.get_by_text("Submitted for review.", exact=True)).to_be_visible()
    assert old in await asyncio.to_thread(greeting, stack)  # submitted is not live

    reviewer = await signed_in(browser, studio_url, "rita")
    await reviewer.get_by_role("button", name="Approve").click()
    await expect(reviewer.get_by_text("Approved.", exact=True)).to_be_visible()
    await reviewer.get_by_role("button", name="Publish").click()
    await expect(reviewer.get_by_text("Published.", exact=True)).to_be_visible()

    said = await until_greeting_has(stack, NEW_GREETING)
    assert NEW_GREETING in said and old not in said

    await reviewer.goto(studio_url + "/history")
    await reviewer.get_by_role("button", name="Restore version 1").click()
    await expect(reviewer.get_by_text("Restored.", exact=True)).to_be_visible()
    said = await until_greeting_has(stack, old)
    assert old in said and NEW_GREETING not in said
    assert "==> ready" in stack.logs() and stack.process.poll() is None  # the same stack all along: no restart
