"""The content's text format (bot/content/markup.py) for Telegram, cut into messages Telegram accepts.

Telegram's HTML parse mode gets bold, italics, code and https links as tags; everything else is
escaped text, so nothing a user or a content editor types can become markup. Telegram links phone
numbers, e-mail and bare addresses itself, so those stay text.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.content.markup import escape, telegram_html, telegram_plain

__all__ = ["MAX_MESSAGE_LENGTH", "escape", "split_markdown", "to_html", "to_plain", "utf16_length"]

#: Telegram's limit for one message's text.
MAX_MESSAGE_LENGTH = 4096


def to_html(markdown: str) -> str:
    """Telegram HTML for one message (see bot/content/markup.py for the format)."""
    return telegram_html(markdown)


def to_plain(markdown: str) -> str:
    """The same message as plain text: links written out, no markers left."""
    return telegram_plain(markdown)


def utf16_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


def split_markdown(markdown: str, limit: int = MAX_MESSAGE_LENGTH, render: Callable[[str], str] = to_html) -> list[str]:
    """Cut `markdown` into pieces whose rendered form fits in `limit`.

    Cuts between paragraphs first, then between lines, then between words, and only cuts a word
    that is longer than a whole message. Each piece is rendered on its own, so a tag never spans
    two messages. Measuring the rendered HTML (not just the visible text) keeps a margin.
    """

    def fits(piece: str) -> bool:
        return utf16_length(render(piece)) <= limit

    def cut(text: str, separators: tuple[str, ...]) -> list[str]:
        if fits(text):
            return [text]
        if not separators:
            return hard_cut(text)
        separator, finer = separators[0], separators[1:]
        pieces: list[str] = []
        current = ""
        for part in text.split(separator):
            candidate = f"{current}{separator}{part}" if current else part
            if fits(candidate):
                current = candidate
                continue
            if current:
                pieces.append(current)
            smaller = cut(part, finer)
            pieces.extend(smaller[:-1])
            current = smaller[-1] if smaller else ""
        if current:
            pieces.append(current)
        return pieces

    def hard_cut(text: str) -> list[str]:
        pieces: list[str] = []
        while text:
            low, high = 1, len(text)
            while low < high:  # the longest prefix that fits
                middle = (low + high + 1) // 2
                if fits(text[:middle]):
                    low = middle
                else:
                    high = middle - 1
            pieces.append(text[:low])
            text = text[low:]
        return pieces

    return [piece.strip() for piece in cut(markdown.strip(), ("\n\n", "\n", " ")) if piece.strip()]
