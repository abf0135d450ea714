"""How long a reply is: words and services, so that each first reply fits one phone screen.

A reply fits a 390 x 844 phone screen before "Tell me more" at about 120 words (helpline lines
included) and two services (docs/conversation.md, "Short replies"). `content check` holds every
page and answer to it, and tests/test_short_replies.py every first reply the assistant gives.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator

from bot.content.loader import ContentPack
from bot.content.render import (
    Reply,
    answer_replies,
    crisis_reply,
    helplines_text,
    menu_reply,
    services_named,
    signpost_reply,
    topic_page,
)
from bot.content.schema import Region

#: Words in one reply, helpline lines included: about one phone screen.
MAX_REPLY_WORDS = 120
#: Services in one reply (crisis replies excepted when the region is not known: one per region).
MAX_REPLY_SERVICES = 2

#: A Sunday night, when most services are closed: their "Opens at ..." line is the longest.
WORST_CASE_TIME = dt.datetime(2026, 11, 29, 23, 30)

_TOKEN = re.compile(r"[\w£€$@/:.'\u2019-]*\w[\w£€$@/:.'\u2019-]*")


#: A phone number written in groups ("0808 2000 247"): one word, as a reader sees it.
_PHONE = re.compile(r"\b\d+(?: \d+)+\b")


def reply_words(text: str) -> int:
    """Words a reader sees: Markdown marks and bullets are not words; a phone number or a link is one."""
    return len(_TOKEN.findall(_PHONE.sub("0", text.replace("**", " ").replace("_", " "))))


def replies_words(replies: Iterable[Reply]) -> int:
    return sum(reply_words(r.text) for r in replies)


def replies_services(pack: ContentPack, replies: Iterable[Reply]) -> int:
    return len(services_named(pack, [r.text for r in replies]))


def page_words(pack: ContentPack, heading: str, text: str, helplines: list[str], region: Region | None) -> int:
    """A page or answer as shown, heading and services included, at the time its services read longest."""
    return reply_words("\n\n".join([heading, text, helplines_text(pack, helplines, region, WORST_CASE_TIME)]))


def first_replies(pack: ContentPack, intro: str) -> Iterator[tuple[str, list[Reply]]]:
    """Every first reply the assistant gives, named: what a survivor reads before "Tell me more".

    `intro` is the first turn's intro (actions.base.intro_text); the rest comes from the pack.
    """
    yield "greeting", [Reply(intro), menu_reply(pack, pack.message("greeting_question"))]
    yield "menu", [menu_reply(pack)]
    regions: tuple[Region | None, ...] = (None, *pack.enabled_regions)
    for kind in [kind for kind, _ in pack.crisis.replies() if kind != "unavailable"]:
        for region in regions:
            yield f"crisis {kind} ({region.value if region else 'region not known'})", [crisis_reply(pack, kind, region)]
    for topic in pack.topics.values():
        for region in regions:
            where = region.value if region else "region not said"
            yield f"topic {topic.id} ({where})", topic_page(pack, topic, region, 0)
            for question in topic.questions:
                yield f"answer {question.id} ({where})", answer_replies(pack, question, topic, [], region)
    for key in ("fallback", "out_of_scope"):
        for region in regions:
            yield f"{key} ({region.value if region else 'region not known'})", [signpost_reply(pack, pack.message(key), region)]
