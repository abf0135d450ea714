"""The studio served in-process on loopback, with its own overlay and data folders under tmp_path (fixtures and helpers)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Optional

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from argon2 import PasswordHasher

from bot.studio.app import make_app
from bot.studio.settings import StudioSettings
from bot.studio.users import UserStore
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
#: Test accounts: cheap hashes (Argon2id with 8 KiB and one pass) so that tests stay quick; the real default is 64 MiB, 3 passes.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD = "correct horse battery"
ACCOUNTS = {"edna": ["editor"], "rita": ["reviewer"], "ada": ["editor", "reviewer"], "alma": ["admin"]}


def make_settings(tmp_path: Path, two_person_rule: bool = True) -> StudioSettings:
    settings = StudioSettings(
        host="127.0.0.1",
        port=0,
        overlay=tmp_path / "pack",
        base=ROOT / "data" / "content",
        locale="en",
        data=tmp_path / "studio-data",
        two_person_rule=two_person_rule,
        secure_cookies=False,
        session_minutes=60,
    )
    users = UserStore(settings.users_file, CHEAP_HASHER)
    for name, roles in ACCOUNTS.items():
        users.add(name, roles, PASSWORD)
    return settings


@pytest.fixture
def settings(tmp_path: Path) -> StudioSettings:
    return make_settings(tmp_path)


@pytest.fixture
async def client(settings: StudioSettings) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(make_app(settings))) as test_client:
        yield test_client


@asynccontextmanager
async def served(settings: StudioSettings) -> AsyncIterator[str]:
    """The studio on a free loopback port, for a real browser: yields its address."""
    port = free_port()
    runner = web.AppRunner(make_app(settings), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def token_in(html: str) -> str:
    """The CSRF token of a page (its first hidden csrf field)."""
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


async def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Sign in as `name`; returns the session's CSRF token."""
    login = await client.get("/login")
    form = (await login.text()).split('class="login"')[1]
    response = await client.post("/login", data={"name": name, "password": password, "csrf": token_in(form)})
    assert response.status == 200, await response.text()
    overview = await client.get("/")
    return token_in(await overview.text())


class _FormReader(HTMLParser):
    """What a browser sends for the form posted to `action`: inputs, ticked boxes, textareas, chosen options."""

    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action, self.inside, self.pairs = action, False, []
        self._text: Optional[tuple[str, list[str]]] = None
        self._select: Optional[str] = None
        self._first: Optional[str] = None
        self._chosen = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, Optional[str]]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = found.get("action") == self.action
        if not self.inside or ("name" not in found and tag in ("input", "textarea", "select")):
            return
        if tag == "input" and (found.get("type") != "checkbox" or "checked" in found):
            self.pairs.append((found["name"], found.get("value", "on" if found.get("type") == "checkbox" else "")))
        elif tag == "textarea":
            self._text = (found["name"], [])
        elif tag == "select":
            self._select, self._first, self._chosen = found["name"], None, False
        elif tag == "option" and self._select is not None:
            if self._first is None:
                self._first = found.get("value", "")
            if "selected" in found:
                self.pairs.append((self._select, found.get("value", "")))
                self._chosen = True

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._text is not None:
            self.pairs.append((self._text[0], "".join(self._text[1])))
            self._text = None
        elif tag == "select" and self._select is not None:
            if not self._chosen:
                self.pairs.append((self._select, self._first or ""))
            self._select = None


def browser_form(page_html: str, action: str) -> list[tuple[str, str]]:
    """The form on a page posting to `action`, as a browser would send it unchanged."""
    reader = _FormReader(action)
    reader.feed(page_html)
    assert reader.pairs, f"no form posting to {action}"
    return reader.pairs


def changed(pairs: list[tuple[str, str]], values: dict[str, str]) -> list[tuple[str, str]]:
    """The form with the fields named in `values` set to them (added when the form has no such field)."""
    wanted = dict(values)
    kept = [(k, wanted.pop(k) if k in wanted else v) for k, v in pairs]
    return kept + list(wanted.items())
