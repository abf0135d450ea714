"""Start the Rasa CLI with log redaction installed first: `python -m bot.rasa_plugins.serve run ...`.

Used by the supervisor instead of the bare `rasa` command, so that whatever Rasa, Sanic or
TensorFlow log (at any level) passes through the redacting filter.
"""

from __future__ import annotations

import sys

from bot.rasa_plugins.log_redaction import install_everywhere


def main() -> None:
    install_everywhere()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
