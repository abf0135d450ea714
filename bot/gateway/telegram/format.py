"""Our Markdown subset -> Telegram HTML (or plain text), cut into messages Telegram accepts.

The content pack writes `**bold**`, `[text](https://link)`, `_a whole line in italics_` and
lines starting "- ". Everything else is text: it is HTML-escaped first, so nothing a user or a
content editor types can become markup, and only http(s) links become links.
"""

from __future__ import annotations

import re
from collections.abc import Callable

#: Telegram's limit for one message's text.
MAX_MESSAGE_LENGTH = 4096

_LINK = re.compile(r"\[([^\[\]\n]+)\]\(([^()\s]+)\)")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC_LINE = re.compile(r"^_(?=\S)(.+)(?<=\S)_$", re.MULTILINE)
_BULLET = re.compile(r"^([ \t]*)[-*] ", re.MULTILINE)
_SAFE_SCHEMES = ("https://", "http://")


def escape(text: str) -> str:
    """Escape the four characters Telegram's HTML parse mode reads (it knows only these named entities)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _safe_url(url: str) -> bool:
    return url.lower().startswith(_SAFE_SCHEMES)


def to_html(markdown: str) -> str:
    """Telegram HTML for one message. Escapes first, then turns the subset into tags."""
    text = escape(markdown.replace("\0", ""))
    anchors: list[str] = []

    def link(match: re.Match[str]) -> str:
        label, url = _BOLD.sub(r"<b>\1</b>", match.group(1)), match.group(2)
        # `url` is already escaped, so it cannot close the attribute; other schemes stay text.
        anchors.append(f'<a href="{url}">{label}</a>' if _safe_url(url) else f"{label} ({url})")
        # A placeholder, so that markers inside a URL are never read as bold or italics.
        return f"\0{len(anchors) - 1}\0"

    text = _LINK.sub(link, text)
    text = _BOLD.sub(r"<b>\1</b>", text)
    text = _ITALIC_LINE.sub(r"<i>\1</i>", text)
    text = _BULLET.sub(r"\1• ", text)
    return re.sub(r"\0(\d+)\0", lambda m: anchors[int(m.group(1))], text)


def to_plain(markdown: str) -> str:
    """The same message as plain text: links written out, no markers left."""
    text = _LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})", markdown)
    text = _BOLD.sub(r"\1", text)
    text = _ITALIC_LINE.sub(r"\1", text)
    return _BULLET.sub(r"\1• ", text)


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
