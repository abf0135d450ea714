"""Crisis first: 999 or Samaritans at once, from any state, graded by what was said, then a way back."""

from __future__ import annotations

from typing import Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.base import ConversationState, Response, SupportAction
from actions.topics import has_more
from bot.content.loader import ContentPack
from bot.content.render import (
    Button,
    Reply,
    crisis_kind,
    crisis_reply,
    intent_payload,
    menu_reply,
    navigation_buttons,
    topic_page,
)

#: The crisis kind each crisis intent answers (rasa_plugins/crisis_matcher.py sets the intent).
CRISIS_KIND_FOR_INTENT = {
    "crisis_danger": "danger",
    "crisis_suicide": "suicide",
    "crisis_harm_risk": "harm_risk",
    "crisis_suicide_signs": "suicide_signs",
}
#: The value of the `crisis_question` slot while "are you thinking about ending your life?" is open.
SUICIDE_QUESTION = "suicide"


def continue_reply(pack: ContentPack, state: ConversationState, text: str, topic_id: Optional[str]) -> Reply:
    """`text`, then the page the survivor was reading (so nothing is lost), or the menu if none."""
    topic = state.topic(pack, topic_id)
    if topic is None:
        return menu_reply(pack, text)
    page = topic_page(pack, topic, state.region, state.more_page)
    if len(page) != 1:  # several regions or no such page: a heading and the way on, not a wall of text
        return Reply(text + f"\n\n**{topic.title}**", navigation_buttons(pack, has_more(pack, topic, state)))
    return Reply(text + "\n\n" + page[0].text, page[0].buttons)


def suicide_question_buttons(pack: ContentPack) -> tuple[Button, ...]:
    return (
        Button(pack.message("suicide_question_yes"), intent_payload("affirm")),
        Button(pack.message("suicide_question_no"), intent_payload("deny")),
        Button(pack.message("suicide_question_unsure"), intent_payload("unsure")),
    )


class ActionCrisis(SupportAction):
    """Answers danger now, harm from others, and thoughts or signs of suicide, before anything else."""

    action_name = "action_crisis"
    states_region = False  # it says so itself, or has more urgent things to say
    intro_after_reply = True

    def respond(self, pack: ContentPack, state: ConversationState, tracker: Tracker) -> Response:
        kind = CRISIS_KIND_FOR_INTENT.get(state.intent or "", "danger")
        # Remember where the survivor was, so "I'm safe" (or "no") can take them back there.
        back = state.before_crisis_topic if state.last_topic is None else state.last_topic
        events: list[EventType] = [SlotSet("before_crisis_topic", back)]
        if kind == "suicide_signs":
            if state.suicide_question_declined:
                # They said they are not thinking of ending their life: believed, not asked again.
                reply = continue_reply(pack, state, pack.message("suicide_signs_again"), back)
                return Response([reply], events, counted_topic="crisis_suicide_signs")
            first = crisis_reply(pack, kind, state.region)
            events.append(SlotSet("crisis_question", SUICIDE_QUESTION))
            return Response([Reply(first.text, suicide_question_buttons(pack))], events, counted_topic="crisis_suicide_signs")
        text = (tracker.latest_message or {}).get("text") or ""
        if kind == "danger" and crisis_kind(pack, text) == "recent_assault":
            # "I was raped last night": believed, 999 if in danger, then care and evidence, which depend on time.
            reply = crisis_reply(pack, "recent_assault", state.region)
            care = pack.topics.get("evidence_health")
            buttons = (Button(care.button, intent_payload(care.intent)), *reply.buttons) if care else reply.buttons
            return Response([Reply(reply.text, buttons)], events, counted_topic="crisis_danger")
        return Response([crisis_reply(pack, kind, state.region)], events, counted_topic=f"crisis_{kind}")


def answer_suicide_question(pack: ContentPack, state: ConversationState, answer: str) -> Response:
    """Yes gets the suicide reply; no is believed; not sure is met kindly. Each goes back to where they were."""
    closed: list[EventType] = [SlotSet("crisis_question", None)]
    if answer == "yes":
        return Response([crisis_reply(pack, "suicide", state.region)], closed, counted_topic="crisis_suicide")
    if answer == "no":
        reply = continue_reply(pack, state, pack.message("suicide_answer_no"), state.before_crisis_topic)
        return Response([reply], [*closed, SlotSet("suicide_question_declined", True)])
    reply = continue_reply(pack, state, pack.message("suicide_answer_unsure"), state.before_crisis_topic)
    return Response([reply], closed)


class ActionSafeNow(SupportAction):
    """After a crisis reply (or a false alarm): believed, and back to the page the survivor was reading."""

    action_name = "action_safe_now"

    def respond(self, pack: ContentPack, state: ConversationState, tracker: Tracker) -> Response:
        topic_id = state.before_crisis_topic or state.last_topic
        if state.topic(pack, topic_id) is None:
            return Response([menu_reply(pack, pack.message("safe_now_no_context"))], [SlotSet("before_crisis_topic", None)])
        reply = continue_reply(pack, state, pack.message("safe_now"), topic_id)
        return Response([reply], [SlotSet("last_topic", topic_id), SlotSet("before_crisis_topic", None)])
