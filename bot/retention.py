"""Refuse to start with an unsafe retention setting: keeping conversations is always explicit and bounded."""

from __future__ import annotations

from pathlib import Path

from bot.settings import PROJECT_ROOT, Settings

#: The longest a conversation may live after its last message, whatever the store.
MAX_TTL_SECONDS = 24 * 60 * 60

ENDPOINTS = {"memory": "endpoints.yml", "redis": "endpoints.redis.yml", "sql": "endpoints.sql.yml"}


def retention_problems(settings: Settings) -> list[str]:
    """Every reason the configured retention is unsafe or incomplete; empty when it is fine."""
    problems: list[str] = []
    if settings.tracker_store not in ENDPOINTS:
        problems.append(
            f"TRACKER_STORE={settings.tracker_store!r} is not supported; use 'memory' (the default, nothing on disk), "
            "'redis' or 'sql' (opt-in, every conversation expires)"
        )
    if not 0 < settings.tracker_ttl_seconds <= MAX_TTL_SECONDS:
        problems.append(
            f"TRACKER_TTL_SECONDS={settings.tracker_ttl_seconds} must be between 1 and {MAX_TTL_SECONDS} (one day): "
            "conversations are never kept longer"
        )
    if settings.tracker_store == "redis" and not settings.redis_host:
        problems.append("TRACKER_STORE=redis needs REDIS_HOST (and REDIS_PORT, REDIS_DB, REDIS_PASSWORD if not the defaults)")
    if settings.tracker_store == "sql":
        if settings.sql_dialect not in {"postgresql", "sqlite"}:
            problems.append(f"SQL_DIALECT={settings.sql_dialect!r}: use postgresql or sqlite")
        if not settings.sql_db:
            problems.append("TRACKER_STORE=sql needs SQL_DB (a database name, or a file path for sqlite)")
        if settings.sql_dialect == "postgresql" and not settings.sql_host:
            problems.append("TRACKER_STORE=sql with PostgreSQL needs SQL_HOST (and SQL_USER, SQL_PASSWORD)")
    return problems


def endpoints_file(settings: Settings) -> Path:
    """The endpoints configuration for the chosen tracker store."""
    return PROJECT_ROOT / ENDPOINTS[settings.tracker_store]
