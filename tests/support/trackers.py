"""Packs and trackers as the custom actions receive them, without an action server."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from rasa_sdk import Tracker

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PACK = ROOT / "data" / "content"

DEFAULT_SLOTS: dict[str, Any] = {
    "region": None,
    "region_asked": False,
    "introduced": True,
    "last_topic": None,
    "pending_topic": None,
    "more_page": 0,
    "before_crisis_topic": None,
    "forget_conversation": False,
}


def make_tracker(
    intent: str, text: Optional[str] = None, entities: Optional[list[dict[str, Any]]] = None, **slots: Any
) -> Tracker:
    """A tracker as the action server receives it: slots, and the latest message's intent."""
    latest = {"intent": {"name": intent, "confidence": 1.0}, "entities": entities or [], "text": text or f"/{intent}"}
    return Tracker(
        sender_id="test-sender",
        slots={**DEFAULT_SLOTS, **slots},
        latest_message=latest,
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )
