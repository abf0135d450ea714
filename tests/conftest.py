"""Fixtures for the app tests. Nothing here imports `rasa`: app tests run in the app environment."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.content.loader import ContentPack, load_pack
from tests.support.fake_bot_api import FAKE_TOKEN, FakeBotApi
from tests.support.trackers import DEFAULT_PACK, ROOT


@pytest.fixture(scope="session")
def pack() -> ContentPack:
    return load_pack(DEFAULT_PACK, "en")


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    """A fake Telegram Bot API server on loopback that records every call."""
    fake = FakeBotApi(FAKE_TOKEN)
    await fake.start()
    yield fake
    await fake.close()


#: Test tiers: every module in these folders marks its tests itself (`pytestmark`), so `make test-fast`
#: (`-m "not stack and not browser and not soak and not bench"`) leaves them out and a reader sees why.
_FOLDER_MARKERS = {"e2e": "stack", "browser": "browser"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Refuse to run a test in tests/e2e/ or tests/browser/ that lacks its folder's marker: it would join the fast tier."""
    unmarked = sorted(
        {
            str(item.path.relative_to(ROOT))
            for item in items
            if item.path.parent.name in _FOLDER_MARKERS
            and _FOLDER_MARKERS[item.path.parent.name] not in {mark.name for mark in item.iter_markers()}
        }
    )
    if unmarked:
        raise pytest.UsageError(f"mark these modules (pytestmark = pytest.mark.stack or .browser): {', '.join(unmarked)}")
