"""One settings object, read from environment variables with documented defaults (see README)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


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
    #: "INFO" by default: no user text, ids or tokens are logged at any level we ship.
    log_level: str = field(default_factory=lambda: os.environ.get("LOG_LEVEL", "INFO").upper())
    models_dir: Path = field(default_factory=lambda: Path(os.environ.get("MODELS_DIR", PROJECT_ROOT / "models")))
    rasa_venv: Path = field(default_factory=lambda: Path(os.environ.get("RASA_VENV", PROJECT_ROOT / ".venv-rasa")))

    @property
    def rasa_url(self) -> str:
        return os.environ.get("RASA_URL", f"http://{self.host}:{self.rasa_port}")

    @property
    def rest_webhook(self) -> str:
        return f"{self.rasa_url}/webhooks/rest/webhook"

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
        }
    )
    env.setdefault("TF_INTRA_OP_PARALLELISM_THREADS", "2")
    env.setdefault("TF_INTER_OP_PARALLELISM_THREADS", "1")
    return env
