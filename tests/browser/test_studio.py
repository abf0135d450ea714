"""The content studio in real Chromium: sign in, edit a helpline, see content check's problem, fix it, preview.

Screenshots go to results/studio/ (git-ignored). The studio runs in-process on 127.0.0.1 with
its own overlay and data folders under tmp_path; nothing reaches the internet.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import expect

from bot.content.schema import contrast_ratio
from tests.support.browser import RESULTS
from tests.support.studio import PASSWORD, make_settings, served

pytestmark = pytest.mark.browser

Page = Any
SHOTS = RESULTS / "studio"
#: A check loads the whole pack (seconds on a busy machine): how long to wait for its answer.
CHECK_SECONDS = 30


@pytest.fixture
async def studio_url(tmp_path: Path) -> AsyncIterator[str]:
    async with served(make_settings(tmp_path)) as url:
        yield url


async def axe_violations(page: Page) -> str:
    results = await Axe().run(page)
    return "" if results.violations_count == 0 else results.generate_report()


async def shot(page: Page, name: str, part: str = "") -> None:
    """results/studio/<name>.png: the whole page, or only the element `part` (a CSS selector)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    if part:
        await page.locator(part).screenshot(path=str(SHOTS / f"{name}.png"))
    else:
        await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def test_an_editor_sees_problems_as_they_type_fixes_them_and_previews_the_change(browser: Any, studio_url: str) -> None:
    # bypass_csp lets axe-core inject its script; the studio's own pages run under their CSP otherwise.
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", bypass_csp=True)
    context.set_default_timeout(CHECK_SECONDS * 1000)
    page = await context.new_page()
    await page.goto(studio_url + "/")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert await axe_violations(page) == ""
    await page.get_by_label("Name").fill("edna")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Overview")).to_be_visible()

    await page.goto(studio_url + "/helplines/galop")
    phone = page.get_by_label("Phone (optional)", exact=True)
    problems = page.locator('ul.problems[data-field="phone"]')
    await phone.fill("0808 802 999")
    await expect(problems).to_contain_text(
        "galop > phone: '0808 802 999' is not a valid UK phone number: check the digits (a full number has 10 or 11 digits)",
        timeout=CHECK_SECONDS * 1000,
    )
    await expect(phone).to_have_attribute("aria-invalid", "true")
    await shot(page, "helpline-bad-number")
    await shot(page, "phone-problem", ".field:has(#f-phone)")
    assert await axe_violations(page) == ""

    await phone.fill("0800 999 5428")
    await page.get_by_label("Hours (optional)", exact=True).fill("Monday to Friday, 10am to 5pm")
    await expect(page.locator(".checking")).to_have_text("No problems found.", timeout=CHECK_SECONDS * 1000)
    await expect(problems).to_be_empty()
    await expect(phone).not_to_have_attribute("aria-invalid", "true")
    await page.get_by_role("button", name="Save to the draft").click()
    await expect(page.get_by_text("Saved to the draft.")).to_be_visible()

    await page.get_by_role("link", name="Preview").click()
    for region in ("England and Wales", "Scotland", "Northern Ireland"):
        section = page.get_by_role("region", name=region)
        await expect(section.get_by_text("Monday to Friday, 10am to 5pm").first).to_be_visible()
        await expect(section.locator(".bubble").first).to_contain_text("999")
    await shot(page, "preview")
    assert await axe_violations(page) == ""

    await page.get_by_role("link", name="Name and look").click()
    await page.get_by_label("Text colour on the main colour").fill("#2f4f6f")
    await expect(page.locator('ul.problems[data-field="branding.colours"]')).to_contain_text(
        f"branding.colours: primary and on_primary have contrast {contrast_ratio('#24496b', '#2f4f6f'):.2f}:1; "
        "at least 4.5:1 is needed",
        timeout=CHECK_SECONDS * 1000,
    )
    await shot(page, "pack-colours")
    assert await axe_violations(page) == ""
    await context.close()


async def test_a_topics_form_is_checked_as_typed_and_previewed_as_the_widget_and_as_telegram(
    browser: Any, studio_url: str
) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", bypass_csp=True)
    context.set_default_timeout(CHECK_SECONDS * 1000)
    page = await context.new_page()
    await page.goto(studio_url + "/login")
    await page.get_by_label("Name").fill("edna")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Overview")).to_be_visible()

    await page.get_by_role("link", name="Topics").click()
    await page.get_by_role("link", name="What this assistant keeps").click()
    answer = page.locator("#f-questions-0-answers-all-text")
    await answer.fill("Just type stop and it is gone.")
    await expect(page.locator('ul.problems[data-field="questions.0.answers.all.text"]')).to_contain_text(
        'uses "just"', timeout=CHECK_SECONDS * 1000
    )
    await shot(page, "topic-problem", "div.field:has(#f-questions-0-answers-all-text)")
    assert await axe_violations(page) == ""
    await answer.fill("Type stop and it is gone: nothing is kept.")
    await expect(page.locator(".checking")).to_have_text("No problems found.", timeout=CHECK_SECONDS * 1000)
    await page.get_by_role("button", name="Save to the draft").click()
    await expect(page.get_by_text("Saved to the draft.")).to_be_visible()

    await page.get_by_role("link", name="Preview this topic and its answers").click()
    for style in ("Web chat window", "Telegram chat"):
        section = page.get_by_role("region", name=style)
        await expect(section.get_by_text("Type stop and it is gone: nothing is kept.").first).to_be_visible()
    await expect(page.locator(".tg-message b").first).to_be_visible()  # Telegram's bold, from the channel's renderer
    await shot(page, "topic-preview")
    await shot(page, "topic-answer-telegram", ".tg-window .chat >> nth=3")  # the first question's answer
    assert await axe_violations(page) == ""

    for path in ("/menu", "/channels", "/crisis-phrases", "/report"):
        await page.goto(studio_url + path)
        assert await axe_violations(page) == "", path
    await context.close()


async def test_an_admin_adds_a_reviewer_in_the_browser_who_can_then_sign_in(browser: Any, studio_url: str) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", bypass_csp=True)
    page = await context.new_page()
    await page.goto(studio_url + "/login")
    await page.get_by_label("Name").fill("alma")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("link", name="Accounts").click()
    await expect(page.get_by_role("heading", name="Accounts", exact=True)).to_be_visible()
    await page.get_by_label("Name", exact=True).fill("rowan")
    await page.get_by_label("Editor: changes the draft and submits it for review").uncheck()
    await page.get_by_label("Reviewer: approves and publishes changes, and restores earlier versions").check()
    await page.get_by_label("First password").fill("rowan's first phrase")
    await page.get_by_label("The same password again").fill("not the same phrase")
    await page.get_by_role("button", name="Add the account").click()
    await expect(page.locator("#new-password-again-problems")).to_have_text("The two passwords differ: type the same one twice.")
    await expect(page.get_by_label("First password")).to_have_value("")  # never sent back
    assert await axe_violations(page) == ""
    await page.get_by_label("First password").fill("rowan's first phrase")
    await page.get_by_label("The same password again").fill("rowan's first phrase")
    await page.get_by_role("button", name="Add the account").click()
    await expect(page.get_by_text("Account added.")).to_be_visible()
    await expect(page.get_by_role("row", name="rowan reviewer")).to_be_visible()
    await shot(page, "accounts", "main")
    assert await axe_violations(page) == ""
    await page.get_by_role("link", name="Change rowan's roles or password, or remove the account").click()
    await expect(page.get_by_role("heading", name="Account: rowan")).to_be_visible()
    assert await axe_violations(page) == ""
    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_label("Name").fill("rowan")
    await page.get_by_label("Password").fill("rowan's first phrase")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_text("Signed in as rowan (reviewer)")).to_be_visible()
    await expect(page.get_by_role("link", name="Accounts")).to_have_count(0)
    await context.close()
