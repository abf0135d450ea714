"""Whether a service is open, in UK time (Europe/London), across clock changes and midnight.

Opening hours are wall-clock times in the UK. Each period is turned into real instants with
zoneinfo and compared in UTC, so "10:00 to 20:30" means the same thing in March and November.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional
from zoneinfo import ZoneInfo

from bot.content.schema import Helpline

UK = ZoneInfo("Europe/London")
_UTC = dt.timezone.utc


@dataclass(frozen=True)
class OpenStatus:
    """Open now, or when it next opens (UK time); `known` is False when hours are not confirmed."""

    known: bool
    open_now: bool
    next_open: Optional[dt.datetime] = None  # in UK time


UNKNOWN = OpenStatus(known=False, open_now=False)


def now_utc() -> dt.datetime:
    return dt.datetime.now(_UTC)


def _instant(day: dt.date, time: dt.time) -> dt.datetime:
    """A UK wall-clock time on `day`, as a UTC instant."""
    return dt.datetime.combine(day, time, tzinfo=UK).astimezone(_UTC)


def open_status(helpline: Helpline, now: Optional[dt.datetime] = None) -> OpenStatus:
    """Whether `helpline` is open at `now` (aware; default: the current time), and if not when it opens."""
    if helpline.open_24_7:
        return OpenStatus(known=True, open_now=True)
    if not helpline.opening_hours:
        return UNKNOWN
    now = (now or now_utc()).astimezone(_UTC)
    today = now.astimezone(UK).date()
    next_open: Optional[dt.datetime] = None
    # Yesterday's late periods may still be running; look a week ahead for the next opening.
    for offset in range(-1, 8):
        day = today + dt.timedelta(days=offset)
        for period in helpline.opening_hours:
            if day.weekday() not in {d.weekday for d in period.days}:
                continue
            start = _instant(day, period.open)
            end = _instant(day + dt.timedelta(days=1) if period.close <= period.open else day, period.close)
            if start <= now < end:
                return OpenStatus(known=True, open_now=True)
            if start > now and (next_open is None or start < next_open):
                next_open = start
    return OpenStatus(known=True, open_now=False, next_open=next_open.astimezone(UK) if next_open else None)
