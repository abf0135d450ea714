"""Aggregate statistics for charities (opt-in): how often each topic is read, per day and channel.

Only counts: no text, no ids, no time finer than a day. Off unless STATS_DATABASE_URL is set
(SQLite, e.g. `sqlite:///stats.db`, or PostgreSQL, `postgresql+psycopg://user@host/db`).
Reports suppress any count under five, so that a rare topic on a quiet day cannot point to a person.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Optional, cast

from sqlalchemy import CursorResult, Date, Integer, String, UniqueConstraint, create_engine, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

URL_ENV = "STATS_DATABASE_URL"
#: Counts below this are shown as "<5" in every report.
SUPPRESS_BELOW = 5
#: Channel names that may be recorded; anything else is counted as "other".
CHANNELS = frozenset({"web", "telegram", "rest", "other"})


class Base(DeclarativeBase):
    pass


class DailyTopicCount(Base):
    """One row per day, topic and channel. Nothing else is stored."""

    __tablename__ = "daily_topic_counts"
    __table_args__ = (UniqueConstraint("day", "topic", "channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, nullable=False)
    topic: Mapped[str] = mapped_column(String(64), nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class StatsRecorder:
    """Counts topic views in a database created on first use."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = create_engine(url, pool_pre_ping=True)
        Base.metadata.create_all(self.engine)

    def record(self, topic: str, channel: Optional[str], day: Optional[dt.date] = None) -> None:
        """Add one to today's count for `topic` on `channel` (UTC day; unknown channels count as "other")."""
        day = day or dt.datetime.now(dt.timezone.utc).date()
        channel = channel if channel in CHANNELS else "other"
        where = (DailyTopicCount.day == day, DailyTopicCount.topic == topic, DailyTopicCount.channel == channel)
        with Session(self.engine) as session:
            updated = session.execute(update(DailyTopicCount).where(*where).values(count=DailyTopicCount.count + 1))
            if cast(CursorResult[Any], updated).rowcount == 0:
                session.add(DailyTopicCount(day=day, topic=topic, channel=channel, count=1))
                try:
                    session.commit()
                    return
                except IntegrityError:  # another process inserted the row first
                    session.rollback()
                    session.execute(update(DailyTopicCount).where(*where).values(count=DailyTopicCount.count + 1))
            session.commit()

    def rows(self, since: Optional[dt.date] = None) -> list[DailyTopicCount]:
        query = select(DailyTopicCount).order_by(DailyTopicCount.day, DailyTopicCount.topic, DailyTopicCount.channel)
        if since:
            query = query.where(DailyTopicCount.day >= since)
        with Session(self.engine) as session:
            return list(session.scalars(query))


@lru_cache(maxsize=1)
def recorder() -> Optional[StatsRecorder]:
    """The process's recorder, or None when statistics are off (the default)."""
    url = os.environ.get(URL_ENV, "")
    return StatsRecorder(url) if url else None


@dataclass(frozen=True)
class ReportRow:
    day: dt.date
    topic: str
    channel: str
    count: str  # a number, or "<5"


def report(rows: Iterable[DailyTopicCount]) -> list[ReportRow]:
    """Rows for people to read, with small counts suppressed."""
    return [
        ReportRow(r.day, r.topic, r.channel, str(r.count) if r.count >= SUPPRESS_BELOW else f"<{SUPPRESS_BELOW}") for r in rows
    ]


def as_table(rows: list[ReportRow]) -> str:
    header = ("day", "topic", "channel", "count")
    cells = [header, *((str(r.day), r.topic, r.channel, r.count) for r in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(4)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in cells)


def as_csv(rows: list[ReportRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["day", "topic", "channel", "count"])
    writer.writerows((r.day.isoformat(), r.topic, r.channel, r.count) for r in rows)
    return out.getvalue()
