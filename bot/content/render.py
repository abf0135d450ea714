"""Turn the content pack into replies: text in a small Markdown subset, plus quick-reply buttons.

Channel-neutral on purpose: the actions send these through Rasa, the gateway shows them when
Rasa cannot be reached, and `content preview` prints them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Optional

from bot.content.hours import open_status
from bot.content.loader import ContentPack
from bot.content.schema import ALL_REGIONS, MAX_RESOURCES_PER_MESSAGE, Helpline, Question, Region, Topic

#: The value of the `region` slot when the survivor chose not to say.
NOT_SAID = "not_said"


@dataclass(frozen=True)
class Button:
    """A quick reply: what the survivor sees, and the message it sends."""

    title: str
    payload: str

    def as_rasa(self) -> dict[str, str]:
        return {"title": self.title, "payload": self.payload}


@dataclass(frozen=True)
class Reply:
    """One message from the assistant."""

    text: str
    buttons: tuple[Button, ...] = field(default_factory=tuple)


def intent_payload(intent: str, **entities: str) -> str:
    """A button payload that Rasa reads as an intent, with optional entities."""
    return f"/{intent}{json.dumps(entities, separators=(',', ':'))}" if entities else f"/{intent}"


def day_name(pack: ContentPack, moment: dt.datetime) -> str:
    """The pack's own name for the day of `moment` (messages.yml `day_names`, Monday first)."""
    return [d.strip() for d in pack.message("day_names").split(",") if d.strip()][moment.weekday()]


def hours_line(pack: ContentPack, helpline: Helpline, now: Optional[dt.datetime] = None) -> str:
    """When a service is open: its hours in words, then "Open now." or "Opens at ..." when hours are confirmed."""
    words = helpline.hours or pack.message("hours_unknown")
    if helpline.open_24_7 or not helpline.opening_hours:
        return words
    status = open_status(helpline, now)
    if status.open_now:
        return f"{pack.message('hours_open_now')} {words}"
    if status.next_open is not None:
        when = pack.message("hours_opens_at", time=status.next_open.strftime("%H:%M"), day=day_name(pack, status.next_open))
        return f"{when} {words}"
    return words


def format_helpline(pack: ContentPack, helpline: Helpline, now: Optional[dt.datetime] = None) -> str:
    """One service: name and how to reach it, when it is open, and who it is for."""
    contacts = [
        pack.message("contact_call", contact=helpline.phone) if helpline.phone else "",
        pack.message("contact_text", contact=helpline.text_number) if helpline.text_number else "",
        pack.message("contact_email", contact=helpline.email) if helpline.email else "",
    ]
    lines = [f"**{helpline.name}**" + (": " + ", ".join(c for c in contacts if c) if any(contacts) else "")]
    lines.append(hours_line(pack, helpline, now))
    lines.append(helpline.for_whom)
    link = helpline.chat or helpline.web
    if link:
        lines.append(link)
    return "\n".join(lines)


def serves(helpline: Helpline, region: Optional[Region], enabled: tuple[Region, ...] = ALL_REGIONS) -> bool:
    """Whether a service is for `region`; with the region not known, whether it serves any enabled region."""
    if region is None:
        return any(r in helpline.regions for r in enabled)
    return region in helpline.regions


def helplines_text(pack: ContentPack, ids: Iterable[str], region: Optional[Region], now: Optional[dt.datetime] = None) -> str:
    """Up to three services for the region, open ones first, under a heading; empty when none apply."""
    chosen = [pack.helplines[i] for i in ids if serves(pack.helplines[i], region, pack.enabled_regions)]
    chosen = chosen[:MAX_RESOURCES_PER_MESSAGE]
    if not chosen:
        return ""
    # Stable: open services first, the pack's order otherwise.
    chosen.sort(key=lambda h: not open_status(h, now).open_now)
    return pack.message("helplines_heading") + "\n\n" + "\n\n".join(format_helpline(pack, h, now) for h in chosen)


def _join(*parts: str) -> str:
    return "\n\n".join(part.strip() for part in parts if part and part.strip())


def menu_buttons(pack: ContentPack) -> tuple[Button, ...]:
    return tuple(Button(pack.topics[t].button, intent_payload(pack.topics[t].intent)) for t in pack.menu.menu)


def menu_reply(pack: ContentPack, text: Optional[str] = None) -> Reply:
    """The menu of topics as buttons, under `text` (or the usual prompt)."""
    return Reply(text or pack.message("menu_prompt"), menu_buttons(pack))


def navigation_buttons(pack: ContentPack, more: bool) -> tuple[Button, ...]:
    buttons = [Button(pack.message("button_tell_me_more"), intent_payload("tell_me_more"))] if more else []
    buttons += [
        Button(pack.message("button_menu"), intent_payload("menu")),
        Button(pack.message("button_stop"), intent_payload("stop")),
    ]
    return tuple(buttons)


def region_question(pack: ContentPack, safety_first: bool = False) -> Reply:
    """Ask, optionally, which part of the UK applies: a button for each enabled region, and one not to say.

    With `safety_first` (a topic about harm that may be going on now), 999 and Samaritans come first:
    they are the same everywhere, so nobody waits on the region question for them.
    """
    buttons = [Button(pack.region_name(r), intent_payload("inform_region", region=r.value)) for r in pack.enabled_regions]
    buttons.append(Button(pack.message("region_not_said_button"), intent_payload("inform_region", region=NOT_SAID)))
    text = pack.message("region_question")
    return Reply(pack.message("safety_line") + "\n\n" + text if safety_first else text, tuple(buttons))


def parse_region(value: object) -> Optional[Region]:
    """The region slot as a Region; None when unknown or not said."""
    try:
        return Region(str(value))
    except ValueError:
        return None


def page_count(topic: Topic, region: Optional[Region], enabled: tuple[Region, ...] = ALL_REGIONS) -> int:
    """How many pages the survivor can read in their region (the longest enabled region's, if not said)."""
    regions = (region,) if region else enabled
    return max(len(topic.variant_for(r).pages) for r in regions)


def topic_page(pack: ContentPack, topic: Topic, region: Optional[Region], page: int) -> list[Reply]:
    """Page `page` of a topic: one message, or one per region when the region is not known.

    Returns an empty list when the topic has no such page. Not known means each enabled region,
    labelled; a region the pack does not enable is never shown.
    """
    enabled = pack.enabled_regions
    if page >= page_count(topic, region, enabled):
        return []
    regions: tuple[Optional[Region], ...]
    if not topic.region_specific:
        regions = (None,)
    elif region is None:
        regions = enabled
    else:
        regions = (region,)
    more = page + 1 < page_count(topic, region, enabled)
    replies: list[Reply] = []
    for r in regions:
        variant = topic.variant_for(r or enabled[0])
        if page >= len(variant.pages):
            continue
        content = variant.pages[page]
        heading = f"**{topic.title}**" if page == 0 else ""
        if page == 1 and topic.content_note:
            heading = _join(heading, f"_{topic.content_note}_")
        region_heading = pack.message("region_heading", region=pack.region_name(r)) if (r and region is None) else ""
        text = _join(
            heading if r in (None, regions[0]) else "", region_heading, content.text, helplines_text(pack, content.helplines, r)
        )
        replies.append(Reply(text))
    if replies:
        last = replies[-1]
        replies[-1] = Reply(last.text, navigation_buttons(pack, more))
    return replies


def answer_replies(
    pack: ContentPack, question: Question, topic: Topic, related: Iterable[Question], region: Optional[Region]
) -> list[Reply]:
    """A question's answer for the region (each enabled region's, labelled, when not known).

    The last message carries "Tell me more" (the topic's overview), up to two related questions
    and the menu button.
    """
    enabled = pack.enabled_regions
    regions: tuple[Optional[Region], ...] = (None,) if not question.region_specific else ((region,) if region else enabled)
    replies = []
    for number, r in enumerate(regions):
        answer = question.answer_for(r or enabled[0])
        region_heading = pack.message("region_heading", region=pack.region_name(r)) if (r and region is None) else ""
        heading = f"**{question.title}**" if number == 0 else ""
        replies.append(Reply(_join(heading, region_heading, answer.text, helplines_text(pack, answer.helplines, r))))
    buttons = [Button(pack.message("button_tell_me_more"), intent_payload(topic.intent))]
    buttons += [Button(q.title, intent_payload("ask_question", question=q.id)) for q in related]
    buttons.append(Button(pack.message("button_menu"), intent_payload("menu")))
    replies[-1] = Reply(replies[-1].text, tuple(buttons))
    return replies


def crisis_reply(pack: ContentPack, kind: str, region: Optional[Region]) -> Reply:
    """The first answer to danger now ("danger") or thoughts of suicide or self-harm ("suicide")."""
    reply = getattr(pack.crisis, kind)
    text = _join(reply.text, helplines_text(pack, reply.helplines, region), pack.message("crisis_leave"))
    buttons = (
        Button(pack.message("crisis_safe_button"), intent_payload("safe_now")),
        Button(pack.message("button_stop"), intent_payload("stop")),
    )
    return Reply(text, buttons)


def signpost_reply(pack: ContentPack, text: str, region: Optional[Region]) -> Reply:
    """A kind answer that never dead-ends: the text, services for the region, and the menu button."""
    key = region.value if region else NOT_SAID
    return Reply(
        _join(text, helplines_text(pack, pack.menu.signpost[key], region)),
        (Button(pack.message("button_menu"), intent_payload("menu")),),
    )


def crisis_kind(pack: ContentPack, text: Optional[str]) -> Optional[str]:
    """The crisis reply a message needs: a kind of crisis.yml, or None.

    "recent_assault" when a sexual assault in the last day or so is all that makes it danger (or
    all it says), if the pack has that reply; otherwise what the crisis patterns detect.
    """
    if not text:
        return None
    matcher = pack.crisis_matcher
    kind = matcher.detect(text)
    if pack.crisis.recent_assault is not None and kind in ("danger", None):
        if (kind is None and matcher.recent_assault(text)) or (kind == "danger" and matcher.recent_assault_only(text)):
            return "recent_assault"
    return kind


def static_fallback(pack: ContentPack, text: Optional[str] = None) -> list[Reply]:
    """What a channel shows when the assistant cannot be reached: crisis numbers and helplines.

    When the message that could not be answered matches a crisis kind, that kind's graded reply
    comes first (the same patterns the Rasa server uses), so a crisis is answered as one even
    with the assistant down.
    """
    unavailable = pack.crisis.unavailable
    replies = []
    kind = crisis_kind(pack, text)
    if kind is not None:
        graded = getattr(pack.crisis, kind)
        replies.append(Reply(_join(graded.text, helplines_text(pack, graded.helplines, None))))
    replies.append(Reply(_join(unavailable.text, helplines_text(pack, unavailable.helplines, None))))
    return replies
