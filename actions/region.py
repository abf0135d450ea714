"""Where in the UK: asked once, optionally, and kept only for this conversation."""

from __future__ import annotations

from typing import Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.base import ConversationState, Response, SupportAction
from actions.topics import answer_question, explain_topic, message_text, nlu_topics
from bot.content.answers import QUESTION_THRESHOLD, asks_something, index_for
from bot.content.loader import ContentPack
from bot.content.render import NOT_SAID, Reply, menu_reply, parse_region
from bot.content.schema import Question, Region, Topic

#: How sure the model must be of a question asked in the same message as the region ("I'm in
#: Wales. how do I raise a grievance") for it to be answered straight away.
ALONGSIDE_MIN_CONFIDENCE = 0.2


def asked_alongside(pack: ContentPack, tracker: Tracker) -> Optional[Topic]:
    """A topic asked in the same message as the region: the model's next guess, if it is a topic."""
    ranking = (tracker.latest_message or {}).get("intent_ranking") or []
    for entry in ranking[1:3]:
        topic = pack.topics_by_intent.get(entry.get("name") or "")
        if topic is not None and float(entry.get("confidence") or 0) >= ALONGSIDE_MIN_CONFIDENCE:
            return topic
    return None


def question_alongside(
    pack: ContentPack, tracker: Tracker, topic: Optional[Topic], region: Optional[Region]
) -> Optional[Question]:
    """A question asked in the same message as the region ("I'm in NI, can I get compensation?"), if the pack has it.

    Only a message shaped as a question: a place alone ("I live in Scotland") shares words with the
    questions about that region, and asks none of them.
    """
    text = message_text(tracker)
    if not text or not asks_something(text):
        return None
    match = index_for(pack).best(text, topic.id if topic else None, QUESTION_THRESHOLD, nlu_topics(pack, tracker), region)
    return match.question if match else None


class ActionSetRegion(SupportAction):
    """Confirms the region (or the choice not to say) and shows the topic that was waiting for it.

    A region the pack does not enable (pack.yml `enabled_regions`) is said so, then treated as not
    said: the enabled regions' answers, each labelled with its region.
    """

    action_name = "action_set_region"
    states_region = False  # it says so itself, or has more urgent things to say

    def respond(self, pack: ContentPack, state: ConversationState, tracker: Tracker) -> Response:
        events = [SlotSet("region_asked", True)]
        named = parse_region(tracker.get_slot("region"))
        if state.region is not None:
            # An answer to the region question, or a region button, is thanked; a region typed unasked
            # ("I'm a PC in Kent") is stated back as changeable, the way every other action does it.
            typed_unasked = not state.region_asked and bool(message_text(tracker))
            key = "region_from_message" if typed_unasked else "region_set"
            confirmation = Reply(pack.message(key, region=pack.region_name(state.region)))
        else:
            # Declined, not covered, or the region was not understood: never guess one.
            if named is not None and named not in pack.enabled_regions:
                confirmation = Reply(pack.message("region_not_covered", region=pack.region_name(named)))
            else:
                confirmation = Reply(pack.message("region_not_said"))
            events.append(SlotSet("region", NOT_SAID))
            state = ConversationState(**{**state.__dict__, "region_not_said": True})
        question = pack.questions.get(str(tracker.get_slot("pending_question") or ""))
        pending = state.topic(pack, state.pending_topic)
        if question is None and pending is None:  # nothing waiting: perhaps a question came with the region
            question = question_alongside(pack, tracker, asked_alongside(pack, tracker), state.region)
        if question is not None:  # the question that was waiting for the region (or came with it) is answered now
            answered = answer_question(pack, question, state, prefix=confirmation)
            return Response(answered.replies, events + answered.events)
        topic = pending or asked_alongside(pack, tracker)
        if topic is None:
            return Response([confirmation, menu_reply(pack)], events)
        shown = explain_topic(pack, topic, state, prefix=confirmation)
        return Response(shown.replies, events + shown.events)
