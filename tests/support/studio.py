"""The studio served in-process on loopback, with its own overlay and data folders under tmp_path."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.studio.app import make_app
from bot.studio.settings import StudioSettings
from bot.studio.users import UserStore

ROOT = Path(__file__).resolve().parents[2]
#: Test accounts: cheap hashes (scrypt n=2**10) so that tests stay quick; the real default is 2**15.
PASSWORD = "correct horse battery"
ACCOUNTS = {"edna": ["editor"], "rita": ["reviewer"], "ada": ["editor", "reviewer"]}


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
    users = UserStore(settings.users_file)
    for name, roles in ACCOUNTS.items():
        users.add(name, roles, PASSWORD, n=2**10)
    return settings


@pytest.fixture
def settings(tmp_path: Path) -> StudioSettings:
    return make_settings(tmp_path)


@pytest.fixture
async def client(settings: StudioSettings) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(make_app(settings))) as test_client:
        yield test_client


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
