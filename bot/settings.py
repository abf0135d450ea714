"""One settings object, read from environment variables with documented defaults (see README)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise SystemExit(f"error: {name} must be true or false, not {value!r}")


def _list(name: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in os.environ.get(name, "").split(",") if item.strip())


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"error: {name} must be a whole number, not {value!r}") from None


@dataclass(frozen=True)
class Settings:
    """Where each process listens and how long a conversation lives. All loopback by default."""

    host: str = field(default_factory=lambda: os.environ.get("BOT_HOST", "127.0.0.1"))
    rasa_port: int = field(default_factory=lambda: _int("RASA_PORT", 5005))
    action_port: int = field(default_factory=lambda: _int("ACTION_PORT", 5055))
    gateway_port: int = field(default_factory=lambda: _int("GATEWAY_PORT", 8000))
    #: Seconds of silence after which a conversation is forgotten.
    tracker_ttl_seconds: int = field(default_factory=lambda: _int("TRACKER_TTL_SECONDS", 1800))
    #: Where Rasa keeps conversations: "memory" (default; nothing on disk), or opt-in "redis" / "sql",
    #: both always with expiry (TRACKER_TTL_SECONDS).
    tracker_store: str = field(default_factory=lambda: os.environ.get("TRACKER_STORE", "memory").lower())
    #: Redis for TRACKER_STORE=redis; when set, gateways also keep their short-lived state there (bot/gateway/state/).
    redis_host: str = field(default_factory=lambda: os.environ.get("REDIS_HOST", ""))
    redis_port: int = field(default_factory=lambda: _int("REDIS_PORT", 6379))
    redis_db: int = field(default_factory=lambda: _int("REDIS_DB", 0))
    redis_password: str = field(default_factory=lambda: os.environ.get("REDIS_PASSWORD", ""), repr=False)
    #: For TRACKER_STORE=sql: postgresql (or sqlite, with SQL_DB a file path), host, port, database, user.
    sql_dialect: str = field(default_factory=lambda: os.environ.get("SQL_DIALECT", "postgresql"))
    sql_host: str = field(default_factory=lambda: os.environ.get("SQL_HOST", ""))
    sql_port: int = field(default_factory=lambda: _int("SQL_PORT", 5432))
    sql_db: str = field(default_factory=lambda: os.environ.get("SQL_DB", ""))
    sql_user: str = field(default_factory=lambda: os.environ.get("SQL_USER", ""))
    sql_password: str = field(default_factory=lambda: os.environ.get("SQL_PASSWORD", ""), repr=False)
    #: "INFO" by default: no user text, ids or tokens are logged at any level we ship.
    log_level: str = field(default_factory=lambda: os.environ.get("LOG_LEVEL", "INFO").upper())
    models_dir: Path = field(default_factory=lambda: Path(os.environ.get("MODELS_DIR", PROJECT_ROOT / "models")))
    rasa_venv: Path = field(default_factory=lambda: Path(os.environ.get("RASA_VENV", PROJECT_ROOT / ".venv-rasa")))
    #: Seconds the gateway waits for Rasa before answering with the static crisis and helpline content.
    rasa_timeout_seconds: int = field(default_factory=lambda: _int("RASA_TIMEOUT_SECONDS", 10))

    # --- Web widget (bot/gateway/web/) ---
    #: Origins allowed to embed the widget and call its API (CORS), e.g. https://charity.example.
    web_allowed_origins: tuple[str, ...] = field(default_factory=lambda: _list("WEB_ALLOWED_ORIGINS"))
    #: Where quick exit sends the page. Neutral by default; a charity may choose another.
    web_exit_url: str = field(default_factory=lambda: os.environ.get("WEB_EXIT_URL", "https://www.bbc.co.uk/weather"))
    web_max_message_chars: int = field(default_factory=lambda: _int("WEB_MAX_MESSAGE_CHARS", 2000))
    #: Messages per minute per widget session, and per client address (in memory, or in Redis when REDIS_HOST is set).
    web_session_messages_per_minute: int = field(default_factory=lambda: _int("WEB_SESSION_MESSAGES_PER_MINUTE", 30))
    web_client_messages_per_minute: int = field(default_factory=lambda: _int("WEB_CLIENT_MESSAGES_PER_MINUTE", 120))
    #: Key for the HMAC of client addresses in the per-address counters. Unset: random per process, which is
    #: fine for one gateway; gateways sharing Redis need the same key to share the per-address limit.
    web_client_hash_key: str = field(default_factory=lambda: os.environ.get("WEB_CLIENT_HASH_KEY", ""), repr=False)

    # --- Telegram (bot/gateway/telegram/) ---
    #: From BotFather. Unset: Telegram is off and everything else runs.
    telegram_bot_token: str = field(default_factory=lambda: os.environ.get("TELEGRAM_BOT_TOKEN", ""), repr=False)
    #: Bot API base URL, for a self-hosted Bot API server (python-telegram-bot's base_url).
    telegram_api_url: str = field(default_factory=lambda: os.environ.get("TELEGRAM_API_URL", ""))
    #: Public HTTPS URL of this gateway's /telegram/webhook; set it to use a webhook instead of polling.
    telegram_webhook_url: str = field(default_factory=lambda: os.environ.get("TELEGRAM_WEBHOOK_URL", ""))
    telegram_webhook_secret: str = field(default_factory=lambda: os.environ.get("TELEGRAM_WEBHOOK_SECRET", ""), repr=False)
    #: Key for the HMAC that turns a chat id into a Rasa sender id. Unset: random per process (refused with REDIS_HOST).
    telegram_hmac_key: str = field(default_factory=lambda: os.environ.get("TELEGRAM_HMAC_KEY", ""), repr=False)
    telegram_protect_content: bool = field(default_factory=lambda: _bool("TELEGRAM_PROTECT_CONTENT", True))
    #: Delete each user message as soon as it has been answered (off by default; see README).
    telegram_delete_user_messages: bool = field(default_factory=lambda: _bool("TELEGRAM_DELETE_USER_MESSAGES", False))
    telegram_messages_per_minute: int = field(default_factory=lambda: _int("TELEGRAM_MESSAGES_PER_MINUTE", 20))

    @property
    def forget_after_minutes(self) -> int:
        """TRACKER_TTL_SECONDS in whole minutes (at least 1), as the intro tells the survivor."""
        return max(1, round(self.tracker_ttl_seconds / 60))

    @property
    def rasa_url(self) -> str:
        return os.environ.get("RASA_URL", f"http://{self.host}:{self.rasa_port}")

    @property
    def rest_webhook(self) -> str:
        return f"{self.rasa_url}/webhooks/rest/webhook"

    @property
    def rest_webhooks(self) -> list[str]:
        """Every Rasa replica's REST webhook: RASA_URLS (comma-separated base URLs), else the one server."""
        urls = _list("RASA_URLS") or (self.rasa_url,)
        return [f"{url.rstrip('/')}/webhooks/rest/webhook" for url in urls]

    @property
    def action_server_url(self) -> str:
        return os.environ.get("ACTION_SERVER_URL", f"http://{self.host}:{self.action_port}/webhook")


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
            "REDIS_PASSWORD": settings.redis_password,
            "SQL_DIALECT": settings.sql_dialect,
            "SQL_HOST": settings.sql_host,
            "SQL_PORT": str(settings.sql_port),
            "SQL_DB": settings.sql_db,
            "SQL_USER": settings.sql_user,
            "SQL_PASSWORD": settings.sql_password,
        }
    )
    env.setdefault("TF_INTRA_OP_PARALLELISM_THREADS", "2")
    env.setdefault("TF_INTER_OP_PARALLELISM_THREADS", "1")
    return env
