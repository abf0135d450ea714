"""The studio's settings, from environment variables with documented defaults (docs/studio.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: Where the studio writes the charity's overlay pack unless STUDIO_OVERLAY or CONTENT_DIR says otherwise.
DEFAULT_OVERLAY = PROJECT_ROOT / "local-pack"
#: Accounts, the draft, published versions and the audit log (never survivor data).
DEFAULT_DATA = PROJECT_ROOT / "studio-data"


class SettingsError(SystemExit):
    """A setting the studio can't start with; the message says how to fix it."""


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"error: {name} must be true or false, not {value!r}")


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SettingsError(f"error: {name} must be a whole number, not {value!r}") from None


def _path(*names: str, default: Path) -> Path:
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            return Path(value)
    return default


@dataclass(frozen=True)
class StudioSettings:
    """Where the studio listens, which pack it edits and where it keeps its own records."""

    #: Loopback by default: staff reach it on the same machine, or through an HTTPS proxy or SSH tunnel.
    host: str = field(default_factory=lambda: os.environ.get("STUDIO_HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: _int("STUDIO_PORT", 8100))
    #: The overlay pack folder the studio publishes to: the same folder the assistant's CONTENT_DIR names.
    overlay: Path = field(default_factory=lambda: _path("STUDIO_OVERLAY", "CONTENT_DIR", default=DEFAULT_OVERLAY))
    #: The default pack underneath (data/content unless told otherwise).
    base: Path = field(default_factory=lambda: _path("STUDIO_BASE", default=PROJECT_ROOT / "data" / "content"))
    locale: str = field(default_factory=lambda: os.environ.get("BOT_LOCALE", "en").strip() or "en")
    data: Path = field(default_factory=lambda: _path("STUDIO_DATA", default=DEFAULT_DATA))
    #: A change needs a second person with the reviewer role before it can be published.
    two_person_rule: bool = field(default_factory=lambda: _bool("STUDIO_TWO_PERSON_RULE", True))
    #: Mark the session cookie Secure: set it when staff reach the studio over HTTPS.
    secure_cookies: bool = field(default_factory=lambda: _bool("STUDIO_SECURE_COOKIES", False))
    #: Minutes without a request after which a staff session ends.
    session_minutes: int = field(default_factory=lambda: _int("STUDIO_SESSION_MINUTES", 60))

    @property
    def users_file(self) -> Path:
        return self.data / "users.json"
