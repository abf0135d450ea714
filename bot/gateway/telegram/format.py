"""The content's text format (bot/content/markup.py) for Telegram, cut into messages Telegram accepts.

Telegram's HTML parse mode gets bold, italics, code and https links as tags; everything else is
escaped text, so nothing a user or a content editor types can become markup. Telegram links phone
numbers, e-mail and bare addresses itself, so those stay text.
"""

from __future__ import annotations

from bot.content.markup import MAX_MESSAGE_LENGTH, escape, split_markdown, telegram_html, telegram_plain, utf16_length

__all__ = ["MAX_MESSAGE_LENGTH", "escape", "split_markdown", "to_html", "to_plain", "utf16_length"]


def to_html(markdown: str) -> str:
    """Telegram HTML for one message (see bot/content/markup.py for the format)."""
    return telegram_html(markdown)


def to_plain(markdown: str) -> str:
    """The same message as plain text: links written out, no markers left."""
    return telegram_plain(markdown)
