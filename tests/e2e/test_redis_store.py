"""Opt-in Redis tracker store, end to end: a real redis-server on loopback, conversations expire and "stop" deletes."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import TEST_TTL_SECONDS, free_port, running_stack

pytestmark = pytest.mark.skipif(
    not shutil.which("redis-server"), reason="redis-server not installed (scripts/install-test-deps.sh)"
)


@pytest.fixture
def redis_port(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True).stdout.strip() != "PONG":
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)


def keys(port: int) -> list[str]:
    out = subprocess.run(
        ["redis-cli", "-p", str(port), "--scan", "--pattern", "survivor:*"], capture_output=True, text=True
    ).stdout
    return [line for line in out.splitlines() if line.strip()]


def test_conversations_live_in_redis_with_expiry_and_stop_deletes(tmp_path: Path, redis_port: int) -> None:
    with running_stack(tmp_path, TRACKER_STORE="redis", REDIS_HOST="127.0.0.1", REDIS_PORT=str(redis_port)) as stack:
        sender = secrets.token_hex(8)
        stack.say(sender, "hello")
        stored = [k for k in keys(redis_port) if "tracker" in k]
        assert len(stored) == 1
        ttl = int(subprocess.run(["redis-cli", "-p", str(redis_port), "ttl", stored[0]], capture_output=True, text=True).stdout)
        assert 0 < ttl <= TEST_TTL_SECONDS
        stack.say(sender, "stop")
        assert [k for k in keys(redis_port) if "tracker" in k] == []
        other = secrets.token_hex(8)
        stack.say(other, "hello")
        time.sleep(TEST_TTL_SECONDS + 1)
        assert [k for k in keys(redis_port) if "tracker" in k] == []
