"""Explaining options one bite at a time: a topic's first page, "tell me more", and the menu."""

from __future__ import annotations

from typing import Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.base import ConversationState, Response, SupportAction, latest_entities
from bot.content.answers import ANSWER_THRESHOLD, QUESTION_THRESHOLD, asks_something, index_for
from bot.content.loader import ContentPack
from bot.content.render import MORE_TOPICS, Reply, answer_replies, menu_reply, page_count, region_question, topic_page
from bot.content.schema import Question, Topic

#: The intent of a related-question button (`/ask_question{"question":"<id>"}`).
ASK_QUESTION = "ask_question"

#: Topics whose answer differs for police staff (employees) and officers (office-holders).
STAFF_NOTE_TOPICS = ("work", "misconduct_route")


def with_staff_note(pack: ContentPack, topic_id: str, state: ConversationState, prefix: Optional[Reply]) -> Optional[Reply]:
    """`prefix`, with the note for police staff added when the topic's answer differs for them."""
    if state.asker != "staff" or topic_id not in STAFF_NOTE_TOPICS:
        return prefix
    note = pack.message("staff_note")
    return Reply(prefix.text + "\n\n" + note if prefix else note)


#: The topic that is asked for services: it shows them even when they were shown before.
HELPLINES_TOPIC = "helplines"


def shown_before(topic_id: str, state: ConversationState) -> tuple[str, ...]:
    """Services to leave out of a topic's page or answer: those already shown, unless services were asked for."""
    return () if topic_id == HELPLINES_TOPIC else state.services_shown


def explain_topic(pack: ContentPack, topic: Topic, state: ConversationState, prefix: Optional[Reply] = None) -> Response:
    """Show a topic's first page, asking once (optionally) for the region when the answer depends on it."""
    prefix = with_staff_note(pack, topic.id, state, prefix)
    if topic.region_specific and not state.region_settled and not state.region_asked:
        return Response(
            [region_question(pack, topic.safety_first)],
            [
                SlotSet("region_asked", True),
                SlotSet("pending_topic", topic.id),
                SlotSet("last_topic", topic.id),
                SlotSet("more_page", 0),
            ],
        )
    replies = topic_page(pack, topic, state.region, 0, shown_before(topic.id, state))
    # Not said where, and the topic differs by region: a region picked next shows this topic.
    pending = topic.id if state.region is None and topic.region_specific else None
    return Response(
        ([prefix] if prefix else []) + replies,
        [SlotSet("last_topic", topic.id), SlotSet("pending_topic", pending), SlotSet("more_page", 0)],
        counted_topic=topic.id,
    )


def answer_question(
    pack: ContentPack,
    question: Question,
    state: ConversationState,
    prefix: Optional[Reply] = None,
    also: Optional[Question] = None,
) -> Response:
    """A question's short answer, then "Tell me more" (the topic overview) and up to 2 related questions.

    When the answer differs by region and the region is not known, the region question is asked
    once and the answer follows straight after it (actions/region.py).
    """
    topic_id = pack.question_topics[question.id]
    if question.region_specific and not state.region_settled and not state.region_asked:
        return Response(
            [region_question(pack, pack.topics[topic_id].safety_first)],
            [
                SlotSet("region_asked", True),
                SlotSet("pending_topic", topic_id),
                SlotSet("pending_question", question.id),
                SlotSet("last_topic", topic_id),
                SlotSet("more_page", 0),
            ],
        )
    prefix = with_staff_note(pack, topic_id, state, prefix)
    # A second question in the same message is offered first; then the nearest of the same topic.
    related = [also] if also is not None and also.id != question.id else []
    related += index_for(pack).related(question.id, [q.id for q in related], 2 - len(related), state.region)
    replies = answer_replies(pack, question, pack.topics[topic_id], related, state.region, shown_before(topic_id, state))
    waiting = state.region is None and question.region_specific
    return Response(
        ([prefix] if prefix else []) + replies,
        [
            SlotSet("last_topic", topic_id),
            SlotSet("pending_topic", topic_id if waiting else None),
            SlotSet("pending_question", question.id if waiting else None),
            SlotSet("more_page", 0),
        ],
        counted_topic=topic_id,
    )


def message_text(tracker: Tracker) -> str:
    """What the survivor wrote this turn; empty for a button payload (which names its intent itself)."""
    text = (tracker.latest_message or {}).get("text") or ""
    return "" if text.startswith("/") else text


def nlu_topics(pack: ContentPack, tracker: Tracker) -> dict[str, float]:
    """The NLU's confidence in each topic this turn (from its intent ranking), by topic id."""
    ranking = (tracker.latest_message or {}).get("intent_ranking") or []
    topics: dict[str, float] = {}
    for entry in ranking:
        topic = pack.topics_by_intent.get(str(entry.get("name") or ""))
        if topic is not None:
            topics[topic.id] = max(topics.get(topic.id, 0.0), float(entry.get("confidence") or 0.0))
    return topics


def specific_question(pack: ContentPack, state: ConversationState, tracker: Tracker, threshold: float) -> Optional[Response]:
    """The answer to the pack's question the message asks, when it matches at `threshold` or better; else None.

    Where the message went to a general reply (`threshold` above ANSWER_THRESHOLD), a message shaped
    as a question is held to QUESTION_THRESHOLD instead, if that is lower.
    """
    text = message_text(tracker)
    if not text:
        return None
    topic = pack.topics_by_intent.get(state.intent or "")
    if topic is None and asks_something(text):
        threshold = min(threshold, QUESTION_THRESHOLD)
    index = index_for(pack)
    match = index.best(text, topic.id if topic else None, threshold, nlu_topics(pack, tracker), state.region)
    if match is None:
        return None
    return answer_question(pack, match.question, state, also=index.also_asked(text, match.question.id, state.region))


def has_more(pack: ContentPack, topic: Optional[Topic], state: ConversationState) -> bool:
    return topic is not None and state.more_page + 1 < page_count(topic, state.region, pack.enabled_regions)


class ActionExplainTopic(SupportAction):
    """Answers every `ask_*` intent with the topic the content pack maps to it."""

    action_name = "action_explain_topic"

    def respond(self, pack: ContentPack, state: ConversationState, tracker: Tracker) -> Response:
        if state.intent == ASK_QUESTION:
            asked = pack.questions.get(str(tracker.get_slot("question") or ""))
            if asked is not None:
                return answer_question(pack, asked, state)
        # A specific question gets its specific answer first; the overview is one press away.
        answered = specific_question(pack, state, tracker, ANSWER_THRESHOLD)
        if answered is not None:
            return answered
        topic = pack.topics_by_intent.get(state.intent or "")
        if topic is None:  # An intent with no topic in this pack: never a dead end.
            return Response([menu_reply(pack)], [])
        return explain_topic(pack, topic, state)


class ActionTellMeMore(SupportAction):
    """The next page of the topic in hand, or the menu when there is no more."""

    action_name = "action_tell_me_more"

    def respond(self, pack: ContentPack, state: ConversationState, tracker: Tracker) -> Response:
        topic = state.topic(pack, state.last_topic)
        if topic is None:
            return Response([menu_reply(pack, pack.message("tell_me_more_nothing"))], [])
        if topic.region_specific and state.region is None:
            # The region question is still open, or was declined: the detail differs by region,
            # so what is the same everywhere and the regions to pick from, never all at once.
            return explain_topic(pack, topic, state)
        page = state.more_page + 1
        replies = topic_page(pack, topic, state.region, page, shown_before(topic.id, state))
        if not replies:
            end = pack.message("tell_me_more_end", topic=topic.title) + "\n\n" + pack.message("info_not_advice")
            return Response([menu_reply(pack, end)], [])
        events: list[EventType] = [SlotSet("more_page", page)]
        return Response(replies, events)


class ActionShowMenu(SupportAction):
    """Every topic as a button."""

    action_name = "action_show_menu"

    def respond(self, pack: ContentPack, state: ConversationState, tracker: Tracker) -> Response:
        more = any(e.get("value") == MORE_TOPICS for e in latest_entities(tracker, "question"))
        return Response([menu_reply(pack, more=more)], [SlotSet("question", None)] if more else [])
