"""The crisis dev set: messages that must be answered as a crisis, and ones that must not."""

from __future__ import annotations

from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent


def crisis_messages() -> list[tuple[str, str]]:
    """(kind, message) pairs; kind is "danger" or "suicide"."""
    data = yaml.safe_load((HERE / "crisis.yml").read_text(encoding="utf-8"))
    return [(kind, message) for kind in ("danger", "suicide") for message in data[kind]]


def non_crisis_messages() -> list[str]:
    return list(yaml.safe_load((HERE / "non_crisis.yml").read_text(encoding="utf-8"))["non_crisis"])
