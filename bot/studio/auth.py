"""Staff sessions, CSRF tokens and slowed-down sign-in for the studio.

A session is a random id in an HttpOnly, SameSite=Strict cookie, held in the studio's memory
(a restart signs everyone out). Every POST carries the session's CSRF token, in the form or an
X-CSRF-Token header; the sign-in form carries one of its own, tied to a short-lived cookie.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass, field
from typing import Optional

from bot.studio.users import User

SESSION_COOKIE = "studio_session"
LOGIN_COOKIE = "studio_login"
#: Failed sign-ins allowed for one name or one address in the window before sign-in is refused.
MAX_FAILURES = 5
FAILURE_WINDOW_SECONDS = 15 * 60


@dataclass
class Session:
    """A signed-in member of staff."""

    user: User
    csrf: str
    last_seen: float


@dataclass
class Sessions:
    """Sessions by id; a session unused for `idle_seconds` ends."""

    idle_seconds: float
    by_id: dict[str, Session] = field(default_factory=dict)

    def start(self, user: User) -> str:
        session_id = secrets.token_urlsafe(32)
        self.by_id[session_id] = Session(user, secrets.token_urlsafe(32), time.monotonic())
        return session_id

    def get(self, session_id: Optional[str]) -> Optional[Session]:
        if not session_id:
            return None
        session = self.by_id.get(session_id)
        now = time.monotonic()
        if session is None or now - session.last_seen > self.idle_seconds:
            self.by_id.pop(session_id, None)
            return None
        session.last_seen = now
        return session

    def end(self, session_id: Optional[str]) -> None:
        if session_id:
            self.by_id.pop(session_id, None)

    def end_for(self, name: str, keep: Optional[str] = None) -> None:
        """End every session of `name` (but `keep`): after their password is reset or their account removed."""
        for session_id in [i for i, s in self.by_id.items() if s.user.name == name and i != keep]:
            del self.by_id[session_id]


def same_token(given: Optional[str], expected: str) -> bool:
    """Constant-time comparison of a CSRF token."""
    return bool(given) and hmac.compare_digest(str(given), expected)


@dataclass
class LoginLimiter:
    """Counts failed sign-ins per name and per address; past MAX_FAILURES in the window, sign-in waits.

    Nothing is written anywhere: the counts live in memory and fade after the window.
    """

    failures: dict[str, list[float]] = field(default_factory=dict)

    def _recent(self, key: str, now: float) -> list[float]:
        kept = [t for t in self.failures.get(key, []) if now - t < FAILURE_WINDOW_SECONDS]
        if kept:
            self.failures[key] = kept
        else:
            self.failures.pop(key, None)
        return kept

    def wait_seconds(self, keys: list[str]) -> int:
        """How long sign-in is refused for these keys (0: allowed)."""
        now = time.monotonic()
        waits = [
            int(FAILURE_WINDOW_SECONDS - (now - recent[-MAX_FAILURES])) + 1
            for key in keys
            if len(recent := self._recent(key, now)) >= MAX_FAILURES
        ]
        return max(waits, default=0)

    def failed(self, keys: list[str]) -> None:
        now = time.monotonic()
        for key in keys:
            self.failures.setdefault(key, []).append(now)

    def succeeded(self, keys: list[str]) -> None:
        for key in keys:
            self.failures.pop(key, None)
