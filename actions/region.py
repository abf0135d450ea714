"""Where in the UK: asked once, optionally, and kept only for this conversation."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.base import ConversationState, Response, SupportAction
from actions.topics import explain_topic
from bot.content.loader import ContentPack
from bot.content.render import NOT_SAID, Reply, menu_reply


class ActionSetRegion(SupportAction):
    """Confirms the region (or the choice not to say) and shows the topic that was waiting for it."""

    action_name = "action_set_region"

    def respond(self, pack: ContentPack, state: ConversationState, tracker: Tracker) -> Response:
        events = [SlotSet("region_asked", True)]
        if state.region is not None:
            confirmation = Reply(pack.message("region_set", region=pack.region_name(state.region)))
        else:
            # Declined, or the region was not understood: never guess one.
            confirmation = Reply(pack.message("region_not_said"))
            events.append(SlotSet("region", NOT_SAID))
            state = ConversationState(**{**state.__dict__, "region_not_said": True})
        topic = state.topic(pack, state.pending_topic)
        if topic is None:
            return Response([confirmation, menu_reply(pack)], events)
        shown = explain_topic(pack, topic, state, prefix=confirmation)
        return Response(shown.replies, events + shown.events)
