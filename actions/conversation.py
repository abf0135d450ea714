"""The conversation around the topics: greeting, believing a disclosure, yes and no, small talk, misunderstandings."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.base import ConversationState, Response, SupportAction
from actions.crisis import SUICIDE_QUESTION, answer_suicide_question
from actions.topics import ActionTellMeMore, answer_question, explain_topic, has_more, specific_question
from bot.content.answers import CONFIDENT_THRESHOLD, FALLBACK_THRESHOLD
from bot.content.loader import ContentPack
from bot.content.render import NOT_SAID, Reply, menu_reply, signpost_reply


class ActionGreet(SupportAction):
    """Hello: (the intro on a first turn, then) an open question and the menu."""

    action_name = "action_greet"

    def respond(self, pack: ContentPack, state: ConversationState, tracker: Tracker) -> Response:
        return Response([menu_reply(pack, pack.message("greeting_question"))], [])


class ActionAcknowledgeDisclosure(SupportAction):
    """Believe first: thank, validate, then offer choices. Never a question about what happened."""

    action_name = "action_acknowledge_disclosure"

    def respond(self, pack: ContentPack, state: ConversationState, tracker: Tracker) -> Response:
        answered = specific_question(pack, state, tracker, CONFIDENT_THRESHOLD)
        if answered is not None:  # a disclosure that asks something specific: believed, and answered
            return answered
        return Response([menu_reply(pack, pack.message("disclosure"))], [])


class ActionAcknowledgeFeelings(SupportAction):
    """Validate feelings (shame, fear, anger, not being believed), then offer choices."""

    action_name = "action_acknowledge_feelings"

    def respond(self, pack: ContentPack, state: ConversationState, tracker: Tracker) -> Response:
        answered = specific_question(pack, state, tracker, CONFIDENT_THRESHOLD)
        if answered is not None:  # a clearly specific question behind the feeling: answer it
            return answered
        return Response([menu_reply(pack, pack.message("feelings"))], [])


class ActionAffirm(SupportAction):
    """ "Yes": more of the topic in hand if there is more, otherwise an open question."""

    action_name = "action_affirm"

    def respond(self, pack: ContentPack, state: ConversationState, tracker: Tracker) -> Response:
        if state.crisis_question == SUICIDE_QUESTION:
            return answer_suicide_question(pack, state, "yes")
        topic = state.topic(pack, state.last_topic)
        if has_more(pack, topic, state) and state.region_settled:
            return ActionTellMeMore().respond(pack, state, tracker)
        return Response([menu_reply(pack, pack.message("affirm_no_context"))], [])


class ActionDeny(SupportAction):
    """ "No" is respected: a declined region question shows every region; otherwise nothing is pressed."""

    action_name = "action_deny"

    def respond(self, pack: ContentPack, state: ConversationState, tracker: Tracker) -> Response:
        if state.crisis_question == SUICIDE_QUESTION:
            return answer_suicide_question(pack, state, "no")
        question = pack.questions.get(str(tracker.get_slot("pending_question") or ""))
        if question is not None and not state.region_settled:  # the waiting question, for every region
            declined = ConversationState(**{**state.__dict__, "region_not_said": True})
            answered = answer_question(pack, question, declined, prefix=Reply(pack.message("region_not_said")))
            return Response(answered.replies, [SlotSet("region", NOT_SAID), *answered.events])
        topic = state.topic(pack, state.pending_topic)
        if topic is not None and not state.region_settled:
            declined = ConversationState(**{**state.__dict__, "region_not_said": True})
            shown = explain_topic(pack, topic, declined, prefix=Reply(pack.message("region_not_said")))
            return Response(shown.replies, [SlotSet("region", NOT_SAID), *shown.events])
        return Response([menu_reply(pack, pack.message("deny"))], [])


class ActionUnsure(SupportAction):
    """ "Not sure": the open crisis question met kindly, an open region question left open, or no pressure."""

    action_name = "action_unsure"

    def respond(self, pack: ContentPack, state: ConversationState, tracker: Tracker) -> Response:
        if state.crisis_question == SUICIDE_QUESTION:
            return answer_suicide_question(pack, state, "unsure")
        if state.topic(pack, state.pending_topic) is not None and not state.region_settled:
            return ActionDeny().respond(pack, state, tracker)  # not sure where: as if not said
        return Response([menu_reply(pack, pack.message("deny"))], [])


class _MessageAction(SupportAction):
    """An action that says one message from the pack, with the menu button."""

    message_key = ""
    with_menu = True

    def respond(self, pack: ContentPack, state: ConversationState, tracker: Tracker) -> Response:
        if self.with_menu:
            return Response([menu_reply(pack, pack.message(self.message_key))], [])
        return Response([Reply(pack.message(self.message_key))], [])


class ActionBotChallenge(_MessageAction):
    """ "Are you a person? Are you the police?": an honest answer."""

    action_name = "action_bot_challenge"
    message_key = "bot_challenge"


class ActionChitchat(_MessageAction):
    action_name = "action_chitchat"
    message_key = "chitchat"


class ActionThank(_MessageAction):
    action_name = "action_thank"
    message_key = "thank"
    with_menu = False


class ActionGoodbye(_MessageAction):
    action_name = "action_goodbye"
    message_key = "goodbye"
    with_menu = False


class _SignpostAction(SupportAction):
    """Never a dead end: acknowledge, offer the menu and services for the survivor's region."""

    message_key = ""

    def respond(self, pack: ContentPack, state: ConversationState, tracker: Tracker) -> Response:
        answered = specific_question(pack, state, tracker, FALLBACK_THRESHOLD)
        if answered is not None:  # the NLU missed it, but the pack has the answer
            return answered
        return Response([signpost_reply(pack, pack.message(self.message_key), state.region)], [])


class ActionOutOfScope(_SignpostAction):
    action_name = "action_out_of_scope"
    message_key = "out_of_scope"


class ActionFallback(_SignpostAction):
    """Low confidence: say so kindly, then the menu button and a helpline."""

    action_name = "action_fallback"
    message_key = "fallback"
