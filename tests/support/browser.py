"""Real headless Chromium (Debian's, never a downloaded one) against the gateway served in-process.

Nothing here reaches the internet: the gateway, a stub Rasa and the quick-exit landing page all
listen on 127.0.0.1, and Chromium runs with background networking off. Without Chromium the
tests skip locally and fail on CI (CI=true), where scripts/install-test-deps.sh installs it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.content.loader import ContentPack
from tests.support.servers import free_port
from tests.support.web_stub import WebStubRasa, web_gateway

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "results"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

EXIT_LANDING = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Weather</title></head>
<body><main><h1>Weather</h1><p>A neutral page.</p></main></body></html>"""
FRAME_HOST = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Charity site</title></head>
<body><main><h1>A charity's page</h1><iframe title="Support chat" src="{src}" width="600" height="760"></iframe></main></body></html>"""


def chromium_path() -> str:
    """Debian's Chromium, or a clear skip (locally) or failure (on CI) when it is missing."""
    for candidate in (os.environ.get("CHROMIUM", ""), "/usr/bin/chromium", shutil.which("chromium") or ""):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    reason = "Chromium is not installed (Debian: apt-get install chromium, or scripts/install-test-deps.sh)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason + "; on CI the browser tests must run")
    pytest.skip(reason)


@dataclass
class Gateway:
    """The running gateway: `url` (127.0.0.1) and `other_url` (localhost: a different origin)."""

    app: web.Application
    rasa: WebStubRasa
    url: str
    other_url: str

    @property
    def exit_url(self) -> str:
        return self.url + "/exit-landing"


async def _page_route(html: str, request: web.Request) -> web.Response:
    # Test pages only: they may frame the gateway on either origin.
    port = request.url.port
    csp = f"default-src 'none'; frame-src http://127.0.0.1:{port} http://localhost:{port}"
    return web.Response(text=html, content_type="text/html", headers={"Content-Security-Policy": csp})


@pytest.fixture
def gateway_settings() -> dict[str, Any]:
    """Settings the gateway is built with; a test changes them with
    `@pytest.mark.parametrize("gateway_settings", [{"tracker_ttl_seconds": 2}])`."""
    return {}


@pytest.fixture
async def gateway(pack: ContentPack, gateway_settings: dict[str, Any]) -> AsyncIterator[Gateway]:
    rasa = await WebStubRasa().start()
    port = free_port()
    url, other = f"http://127.0.0.1:{port}", f"http://localhost:{port}"
    app = web_gateway(pack, rasa.url, web_exit_url=url + "/exit-landing", web_allowed_origins=(other,), **gateway_settings)

    async def landing(request: web.Request) -> web.Response:
        return await _page_route(EXIT_LANDING, request)

    async def frame_host(request: web.Request) -> web.Response:
        src = request.query.get("src", url + "/")
        return await _page_route(FRAME_HOST.format(src=src), request)

    app.router.add_get("/exit-landing", landing)
    app.router.add_get("/frame-host", frame_host)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield Gateway(app, rasa, url, other)
    finally:
        await runner.cleanup()
        await rasa.stop()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    executable = chromium_path()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=executable,
            args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP localhost 127.0.0.1"],
        )
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def context(browser: Any) -> AsyncIterator[Any]:
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    context.set_default_timeout(10_000)
    try:
        yield context
    finally:
        await context.close()


@pytest.fixture
async def page(context: Any) -> AsyncIterator[Any]:
    page = await context.new_page()
    yield page
