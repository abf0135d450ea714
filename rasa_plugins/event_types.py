"""Look up an event's class by its name in a dictionary, not by walking every subclass each time.

Rasa 3.6.21 turns each stored event back into an object with `Event.resolve_by_type(name)`, which
rebuilds the list of every (non-abstract) `Event` subclass, recursively, with `inspect.isabstract`
on each, for every single event. A profile of one 300-turn conversation (docs/benchmarks.md) put
90% of tracker deserialisation, a third of the Rasa server's time, in that walk.

`install()` replaces it with the same answer from a table built once: the first class in
`all_subclasses(Event)` with that `type_name`, exactly as Rasa picks it. A name missing from the
table (a subclass imported later, or an unknown name) rebuilds the table and then behaves as
Rasa does (the "topic" exception, the default, or the same ValueError). Called by
`rasa_plugins.serve` before Rasa starts.
"""

from __future__ import annotations

import logging
from typing import Any, Optional

logger = logging.getLogger(__name__)

_installed = False


def install() -> bool:
    """Patch `Event.resolve_by_type` with a table lookup. False (and a log line) if Rasa changed shape."""
    global _installed
    if _installed:
        return True
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    original = getattr(Event, "resolve_by_type", None)
    if not callable(original):
        logger.warning("Event.resolve_by_type not found: events are deserialised the slow way")
        return False
    table: dict[str, Any] = {}

    def rebuild() -> None:
        table.clear()
        for cls in all_subclasses(Event):
            table.setdefault(cls.type_name, cls)

    def resolve_by_type(type_name: str, default: Optional[Any] = None) -> Optional[Any]:
        found = table.get(type_name)
        if found is not None:
            return found
        rebuild()
        found = table.get(type_name)
        return found if found is not None else original(type_name, default)

    rebuild()
    Event.resolve_by_type = staticmethod(resolve_by_type)
    _installed = True
    return True
