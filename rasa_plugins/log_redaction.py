"""Redact personal data from every log record, in every process (standard library only).

Our code never logs message text, sender ids, chat ids or tokens. This is the second line of
defence for what a library might log, even at DEBUG: e-mail addresses, phone numbers, bot
tokens and long ids are replaced, and so are the values Rasa puts message text into
(`parse_data_text=...`, `user_text=...`, "user message '...'").

`install_everywhere()` attaches the filter to every log handler created from then on, so it
covers handlers that Rasa, rasa_sdk, Sanic or coloredlogs add later themselves.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

_TEXT_KEYS = r"\w*(?:text|message|utterance|slot_values|events|states|tracker|sender\w*)"

_PATTERNS = (
    # Message text in Rasa's structured logs rendered as JSON: "key": "value" (or [...] / {...}).
    re.compile(r'"(' + _TEXT_KEYS + r')"\s*:\s*("(?:[^"\\]|\\.)*"|\[[^\]]*\]|\{[^{}]*\})'),
    # The same rendered as key=value, up to the next " key=" or the end.
    re.compile(r"\b(" + _TEXT_KEYS + r")=(.*?)(?=\s\w+=|$)", re.DOTALL),
    # Rasa's plain debug lines quote the user's message.
    re.compile(r"(user message|user said|text) '[^']*'", re.IGNORECASE),
    # Policy state dumps: "user text: ... | previous action name: ...".
    re.compile(r"(user text:)[^|\n]*"),
    # Telegram bot tokens, also inside Bot API URLs (/bot<token>/method).
    re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}\b"),
    re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),
    # Phone numbers: 7 or more digits, possibly split by spaces, dots or dashes, optional +.
    re.compile(r"(?<![\w])\+?\d(?:[\s.-]?\d){6,}(?![\w])"),
    # Long hex or base64-ish ids (sender ids, session ids, HMACs).
    re.compile(r"\b[0-9a-fA-F]{16,}\b"),
    re.compile(r"\b[A-Za-z0-9_-]{32,}\b"),
)


def _replace(match: re.Match[str]) -> str:
    if match.re is _PATTERNS[0]:
        return f'"{match.group(1)}": "{REDACTED}"'
    if match.re is _PATTERNS[1]:
        return f"{match.group(1)}={REDACTED}"
    if match.re is _PATTERNS[2]:
        return f"{match.group(1)} '{REDACTED}'"
    if match.re is _PATTERNS[3]:
        return f"{match.group(1)} {REDACTED} "
    return REDACTED


def redact(text: str) -> str:
    """`text` with message text, e-mail addresses, phone numbers, tokens and long ids replaced."""
    for pattern in _PATTERNS:
        text = pattern.sub(_replace, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's final message through `redact`; exception text is redacted too."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not take the log down
            message = str(record.msg)
        record.msg = redact(message)
        record.args = ()
        if record.exc_info and record.exc_info[1] is not None:
            # Exception messages can carry request bodies; redact the formatted traceback.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        record._redacted = True
        return True


_installed = False


def install_everywhere() -> None:
    """Attach a RedactingFilter to every existing handler and to every handler created later."""
    global _installed
    if _installed:
        return
    _installed = True
    original_init = logging.Handler.__init__

    def init_with_redaction(self: logging.Handler, *args: object, **kwargs: object) -> None:
        original_init(self, *args, **kwargs)  # type: ignore[arg-type]
        self.addFilter(RedactingFilter())

    logging.Handler.__init__ = init_with_redaction  # type: ignore[method-assign]
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactingFilter())
