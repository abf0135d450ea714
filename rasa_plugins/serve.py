"""Start the Rasa CLI with our patches installed first: `python -m rasa_plugins.serve run ...`.

Used by the supervisor instead of the bare `rasa` command, so that
- whatever Rasa, Sanic or TensorFlow log (at any level) passes through the redacting filter,
- tracebacks in Rasa's JSON logs leave out every frame's local variables (`quiet_tracebacks`), and
- action server responses are checked against a schema compiled once (`action_response`), which
  takes about two thirds of the CPU off every message (docs/benchmarks.md), and
- stored events find their class in a table (`event_types`) instead of a walk over every Event
  subclass per event, which was a third of a long conversation's time per turn.
"""

from __future__ import annotations

import sys

from rasa_plugins.log_redaction import install_everywhere


def main() -> None:
    install_everywhere()
    from rasa_plugins import quiet_tracebacks

    quiet_tracebacks.install()
    if sys.argv[1:2] in (["run"], ["shell"]):  # only a server calls the action server
        from rasa_plugins import action_response, event_types

        action_response.install()
        event_types.install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
