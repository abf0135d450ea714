"""Stop: the conversation is cleared at once, from any state."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.base import ConversationState, Response, SupportAction
from bot.content.loader import ContentPack
from bot.content.render import Reply


class ActionStop(SupportAction):
    """Says the conversation is gone and has the tracker store delete it (see bot/rasa_plugins/tracker_store.py)."""

    action_name = "action_stop"
    introduce = False  # "stop" is answered at once, with nothing in front of it.

    def respond(self, pack: ContentPack, state: ConversationState, tracker: Tracker) -> Response:
        return Response([Reply(pack.message("stop"))], [SlotSet("forget_conversation", True)])
