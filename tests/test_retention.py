"""Unsafe retention settings stop the stack before it starts."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.retention import MAX_TTL_SECONDS, endpoints_file, retention_problems
from bot.settings import PROJECT_ROOT, Settings


def test_defaults_are_safe() -> None:
    settings = Settings()
    assert retention_problems(settings) == []
    assert endpoints_file(settings).name == "endpoints.yml"


@pytest.mark.parametrize(
    "env,message",
    [
        ({"TRACKER_STORE": "files"}, "not supported"),
        ({"TRACKER_STORE": "sql", "SQL_DB": ""}, "needs SQL_DB"),
        ({"TRACKER_STORE": "sql", "SQL_DB": "rasa", "SQL_HOST": ""}, "needs SQL_HOST"),
        ({"TRACKER_TTL_SECONDS": str(MAX_TTL_SECONDS + 1)}, "never kept longer"),
        ({"TRACKER_TTL_SECONDS": "0"}, "must be between"),
        ({"TRACKER_STORE": "redis", "REDIS_HOST": ""}, "needs REDIS_HOST"),
    ],
)
def test_unsafe_combinations_are_named(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert any(message in problem for problem in retention_problems(Settings()))


def test_redis_store_uses_its_own_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_STORE", "redis")
    monkeypatch.setenv("REDIS_HOST", "127.0.0.1")
    settings = Settings()
    assert retention_problems(settings) == []
    assert endpoints_file(settings).name == "endpoints.redis.yml"


def test_supervisor_refuses_to_start_with_unsafe_retention() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.supervisor"],
        cwd=PROJECT_ROOT,
        env={"PATH": "/usr/bin:/bin", "TRACKER_STORE": "sql", "SQL_DB": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "refusing to start with unsafe retention settings" in result.stderr
