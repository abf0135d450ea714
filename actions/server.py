"""Start the action server with log redaction installed first: `python -m actions.server --port 5055`.

rasa_sdk's own error handler logs the request and returns its body (the whole tracker, with the
survivor's words) to Rasa; our actions catch their own errors (see base.py), and the redacting
filter covers anything a library still logs.
"""

from __future__ import annotations

import sys

from bot.privacy import install_log_redaction


def main() -> None:
    install_log_redaction()
    from rasa_sdk.__main__ import main as sdk_main

    from actions.base import install_reload_signal

    install_reload_signal()

    sys.argv = [sys.argv[0], "--actions", "actions", *sys.argv[1:]]
    sdk_main()


if __name__ == "__main__":
    main()
