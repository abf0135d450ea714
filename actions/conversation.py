"""The conversation around the topics: greeting, believing a disclosure, yes and no, small talk, misunderstandings."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.base import ConversationState, Response, SupportAction
from actions.crisis import SUICIDE_QUESTION, answer_suicide_question
from actions.topics import ActionTellMeMore, answer_question, explain_topic, has_more, message_text, specific_question
from bot.content.answers import CONFIDENT_THRESHOLD, FALLBACK_THRESHOLD
from bot.content.loader import ContentPack
from bot.content.render import NOT_SAID, Reply, helplines_text, menu_reply, signpost_reply


class ActionGreet(SupportAction):
    """Hello: (the intro on a first turn, then) an open question and the menu."""

    action_name = "action_greet"

    def respond(self, pack: ContentPack, state: ConversationState, tracker: Tracker) -> Response:
        return Response([menu_reply(pack, pack.message("greeting_question"))], [])


#: Services shown with the first disclosure reply: someone to talk to, without a wall of numbers.
MAX_SERVICES_AFTER_DISCLOSURE = 2


def police_aware_reply(pack: ContentPack, text: str) -> Reply:
    """`text`, then routes outside the force first (trauma-informed rule 16), then the menu."""
    return menu_reply(pack, text + "\n\n" + pack.message("police_aware"))


class ActionAcknowledgeDisclosure(SupportAction):
    """Believe first: thank, validate, then offer choices. Never a question about what happened.

    Said once in full; a second disclosure is believed again in a line, not the same paragraph.
    When the person who caused harm is in the police, routes outside their force come first.
    """

    action_name = "action_acknowledge_disclosure"

    def respond(self, pack: ContentPack, state: ConversationState, tracker: Tracker) -> Response:
        answered = specific_question(pack, state, tracker, CONFIDENT_THRESHOLD)
        if answered is not None:  # a disclosure that asks something specific: believed, and answered
            return Response(answered.replies, [*answered.events, SlotSet("disclosed", True)], answered.counted_topic)
        if state.disclosed:
            text = pack.message("disclosure_again")
        elif state.abuser_in_police:
            # The routes outside the force name their own services: no general ones before them.
            text = pack.message("disclosure")
        else:
            # The first time: someone to talk to as well (at most two services, for the region).
            key = state.region.value if state.region else NOT_SAID
            services = helplines_text(pack, pack.menu.signpost[key][:MAX_SERVICES_AFTER_DISCLOSURE], state.region)
            text = pack.message("disclosure") + ("\n\n" + services if services else "")
        reply = police_aware_reply(pack, text) if state.abuser_in_police else menu_reply(pack, text)
        return Response([reply], [SlotSet("disclosed", True)])


class ActionAcknowledgeDetail(SupportAction):
    """A detail that adds to what came before ("by a colleague", "I'm in the Met", "last year").

    Never out of scope: thanks in a line, then what the detail changes (a police abuser: routes
    outside the force; a region: stated back by the base class), or the page the survivor was on.
    """

    action_name = "action_acknowledge_detail"

    def respond(self, pack: ContentPack, state: ConversationState, tracker: Tracker) -> Response:
        thanks = pack.message("detail_thanks")
        if state.abuser_in_police and not tracker.get_slot("abuser_in_police"):
            return Response([police_aware_reply(pack, thanks)], [SlotSet("disclosed", True)])
        topic_id = state.pending_topic or state.last_topic
        topic = state.topic(pack, topic_id)
        if topic is not None and (state.region_settled or not topic.region_specific or state.region_asked):
            shown = explain_topic(pack, topic, state, prefix=Reply(thanks))
            return Response(shown.replies, shown.events, shown.counted_topic)
        return Response([menu_reply(pack, thanks)], [])


class ActionSupportSomeone(SupportAction):
    """Someone asking for a friend, partner or colleague: how to support them, then their options."""

    action_name = "action_support_someone"

    def respond(self, pack: ContentPack, state: ConversationState, tracker: Tracker) -> Response:
        text = pack.message("support_someone")
        reply = police_aware_reply(pack, text) if state.abuser_in_police else menu_reply(pack, text)
        return Response([reply], [])


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


#: A "no" this long may carry a question the pack answers; "no thanks, not now" (4 words) does not.
ASKS_SOMETHING_WORDS = 6


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
        if len(message_text(tracker).split()) >= ASKS_SOMETHING_WORDS:
            # "no cctv, no forensics, just my account. is that enough?": a question behind the "no"
            behind_the_no = specific_question(pack, state, tracker, CONFIDENT_THRESHOLD)
            if behind_the_no is not None:
                return behind_the_no
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
