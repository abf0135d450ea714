"""Keep personal data out of logs: a redacting filter and quiet third-party loggers.

Our own code never logs message text, sender ids, chat ids or tokens. This filter is the second
line of defence for what a library might log: it rewrites every record's message, removing
e-mail addresses, phone numbers, bot tokens and long ids, before any handler sees it.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

_PATTERNS = (
    # Telegram bot tokens, also inside Bot API URLs (/bot<token>/method).
    re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}\b"),
    re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),
    # Phone numbers: 7 or more digits, possibly split by spaces, dots or dashes, optional +.
    re.compile(r"(?<![\w])\+?\d(?:[\s.-]?\d){6,}(?![\w])"),
    # Long hex or base64-ish ids (sender ids, session ids, HMACs).
    re.compile(r"\b[0-9a-fA-F]{16,}\b"),
    re.compile(r"\b[A-Za-z0-9_-]{32,}\b"),
)

#: Loggers that log request URLs or update contents at INFO or DEBUG.
NOISY_LOGGERS = ("httpx", "httpcore", "telegram", "telegram.ext", "aiohttp.access", "apscheduler")


def redact(text: str) -> str:
    """`text` with e-mail addresses, phone numbers, tokens and long ids replaced."""
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's final message through `redact`, and drops exception locals."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not take the log down
            message = str(record.msg)
        record.msg = redact(message)
        record.args = ()
        if record.exc_info and record.exc_info[1] is not None:
            # Exception messages can carry request bodies; keep the type and traceback lines only.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def install_log_redaction(level: str = "INFO") -> None:
    """Configure the root logger with redaction on every handler, and quiet noisy libraries."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    root = logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
