"""What a survivor would see, rendered by the assistant's own renderer (bot/content/render.py) as HTML.

The replies are the same `Reply` objects the actions send, in the content's one text format.
Drawn as the web widget, they are laid out by its own renderer (bot/content/markup.py
`html_blocks`: headings, service cards, lists and paragraphs, as the widget shows them); drawn as
a Telegram chat, each reply is cut into messages and turned into Telegram's HTML by the same
functions the Telegram channel uses (markup.py `split_markdown`, `telegram_html`), so the preview
changes when the format does. Either way HTML in content shows as text.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from typing import Optional

from bot.content import markup
from bot.content.answers import index_for
from bot.content.hours import UK
from bot.content.loader import ContentPack
from bot.content.markup import html_blocks, split_markdown
from bot.content.render import Reply, answer_replies, crisis_reply, topic_page
from bot.content.schema import Question, Region, Topic

#: The crisis replies shown in the preview, with their headings.
CRISIS_KINDS = {"danger": "Someone in danger now", "suicide": "Someone thinking of suicide"}
#: The topic that answers "who can I talk to?".
HELPLINES_TOPIC = "helplines"


def reply_html(reply: Reply) -> str:
    """One reply as a chat bubble, laid out as the widget lays it out, then its buttons (shown, not pressable)."""
    body = html_blocks(reply.text)
    buttons = "".join(f'<li><span class="choice">{html.escape(b.title)}</span></li>' for b in reply.buttons)
    return f'<div class="bubble">{body}</div>' + (f'<ul class="choices">{buttons}</ul>' if buttons else "")


def telegram_chat_html(reply: Reply) -> str:
    """One reply as the Telegram channel sends it: its messages (cut at Telegram's limit), the buttons under the last.

    As the channel sends it: split_markdown cuts the text into messages, telegram_html turns each
    into Telegram's HTML (only <b>, <i>, <code> and https links, everything else escaped): the
    markup Telegram itself would draw, shown here with line breaks kept.
    """
    pieces = split_markdown(reply.text) or [""]
    messages = "".join(f'<div class="tg-message">{markup.telegram_html(piece)}</div>' for piece in pieces)
    buttons = "".join(f'<li><span class="tg-button">{html.escape(b.title)}</span></li>' for b in reply.buttons)
    return messages + (f'<ul class="tg-keyboard">{buttons}</ul>' if buttons else "")


#: How a preview is drawn: as the web widget, or as a Telegram chat.
STYLES = {"widget": "Web chat window", "telegram": "Telegram chat"}


def window(title: str, sections: list[tuple[str, list[Reply]]], style: str) -> str:
    """A chat window of `style` holding `sections` (a heading, then its replies)."""
    draw = telegram_chat_html if style == "telegram" else reply_html
    chats = "".join(
        (f"<h3>{html.escape(heading)}</h3>" if heading else "") + "".join(f'<div class="chat">{draw(r)}</div>' for r in replies)
        for heading, replies in sections
    )
    kind = "tg-window" if style == "telegram" else "window"
    return f'<div class="{kind}"><p class="window-title">{html.escape(title)}</p>{chats}</div>'


def question_replies(pack: ContentPack, topic: Topic, question: Question, region: Optional[Region]) -> list[Reply]:
    """A question's answer as the assistant gives it: with "Tell me more" and the related questions it would offer."""
    related = index_for(pack).related(question.id, [], 2, region)
    return answer_replies(pack, question, topic, related, region)


def topic_preview_html(pack: ContentPack, topic: Topic, region: Optional[Region], now: Optional[dt.datetime] = None) -> str:
    """A topic's pages and each of its questions' answers, as the web widget and as a Telegram chat, side by side."""
    title = pack.info.branding.title or pack.info.bot_name
    pages: list[Reply] = []
    number = 0
    while replies := topic_page(pack, topic, region, number, now=now):
        pages.extend(replies)
        number += 1
    sections = [("The topic's pages", pages)]
    sections += [(f"Question: {q.title}", question_replies(pack, topic, q, region)) for q in topic.questions]
    parts = []
    for style, name in STYLES.items():
        parts.append(
            f'<section class="style" aria-labelledby="style-{style}"><h2 id="style-{style}">{html.escape(name)}</h2>'
            f"{window(title, sections, style)}</section>"
        )
    return f'<div class="regions">{"".join(parts)}</div>'


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


def preview_html(pack: ContentPack, now: Optional[dt.datetime] = None, style: str = "widget") -> str:
    """The preview page's body: a chat window per region, drawn in `style` (widget or telegram), "Open now" as at `now`."""
    title = pack.info.branding.title or pack.info.bot_name
    parts = []
    for found in region_previews(pack, now):
        sections = [(heading, [reply]) for heading, reply in found.crisis] + [("Helplines and support", found.helplines)]
        parts.append(
            f'<section class="region" aria-labelledby="region-{found.region.value}">'
            f'<h2 id="region-{found.region.value}">{html.escape(found.name)}</h2>{window(title, sections, style)}</section>'
        )
    return f'<div class="regions">{"".join(parts)}</div>'


def colours_css(pack: ContentPack) -> str:
    """The pack's colours as the widget's custom properties (served as a stylesheet: no inline styles)."""
    colours = pack.info.branding.colours
    return f":root {{ --sg-primary: {colours.primary}; --sg-on-primary: {colours.on_primary}; }}\n"
