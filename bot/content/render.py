"""Turn the content pack into replies: text in a small Markdown subset, plus quick-reply buttons.

Channel-neutral on purpose: the actions send these through Rasa, the gateway shows them when
Rasa cannot be reached, and `content preview` prints them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Optional

from bot.content import locales
from bot.content.hours import open_status
from bot.content.loader import ContentPack
from bot.content.schema import (
    ALL_REGIONS,
    MAX_RESOURCES_PER_ANSWER,
    MAX_RESOURCES_PER_MESSAGE,
    CrisisReply,
    Helpline,
    Question,
    Region,
    Topic,
)

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
    """The day of `moment` in the pack's language ("Monday"; Babel's CLDR names, bot/content/locales.py)."""
    return locales.day_name(pack.locale, moment)


def hours_line(pack: ContentPack, helpline: Helpline, now: Optional[dt.datetime] = None) -> str:
    """When a service is open: its hours in words, then "Open now." or "Opens at ..." when hours are confirmed."""
    words = helpline.hours or pack.message("hours_unknown")
    if helpline.open_24_7 or not helpline.opening_hours:
        return words
    status = open_status(helpline, now)
    if status.open_now:
        return f"{pack.message('hours_open_now')} {words}"
    if status.next_open is not None:
        when = pack.message(
            "hours_opens_at", time=locales.short_time(pack.locale, status.next_open), day=day_name(pack, status.next_open)
        )
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


def helplines_text(
    pack: ContentPack,
    ids: Iterable[str],
    region: Optional[Region],
    now: Optional[dt.datetime] = None,
    shown: Collection[str] = (),
) -> str:
    """Up to three services for the region, open ones first, under a heading; empty when none apply.

    Services in `shown` (already given in this conversation) are left out.
    """
    chosen = [pack.helplines[i] for i in ids if i not in shown and serves(pack.helplines[i], region, pack.enabled_regions)]
    chosen = chosen[:MAX_RESOURCES_PER_MESSAGE]
    if not chosen:
        return ""
    # Stable: open services first, the pack's order otherwise.
    chosen.sort(key=lambda h: not open_status(h, now).open_now)
    return pack.message("helplines_heading") + "\n\n" + "\n\n".join(format_helpline(pack, h, now) for h in chosen)


def services_named(pack: ContentPack, texts: Iterable[str]) -> set[str]:
    """The ids of the services whose entry (name in bold) the texts show."""
    joined = "\n".join(texts)
    return {i for i, h in pack.helplines.items() if f"**{h.name}**" in joined}


def _join(*parts: str) -> str:
    return "\n\n".join(part.strip() for part in parts if part and part.strip())


#: The main menu shows this many topics (menu.yml's first), then "More topics" for the rest.
MAIN_MENU_CHOICES = 6

#: The `question` entity a "More topics" button sends with the menu intent.
MORE_TOPICS = "more_topics"


def menu_buttons(pack: ContentPack, more: bool = False) -> tuple[Button, ...]:
    """The main menu's topics and "More topics"; with `more`, the rest of the topics."""
    ids = pack.menu.menu[MAIN_MENU_CHOICES:] if more else pack.menu.menu[:MAIN_MENU_CHOICES]
    buttons = [Button(pack.topics[t].button, intent_payload(pack.topics[t].intent)) for t in ids]
    if not more and len(pack.menu.menu) > MAIN_MENU_CHOICES:
        buttons.append(Button(pack.message("button_more_topics"), intent_payload("menu", question=MORE_TOPICS)))
    return tuple(buttons)


def menu_reply(pack: ContentPack, text: Optional[str] = None, more: bool = False) -> Reply:
    """The main menu of topics as buttons, under `text` (or the usual prompt); with `more`, the other topics."""
    if more:
        return Reply(text or pack.message("menu_more_prompt"), menu_buttons(pack, more=True))
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
    buttons = region_buttons(pack)
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
    """How many pages the survivor can read in their region (one, what is the same everywhere, if not said)."""
    if region is None and topic.region_specific:
        return 1
    return len(topic.variant_for(region or enabled[0]).pages)


def _same_lines(texts: list[str]) -> str:
    """The lines (sentences or paragraphs) every text has, in the first text's order."""
    first, others = texts[0], [{line.strip() for line in t.splitlines()} for t in texts[1:]]
    return "\n".join(line.strip() for line in first.splitlines() if line.strip() and all(line.strip() in o for o in others))


def _same_services(pack: ContentPack, lists: list[list[str]]) -> list[str]:
    """Services listed for some region that serve every enabled region, in order, each once."""
    ids = dict.fromkeys(i for ids in lists for i in ids)
    return [i for i in ids if all(r in pack.helplines[i].regions for r in pack.enabled_regions)][:MAX_RESOURCES_PER_ANSWER]


def only_region_label(pack: ContentPack) -> str:
    """With one region enabled (a regional service), its heading: its answer is shown, labelled as its own."""
    return (
        pack.message("region_heading", region=pack.region_name(pack.enabled_regions[0])) if len(pack.enabled_regions) == 1 else ""
    )


def region_buttons(pack: ContentPack) -> list[Button]:
    return [Button(pack.region_name(r), intent_payload("inform_region", region=r.value)) for r in pack.enabled_regions]


def everywhere_reply(
    pack: ContentPack, title: str, texts: list[str], services: list[list[str]], shown: Collection[str] = ()
) -> Reply:
    """For a survivor who would rather not say where: what is the same in every region, then the regions to pick from.

    Never every region's answer at once: that is several screens, most of it about somewhere else.
    """
    text = _join(
        f"**{title}**",
        _same_lines(texts),
        helplines_text(pack, _same_services(pack, services), None, shown=shown),
        pack.message("region_differs"),
    )
    return Reply(text, (*region_buttons(pack), Button(pack.message("button_menu"), intent_payload("menu"))))


def topic_page(
    pack: ContentPack,
    topic: Topic,
    region: Optional[Region],
    page: int,
    shown: Collection[str] = (),
    now: Optional[dt.datetime] = None,
) -> list[Reply]:
    """Page `page` of a topic, as one message; services in `shown` are left out; "Open now" as at `now` (default: now).

    Returns an empty list when the topic has no such page. A topic that differs by region, with the
    region not known, gives what is the same everywhere and the regions to pick from.
    """
    enabled = pack.enabled_regions
    if page >= page_count(topic, region, enabled):
        return []
    label = only_region_label(pack) if region is None and topic.region_specific else ""
    if region is None and topic.region_specific and not label:
        variants = [topic.variant_for(r).pages[0] for r in enabled]
        return [everywhere_reply(pack, topic.title, [v.text for v in variants], [v.helplines for v in variants], shown)]
    content = topic.variant_for(region or enabled[0]).pages[page]
    heading = f"**{topic.title}**" if page == 0 else ""
    if page == 1 and topic.content_note:
        heading = _join(heading, f"_{topic.content_note}_")
    text = _join(heading, label, content.text, helplines_text(pack, content.helplines, region, now, shown=shown))
    more = page + 1 < page_count(topic, region, enabled)
    return [Reply(text, navigation_buttons(pack, more))]


def answer_replies(
    pack: ContentPack,
    question: Question,
    topic: Topic,
    related: Iterable[Question],
    region: Optional[Region],
    shown: Collection[str] = (),
) -> list[Reply]:
    """A question's answer for the region, as one message; services in `shown` are left out.

    The message carries "Tell me more" (the topic's overview), up to two related questions and
    the menu button. With the region not known, an answer that differs by region gives what is
    the same everywhere and the regions to pick from.
    """
    label = only_region_label(pack) if region is None and question.region_specific else ""
    if question.region_specific and region is None and not label:
        answers = [question.answer_for(r) for r in pack.enabled_regions]
        return [everywhere_reply(pack, question.title, [a.text for a in answers], [a.helplines for a in answers], shown)]
    answer = question.answer_for(region or pack.enabled_regions[0])
    text = _join(f"**{question.title}**", label, answer.text, helplines_text(pack, answer.helplines, region, shown=shown))
    buttons = [Button(pack.message("button_tell_me_more"), intent_payload(topic.intent))]
    buttons += [Button(q.title, intent_payload("ask_question", question=q.id)) for q in related]
    buttons.append(Button(pack.message("button_menu"), intent_payload("menu")))
    return [Reply(text, tuple(buttons))]


def _regions_of(pack: ContentPack, helpline: Helpline) -> str:
    """The enabled regions a service is for, by name."""
    return ", ".join(pack.region_name(r) for r in pack.enabled_regions if r in helpline.regions)


def _crisis_reach(pack: ContentPack, helpline: Helpline, bare_phone: bool = False) -> str:
    """How to reach a service in a crisis reply: its numbers (or link), then its hours unless open day and night.

    `bare_phone`: the phone number without "call" before it, where a heading says what the lines are.
    """
    contacts = [
        (helpline.phone if bare_phone else pack.message("contact_call", contact=helpline.phone)) if helpline.phone else "",
        pack.message("contact_text", contact=helpline.text_number) if helpline.text_number else "",
    ]
    reach = ", ".join(c for c in contacts if c) or (helpline.chat or helpline.web or "")
    hours = "" if helpline.open_24_7 else f". {helpline.hours or pack.message('hours_unknown')}"
    return reach + hours


def crisis_helpline(pack: ContentPack, helpline: Helpline, region: Optional[Region]) -> str:
    """One service in a crisis reply, on one line: name (and where, when the region is not known), contacts, hours.

    Shorter than `format_helpline`, so that the numbers fit one phone screen.
    """
    where = ""
    names = [pack.region_name(r) for r in pack.enabled_regions if r in helpline.regions]
    if region is None and len(names) < len(pack.enabled_regions) and not any(n in helpline.name for n in names):
        where = " (" + ", ".join(names) + ")"
    return f"**{helpline.name}**{where}: {_crisis_reach(pack, helpline)}"


def one_per_region(pack: ContentPack, helplines: list[Helpline]) -> bool:
    """Whether the services split the enabled regions between them: each region served by exactly one."""
    return len(helplines) > 1 and all(sum(r in h.regions for h in helplines) == 1 for r in pack.enabled_regions)


def crisis_services(pack: ContentPack, reply: CrisisReply, region: Optional[Region]) -> str:
    """A crisis reply's services under their heading, one line each; empty when none apply.

    With the region not known and one service for each part of the UK, the reply's
    `services_heading` says what they are and each line gives only where and how to reach it:
    three long names would push the reply past one phone screen, and the survivor needs the
    number for where they are.
    """
    chosen = [pack.helplines[i] for i in reply.helplines if serves(pack.helplines[i], region, pack.enabled_regions)]
    chosen = chosen[:MAX_RESOURCES_PER_MESSAGE]
    if not chosen:
        return ""
    if region is None and reply.services_heading and one_per_region(pack, chosen):
        lines = [f"- {_regions_of(pack, h)}: {_crisis_reach(pack, h, bare_phone=True)}" for h in chosen]
        return reply.services_heading + "\n" + "\n".join(lines)
    heading = pack.message("crisis_helplines_heading" if all(h.open_24_7 for h in chosen) else "helplines_heading")
    return heading + "\n" + "\n".join(f"- {crisis_helpline(pack, h, region)}" for h in chosen)


def crisis_reply(pack: ContentPack, kind: str, region: Optional[Region]) -> Reply:
    """The first answer to danger now ("danger"), thoughts of suicide or self-harm ("suicide") or another crisis kind.

    Its services are always shown, even when shown before in the conversation, one line each.
    """
    reply = getattr(pack.crisis, kind)
    text = _join(reply.text, crisis_services(pack, reply, region), pack.message("crisis_leave"))
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
