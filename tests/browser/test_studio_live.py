"""The studio against the real stack: changes published in Chromium reach a conversation and the widget without a restart, and undo brings the old ones back.

The stack (Rasa, action server, gateway, started by the supervisor as in tests/e2e) reads an
overlay pack folder (CONTENT_DIR); the studio, served in-process, publishes to that same folder.
An editor changes a message, the bot's name and main colour, a helpline and a topic's wording
in the browser and submits them, a reviewer approves and publishes them. Then a new conversation through the
gateway gets the new words, the helpline's and the topic's new text (the action server's hot reload), and a
new widget session and widget.js carry the new name and colour (the gateway's own reload).
Restoring the version from before the studio brings every old value back.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from bot.content.loader import ContentPack
from tests.support.stack import Stack, WebChat, running_stack, text_of
from tests.support.studio import PASSWORD, make_settings, served

pytestmark = [pytest.mark.stack, pytest.mark.browser]

#: How long the stack may take to answer from the new pack. Not a speed assertion: the hot reload
#: looks every two seconds, and this only bounds how long a broken reload makes the test wait.
RELOAD_DEADLINE_SECONDS = 120
NEW_GREETING = "You can tell me about it in your own words, or choose from the options below. No pressure at all."
NEW_NAME = "Northshire Support Guide"
NEW_PRIMARY = "#5b2a6e"  # white on it reaches well over 4.5:1
#: The helpline changed, and what it is changed to (a test text, not a fact the pack states).
HELPLINE = "rape_crisis_ew"
NEW_FOR_WHOM = "Anyone aged 16 or over in England and Wales affected by sexual violence, at any time of day or night."
#: The topic whose wording is changed: the first page of its England and Wales text.
TOPIC = "helplines"
NEW_TOPIC_TEXT = "These services listen and help, whether or not you report. You decide how much to share."


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Path]]:
    """The real stack reading an (empty) overlay pack; the folder is where the studio will publish."""
    root = tmp_path_factory.mktemp("studio-live")
    (root / "pack" / "en").mkdir(parents=True)
    # Waiting for a reload asks the gateway a few messages a second from one address: more than the
    # per-address limit a survivor's browser gets (120 a minute), so the test's own limit is higher.
    with running_stack(root, CONTENT_DIR=str(root / "pack"), WEB_CLIENT_MESSAGES_PER_MINUTE="1000") as stack:
        yield stack, root


@pytest.fixture
async def studio_url(live: tuple[Stack, Path]) -> AsyncIterator[str]:
    async with served(make_settings(live[1])) as url:  # its overlay is <root>/pack: the stack's CONTENT_DIR
        yield url


def greeting(stack: Stack) -> str:
    """What a new conversation through the gateway's web chat API is told after "hello"."""
    status, body = WebChat(stack).say("hello")
    assert status == 200, body
    return text_of(body)


def helplines_answer(stack: Stack) -> str:
    """What a new conversation in England and Wales is told when it asks for helplines (the topic's first page)."""
    chat = WebChat(stack)
    chat.say('/inform_region{"region":"england_wales"}')
    status, body = chat.say("/ask_helplines")
    assert status == 200, body
    return text_of(body)


def widget_boot(stack: Stack) -> tuple[dict[str, Any], str]:
    """What a new widget session is told (/api/session: name, branding) and the widget.js a page loads."""
    with httpx.Client(base_url=stack.gateway_url, timeout=30) as http:
        session = http.post("/api/session")
        script = http.get("/widget.js")
    session.raise_for_status()
    script.raise_for_status()
    return dict(session.json()), script.text


def live_view(stack: Stack) -> dict[str, Any]:
    """Everything a survivor would meet now: the greeting, the helplines answer, the widget's session and script."""
    session, script = widget_boot(stack)
    return {"greeting": greeting(stack), "helplines": helplines_answer(stack), "session": session, "widget.js": script}


async def until_live(stack: Stack, shows: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The live view, looked at again every two seconds until `shows` it (or the deadline passes)."""
    deadline = time.monotonic() + RELOAD_DEADLINE_SECONDS
    while True:
        view = await asyncio.to_thread(live_view, stack)
        if shows(view) or time.monotonic() > deadline:
            return view
        await asyncio.sleep(2)


def is_new(view: dict[str, Any]) -> bool:
    return (
        NEW_GREETING in view["greeting"]
        and NEW_FOR_WHOM in view["helplines"]
        and NEW_TOPIC_TEXT in view["helplines"]
        and view["session"]["bot_name"] == NEW_NAME
        and view["session"]["branding"]["primary"] == NEW_PRIMARY
    )


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


async def test_changes_published_in_the_studio_reach_conversations_and_the_widget_and_restoring_brings_the_old_ones_back(
    browser: Any, studio_url: str, live: tuple[Stack, Path], pack: ContentPack
) -> None:
    stack = live[0]
    old_greeting, old_for_whom = pack.message("greeting_question"), pack.helplines[HELPLINE].for_whom
    old_name, old_primary = pack.info.bot_name, pack.info.branding.colours.primary
    old_topic_text = pack.topics[TOPIC].variants["england_wales"].pages[0].text.strip()
    before = await asyncio.to_thread(live_view, stack)
    assert old_greeting in before["greeting"] and old_name in before["greeting"]  # the intro names the assistant
    assert old_for_whom in before["helplines"] and old_topic_text in before["helplines"]
    assert (before["session"]["bot_name"], before["session"]["branding"]["primary"]) == (old_name, old_primary)

    editor = await signed_in(browser, studio_url, "edna")
    await editor.goto(studio_url + "/messages")
    await editor.get_by_label("Greeting question", exact=True).fill(NEW_GREETING)
    await editor.get_by_role("button", name="Save to the draft").click()
    await expect(editor.get_by_text("Saved to the draft.")).to_be_visible()
    await editor.goto(studio_url + "/pack")
    await editor.get_by_label("Bot name", exact=True).fill(NEW_NAME)
    await editor.locator("#f-branding-colours-primary").fill(NEW_PRIMARY)
    await editor.get_by_role("button", name="Save to the draft").click()
    await expect(editor.get_by_text("Saved to the draft.")).to_be_visible()
    await editor.goto(studio_url + f"/helplines/{HELPLINE}")
    await editor.locator("#f-for_whom").fill(NEW_FOR_WHOM)
    await editor.get_by_role("button", name="Save to the draft").click()
    await expect(editor.get_by_text("Saved to the draft.")).to_be_visible()
    await editor.goto(studio_url + f"/topics/{TOPIC}")
    await editor.locator("#f-variants-england_wales-pages-0-text").fill(NEW_TOPIC_TEXT)
    await editor.get_by_role("button", name="Save to the draft").click()
    await expect(editor.get_by_text("Saved to the draft.")).to_be_visible()
    await editor.goto(studio_url + "/")
    await editor.get_by_role("button", name="Submit for review").click()
    await expect(editor.get_by_text("Submitted for review.", exact=True)).to_be_visible()
    assert old_greeting in await asyncio.to_thread(greeting, stack)  # submitted is not live

    reviewer = await signed_in(browser, studio_url, "rita")
    await reviewer.get_by_role("button", name="Approve").click()
    await expect(reviewer.get_by_text("Approved.", exact=True)).to_be_visible()
    await reviewer.get_by_role("button", name="Publish").click()
    await expect(reviewer.get_by_text("Published.", exact=True)).to_be_visible()

    after = await until_live(stack, is_new)
    assert NEW_GREETING in after["greeting"] and old_greeting not in after["greeting"]
    assert f"I'm {NEW_NAME}" in after["greeting"]  # the intro, from the action server
    assert NEW_FOR_WHOM in after["helplines"] and old_for_whom not in after["helplines"]
    assert NEW_TOPIC_TEXT in after["helplines"] and old_topic_text not in after["helplines"]
    assert after["session"]["bot_name"] == NEW_NAME and after["session"]["branding"]["primary"] == NEW_PRIMARY
    assert NEW_NAME in after["widget.js"] and NEW_PRIMARY in after["widget.js"]  # the boot data a page loads

    await reviewer.goto(studio_url + "/history")
    await reviewer.get_by_role("button", name="Restore version 1").click()
    await expect(reviewer.get_by_text("Restored.", exact=True)).to_be_visible()

    def is_old(view: dict[str, Any]) -> bool:
        return (
            old_greeting in view["greeting"]
            and old_for_whom in view["helplines"]
            and old_topic_text in view["helplines"]
            and (view["session"]["bot_name"], view["session"]["branding"]["primary"]) == (old_name, old_primary)
        )

    restored = await until_live(stack, is_old)
    assert old_greeting in restored["greeting"] and NEW_GREETING not in restored["greeting"]
    assert old_for_whom in restored["helplines"] and NEW_FOR_WHOM not in restored["helplines"]
    assert old_topic_text in restored["helplines"] and NEW_TOPIC_TEXT not in restored["helplines"]
    assert (restored["session"]["bot_name"], restored["session"]["branding"]["primary"]) == (old_name, old_primary)
    assert NEW_NAME not in restored["widget.js"] and NEW_PRIMARY not in restored["widget.js"]
    assert "==> ready" in stack.logs() and stack.process.poll() is None  # the same stack all along: no restart
