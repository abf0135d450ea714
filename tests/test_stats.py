"""Opt-in topic counts: only day, topic, channel and a count; small counts suppressed in reports."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import inspect

from actions.crisis import ActionCrisis
from actions.topics import ActionExplainTopic
from bot import stats
from bot.stats import StatsRecorder, as_csv, as_table, report
from tests.support import servers
from tests.support.trackers import make_tracker

DAY = dt.date(2026, 11, 23)


def exercise(recorder: StatsRecorder) -> None:
    for _ in range(6):
        recorder.record("review", "web", DAY)
    recorder.record("review", "telegram", DAY)
    recorder.record("work", "carrier-pigeon", DAY)


def check_counts(recorder: StatsRecorder) -> None:
    rows = {(r.topic, r.channel): r.count for r in recorder.rows()}
    assert rows == {("review", "web"): 6, ("review", "telegram"): 1, ("work", "other"): 1}
    columns = {c["name"] for c in inspect(recorder.engine).get_columns("daily_topic_counts")}
    assert columns == {"id", "day", "topic", "channel", "count"}, "no text, id or time of day is ever stored"


def test_sqlite_counts_per_day_topic_and_channel(tmp_path: Path) -> None:
    recorder = StatsRecorder(f"sqlite:///{tmp_path / 'stats.db'}")
    exercise(recorder)
    check_counts(recorder)


def test_reports_suppress_counts_under_five(tmp_path: Path) -> None:
    recorder = StatsRecorder(f"sqlite:///{tmp_path / 'stats.db'}")
    exercise(recorder)
    rows = report(recorder.rows())
    assert {(r.topic, r.channel, r.count) for r in rows} == {
        ("review", "web", "6"),
        ("review", "telegram", "<5"),
        ("work", "other", "<5"),
    }
    assert "2026-11-23,review,telegram,<5" in as_csv(rows)
    assert "review" in as_table(rows).splitlines()[1]


def test_statistics_are_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(stats.URL_ENV, raising=False)
    stats.recorder.cache_clear()
    assert stats.recorder() is None


def test_actions_count_topics_and_crises_with_the_channel(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(stats.URL_ENV, f"sqlite:///{tmp_path / 'stats.db'}")
    stats.recorder.cache_clear()
    try:
        tracker = make_tracker("ask_review", region="scotland", region_asked=True)
        tracker.latest_message["metadata"] = {"channel": "telegram"}
        asyncio.run(ActionExplainTopic().run(CollectingDispatcher(), tracker, {}))
        asyncio.run(ActionCrisis().run(CollectingDispatcher(), make_tracker("crisis_suicide", text="canary-stats"), {}))
        recorder = stats.recorder()
        assert recorder is not None
        counts = {(r.topic, r.channel): r.count for r in recorder.rows()}
        assert counts == {("review", "telegram"): 1, ("crisis_suicide", "other"): 1}
        assert b"canary-stats" not in (tmp_path / "stats.db").read_bytes()
    finally:
        stats.recorder.cache_clear()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    if servers.postgres_bin() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed; scripts/install-test-deps.sh installs it on CI")
        pytest.skip("PostgreSQL is not installed here (Debian: apt-get install postgresql)")
    with servers.postgres(user="stats") as port:
        yield f"postgresql+psycopg://stats@127.0.0.1:{port}/postgres"


def test_postgresql_counts_the_same_way(postgres_url: str) -> None:
    recorder = StatsRecorder(postgres_url)
    exercise(recorder)
    check_counts(recorder)
    recorder.engine.dispose()
