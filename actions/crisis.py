"""Crisis first: 999 or Samaritans at once, from any state, then a way back."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.base import ConversationState, Response, SupportAction
from actions.topics import has_more
from bot.content.loader import ContentPack
from bot.content.render import Reply, crisis_reply, menu_reply, navigation_buttons

CRISIS_KIND_FOR_INTENT = {"crisis_danger": "danger", "crisis_suicide": "suicide"}


class ActionCrisis(SupportAction):
    """Answers danger now, or thoughts of suicide or self-harm, before anything else."""

    action_name = "action_crisis"
    intro_after_reply = True

    def respond(self, pack: ContentPack, state: ConversationState, tracker: Tracker) -> Response:
        kind = CRISIS_KIND_FOR_INTENT.get(state.intent or "", "danger")
        # Remember where the survivor was, so "I'm safe" can take them back there.
        return Response(
            [crisis_reply(pack, kind, state.region)],
            [SlotSet("before_crisis_topic", state.last_topic)],
            counted_topic=f"crisis_{kind}",
        )


class ActionSafeNow(SupportAction):
    """After a crisis reply (or a false alarm): carry on where the survivor was."""

    action_name = "action_safe_now"

    def respond(self, pack: ContentPack, state: ConversationState, tracker: Tracker) -> Response:
        topic = state.topic(pack, state.before_crisis_topic)
        if topic is None:
            return Response([menu_reply(pack, pack.message("safe_now_no_context"))], [SlotSet("before_crisis_topic", None)])
        text = pack.message("safe_now") + f"\n\n**{topic.title}**"
        return Response(
            [Reply(text, navigation_buttons(pack, has_more(pack, topic, state)))],
            [SlotSet("last_topic", topic.id), SlotSet("before_crisis_topic", None)],
        )
