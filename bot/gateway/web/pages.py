"""The words of the gateway's own pages (the demo page and the embedding example), from the content pack.

They live in `channels.yml` (group `pages`), so the pages speak the pack's language and a charity
rewords them like any message. They are written in the content's one text format (bot/content/markup.py)
and shown as inline HTML; on these pages only, a link may also go to another page of the same
gateway ([the inline example](/embed)).
"""

from __future__ import annotations

from bot.content.loader import ContentPack
from bot.content.markup import page_html
from bot.content.schema import CHANNEL_TEXTS

__all__ = ["GROUP", "page_html", "page_texts"]

GROUP = "pages"


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
