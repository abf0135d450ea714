"""Keep personal data out of logs in the app processes (gateway, action server, tools).

The redaction itself lives in `rasa_plugins.log_redaction` (standard library only) so the
Rasa server uses exactly the same filter.
"""

from __future__ import annotations

import logging

from rasa_plugins.log_redaction import REDACTED, RedactingFilter, install_everywhere, redact

#: Loggers that log request URLs (with the bot token) or update contents at INFO or DEBUG.
NOISY_LOGGERS = ("httpx", "httpcore", "telegram", "telegram.ext", "aiohttp.access", "apscheduler")

__all__ = ["NOISY_LOGGERS", "REDACTED", "RedactingFilter", "install_log_redaction", "redact"]


def install_log_redaction(level: str = "INFO") -> None:
    """Configure the root logger, redact every handler (now and later), and quiet noisy libraries."""
    install_everywhere()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
