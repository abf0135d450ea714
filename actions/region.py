"""Where in the UK: asked once, optionally, and kept only for this conversation."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.base import ConversationState, Response, SupportAction
from actions.topics import answer_question, explain_topic
from bot.content.loader import ContentPack
from bot.content.render import NOT_SAID, Reply, menu_reply, parse_region


class ActionSetRegion(SupportAction):
    """Confirms the region (or the choice not to say) and shows the topic that was waiting for it.

    A region the pack does not enable (pack.yml `enabled_regions`) is said so, then treated as not
    said: the enabled regions' answers, each labelled with its region.
    """

    action_name = "action_set_region"

    def respond(self, pack: ContentPack, state: ConversationState, tracker: Tracker) -> Response:
        events = [SlotSet("region_asked", True)]
        named = parse_region(tracker.get_slot("region"))
        if state.region is not None:
            confirmation = Reply(pack.message("region_set", region=pack.region_name(state.region)))
        else:
            # Declined, not covered, or the region was not understood: never guess one.
            if named is not None and named not in pack.enabled_regions:
                confirmation = Reply(pack.message("region_not_covered", region=pack.region_name(named)))
            else:
                confirmation = Reply(pack.message("region_not_said"))
            events.append(SlotSet("region", NOT_SAID))
            state = ConversationState(**{**state.__dict__, "region_not_said": True})
        question = pack.questions.get(str(tracker.get_slot("pending_question") or ""))
        if question is not None:  # the question that was waiting for the region is answered now
            answered = answer_question(pack, question, state, prefix=confirmation)
            return Response(answered.replies, events + answered.events)
        topic = state.topic(pack, state.pending_topic)
        if topic is None:
            return Response([confirmation, menu_reply(pack)], events)
        shown = explain_topic(pack, topic, state, prefix=confirmation)
        return Response(shown.replies, events + shown.events)
