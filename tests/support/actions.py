"""Running a custom action as the action server would, without one."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk.executor import CollectingDispatcher


def run(action: Any, tracker: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(messages sent, slots set) of one run of `action` on `tracker`."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return dispatcher.messages, slots
