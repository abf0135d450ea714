"""The studio's settings, read once from environment variables with documented defaults (docs/studio.md).

Each field is read from STUDIO_<NAME> (STUDIO_PORT, STUDIO_TWO_PERSON_RULE), except the overlay folder
(STUDIO_OVERLAY, else the assistant's own CONTENT_DIR) and the language (BOT_LOCALE). A variable set to
nothing means its default; a value that does not parse stops the studio with one line naming the variable.
Tests pass values by field name: `StudioSettings(overlay=tmp_path / "pack", port=0)`.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from bot.settings import EnvSettings

PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: Where the studio writes the charity's overlay pack unless STUDIO_OVERLAY or CONTENT_DIR says otherwise.
DEFAULT_OVERLAY = PROJECT_ROOT / "local-pack"
#: Accounts, the draft, published versions and the audit log (never survivor data).
DEFAULT_DATA = PROJECT_ROOT / "studio-data"


class SettingsError(SystemExit):
    """A setting the studio can't start with; the message says how to fix it."""


class StudioSettings(EnvSettings):
    """Where the studio listens, which pack it edits and where it keeps its own records."""

    refusal: ClassVar[type[SystemExit]] = SettingsError

    model_config = SettingsConfigDict(
        frozen=True, extra="forbid", case_sensitive=False, env_prefix="STUDIO_", env_ignore_empty=True, populate_by_name=True
    )

    #: Loopback by default: staff reach it on the same machine, or through an HTTPS proxy or SSH tunnel.
    host: str = "127.0.0.1"
    port: int = 8100
    #: The overlay pack folder the studio publishes to: the same folder the assistant's CONTENT_DIR names.
    overlay: Path = Field(default=DEFAULT_OVERLAY, validation_alias=AliasChoices("STUDIO_OVERLAY", "CONTENT_DIR"))
    #: The default pack underneath (data/content unless told otherwise).
    base: Path = PROJECT_ROOT / "data" / "content"
    locale: str = Field(default="en", validation_alias=AliasChoices("BOT_LOCALE"))
    data: Path = DEFAULT_DATA
    #: A change needs a second person with the reviewer role before it can be published.
    two_person_rule: bool = True
    #: Mark the session cookie Secure: set it when staff reach the studio over HTTPS.
    secure_cookies: bool = False
    #: Minutes without a request after which a staff session ends.
    session_minutes: int = 60

    @property
    def users_file(self) -> Path:
        return self.data / "users.json"
