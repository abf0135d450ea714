"""Rasa's JSON logs without the local variables of every frame in a traceback.

When its output is not a terminal (the supervisor, containers), Rasa 3.6 renders exceptions with
structlog's `dict_tracebacks`, which writes the *local variables of every frame* into the log:
a Redis outage, for example, logs the lock key holding the conversation's sender id, and other
failures could log a variable holding what someone wrote. The redacting filter
(`log_redaction`) cannot know every variable name a library uses, so this removes the locals at
the source: the same structured traceback (exception types, messages, files, lines), no locals.

`install()` wraps the `configure_structlog` that `rasa.__main__` calls, so Rasa's own logging
setup runs first and only the traceback processor is swapped. Called by `rasa_plugins.serve`.
"""

from __future__ import annotations

from typing import Any

_installed = False


def without_locals(processors: list[Any]) -> list[Any]:
    """`processors` with structlog's `dict_tracebacks` replaced by the same renderer showing no locals."""
    import structlog

    quiet = structlog.processors.ExceptionRenderer(structlog.tracebacks.ExceptionDictTransformer(show_locals=False))
    return [quiet if processor is structlog.processors.dict_tracebacks else processor for processor in processors]


def install() -> None:
    """Make every later `configure_structlog` call (Rasa's CLI makes one) leave locals out of tracebacks."""
    global _installed
    if _installed:
        return
    import rasa.__main__ as rasa_main
    import structlog

    original = rasa_main.configure_structlog

    def configure_structlog(*args: Any, **kwargs: Any) -> None:
        original(*args, **kwargs)
        structlog.configure(processors=without_locals(list(structlog.get_config()["processors"])))

    rasa_main.configure_structlog = configure_structlog
    _installed = True
