"""What a survivor would see, rendered by the assistant's own renderer (bot/content/render.py) as HTML.

The replies are the same `Reply` objects the actions send, in the content's one text format, laid
out by its own renderer (bot/content/markup.py `html_blocks`: headings, service cards, lists and
paragraphs, as the widget shows them), so HTML in content shows as text.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from typing import Optional

from bot.content.hours import UK
from bot.content.loader import ContentPack
from bot.content.markup import html_blocks
from bot.content.render import Reply, crisis_reply, topic_page
from bot.content.schema import Region

#: The crisis replies shown in the preview, with their headings.
CRISIS_KINDS = {"danger": "Someone in danger now", "suicide": "Someone thinking of suicide"}
#: The topic that answers "who can I talk to?".
HELPLINES_TOPIC = "helplines"


def reply_html(reply: Reply) -> str:
    """One reply as a chat bubble, laid out as the widget lays it out, then its buttons (shown, not pressable)."""
    body = html_blocks(reply.text)
    buttons = "".join(f'<li><span class="choice">{html.escape(b.title)}</span></li>' for b in reply.buttons)
    return f'<div class="bubble">{body}</div>' + (f'<ul class="choices">{buttons}</ul>' if buttons else "")


@dataclass(frozen=True)
class RegionPreview:
    """Everything previewed for one region."""

    region: Region
    name: str
    crisis: list[tuple[str, Reply]]
    helplines: list[Reply]


def moment(day: int, time: dt.time, today: Optional[dt.date] = None) -> dt.datetime:
    """The next `day` (Monday is 0) from `today`, at `time` UK time: the moment the preview shows "open now" for."""
    today = today or dt.datetime.now(UK).date()
    date = today + dt.timedelta(days=(day - today.weekday()) % 7)
    return dt.datetime.combine(date, time, tzinfo=UK)


def region_previews(pack: ContentPack, now: Optional[dt.datetime] = None) -> list[RegionPreview]:
    """The crisis replies and the helplines topic's pages ("Open now" as at `now`), for each region the pack enables."""
    previews = []
    for region in pack.enabled_regions:
        crisis = [(title, crisis_reply(pack, kind, region)) for kind, title in CRISIS_KINDS.items()]
        pages: list[Reply] = []
        topic = pack.topics.get(HELPLINES_TOPIC)
        number = 0
        while topic is not None and (replies := topic_page(pack, topic, region, number, now=now)):
            pages.extend(replies)
            number += 1
        previews.append(RegionPreview(region, pack.region_name(region), crisis, pages))
    return previews


def preview_html(pack: ContentPack, now: Optional[dt.datetime] = None) -> str:
    """The preview page's body: a chat window per region, styled as the web widget, "Open now" as at `now`."""
    title = html.escape(pack.info.branding.title or pack.info.bot_name)
    parts = []
    for found in region_previews(pack, now):
        chats = "".join(
            f'<h3>{html.escape(heading)}</h3><div class="chat">{reply_html(reply)}</div>' for heading, reply in found.crisis
        )
        pages = "".join(f'<div class="chat">{reply_html(reply)}</div>' for reply in found.helplines)
        parts.append(
            f'<section class="region" aria-labelledby="region-{found.region.value}">'
            f'<h2 id="region-{found.region.value}">{html.escape(found.name)}</h2>'
            f'<div class="window"><p class="window-title">{title}</p>{chats}'
            f"<h3>Helplines and support</h3>{pages}</div></section>"
        )
    return f'<div class="regions">{"".join(parts)}</div>'


def colours_css(pack: ContentPack) -> str:
    """The pack's colours as the widget's custom properties (served as a stylesheet: no inline styles)."""
    colours = pack.info.branding.colours
    return f":root {{ --sg-primary: {colours.primary}; --sg-on-primary: {colours.on_primary}; }}\n"
