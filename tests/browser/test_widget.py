"""The web widget in real Chromium: chatting, quick exit, nothing stored, accessibility, fallbacks."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import expect

from bot.gateway.app import PACK
from bot.gateway.state import MemorySessions
from bot.gateway.web import STATIC_DIR, WEB
from tests.browser.conftest import RESULTS, Gateway
from tests.gateway.web_stub import STOPPED

Page = Any


async def open_widget(page: Page, url: str) -> None:
    await page.goto(url)
    launcher = page.get_by_role("button", name="Open chat")
    await launcher.click()
    await expect(page.locator("#sg-input")).to_be_focused()


async def say(page: Page, text: str) -> None:
    await page.locator("#sg-input").fill(text)
    await page.locator("#sg-input").press("Enter")


async def wait_until(condition: Any, timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def stored_anything(page: Page) -> dict[str, Any]:
    return dict(
        await page.evaluate(
            # A third-party frame may be denied storage altogether: then nothing can be in it.
            """async () => {
                const read = async (get, none) => { try { return await get(); } catch (e) { return none; } };
                return {
                    local: await read(() => localStorage.length, 0),
                    session: await read(() => sessionStorage.length, 0),
                    cookie: await read(() => document.cookie, ""),
                    idb: await read(async () => indexedDB.databases ? (await indexedDB.databases()).length : 0, 0),
                    caches: await read(async () => self.caches ? (await caches.keys()).length : 0, 0),
                };
            }"""
        )
    )


NOTHING = {"local": 0, "session": 0, "cookie": "", "idb": 0, "caches": 0}


async def test_chat_round_trip_with_quick_replies(page: Page, gateway: Gateway) -> None:
    await open_widget(page, gateway.url + "/")
    await say(page, "hello")
    log = page.get_by_role("log", name="Conversation")
    await expect(log.locator(".sg-msg--user").last).to_have_text("You said: hello")
    await expect(log.locator(".sg-msg--bot").last).to_contain_text("an automated assistant")
    options = page.get_by_role("button", name="What are my options?")
    await options.click()
    # The title shows as the survivor's message; the payload goes to Rasa.
    await expect(log.locator(".sg-msg--user").last).to_have_text("You said: What are my options?")
    await expect(log.locator(".sg-msg--bot strong").last).to_have_text("Your options")
    assert gateway.rasa.messages()[-1] == "/options"
    await expect(options).to_have_count(0)  # the earlier choices are gone once one is used
    await expect(page.locator("#sg-input")).to_be_focused()
    bot = log.locator(".sg-msg--bot").last
    for number in ("999", "101", "116123", "08085002222"):
        await expect(bot.locator(f'a[href="tel:{number}"]')).to_have_count(1)
    website = bot.get_by_role("link", name="Rape Crisis website")
    await expect(website).to_have_attribute("href", "https://rapecrisis.org.uk/")
    await expect(website).to_have_attribute("rel", "noopener noreferrer")
    await expect(bot.locator("ul li")).to_have_count(3)


async def test_markup_from_either_side_is_shown_as_text(page: Page, gateway: Gateway) -> None:
    await open_widget(page, gateway.url + "/")
    await say(page, "<b id=mine>hi</b>")
    log = page.locator(".sg-log")
    await expect(log.locator(".sg-msg--user").last).to_have_text("You said: <b id=mine>hi</b>")
    await say(page, "show me markup")
    bot = log.locator(".sg-msg--bot").last
    await expect(bot).to_contain_text("<script>window.injected = 1</script>")
    assert await page.locator("#mine, #injected, .sg-log script, .sg-log img").count() == 0
    assert await page.evaluate("window.injected") is None
    assert await bot.locator("a").count() == 0  # javascript: and data: links are shown as text
    await expect(bot.locator("strong")).to_have_text("bold <b>tag</b>")


async def test_keyboard_only_open_chat_close_and_focus_return(page: Page, gateway: Gateway) -> None:
    await page.goto(gateway.url + "/")
    launcher = page.get_by_role("button", name="Open chat")
    for _ in range(20):
        await page.keyboard.press("Tab")
        if await launcher.evaluate("el => el === document.activeElement"):
            break
    await expect(launcher).to_be_focused()
    outline = await launcher.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline == "solid", "keyboard focus must be visible"
    await page.keyboard.press("Enter")
    await expect(page.locator("#sg-input")).to_be_focused()
    await page.keyboard.type("hello")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("button", name="Who can I talk to?")).to_be_visible()
    # Shift+Tab back through the choices to the close button.
    close = page.get_by_role("button", name="Close chat")
    for _ in range(10):
        await page.keyboard.press("Shift+Tab")
        if await close.evaluate("el => el === document.activeElement"):
            break
    await page.keyboard.press("Enter")
    await expect(page.locator("#sg-panel")).to_be_hidden()
    await expect(launcher).to_be_focused()
    assert gateway.rasa.messages() == ["hello"], "moving around with Shift must not trigger quick exit"


@pytest.mark.parametrize("trigger", ["button", "shift", "escape"])
async def test_quick_exit_replaces_the_page_and_forgets(page: Page, gateway: Gateway, trigger: str) -> None:
    await open_widget(page, gateway.url + "/")
    await say(page, "hello")
    await expect(page.locator(".sg-msg--bot")).to_have_count(1)
    history_before = await page.evaluate("history.length")
    if trigger == "button":
        await page.get_by_role("button", name="Quick exit: leaves this page immediately").click()
    elif trigger == "shift":
        for _ in range(3):
            await page.keyboard.press("Shift")
    else:
        await page.keyboard.press("Escape")
    await page.wait_for_url(gateway.exit_url)
    assert await page.evaluate("history.length") == history_before
    sender = gateway.rasa.received[0][0]
    await wait_until(lambda: "/stop" in gateway.rasa.messages(sender))
    assert len(gateway.app[WEB].sessions) == 0
    await page.go_back()
    assert not page.url.startswith(gateway.url + "/") or page.url == gateway.exit_url, "Back must not return to the chat"
    assert await stored_anything(page) == NOTHING if page.url.startswith("http") else True


async def test_shift_used_for_capitals_does_not_exit(page: Page, gateway: Gateway) -> None:
    await open_widget(page, gateway.url + "/")
    await page.keyboard.type("I'M OK")
    await page.keyboard.press("Shift+A")
    await page.keyboard.press("Shift+B")
    await page.keyboard.press("Shift+C")
    await asyncio.sleep(0.2)
    assert page.url == gateway.url + "/"
    await expect(page.locator("#sg-input")).to_have_value("I'M OKABC")


async def test_nothing_is_stored_in_the_browser(page: Page, context: Any, gateway: Gateway) -> None:
    await open_widget(page, gateway.url + "/")
    await say(page, "hello")
    await page.get_by_role("button", name="What are my options?").click()
    await expect(page.locator(".sg-msg--bot")).to_have_count(2)
    assert await stored_anything(page) == NOTHING
    assert await context.cookies() == []
    # A reload starts afresh: the conversation lived only in the page.
    await page.reload()
    await page.get_by_role("button", name="Open chat").click()
    await expect(page.locator(".sg-msg")).to_have_count(0)


@pytest.mark.parametrize("host", ["same-origin", "cross-origin"])
@pytest.mark.parametrize("trigger", ["button", "shift"])
async def test_quick_exit_inside_an_iframe_leaves_the_top_page(page: Page, gateway: Gateway, host: str, trigger: str) -> None:
    host_url = (gateway.url if host == "same-origin" else gateway.other_url) + "/frame-host"
    await page.goto(f"{host_url}?src={gateway.url}/")
    frame = page.frame_locator("iframe")
    await frame.get_by_role("button", name="Open chat").click()
    await frame.locator("#sg-input").fill("hello")
    await frame.locator("#sg-input").press("Enter")
    await expect(frame.locator(".sg-msg--bot")).to_have_count(1)
    inner = page.frames[1]
    assert await stored_anything(inner) == NOTHING
    history_before = await page.evaluate("history.length")
    if trigger == "button":
        await frame.get_by_role("button", name="Quick exit: leaves this page immediately").click()
    else:
        await frame.locator("#sg-input").focus()
        for _ in range(3):
            await page.keyboard.press("Shift")
    await page.wait_for_url(gateway.exit_url)
    assert page.main_frame.url == gateway.exit_url
    assert await page.evaluate("history.length") == history_before
    await wait_until(lambda: "/stop" in gateway.rasa.messages())


async def test_escape_inside_a_same_origin_iframe_leaves_the_top_page(page: Page, gateway: Gateway) -> None:
    await page.goto(f"{gateway.url}/frame-host?src={gateway.url}/")
    frame = page.frame_locator("iframe")
    await frame.get_by_role("button", name="Open chat").click()
    await frame.locator("#sg-input").press("Escape")
    await page.wait_for_url(gateway.exit_url)


async def test_server_unreachable_shows_held_helplines(page: Page, gateway: Gateway) -> None:
    await open_widget(page, gateway.url + "/")
    await page.route("**/api/message", lambda route: route.abort())
    await say(page, "are you there")
    log = page.locator(".sg-log")
    await expect(log.locator(".sg-note")).to_contain_text("can't reach the assistant")
    bot = log.locator(".sg-msg--bot").last
    await expect(bot.locator('a[href="tel:999"]').first).to_be_visible()
    await expect(bot.locator('a[href="tel:116123"]').first).to_be_visible()
    # Nothing typed is lost.
    await expect(page.locator("#sg-input")).to_have_value("are you there")


async def test_server_never_reached_shows_the_crisis_content_it_came_with(page: Page, gateway: Gateway) -> None:
    # widget.js arrives with the pack's static crisis content: shown even if no API call ever succeeds.
    await page.route("**/api/**", lambda route: route.abort())
    await open_widget(page, gateway.url + "/")
    await say(page, "hello")
    bot = page.locator(".sg-msg--bot").last
    await expect(bot).to_contain_text("999")
    await expect(bot).to_contain_text("116 123")
    await expect(bot.locator('a[href="tel:116123"]').first).to_be_visible()
    first_line = gateway.app[WEB].config["fallback"][0]["text"].splitlines()[0]
    await expect(bot).to_contain_text(first_line)


async def test_the_widget_speaks_the_pack_language(page: Page, gateway: Gateway) -> None:
    await open_widget(page, gateway.url + "/")
    await expect(page.locator(".sg-root")).to_have_attribute("lang", "en")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    labels = gateway.app[PACK].channels.widget
    await expect(page.get_by_role("button", name=str(labels["send"]), exact=True)).to_be_visible()
    await expect(page.get_by_role("textbox", name=str(labels["input_label"]))).to_be_visible()


async def test_a_copy_without_the_gateways_words_does_not_start(page: Page, gateway: Gateway) -> None:
    # widget.js as stored, not as the gateway serves it: no labels, so no nameless buttons either.
    raw = (STATIC_DIR / "widget.js").read_text()
    await page.route("**/widget.js", lambda route: route.fulfill(body=raw, content_type="text/javascript"))
    await page.goto(gateway.url + "/")
    await page.wait_for_load_state("load")
    await expect(page.locator(".sg-root")).to_have_count(0)
    await expect(page.locator(".sg-exit")).to_have_count(0)


async def test_rasa_down_shows_static_crisis_content(page: Page, gateway: Gateway) -> None:
    gateway.rasa.down = True
    await open_widget(page, gateway.url + "/")
    await say(page, "hello")
    bot = page.locator(".sg-msg--bot").last
    await expect(bot.locator('a[href="tel:999"]').first).to_be_visible()
    await expect(bot.locator('a[href="tel:116123"]').first).to_be_visible()


async def test_expired_session_starts_a_new_one_and_delivers(page: Page, gateway: Gateway) -> None:
    await open_widget(page, gateway.url + "/")
    await say(page, "hello")
    await expect(page.locator(".sg-msg--bot")).to_have_count(1)
    gateway.app[WEB].sessions = MemorySessions(60)  # everything on the server expired
    await say(page, "hello again")
    await expect(page.locator(".sg-note")).to_contain_text("earlier conversation had ended")
    await expect(page.locator(".sg-msg--bot")).to_have_count(2)
    senders = {s for s, _ in gateway.rasa.received}
    assert len(senders) == 2


async def test_too_long_message_is_refused_kindly(page: Page, gateway: Gateway) -> None:
    await open_widget(page, gateway.url + "/")
    # Past the textarea's maxlength (a paste can be cut, but a script can set the value).
    await page.locator("#sg-input").evaluate("el => { el.removeAttribute('maxlength'); el.value = 'x'.repeat(2001); }")
    await page.locator("#sg-input").press("Enter")
    await expect(page.locator(".sg-note")).to_contain_text("shorter parts")
    assert gateway.rasa.received == []


async def test_widget_respects_csp_and_trusted_types(page: Page, gateway: Gateway) -> None:
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    await open_widget(page, gateway.url + "/")
    await say(page, "hello")
    await page.get_by_role("button", name="What are my options?").click()
    await expect(page.locator(".sg-msg--bot")).to_have_count(2)
    assert problems == []


async def test_reduced_motion_stops_the_typing_animation(browser: Any, gateway: Gateway) -> None:
    context = await browser.new_context(reduced_motion="reduce")
    page = await context.new_page()
    gateway.rasa.delay = 1.0
    await open_widget(page, gateway.url + "/")
    await say(page, "hello")
    dot = page.locator(".sg-dot").first
    await expect(dot).to_be_visible()
    assert await dot.evaluate("el => getComputedStyle(el).animationName") == "none"
    await context.close()


async def test_targets_are_at_least_24_px(page: Page, gateway: Gateway) -> None:
    await open_widget(page, gateway.url + "/")
    await say(page, "hello")
    await expect(page.locator(".sg-choice")).to_have_count(2)
    for button in await page.locator(".sg-root button:visible").all():
        box = await button.bounding_box()
        assert box and box["width"] >= 24 and box["height"] >= 24, await button.text_content()


async def axe_violations(page: Page) -> str:
    results = await Axe().run(page)
    return "" if results.violations_count == 0 else results.generate_report()


async def test_axe_finds_nothing_on_the_demo_page(page: Page, gateway: Gateway) -> None:
    await page.goto(gateway.url + "/")
    await expect(page.get_by_role("button", name="Open chat")).to_be_visible()
    assert await axe_violations(page) == ""
    RESULTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(RESULTS / "widget-closed.png"))
    await page.get_by_role("button", name="Open chat").click()
    await say(page, "hello")
    await page.get_by_role("button", name="What are my options?").click()
    await expect(page.locator(".sg-msg--bot")).to_have_count(2)
    assert await axe_violations(page) == ""
    await page.screenshot(path=str(RESULTS / "widget.png"))


async def test_axe_finds_nothing_on_the_inline_embed_page(page: Page, gateway: Gateway) -> None:
    await page.goto(gateway.url + "/embed")
    await expect(page.locator("#support-chat .sg-panel")).to_be_visible()
    await say(page, "hello")
    await expect(page.locator(".sg-msg--bot")).to_have_count(1)
    assert await axe_violations(page) == ""
    assert await page.get_by_role("button", name="Open chat").count() == 0


async def test_reflows_at_320_px(browser: Any, gateway: Gateway) -> None:
    context = await browser.new_context(viewport={"width": 320, "height": 640})
    page = await context.new_page()
    await open_widget(page, gateway.url + "/")
    await say(page, "hello")
    await page.get_by_role("button", name="What are my options?").click()
    await expect(page.locator(".sg-msg--bot")).to_have_count(2)
    assert await page.evaluate("document.documentElement.scrollWidth") <= 320
    for selector in (".sg-panel", ".sg-exit", ".sg-send"):
        box = await page.locator(selector).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 320, selector
    await expect(page.get_by_role("button", name="Quick exit: leaves this page immediately")).to_be_in_viewport()
    assert await axe_violations(page) == ""
    RESULTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(RESULTS / "widget-320.png"))
    await context.close()


async def test_stop_reply_passes_through(page: Page, gateway: Gateway) -> None:
    await open_widget(page, gateway.url + "/")
    await say(page, "/stop")
    await expect(page.locator(".sg-msg--bot").last).to_contain_text(STOPPED)


async def test_leaving_the_page_forgets_the_conversation(page: Page, gateway: Gateway) -> None:
    await open_widget(page, gateway.url + "/")
    await say(page, "hello")
    await expect(page.locator(".sg-msg--bot")).to_have_count(1)
    await page.goto(gateway.exit_url)
    await wait_until(lambda: "/stop" in gateway.rasa.messages())
    assert len(gateway.app[WEB].sessions) == 0


async def test_rate_limit_message_is_shown_and_text_kept(page: Page, gateway: Gateway) -> None:
    await open_widget(page, gateway.url + "/")
    body = '{"error": "slow_down", "message": "Please wait a minute, then try again."}'
    await page.route("**/api/message", lambda route: route.fulfill(status=429, body=body, content_type="application/json"))
    await say(page, "hello")
    await expect(page.locator(".sg-note")).to_have_text("Please wait a minute, then try again.")
    await expect(page.locator("#sg-input")).to_have_value("hello")
