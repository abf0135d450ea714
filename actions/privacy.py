"""Stop: the conversation is cleared at once, from any state."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.base import ConversationState, Response, SupportAction
from bot.content.loader import ContentPack
from bot.content.render import Reply


class ActionStop(SupportAction):
    """Says the conversation is gone and has the tracker store delete it (see rasa_plugins/tracker_store.py)."""

    action_name = "action_stop"
    states_region = False  # it says so itself, or has more urgent things to say
    introduce = False  # "stop" is answered at once, with nothing in front of it.

    def respond(self, pack: ContentPack, state: ConversationState, tracker: Tracker) -> Response:
        # Leaving in a hurry ("someone's coming") gets the shortest possible confirmation.
        key = "leave_now" if state.intent == "leave_now" else "stop"
        return Response([Reply(pack.message(key))], [SlotSet("forget_conversation", True)])
