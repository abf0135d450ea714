"""A throwaway redis-server for the shared-state tests, started once and emptied before each test, and the
Telegram tests' stub Rasa."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
import redis

from tests.support import servers
from tests.support.telegram import rasa  # noqa: F401 (the Telegram tests' stub Rasa; web tests define their own)


@pytest.fixture(scope="session")
def redis_server_port() -> Iterator[int]:
    if not shutil.which("redis-server"):
        pytest.skip("redis-server not installed (scripts/install-test-deps.sh installs it)")
    with servers.redis() as port:
        yield port


@pytest.fixture
def redis_port(redis_server_port: int) -> int:
    """The port of an empty Redis on loopback."""
    with redis.Redis(port=redis_server_port) as client:
        client.flushall()
    return redis_server_port
