"""One settings object, read once from environment variables with documented defaults (see README).

`Settings()` reads the environment when it is made, never later: every value, the Rasa and action
server addresses included, is a field. Secrets (tokens, keys, passwords) are `SecretStr`, so a
settings object printed or logged shows `**********`; code that needs one calls `get_secret_value()`.
A whole number or true/false left empty means the default, as before; a value that does not parse
stops the process with one line naming the variable.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, ClassVar

from pydantic import AliasChoices, Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]

#: A comma-separated environment variable (not JSON, which pydantic-settings expects for a tuple).
CommaList = Annotated[tuple[str, ...], NoDecode]


class EnvSettings(BaseSettings):
    """Settings read once from the environment; a bad value stops the process with one line per variable.

    The assistant's (`Settings`) and the studio's (`bot/studio/settings.py`) share this: `refusal`
    is what a bad value raises, a SystemExit whose message is `settings_error`'s.
    """

    refusal: ClassVar[type[SystemExit]] = SystemExit

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as error:
            raise self.refusal(settings_error(error, type(self))) from None


class Settings(EnvSettings):
    """Where each process listens and how long a conversation lives. All loopback by default.

    Each field is read from the variable of the same name in capitals, except the four named below
    (BOT_HOST, RASA_URL, RASA_URLS, ACTION_SERVER_URL). Tests and tools pass values by those names:
    `Settings(rasa_port=1, BOT_HOST="127.0.0.1")`.
    """

    # Aliased fields are read from their variable only (never HOST or RASA_BASE_URL) and passed by that name:
    # `Settings(BOT_HOST="127.0.0.1")`. An unknown name passed in is an error, not silently dropped.
    model_config = SettingsConfigDict(frozen=True, extra="forbid", case_sensitive=False)

    host: str = Field(default="127.0.0.1", alias="BOT_HOST")
    rasa_port: int = 5005
    action_port: int = 5055
    gateway_port: int = 8000
    #: Seconds of silence after which a conversation is forgotten.
    tracker_ttl_seconds: int = 1800
    #: Where Rasa keeps conversations: "memory" (default; nothing on disk), or opt-in "redis" / "sql",
    #: both always with expiry (TRACKER_TTL_SECONDS).
    tracker_store: str = "memory"
    #: Redis for TRACKER_STORE=redis; when set, gateways also keep their short-lived state there (bot/gateway/state/).
    redis_host: str = ""
    redis_port: int = 6379
    redis_db: int = 0
    redis_password: SecretStr = SecretStr("")
    #: For TRACKER_STORE=sql: postgresql (or sqlite, with SQL_DB a file path), host, port, database, user.
    sql_dialect: str = "postgresql"
    sql_host: str = ""
    sql_port: int = 5432
    sql_db: str = ""
    sql_user: str = ""
    sql_password: SecretStr = SecretStr("")
    #: "INFO" by default: no user text, ids or tokens are logged at any level we ship.
    log_level: str = "INFO"
    models_dir: Path = PROJECT_ROOT / "models"
    rasa_venv: Path = PROJECT_ROOT / ".venv-rasa"
    #: Seconds the gateway waits for Rasa before answering with the static crisis and helpline content.
    rasa_timeout_seconds: int = 10
    #: The Rasa server's base URL; empty: http://BOT_HOST:RASA_PORT.
    rasa_base_url: str = Field(default="", alias="RASA_URL")
    #: Every Rasa replica's base URL for the gateway (comma-separated); empty: the one server above.
    rasa_replica_urls: CommaList = Field(default=(), alias="RASA_URLS")
    #: The action server's webhook as Rasa calls it; empty: http://BOT_HOST:ACTION_PORT/webhook.
    action_webhook_url: str = Field(default="", alias="ACTION_SERVER_URL")

    # --- Web widget (bot/gateway/web/) ---
    #: Origins allowed to embed the widget and call its API (CORS), e.g. https://charity.example.
    web_allowed_origins: CommaList = ()
    #: Where quick exit sends the page. Neutral by default; a charity may choose another.
    web_exit_url: str = "https://www.bbc.co.uk/weather"
    web_max_message_chars: int = 2000
    #: Messages per minute per widget session, and per client address (in memory, or in Redis when REDIS_HOST is set).
    web_session_messages_per_minute: int = 30
    web_client_messages_per_minute: int = 120
    #: Key for the HMAC of client addresses in the per-address counters. Unset: random per process, which is
    #: fine for one gateway; gateways sharing Redis need the same key to share the per-address limit.
    web_client_hash_key: SecretStr = SecretStr("")

    # --- Telegram (bot/gateway/telegram/) ---
    #: From BotFather. Unset: Telegram is off and everything else runs.
    telegram_bot_token: SecretStr = SecretStr("")
    #: Bot API base URL, for a self-hosted Bot API server (python-telegram-bot's base_url).
    telegram_api_url: str = ""
    #: Public HTTPS URL of this gateway's /telegram/webhook; set it to use a webhook instead of polling.
    telegram_webhook_url: str = ""
    telegram_webhook_secret: SecretStr = SecretStr("")
    #: Key for the HMAC that turns a chat id into a Rasa sender id. Unset: random per process (refused with REDIS_HOST).
    telegram_hmac_key: SecretStr = SecretStr("")
    telegram_protect_content: bool = True
    #: Delete each user message as soon as it has been answered (off by default; see README).
    telegram_delete_user_messages: bool = False
    telegram_messages_per_minute: int = 20

    def with_changes(self, **changes: Any) -> Settings:
        """A copy with some values changed (aliased ones by their variable's name), validated, the environment not read again."""
        try:
            return type(self).model_validate({**self.model_dump(by_alias=True), **changes})
        except ValidationError as error:
            raise SystemExit(settings_error(error)) from None

    @field_validator("*", mode="before")
    @classmethod
    def _empty_means_default(cls, value: Any, info: ValidationInfo) -> Any:
        """An empty whole number or true/false means its default (as `FOO=` in a compose file gives)."""
        field = cls.model_fields[info.field_name or ""]
        if value == "" and field.annotation in (int, bool):
            return field.default
        return value

    @field_validator("web_allowed_origins", "rasa_replica_urls", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(item.strip() for item in value.split(",") if item.strip())
        return value

    @field_validator("tracker_store")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()

    @field_validator("log_level")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @property
    def forget_after_minutes(self) -> int:
        """TRACKER_TTL_SECONDS in whole minutes (at least 1), as the intro tells the survivor."""
        return max(1, round(self.tracker_ttl_seconds / 60))

    @property
    def rasa_url(self) -> str:
        """The Rasa server's base URL: RASA_URL, else this host and RASA_PORT."""
        return self.rasa_base_url or f"http://{self.host}:{self.rasa_port}"

    @property
    def rest_webhook(self) -> str:
        """The Rasa server's REST channel."""
        return f"{self.rasa_url}/webhooks/rest/webhook"

    @property
    def rest_webhooks(self) -> list[str]:
        """Every Rasa replica's REST webhook: RASA_URLS (comma-separated base URLs), else the one server."""
        urls = self.rasa_replica_urls or (self.rasa_url,)
        return [f"{url.rstrip('/')}/webhooks/rest/webhook" for url in urls]

    @property
    def action_server_url(self) -> str:
        """Where Rasa calls the action server: ACTION_SERVER_URL, else this host and ACTION_PORT."""
        return self.action_webhook_url or f"http://{self.host}:{self.action_port}/webhook"


#: How a bad value is described, by the field's type.
KINDS: dict[Any, str] = {int: "a whole number", bool: "true or false"}


def env_name(field_name: str, model: type[BaseSettings] = Settings) -> str:
    """The environment variable a field of `model` is read from (the first, when it has several)."""
    field = model.model_fields[field_name]
    alias = field.validation_alias or field.alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    if isinstance(alias, str):
        return alias
    return str(model.model_config.get("env_prefix") or "").upper() + field_name.upper()


def settings_error(error: ValidationError, model: type[BaseSettings] = Settings) -> str:
    """One line per bad variable, in the words the README uses: `error: RASA_PORT must be a whole number, not 'x'`."""
    lines = []
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else "settings"
        if problem["type"] == "extra_forbidden":
            lines.append(f"error: there is no setting {name!r}")
            continue
        field = model.model_fields.get(name)
        variable = env_name(name, model) if field else name.upper()
        kind = KINDS.get(field.annotation) if field else None
        expected = f"must be {kind}" if kind else problem["msg"]
        lines.append(f"error: {variable} {expected}, not {problem['input']!r}")
    return "\n".join(lines)


def rasa_environment(settings: Settings) -> dict[str, str]:
    """Environment for every Rasa command: plugins importable, telemetry off, TensorFlow quiet and sized for 2 cores."""
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": str(PROJECT_ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""),
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "ACTION_SERVER_URL": settings.action_server_url,
            "TRACKER_TTL_SECONDS": str(settings.tracker_ttl_seconds),
            "REDIS_HOST": settings.redis_host,
            "REDIS_PORT": str(settings.redis_port),
            "REDIS_DB": str(settings.redis_db),
            "REDIS_PASSWORD": settings.redis_password.get_secret_value(),
            "SQL_DIALECT": settings.sql_dialect,
            "SQL_HOST": settings.sql_host,
            "SQL_PORT": str(settings.sql_port),
            "SQL_DB": settings.sql_db,
            "SQL_USER": settings.sql_user,
            "SQL_PASSWORD": settings.sql_password.get_secret_value(),
        }
    )
    env.setdefault("TF_INTRA_OP_PARALLELISM_THREADS", "2")
    env.setdefault("TF_INTER_OP_PARALLELISM_THREADS", "1")
    return env
