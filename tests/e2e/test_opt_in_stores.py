"""Opt-in tracker stores end to end: conversations expire and "stop" deletes, in Redis and in SQL."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import servers
from tests.support.stack import TEST_TTL_SECONDS, WebChat, running_stack, text_of

pytestmark = [
    pytest.mark.stack,
    pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server not installed (scripts/install-test-deps.sh)"),
]


@pytest.fixture
def redis_port() -> Iterator[int]:
    if not shutil.which("redis-server"):
        pytest.skip("redis-server not installed (scripts/install-test-deps.sh installs it)")
    with servers.redis() as port:
        yield port


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


def test_sql_store_purges_and_stop_deletes(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "conversations.db"
    with running_stack(tmp_path, TRACKER_STORE="sql", SQL_DIALECT="sqlite", SQL_DB=str(db)) as stack:
        sender, other = secrets.token_hex(8), secrets.token_hex(8)
        stack.say(sender, "hello")
        stack.say(other, "hello")

        def senders() -> set[str]:
            with sqlite3.connect(db) as connection:
                return {row[0] for row in connection.execute("select distinct sender_id from events")}

        assert senders() == {sender, other}
        stack.say(sender, "stop")
        assert senders() == {other}
        time.sleep(TEST_TTL_SECONDS + 1)
        stack.say(secrets.token_hex(8), "hello")  # any turn runs the purge
        assert other not in senders()


def test_redis_down_answers_with_crisis_content_then_recovers(tmp_path: Path) -> None:
    """Redis stopped mid-conversation: the crisis content at once, no restarts, normal answers once it is back."""
    with (
        servers.redis_server() as redis,
        running_stack(
            tmp_path, TRACKER_STORE="redis", REDIS_HOST="127.0.0.1", REDIS_PORT=str(redis.port), RASA_TIMEOUT_SECONDS="5"
        ) as stack,
    ):
        chat = WebChat(stack)
        status, body = chat.say("hello")
        assert status == 200 and body["from_rasa"] is True

        redis.stop()
        for text in ("how do i report a police officer for rape", "he's outside my door"):
            started = time.monotonic()
            status, body = chat.say(text)
            assert time.monotonic() - started < 8, "the survivor waited for Redis"
            assert status == 200 and body["from_rasa"] is False, body
            assert "999" in text_of(body) and "116 123" in text_of(body), body

        redis.start()
        deadline = time.monotonic() + 30
        while True:
            try:
                status, body = WebChat(stack).say("hello")
            except httpx.HTTPError:
                status, body = 0, {}
            if status == 200 and body.get("from_rasa"):
                break
            assert time.monotonic() < deadline, f"no normal answer 30 s after Redis came back:\n{stack.logs()[-3000:]}"
            time.sleep(1)
        assert "exited" not in stack.logs(), "a process died because Redis was down"
