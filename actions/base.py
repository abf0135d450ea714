"""What every action shares: the content pack, the conversation's state, and the first-turn intro."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.content.loader import ContentPack
from bot.content.reload import PackHolder
from bot.content.render import NOT_SAID, Reply, parse_region, services_named, signpost_reply
from bot.content.schema import Region, Topic
from bot.settings import Settings
from bot.stats import recorder

logger = logging.getLogger(__name__)


def intro_text(pack: ContentPack) -> str:
    """The first-turn intro, with how long this deployment really keeps a silent conversation."""
    return pack.message("intro", minutes=str(Settings().forget_after_minutes))


_holder = PackHolder()


def get_pack() -> ContentPack:
    """The content pack (data/content plus any CONTENT_DIR overlay, BOT_LOCALE), reloaded when it changes."""
    return _holder.get()


def install_reload_signal() -> None:
    """SIGHUP reloads the content pack at the next request (where the platform has SIGHUP)."""
    if hasattr(signal, "SIGHUP") and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGHUP, lambda _signum, _frame: _holder.request_reload())


@dataclass(frozen=True)
class ConversationState:
    """The few slots the actions read. None of them is personal: see domain.yml."""

    intent: Optional[str]
    region: Optional[Region]
    region_not_said: bool
    region_asked: bool
    introduced: bool
    last_topic: Optional[str]
    pending_topic: Optional[str]
    more_page: int
    before_crisis_topic: Optional[str]
    #: "suicide" while the direct question after indirect warning signs waits for an answer.
    crisis_question: Optional[str] = None
    #: The survivor said they are not thinking of ending their life: believed, not asked again.
    suicide_question_declined: bool = False
    #: A disclosure was already believed in this conversation.
    disclosed: bool = False
    #: The person who caused harm works in policing (said so in this conversation).
    abuser_in_police: bool = False
    #: "officer" or "staff", only if the survivor said which.
    asker: Optional[str] = None
    #: Helpline ids already shown in this conversation: topic pages and answers leave them out.
    services_shown: tuple[str, ...] = ()

    @classmethod
    def from_tracker(
        cls, tracker: Tracker, default_region: Optional[Region] = None, enabled: Optional[tuple[Region, ...]] = None
    ) -> ConversationState:
        """The state from the slots; a pack's `default_region` applies until the survivor says otherwise.

        A region the pack does not enable (`enabled`) counts as not said: its answers are not in the
        pack, and another region's are never given as its own.
        """
        region_slot = tracker.get_slot("region")
        region = parse_region(region_slot)
        not_covered = region is not None and enabled is not None and region not in enabled
        return cls(
            intent=(tracker.latest_message or {}).get("intent", {}).get("name"),
            region=None if not_covered else region or (default_region if region_slot is None else None),
            region_not_said=region_slot == NOT_SAID or not_covered,
            region_asked=bool(tracker.get_slot("region_asked")),
            introduced=bool(tracker.get_slot("introduced")),
            last_topic=tracker.get_slot("last_topic"),
            pending_topic=tracker.get_slot("pending_topic"),
            more_page=int(tracker.get_slot("more_page") or 0),
            before_crisis_topic=tracker.get_slot("before_crisis_topic"),
            crisis_question=tracker.get_slot("crisis_question"),
            suicide_question_declined=bool(tracker.get_slot("suicide_question_declined")),
            disclosed=bool(tracker.get_slot("disclosed")),
            abuser_in_police=bool(tracker.get_slot("abuser_in_police")) or mentions_police_role(tracker),
            asker=tracker.get_slot("asker"),
            services_shown=tuple(tracker.get_slot("services_shown") or ()),
        )

    @property
    def region_settled(self) -> bool:
        """Whether the survivor has answered (or declined) the region question."""
        return self.region is not None or self.region_not_said

    def topic(self, pack: ContentPack, topic_id: Optional[str]) -> Optional[Topic]:
        return pack.topics.get(topic_id) if topic_id else None


def latest_entities(tracker: Tracker, entity: str) -> list[dict[str, Any]]:
    """The latest message's entities of one kind (from the NLU lookup tables in data/nlu/)."""
    return [e for e in (tracker.latest_message or {}).get("entities") or [] if e.get("entity") == entity]


def mentions_police_role(tracker: Tracker) -> bool:
    """Whether the latest message names a police role for someone other than the survivor.

    "he's my DS" or "by a colleague" count; "I'm a PC" does not (that role is inside the
    survivor's own `asker_role`, so it describes who is asking, not who caused harm).
    """
    own = [(e.get("start", -1), e.get("end", -1)) for e in latest_entities(tracker, "asker_role")]
    return any(
        not any(start <= e.get("start", -2) and e.get("end", -2) <= end for start, end in own)
        for e in latest_entities(tracker, "police_role")
    )


def region_named_in_message(tracker: Tracker) -> Optional[Region]:
    """A region the latest message named in passing (a force, a nation, a capital), if any."""
    for entity in latest_entities(tracker, "region"):
        region = parse_region(entity.get("value"))
        if region is not None:
            return region
    return None


@dataclass
class Response:
    """What an action says, which slots it changes, and which topic it counts (opt-in statistics)."""

    replies: list[Reply]
    events: list[EventType]
    counted_topic: Optional[str] = None


async def count_topic(topic: str, tracker: Tracker) -> None:
    """Add one to today's count for a topic and channel, if statistics are on. Never fails a reply."""
    stats = recorder()
    if stats is None:
        return
    channel = ((tracker.latest_message or {}).get("metadata") or {}).get("channel")
    try:
        await asyncio.to_thread(stats.record, topic, channel if isinstance(channel, str) else None)
    except Exception as error:
        logger.warning("statistics not recorded (%s)", type(error).__name__)


class SupportAction(Action, ABC):
    """Base for every action: renders replies and says what the assistant is on the first turn.

    The first reply of a conversation, whatever the survivor wrote, starts with the intro (an
    automated assistant, not a person or the police; nothing personal kept; how to leave).
    Crisis replies put the intro after the crisis numbers, never before.
    """

    action_name: str = ""
    #: Whether the first-turn intro is added, and where: crisis puts it after the numbers.
    introduce: bool = True
    intro_after_reply: bool = False
    #: Whether a region named in passing ("I'm in the Met") is stated back before the reply.
    states_region: bool = True

    def name(self) -> str:
        return self.action_name

    @abstractmethod
    def respond(self, pack: ContentPack, state: ConversationState, tracker: Tracker) -> Response:
        """Build this action's replies from the pack and the conversation state."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        pack = get_pack()
        state = ConversationState.from_tracker(tracker, pack.default_region, pack.enabled_regions)
        try:
            response = self.respond(pack, state, tracker)
        except Exception as error:
            # Never a dead end, and never a traceback that could carry the tracker (with the
            # survivor's words) into a log or back to Rasa: the error's type only, then signpost.
            logger.error("%s failed with %s; sending the signpost reply", self.action_name, type(error).__name__)
            response = Response([signpost_reply(pack, pack.message("fallback"), state.region)], [])
        replies = list(response.replies)
        events = list(response.events)
        named = region_named_in_message(tracker) if self.states_region else None
        if named is not None and named in pack.enabled_regions and not state.region_asked:
            # Taken from what was said, stated back, and changeable: never asked for again.
            replies.insert(0, Reply(pack.message("region_from_message", region=pack.region_name(named))))
            events.append(SlotSet("region_asked", True))
        if state.abuser_in_police and not tracker.get_slot("abuser_in_police"):
            events.append(SlotSet("abuser_in_police", True))
        # The crisis question is answered by the very next turn or not at all: any other turn closes it.
        if state.crisis_question and not any(isinstance(e, dict) and e.get("name") == "crisis_question" for e in events):
            events.append(SlotSet("crisis_question", None))
        shown = services_named(pack, [reply.text for reply in replies])
        if not shown <= set(state.services_shown):
            events.append(SlotSet("services_shown", sorted(shown | set(state.services_shown))))
        if self.introduce and not state.introduced:
            intro = Reply(intro_text(pack))
            replies = [*replies, intro] if self.intro_after_reply else [intro, *replies]
        for reply in replies:
            dispatcher.utter_message(text=reply.text, buttons=[b.as_rasa() for b in reply.buttons])
        if response.counted_topic:
            await count_topic(response.counted_topic, tracker)
        # Only the action name is logged: never text, slots or the sender id.
        logger.debug("%s sent %d message(s)", self.action_name, len(replies))
        return [*events, SlotSet("introduced", True)]
