"""The web widget in real Chromium: chatting, quick exit, nothing stored, accessibility, fallbacks.

Screenshots of each state go to results/widget/ (git-ignored); a few small ones are kept in docs/img/.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import expect

from bot.content.render import Reply, crisis_reply, menu_reply, topic_page
from bot.content.schema import Region
from bot.gateway.app import PACK
from bot.gateway.state.memory import MemorySessions
from bot.gateway.web.channel import STATIC_DIR, WEB
from tests.support.browser import RESULTS, Gateway
from tests.support.web_stub import STOPPED

pytestmark = pytest.mark.browser

Page = Any
SHOTS = RESULTS / "widget"
EXIT_NAME = "Quick exit: leaves this page immediately"
#: name -> (width, height, device scale factor). 400% zoom of a 1366 x 768 laptop is a 341 x 192 CSS viewport.
VIEWPORTS = {
    "phone": (390, 844, 3),
    "phone-landscape": (844, 390, 3),
    "laptop": (1366, 768, 1),
    "tiny": (320, 256, 1),
    "zoom-400": (341, 192, 4),
}
SMALL = ("phone", "phone-landscape", "tiny", "zoom-400")


async def open_widget(page: Page, url: str) -> None:
    await page.goto(url)
    launcher = page.get_by_role("button", name="Open chat")
    await launcher.click()
    await expect(page.locator("#sg-input")).to_be_focused()


async def say(page: Page, text: str) -> None:
    await page.locator("#sg-input").fill(text)
    await page.locator("#sg-input").press("Enter")


async def new_page(browser: Any, size: str = "laptop", **options: Any) -> tuple[Any, Page]:
    width, height, scale = VIEWPORTS[size]
    context = await browser.new_context(
        viewport={"width": width, "height": height}, device_scale_factor=scale, locale="en-GB", **options
    )
    context.set_default_timeout(10_000)
    return context, await context.new_page()


async def shot(page: Page, name: str, part: str = "") -> None:
    """results/widget/<name>.png: the page, or only the element `part` (a CSS selector)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    target = page.locator(part) if part else page
    await target.screenshot(path=str(SHOTS / f"{name}.png"), scale="css")


async def first_line_in_view(turn: Any) -> bool:
    """The start of a reply is on screen and not covered (by the box, a banner or the page)."""
    return bool(
        await turn.evaluate(
            """el => {
                const r = el.querySelector('.sg-msg').getBoundingClientRect();
                const x = r.left + 14, y = r.top + 14;
                if (r.top < 0 || y > innerHeight) return false;
                const hit = document.elementFromPoint(x, y);
                return !!hit && el.contains(hit);
            }"""
        )
    )


async def focus_is_in_the_chat(page: Page) -> bool:
    """Focus is on a visible part of the widget (quick exit or the chat), or has left the page."""
    return bool(
        await page.evaluate(
            """() => {
                const a = document.activeElement;
                if (!a || a === document.body) return true;
                return !!a.closest('.sg-root, .sg-exit-bar') && a.checkVisibility();
            }"""
        )
    )


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
    await expect(log.locator(".sg-turn--user").last).to_have_text("You said: hello")
    await expect(log.locator(".sg-msg--bot").last).to_contain_text("an automated assistant")
    options = page.get_by_role("button", name="What are my options?")
    await options.click()
    # The title shows as the survivor's message; the payload goes to Rasa.
    await expect(log.locator(".sg-turn--user").last).to_have_text("You said: What are my options?")
    await expect(log.get_by_role("heading", name="Your options", level=3)).to_be_visible()
    assert gateway.rasa.messages()[-1] == "/options"
    await expect(options).to_have_count(0)  # the earlier choices are gone once one is used
    await expect(page.locator("#sg-input")).to_be_focused()
    bot = log.locator(".sg-msg--bot").last
    for number in ("999", "101", "116123", "+448085002222"):  # as phonenumbers normalised them
        await expect(bot.locator(f'li a[href="tel:{number}"]')).to_have_count(1)
    await expect(bot.locator(".sg-calls").get_by_role("link")).to_have_text(["Call 999", "Call Samaritans on 116 123"])
    website = bot.get_by_role("link", name="Rape Crisis website")
    await expect(website).to_have_attribute("href", "https://rapecrisis.org.uk/")
    await expect(website).to_have_attribute("rel", "noopener noreferrer")
    await expect(bot.locator("ul li")).to_have_count(3)


async def test_markup_from_either_side_is_shown_as_text(page: Page, gateway: Gateway) -> None:
    await open_widget(page, gateway.url + "/")
    await say(page, "<b id=mine>hi</b>")
    log = page.locator(".sg-log")
    await expect(log.locator(".sg-turn--user").last).to_have_text("You said: <b id=mine>hi</b>")
    await say(page, "show me markup")
    bot = log.locator(".sg-msg--bot").last
    await expect(bot).to_contain_text("<script>window.injected = 1</script>")
    assert await page.locator("#mine, #injected, .sg-log script, .sg-log img").count() == 0
    assert await page.evaluate("window.injected") is None
    assert await bot.locator("a").count() == 0  # javascript: and data: links are shown as text
    await expect(bot.locator("strong")).to_have_text("bold <b>tag</b>")


async def test_one_answer_is_one_bubble_announced_once_with_headings_and_service_cards(page: Page, gateway: Gateway) -> None:
    await open_widget(page, gateway.url + "/")
    await say(page, "/helplines")
    turn = page.locator(".sg-turn--bot")
    await expect(turn).to_have_count(1)
    await expect(turn.locator(".sg-msg")).to_have_count(1)
    await expect(turn.locator(".sg-who")).to_have_count(1)
    await expect(turn.locator(".sg-who")).to_have_text("Support Guide said: ")
    await expect(turn.get_by_role("heading", level=3)).to_have_text(["Who can help", "In Scotland", "In Northern Ireland"])
    await expect(turn.locator(".sg-card")).to_have_count(4)
    await expect(turn.locator('.sg-card a[href="mailto:jo@samaritans.org"]')).to_have_text("jo@samaritans.org")
    for call in await turn.locator(".sg-card a.sg-tel, a.sg-call").all():
        box = await call.bounding_box()
        assert box and box["width"] >= 44 and box["height"] >= 44, await call.text_content()
    # The log announces additions: one addition for the whole answer, its buttons included.
    await expect(page.get_by_role("log")).to_have_attribute("aria-relevant", "additions")
    await expect(turn.get_by_role("group", name="Options").get_by_role("button")).to_have_count(2)


async def test_messages_follow_the_direction_of_their_own_text(page: Page, gateway: Gateway) -> None:
    await open_widget(page, gateway.url + "/")
    await say(page, "مرحبا، أحتاج إلى مساعدة")
    mine = page.locator(".sg-turn--user p")
    await expect(mine).to_have_attribute("dir", "auto")
    assert await mine.evaluate("el => getComputedStyle(el).direction") == "rtl"
    await expect(page.locator(".sg-msg--bot p").first).to_have_attribute("dir", "auto")
    await expect(page.locator("#sg-input")).to_have_attribute("dir", "auto")


async def test_keyboard_only_open_chat_close_and_focus_return(page: Page, gateway: Gateway) -> None:
    await page.goto(gateway.url + "/")
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name=EXIT_NAME)).to_be_focused()  # first in the tab order
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


@pytest.mark.parametrize("trigger", ["button", "shift"])
async def test_quick_exit_replaces_the_page_and_forgets(page: Page, gateway: Gateway, trigger: str) -> None:
    await open_widget(page, gateway.url + "/")
    await say(page, "hello")
    await expect(page.locator(".sg-msg--bot")).to_have_count(1)
    history_before = await page.evaluate("history.length")
    if trigger == "button":
        await page.get_by_role("button", name=EXIT_NAME).click()
    else:
        for _ in range(3):
            await page.keyboard.press("Shift")
    await page.wait_for_url(gateway.exit_url)
    assert await page.evaluate("history.length") == history_before
    sender = gateway.rasa.received[0][0]
    await wait_until(lambda: "/stop" in gateway.rasa.messages(sender))
    assert len(gateway.app[WEB].sessions) == 0
    await page.go_back()
    assert not page.url.startswith(gateway.url + "/") or page.url == gateway.exit_url, "Back must not return to the chat"
    assert await stored_anything(page) == NOTHING if page.url.startswith("http") else True


async def test_each_shift_press_shows_and_says_how_many_are_left(page: Page, gateway: Gateway) -> None:
    await page.goto(gateway.url + "/")
    dots = page.locator(".sg-exit-dots")
    await expect(dots).to_be_hidden()
    await page.keyboard.press("Shift")
    await expect(dots).to_be_visible()
    await expect(page.locator(".sg-exit-dot--on")).to_have_count(1)
    await expect(page.locator(".sg-exit-bar [role=status]")).to_have_text("Shift, press 2 more times to exit.")
    await page.keyboard.press("Shift")
    await expect(page.locator(".sg-exit-dot--on")).to_have_count(2)
    await expect(page.locator(".sg-exit-bar [role=status]")).to_have_text("Shift, press 1 more time to exit.")
    await shot(page, "shift-count", ".sg-exit-bar")
    await page.keyboard.press("a")  # another key starts the count again
    await expect(dots).to_be_hidden()
    assert page.url == gateway.url + "/"


async def test_escape_in_the_host_page_does_nothing_and_in_the_chat_only_closes_it(page: Page, gateway: Gateway) -> None:
    await page.goto(gateway.url + "/")
    await page.locator("main a").first.focus()
    await page.keyboard.press("Escape")
    await open_widget(page, gateway.url + "/")
    await say(page, "hello")
    await expect(page.locator(".sg-msg--bot")).to_have_count(1)
    await page.locator("main h1").click()  # focus back in the host page, chat still open
    await page.keyboard.press("Escape")
    await expect(page.locator("#sg-panel")).to_be_visible()
    await page.locator("#sg-input").press("Escape")
    await expect(page.locator("#sg-panel")).to_be_hidden()
    await expect(page.get_by_role("button", name="Open chat")).to_be_focused()
    assert page.url == gateway.url + "/"
    assert gateway.rasa.messages() == ["hello"], "Escape forgets nothing"
    await page.get_by_role("button", name="Open chat").click()
    await expect(page.locator(".sg-msg--bot")).to_have_count(1)


async def test_shift_used_for_capitals_does_not_exit(page: Page, gateway: Gateway) -> None:
    await open_widget(page, gateway.url + "/")
    await page.keyboard.type("I'M OK")
    await page.keyboard.press("Shift+A")
    await page.keyboard.press("Shift+B")
    await page.keyboard.press("Shift+C")
    await asyncio.sleep(0.2)
    assert page.url == gateway.url + "/"
    await expect(page.locator("#sg-input")).to_have_value("I'M OKABC")


async def test_links_in_replies_open_tabs_that_quick_exit_closes(page: Page, context: Any, gateway: Gateway) -> None:
    await context.route(
        "https://rapecrisis.org.uk/**",
        lambda route: route.fulfill(body="<!doctype html><title>Rape Crisis</title><p>Help", content_type="text/html"),
    )
    await open_widget(page, gateway.url + "/")
    await say(page, "/options")
    async with context.expect_page() as opened:
        await page.get_by_role("link", name="Rape Crisis website").click()
    tab = await opened.value
    await tab.wait_for_url("https://rapecrisis.org.uk/")
    await expect(page.locator(".sg-msg--bot")).to_have_count(1)  # the chat is still there
    await page.get_by_role("button", name=EXIT_NAME).click()
    await page.wait_for_url(gateway.exit_url)
    await wait_until(tab.is_closed)


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
    await expect(page.locator(".sg-turn")).to_have_count(0)


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
        await frame.get_by_role("button", name=EXIT_NAME).click()
    else:
        await frame.locator("#sg-input").focus()
        for _ in range(3):
            await page.keyboard.press("Shift")
    await page.wait_for_url(gateway.exit_url)
    assert page.main_frame.url == gateway.exit_url
    assert await page.evaluate("history.length") == history_before
    await wait_until(lambda: "/stop" in gateway.rasa.messages())


@pytest.mark.parametrize("mode", ["floating", "inline", "iframe"])
async def test_quick_exit_is_first_in_tab_order_and_on_screen_in_every_mode(page: Page, gateway: Gateway, mode: str) -> None:
    url = {"floating": "/", "inline": "/embed", "iframe": f"/frame-host?src={gateway.url}/embed"}[mode]
    await page.goto(gateway.url + url)
    scope = page.frame_locator("iframe") if mode == "iframe" else page
    exit_button = scope.get_by_role("button", name=EXIT_NAME)
    await expect(exit_button).to_be_in_viewport()
    if mode == "iframe":
        await page.locator("iframe").focus()
    await page.keyboard.press("Tab")
    await expect(exit_button).to_be_focused()
    # Still on screen after the page scrolls.
    await page.mouse.wheel(0, 2000)
    await expect(exit_button).to_be_in_viewport()
    position = await exit_button.evaluate("el => getComputedStyle(el.parentElement).position")
    assert position == "fixed"


async def test_escape_inside_a_same_origin_iframe_does_not_leave(page: Page, gateway: Gateway) -> None:
    await page.goto(f"{gateway.url}/frame-host?src={gateway.url}/")
    frame = page.frame_locator("iframe")
    await frame.get_by_role("button", name="Open chat").click()
    await frame.locator("#sg-input").press("Escape")
    await expect(frame.locator("#sg-panel")).to_be_hidden()
    assert page.url.startswith(gateway.url + "/frame-host")


# --- The screen forgets with the server -----------------------------------------------------------


@pytest.mark.parametrize("how", ["typed stop", "typed forget me", "Stop and clear button", "Clear chat button", "model"])
async def test_stopping_clears_the_screen_and_says_so_for_a_website(page: Page, gateway: Gateway, how: str) -> None:
    gateway.rasa.stop_text = gateway.app[PACK].message("stop")
    await open_widget(page, gateway.url + "/")
    await say(page, "I want to end it all")
    await say(page, "/helplines")
    await expect(page.locator(".sg-msg--bot")).to_have_count(2)
    await page.locator("#sg-input").fill("half a sentence")
    if how == "typed stop":
        await say(page, "stop")
    elif how == "typed forget me":
        await say(page, "Forget me.")
    elif how == "Stop and clear button":
        await page.get_by_role("button", name="Stop and clear").click()
    elif how == "Clear chat button":
        await page.get_by_role("button", name="Clear chat").click()
    else:
        await say(page, "please wipe all of this")
    note = page.locator(".sg-note")
    await expect(note).to_have_text(str(gateway.app[PACK].channel_text("widget", "cleared")))
    await expect(page.locator(".sg-turn")).to_have_count(0)
    log_text = await page.locator(".sg-log").inner_text()
    assert "end it all" not in log_text and "Samaritans" not in log_text and STOPPED not in log_text
    assert "in your app" not in log_text
    if how != "model":
        await expect(page.locator("#sg-input")).to_have_value("")
    sender = gateway.rasa.received[0][0]
    await wait_until(lambda: gateway.rasa.messages(sender)[-1] in ("/stop", "please wipe all of this"))
    assert len(gateway.app[WEB].sessions) == 0
    # Closing and opening again shows nothing of it either.
    await page.get_by_role("button", name="Close chat").click()
    await page.get_by_role("button", name="Open chat").click()
    await expect(page.locator(".sg-turn")).to_have_count(0)
    if how == "Clear chat button":
        await shot(page, "cleared", ".sg-panel")
    # And a new conversation starts with the next message.
    await say(page, "hello")
    await expect(page.locator(".sg-msg--bot")).to_have_count(1)
    assert gateway.rasa.received[-1][0] != sender


@pytest.mark.parametrize("gateway_settings", [{"tracker_ttl_seconds": 2}])
async def test_the_screen_forgets_when_the_server_does(page: Page, gateway: Gateway) -> None:
    await open_widget(page, gateway.url + "/")
    await say(page, "I want to end it all")
    await expect(page.locator(".sg-msg--bot")).to_have_count(1)
    # Closed with the close button: kept only until the server's forget time (2 s here), then gone from the screen too.
    await page.get_by_role("button", name="Close chat").click()
    await expect(page.locator(".sg-note")).to_contain_text("Nothing was said here for a while", timeout=15_000)
    await page.get_by_role("button", name="Open chat").click()
    await expect(page.locator(".sg-turn")).to_have_count(0)
    assert "end it all" not in await page.locator(".sg-root").inner_text()
    assert await axe_violations(page) == ""
    await shot(page, "expired")


async def test_closing_keeps_the_conversation_until_then(page: Page, gateway: Gateway) -> None:
    await open_widget(page, gateway.url + "/")
    await say(page, "hello")
    await expect(page.locator(".sg-msg--bot")).to_have_count(1)
    await page.get_by_role("button", name="Close chat").click()
    await page.get_by_role("button", name="Open chat").click()
    await expect(page.locator(".sg-msg--bot")).to_have_count(1)


async def test_a_session_the_server_forgot_clears_the_screen_and_delivers(page: Page, gateway: Gateway) -> None:
    await open_widget(page, gateway.url + "/")
    await say(page, "I want to end it all")
    await expect(page.locator(".sg-msg--bot")).to_have_count(1)
    gateway.app[WEB].sessions = MemorySessions(60)  # everything on the server expired
    await say(page, "hello again")
    await expect(page.locator(".sg-note")).to_contain_text("earlier conversation had ended")
    await expect(page.locator(".sg-msg--bot")).to_have_count(1)
    await expect(page.locator(".sg-turn--user")).to_have_text(["You said: hello again"])
    senders = {s for s, _ in gateway.rasa.received}
    assert len(senders) == 2


# --- Failures: one banner, nothing lost ------------------------------------------------------------


@pytest.mark.parametrize("cause", ["offline", "server down"])
async def test_failure_shows_one_banner_and_keeps_the_text(page: Page, context: Any, gateway: Gateway, cause: str) -> None:
    await open_widget(page, gateway.url + "/")
    await say(page, "hello")
    await expect(page.locator(".sg-msg--bot")).to_have_count(1)
    if cause == "offline":
        await context.set_offline(True)
    else:
        await page.route("**/api/message", lambda route: route.abort())
    for _ in range(3):
        await say(page, "are you there")
        banner = page.get_by_role("alert")
        await expect(banner).to_contain_text("Not sent. In an emergency call 999.")
        await expect(page.locator("#sg-input")).to_have_value("are you there")  # nothing typed is lost
    await expect(page.locator(".sg-banner")).to_have_count(1)
    await expect(page.locator(".sg-turn--offline")).to_have_count(1)
    await expect(page.locator(".sg-turn--user")).to_have_count(1)  # no copies of the unsent message
    # At the top of the chat, and the help under it starts in view.
    banner_box = await page.locator(".sg-banner").bounding_box()
    header_box = await page.locator(".sg-header").bounding_box()
    assert banner_box and header_box and banner_box["y"] == pytest.approx(header_box["y"] + header_box["height"], abs=2)
    help_turn = page.locator(".sg-turn--offline")
    assert await first_line_in_view(help_turn)
    await expect(help_turn.locator('a[href="tel:999"]').first).to_be_visible()
    await expect(help_turn.locator('a[href="tel:116123"]').first).to_be_visible()
    await expect(help_turn.locator('a[href="tel:+448085002222"]')).to_have_count(1)  # Rape Crisis
    await expect(help_turn).to_contain_text("Rape Crisis")
    assert await axe_violations(page) == ""
    await shot(page, f"not-sent-{cause.replace(' ', '-')}", ".sg-panel")
    if cause == "offline":
        await context.set_offline(False)
    else:
        await page.unroute("**/api/message")
    await page.locator("#sg-input").press("Enter")
    await expect(page.locator(".sg-msg--bot").last).to_contain_text("an automated assistant")
    await expect(page.locator(".sg-banner")).to_be_hidden()
    await expect(page.locator(".sg-turn--offline")).to_have_count(0)


async def test_a_slow_answer_shows_the_banner_within_seconds(page: Page, gateway: Gateway) -> None:
    await open_widget(page, gateway.url + "/")

    async def slow(route: Any) -> None:
        await asyncio.sleep(8)
        await route.continue_()

    await page.route("**/api/message", slow)
    await say(page, "hello")
    await expect(page.get_by_role("alert")).to_contain_text("taking longer than usual")
    await expect(page.get_by_role("alert")).to_contain_text("999")
    await expect(page.locator(".sg-msg--bot")).to_have_count(1, timeout=20_000)
    await expect(page.locator(".sg-banner")).to_be_hidden()


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


async def test_rasa_down_shows_static_crisis_content(page: Page, gateway: Gateway) -> None:
    gateway.rasa.down = True
    await open_widget(page, gateway.url + "/")
    await say(page, "hello")
    bot = page.locator(".sg-msg--bot").last
    await expect(bot.locator('a[href="tel:999"]').first).to_be_visible()
    await expect(bot.locator('a[href="tel:116123"]').first).to_be_visible()


async def test_a_long_paste_is_never_cut_and_a_counter_warns_first(page: Page, gateway: Gateway) -> None:
    await open_widget(page, gateway.url + "/")
    box = page.locator("#sg-input")
    counter = page.locator("#sg-counter")
    await box.fill("x" * 1500)
    await expect(counter).to_be_hidden()
    await box.fill("x" * 1700)
    await expect(counter).to_have_text("1700 of 2000 characters")
    await box.fill("x" * 5000)  # as a paste: all of it stays
    await expect(box).to_have_value("x" * 5000)
    await expect(counter).to_contain_text("3000 characters too many")
    await box.press("Enter")
    await expect(box).to_have_value("x" * 5000)  # refused, and the box keeps every word
    assert gateway.rasa.received == []
    await expect(page.locator(".sg-turn")).to_have_count(0)
    await expect(box).to_have_attribute("aria-describedby", "sg-counter")


async def test_a_message_the_server_refuses_as_too_long_stays_in_the_box(page: Page, gateway: Gateway) -> None:
    await open_widget(page, gateway.url + "/")
    body = '{"error": "too_long", "message": "That message is longer than I can take in one go."}'
    await page.route("**/api/message", lambda route: route.fulfill(status=413, body=body, content_type="application/json"))
    await say(page, "a message")
    await expect(page.get_by_role("alert").locator("p")).to_have_text("That message is longer than I can take in one go.")
    await expect(page.locator("#sg-input")).to_have_value("a message")


async def test_rate_limit_message_is_shown_and_text_kept(page: Page, gateway: Gateway) -> None:
    await open_widget(page, gateway.url + "/")
    body = '{"error": "slow_down", "message": "Please wait a minute, then try again."}'
    await page.route("**/api/message", lambda route: route.fulfill(status=429, body=body, content_type="application/json"))
    await say(page, "hello")
    await expect(page.get_by_role("alert").locator("p")).to_have_text("Please wait a minute, then try again.")
    await expect(page.locator("#sg-input")).to_have_value("hello")


# --- Replies read from their start ------------------------------------------------------------------


async def test_someone_reading_further_up_is_not_pulled_down(page: Page, gateway: Gateway) -> None:
    await open_widget(page, gateway.url + "/")
    for _ in range(3):
        await say(page, "/helplines")
    await expect(page.locator(".sg-turn--bot")).to_have_count(3)
    gateway.rasa.delay = 1.5
    await say(page, "/helplines")
    # Scrolled back up to read while the answer is on its way.
    await page.locator(".sg-log").evaluate("el => { el.scrollTop = 0; }")
    await expect(page.locator(".sg-turn--bot")).to_have_count(4)
    pill = page.get_by_role("button", name="New reply")
    await expect(pill).to_be_visible()
    assert await page.locator(".sg-log").evaluate("el => el.scrollTop") == 0
    assert await axe_violations(page) == ""
    await shot(page, "new-reply", ".sg-panel")
    await pill.click()
    await expect(pill).to_be_hidden()
    assert await first_line_in_view(page.locator(".sg-turn--bot").last)
    await expect(page.locator(".sg-turn--bot").last).to_be_focused()


# --- Every screen size: modal, focus, reading from the start, axe ------------------------------------


@pytest.mark.parametrize("size", list(VIEWPORTS))
async def test_every_screen_size(browser: Any, gateway: Gateway, size: str) -> None:
    context, page = await new_page(browser, size)
    try:
        await page.goto(gateway.url + "/")
        await expect(page.get_by_role("button", name=EXIT_NAME)).to_be_in_viewport()
        assert await axe_violations(page) == ""
        await shot(page, f"closed-{size}")
        await page.get_by_role("button", name="Open chat").click()
        dialog = page.get_by_role("dialog", name="Support Guide")
        await expect(dialog).to_have_attribute("aria-modal", "true" if size in SMALL else "false")
        if size in SMALL:
            # The rest of the page is inert and does not scroll; quick exit stays usable.
            assert await page.evaluate("document.querySelector('main').inert") is True
            assert await page.evaluate("getComputedStyle(document.documentElement).overflow") == "hidden"
            assert await page.evaluate("getComputedStyle(document.body).overflow") == "hidden"
            await expect(page.get_by_role("button", name=EXIT_NAME)).to_be_in_viewport()
        for text in ("hello", "/helplines", "/options"):
            await say(page, text)
            turn = page.locator(".sg-turn--bot").last
            await expect(page.locator(".sg-turn--bot")).to_have_count(("hello", "/helplines", "/options").index(text) + 1)
            assert await first_line_in_view(turn), f"the start of the answer to {text!r} is in view"
            if text == "/helplines":
                await shot(page, f"helplines-{size}")
        await expect(page.locator(".sg-send")).to_be_in_viewport()
        assert await page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[size][0]
        # Focus never reaches anything behind the chat or hidden, forwards or back.
        for key in ["Tab"] * 30 + ["Shift+Tab"] * 30:
            await page.keyboard.press(key)
            if size in SMALL:
                assert await focus_is_in_the_chat(page), f"focus went behind the chat after {key}"
        for target in await page.locator(
            ".sg-root button:visible, .sg-exit-bar button:visible, .sg-card a.sg-tel:visible, a.sg-call:visible"
        ).all():
            box = await target.bounding_box()
            assert box and box["width"] >= 44 and box["height"] >= 44, await target.text_content()
        assert await axe_violations(page) == ""
        await shot(page, f"open-{size}")
        await page.get_by_role("button", name="Close chat").click()
        assert await page.evaluate("document.querySelector('main').inert") is False
        assert await page.evaluate("getComputedStyle(document.documentElement).overflow") != "hidden"
    finally:
        await context.close()


async def test_what_the_host_page_adds_behind_the_full_screen_chat_is_inert_too(browser: Any, gateway: Gateway) -> None:
    context, page = await new_page(browser, "phone")
    try:
        await page.goto(gateway.url + "/")
        await page.get_by_role("button", name="Open chat").click()
        await expect(page.get_by_role("dialog")).to_have_attribute("aria-modal", "true")
        await page.evaluate(
            "() => { const b = document.createElement('button'); b.id = 'cookies'; b.textContent = 'Accept cookies';"
            " document.body.appendChild(b); }"
        )
        await expect(page.locator("#cookies")).to_have_js_property("inert", True)
        await page.get_by_role("button", name="Close chat").click()
        await expect(page.locator("#cookies")).to_have_js_property("inert", False)
    finally:
        await context.close()


def rest(replies: list[Reply]) -> list[dict[str, Any]]:
    return [{"text": r.text, "buttons": [b.as_rasa() for b in r.buttons]} for r in replies]


async def answer_heights(page: Page, gateway: Gateway, answers: dict[str, list[Reply]]) -> dict[str, float]:
    """Send each scripted answer; check it starts in view; return how tall it is against the visible log."""
    gateway.rasa.scripted.update({name: rest(replies) for name, replies in answers.items()})
    heights = {}
    for count, name in enumerate(answers, start=1):
        await say(page, name)
        await expect(page.locator(".sg-turn--bot")).to_have_count(count)
        turn = page.locator(".sg-turn--bot").last
        assert await first_line_in_view(turn), f"the start of {name} is in view"
        await shot(page, f"pack-{name}-phone")
        heights[name] = await turn.evaluate(
            "el => el.getBoundingClientRect().height / el.closest('.sg-log').getBoundingClientRect().height"
        )
    return heights


async def test_the_packs_first_answers_start_in_view_on_a_phone(browser: Any, gateway: Gateway) -> None:
    """Each starts in view and fits one phone screen; the figures go to results/widget/phone-screens.txt.

    The content's side of this (120 words and two services before "Tell me more") is
    tests/test_short_replies.py; this is the widget's (docs/web-widget.md, "Long replies").
    """
    pack = gateway.app[PACK]
    intro = Reply(pack.message("intro", minutes="30"))
    answers = {"greeting": [intro, menu_reply(pack, pack.message("greeting_question"))]}
    # Every crisis reply the assistant sends ("unavailable" is the offline help, not a reply to a
    # message), with the region not known and in each region.
    for kind, _ in pack.crisis.replies():
        if kind != "unavailable":
            for region in (None, *pack.enabled_regions):
                name = kind + (f"-{region.value.replace('_', '-')}" if region else "")
                answers[name] = [crisis_reply(pack, kind, region)]
    answers["helplines"] = topic_page(pack, pack.topics["helplines"], None, 0)
    answers["helplines-england-wales"] = topic_page(pack, pack.topics["helplines"], Region.england_wales, 0)
    context, page = await new_page(browser, "phone")
    try:
        await page.goto(gateway.url + "/")
        await page.get_by_role("button", name="Open chat").click()
        heights = await answer_heights(page, gateway, answers)
    finally:
        await context.close()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "widget" / "phone-screens.txt").write_text(
        "".join(f"{name}: {height:.2f} phone screens\n" for name, height in heights.items())
    )
    # Crisis replies included: with the region not known, their helplines for each part of the UK
    # are one short line each (crisis.yml's services_heading says what they are).
    too_long = {name: round(height, 2) for name, height in heights.items() if height > 1.0}
    assert not too_long, f"longer than one phone screen: {too_long}"


async def test_crisis_answers_start_with_large_call_buttons(page: Page, gateway: Gateway) -> None:
    pack = gateway.app[PACK]
    gateway.rasa.scripted["I want to end it all"] = rest([crisis_reply(pack, "suicide", None)])
    await open_widget(page, gateway.url + "/")
    await say(page, "I want to end it all")
    turn = page.locator(".sg-turn--bot")
    calls = turn.locator(".sg-calls").first.get_by_role("link")
    await expect(calls).to_have_text(["Call 999", "Call Samaritans on 116 123"])
    await expect(calls.first).to_have_attribute("href", "tel:999")
    for call in await calls.all():
        box = await call.bounding_box()
        assert box and box["width"] >= 44 and box["height"] >= 44
    # Right under the first sentence that gives them, inside the first screen of the answer.
    assert await first_line_in_view(turn)
    await expect(calls.first).to_be_in_viewport()


async def test_a_danger_reply_with_the_region_not_known_shows_every_regions_number_on_the_first_phone_screen(
    browser: Any, gateway: Gateway
) -> None:
    """999 and Samaritans as large buttons first, then a domestic abuse line for each part of the UK: none below the fold."""
    pack = gateway.app[PACK]
    message = "he's outside the door and I'm scared"
    gateway.rasa.scripted[message] = rest([crisis_reply(pack, "danger", None)])
    context, page = await new_page(browser, "phone")
    try:
        await page.goto(gateway.url + "/")
        await page.get_by_role("button", name="Open chat").click()
        await say(page, message)
        turn = page.locator(".sg-turn--bot").last
        await expect(turn.locator(".sg-calls").get_by_role("link")).to_have_text(["Call 999", "Call Samaritans on 116 123"])
        assert await first_line_in_view(turn)
        for helpline_id in pack.crisis.danger.helplines:
            number = turn.get_by_role("link", name=pack.helplines[helpline_id].phone, exact=True)
            await expect(number).to_be_in_viewport(ratio=1)
        await expect(turn.get_by_role("button", name=pack.message("button_stop"))).to_be_in_viewport(ratio=1)
        await shot(page, "crisis-danger-phone")
    finally:
        await context.close()


# --- Comfort: text size, dark mode, forced colours --------------------------------------------------


async def test_sizes_follow_the_browsers_text_size(page: Page, gateway: Gateway) -> None:
    await open_widget(page, gateway.url + "/")
    await say(page, "hello")
    await expect(page.locator(".sg-msg--bot")).to_have_count(1)
    before = await page.locator(".sg-msg--bot p").first.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    await page.evaluate("document.documentElement.style.fontSize = '24px'")
    after = await page.locator(".sg-msg--bot p").first.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    assert after == pytest.approx(before * 1.5)


@pytest.mark.parametrize("size", ["phone", "laptop"])
async def test_dark_mode_keeps_contrast(browser: Any, gateway: Gateway, size: str) -> None:
    context, page = await new_page(browser, size, color_scheme="dark")
    try:
        await page.goto(gateway.url + "/")
        await page.get_by_role("button", name="Open chat").click()
        await say(page, "/helplines")
        await expect(page.locator(".sg-turn--bot")).to_have_count(1)
        surface = await page.locator(".sg-panel").evaluate("el => getComputedStyle(el).backgroundColor")
        assert surface == "rgb(27, 29, 30)"
        assert await axe_violations(page) == ""
        await shot(page, f"dark-{size}")
        await page.route("**/api/message", lambda route: route.abort())
        await say(page, "are you there")
        await expect(page.get_by_role("alert")).to_contain_text("Not sent")
        assert await axe_violations(page) == ""
    finally:
        await context.close()


async def test_forced_colours_say_who_said_what_in_words(browser: Any, gateway: Gateway) -> None:
    context, page = await new_page(browser, "laptop", forced_colors="active")
    try:
        await page.goto(gateway.url + "/")
        await page.get_by_role("button", name="Open chat").click()
        await say(page, "hello")
        await expect(page.locator(".sg-turn--bot")).to_have_count(1)
        await expect(page.locator(".sg-turn--user .sg-who")).to_be_visible()
        await expect(page.locator(".sg-turn--bot .sg-who")).to_be_visible()
        box = await page.locator(".sg-turn--bot .sg-who").bounding_box()
        assert box and box["width"] > 40
        assert await axe_violations(page) == ""
        await shot(page, "forced-colours")
    finally:
        await context.close()


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


async def axe_violations(page: Page) -> str:
    results = await Axe().run(page)
    return "" if results.violations_count == 0 else results.generate_report()


async def test_axe_finds_nothing_on_the_demo_page(page: Page, gateway: Gateway) -> None:
    await page.goto(gateway.url + "/")
    await expect(page.get_by_role("button", name="Open chat")).to_be_visible()
    assert await axe_violations(page) == ""
    await page.get_by_role("button", name="Open chat").click()
    assert await axe_violations(page) == ""
    await say(page, "hello")
    await page.get_by_role("button", name="What are my options?").click()
    await expect(page.locator(".sg-msg--bot")).to_have_count(2)
    assert await axe_violations(page) == ""
    await page.get_by_role("button", name="Clear chat").click()
    await expect(page.locator(".sg-note")).to_be_visible()
    assert await axe_violations(page) == ""


async def test_axe_finds_nothing_on_the_inline_embed_page(page: Page, gateway: Gateway) -> None:
    await page.goto(gateway.url + "/embed")
    await expect(page.locator("#support-chat .sg-panel")).to_be_visible()
    await say(page, "hello")
    await expect(page.locator(".sg-msg--bot")).to_have_count(1)
    assert await axe_violations(page) == ""
    assert await page.get_by_role("button", name="Open chat").count() == 0
    await shot(page, "inline")


async def test_leaving_the_page_forgets_the_conversation(page: Page, gateway: Gateway) -> None:
    await open_widget(page, gateway.url + "/")
    await say(page, "hello")
    await expect(page.locator(".sg-msg--bot")).to_have_count(1)
    await page.goto(gateway.exit_url)
    await wait_until(lambda: "/stop" in gateway.rasa.messages())
    assert len(gateway.app[WEB].sessions) == 0
