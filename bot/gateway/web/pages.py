"""The words of the gateway's own pages (the demo page and the embedding example), from the content pack.

They live in `channels.yml` (group `pages`), so the pages speak the pack's language and a charity
rewords them like any message. Each text is escaped first, then a little markup becomes HTML:
**bold**, `code`, [[a key]], and [a link](/path) to another page of the same gateway. Nothing else
in a text can become markup.
"""

from __future__ import annotations

import html
import re

from bot.content.loader import ContentPack
from bot.content.schema import CHANNEL_TEXTS

GROUP = "pages"

_MARKUP = (
    (re.compile(r"\*\*(.+?)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"\[\[(.+?)\]\]"), r"<kbd>\1</kbd>"),
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
    # Only a path on this gateway (starting with one /): never another site, never a script.
    (re.compile(r"\[([^\]]+)\]\((/(?!/)[A-Za-z0-9/_-]*)\)"), r'<a href="\2">\1</a>'),
)


def page_html(text: str) -> str:
    """One page text as HTML: escaped, then the little markup turned into tags."""
    out = html.escape(text.strip(), quote=False)  # element content only: quotes may stay as they are
    for pattern, tag in _MARKUP:
        out = pattern.sub(tag, out)
    return out


def page_texts(pack: ContentPack, title: str, minutes: int) -> dict[str, str]:
    """Every page text as HTML, keyed `t_<key>` for the page templates ($t_demo_intro...)."""
    values = {
        "title": title,
        "launcher": pack.channel_text("widget", "launcher"),
        "quick_exit": pack.channel_text("widget", "quick_exit"),
    }
    texts: dict[str, str] = {}
    for key, spec in CHANNEL_TEXTS[GROUP].items():
        text = pack.channel_text(GROUP, key, minutes if spec.plural else None, **values)
        texts[f"t_{key}"] = page_html(text)
    return texts
