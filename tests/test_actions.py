"""Every custom action, run as the action server runs it: a tracker fixture and a CollectingDispatcher."""

from __future__ import annotations

from typing import Any

import pytest

from actions.base import intro_text
from actions.conversation import (
    ActionAcknowledgeDetail,
    ActionAcknowledgeDisclosure,
    ActionAffirm,
    ActionDeny,
    ActionFallback,
    ActionGreet,
    ActionOutOfScope,
    ActionSupportSomeone,
    ActionUnsure,
)
from actions.crisis import ActionCrisis, ActionSafeNow
from actions.privacy import ActionStop
from actions.region import ActionSetRegion
from actions.topics import ActionExplainTopic, ActionShowMenu, ActionTellMeMore
from bot.content.loader import ContentPack
from bot.content.render import MAIN_MENU_CHOICES
from bot.content.schema import ALL_REGIONS
from tests.support.actions import run
from tests.support.trackers import make_tracker

REGIONS = [r.value for r in ALL_REGIONS]


def text_of(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def payloads(messages: list[dict[str, Any]]) -> list[str]:
    return [b["payload"] for m in messages for b in m.get("buttons") or []]


def test_first_turn_says_what_the_assistant_is_whatever_was_said(pack: ContentPack) -> None:
    messages, slots = run(ActionAcknowledgeDisclosure(), make_tracker("disclose", introduced=False))
    assert messages[0]["text"] == intro_text(pack)
    assert pack.message("disclosure") in text_of(messages)
    assert slots["introduced"] is True


def test_intro_is_not_repeated(pack: ContentPack) -> None:
    messages, _ = run(ActionGreet(), make_tracker("greet", introduced=True))
    assert intro_text(pack) not in text_of(messages)
    assert "/ask_criminal_route" in payloads(messages)


def test_disclosure_is_believed_then_choices_are_offered(pack: ContentPack) -> None:
    messages, _ = run(ActionAcknowledgeDisclosure(), make_tracker("disclose"))
    assert messages[-1]["text"].startswith(pack.message("disclosure").strip())
    assert len(payloads(messages)) == MAIN_MENU_CHOICES + 1  # the main menu, then "More topics"
    # Someone to talk to as well: at most two services, for the region.
    named = [pack.helplines[h].name for h in pack.menu.signpost["not_said"]]
    assert 1 <= sum(name in messages[-1]["text"] for name in named) <= 2


@pytest.mark.parametrize("topic_id", ["criminal_route", "misconduct_route", "review", "compensation"])
def test_region_question_is_asked_once_before_a_region_specific_answer(pack: ContentPack, topic_id: str) -> None:
    topic = pack.topics[topic_id]
    messages, slots = run(ActionExplainTopic(), make_tracker(topic.intent))
    assert messages[0]["text"] == pack.message("region_question")
    assert '/inform_region{"region":"not_said"}' in payloads(messages)
    assert slots["region_asked"] is True and slots["pending_topic"] == topic_id


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("topic_id", ["options", "criminal_route", "misconduct_route", "both_routes", "review", "compensation",
                                      "kept_informed", "work", "evidence_health", "domestic_abuse", "anonymous_reporting",
                                      "helplines", "privacy"])  # fmt: skip
def test_every_topic_renders_its_own_region_only(pack: ContentPack, topic_id: str, region: str) -> None:
    topic = pack.topics[topic_id]
    messages, slots = run(ActionExplainTopic(), make_tracker(topic.intent, region=region, region_asked=True))
    text = text_of(messages)
    assert topic.title in text
    own = topic.variant_for(ALL_REGIONS[REGIONS.index(region)]).pages[0].text.strip()
    assert own in text
    for other in REGIONS:
        if other != region and topic.region_specific:
            theirs = topic.variants[other].pages[0].text.strip()
            assert theirs in own or theirs not in text, f"{other} text shown for {region}"
    assert slots["last_topic"] == topic_id and slots["more_page"] == 0
    assert "/menu" in payloads(messages)


def test_services_shown_serve_the_survivors_region(pack: ContentPack) -> None:
    for topic in pack.topics.values():
        for region in ALL_REGIONS:
            messages, _ = run(ActionExplainTopic(), make_tracker(topic.intent, region=region.value, region_asked=True))
            text = text_of(messages)
            for helpline in pack.helplines.values():
                if helpline.name in text:
                    assert region in helpline.regions, f"{helpline.id} shown in {region.value} for {topic.id}"


def test_choosing_a_region_shows_the_waiting_topic(pack: ContentPack) -> None:
    messages, slots = run(
        ActionSetRegion(), make_tracker("inform_region", region="scotland", region_asked=True, pending_topic="review")
    )
    assert pack.message("region_set", region="Scotland") in text_of(messages)
    assert pack.topics["review"].variants["scotland"].pages[0].text.strip()[:40] in text_of(messages)
    assert slots["last_topic"] == "review" and slots["pending_topic"] is None


def test_not_saying_the_region_shows_what_is_the_same_everywhere_and_offers_the_regions(pack: ContentPack) -> None:
    messages, slots = run(
        ActionSetRegion(), make_tracker("inform_region", region="not_said", region_asked=True, pending_topic="compensation")
    )
    text = text_of(messages)
    for region in ALL_REGIONS:  # never every region's answer at once
        assert pack.topics["compensation"].variants[region.value].pages[0].text.strip() not in text
    assert pack.message("region_differs").strip() in text
    assert {f'/inform_region{{"region":"{r.value}"}}' for r in ALL_REGIONS} <= set(payloads(messages))
    assert slots.get("region", "not_said") == "not_said" and slots["pending_topic"] == "compensation"


def test_saying_no_to_the_region_question_is_respected(pack: ContentPack) -> None:
    messages, slots = run(ActionDeny(), make_tracker("deny", region_asked=True, pending_topic="criminal_route"))
    assert slots["region"] == "not_said"
    assert pack.message("region_question") not in text_of(messages)
    assert pack.message("region_not_said") in text_of(messages)


def test_tell_me_more_walks_the_pages_then_ends_with_the_menu(pack: ContentPack) -> None:
    topic = pack.topics["criminal_route"]
    pages = topic.variants["england_wales"].pages
    state: dict[str, Any] = {"region": "england_wales", "region_asked": True, "last_topic": "criminal_route", "more_page": 0}
    for number in range(1, len(pages)):
        messages, slots = run(ActionTellMeMore(), make_tracker("tell_me_more", **state))
        assert pages[number].text.strip()[:40] in text_of(messages)
        if number == 1 and topic.content_note:
            assert topic.content_note in text_of(messages)
        state["more_page"] = slots["more_page"]
    messages, _ = run(ActionTellMeMore(), make_tracker("tell_me_more", **state))
    assert pack.message("tell_me_more_end", topic=topic.title) in text_of(messages)
    assert "/ask_work" in payloads(messages)


def test_tell_me_more_without_a_topic_offers_the_menu(pack: ContentPack) -> None:
    messages, _ = run(ActionTellMeMore(), make_tracker("tell_me_more"))
    assert messages[0]["text"] == pack.message("tell_me_more_nothing")


@pytest.mark.parametrize(
    "intent,kind",
    [
        ("crisis_danger", "danger"),
        ("crisis_suicide", "suicide"),
        ("crisis_harm_risk", "harm_risk"),
        ("crisis_suicide_signs", "suicide_signs"),
    ],
)
def test_crisis_reply_comes_first_even_on_the_first_turn(pack: ContentPack, intent: str, kind: str) -> None:
    messages, slots = run(ActionCrisis(), make_tracker(intent, introduced=False, last_topic="work"))
    assert messages[0]["text"].startswith(getattr(pack.crisis, kind).text.strip()[:30])
    assert messages[-1]["text"] == intro_text(pack)
    if kind == "suicide_signs":  # the direct question, with a path for each answer
        assert payloads(messages)[:3] == ["/affirm", "/deny", "/unsure"]
    else:
        assert "/safe_now" in payloads(messages) and "/stop" in payloads(messages)
    assert slots["before_crisis_topic"] == "work"


def test_harm_risk_reply_names_the_risk_999_a_helpline_for_the_region_idva_and_marac(pack: ContentPack) -> None:
    messages, _ = run(ActionCrisis(), make_tracker("crisis_harm_risk", region="scotland"))
    text = messages[0]["text"]
    assert "serious risk" in text and "999" in text and "IDVA" in text and "MARAC" in text
    assert pack.helplines["scotland_da_helpline"].phone in text
    assert pack.helplines["national_da_helpline"].phone not in text  # England and Wales only


def test_warning_signs_ask_directly_then_yes_gets_samaritans_and_999(pack: ContentPack) -> None:
    messages, slots = run(ActionCrisis(), make_tracker("crisis_suicide_signs", last_topic="work"))
    assert "116 123" in messages[0]["text"] and "ending your life" in messages[0]["text"]
    assert slots["crisis_question"] == "suicide"
    messages, slots = run(ActionAffirm(), make_tracker("affirm", crisis_question="suicide"))
    assert messages[0]["text"].startswith(pack.crisis.suicide.text.strip()[:30]) and "999" in messages[0]["text"]
    assert slots["crisis_question"] is None


def test_warning_signs_answered_no_are_believed_and_never_asked_again(pack: ContentPack) -> None:
    messages, slots = run(
        ActionDeny(),
        make_tracker("deny", crisis_question="suicide", before_crisis_topic="work", region="england_wales"),
    )
    assert pack.message("suicide_answer_no").strip() in text_of(messages)
    assert pack.topics["work"].title in text_of(messages)  # back to the page they were reading
    assert slots["suicide_question_declined"] is True and slots["crisis_question"] is None
    messages, slots = run(ActionCrisis(), make_tracker("crisis_suicide_signs", suicide_question_declined=True))
    assert "ending your life" not in text_of(messages)
    assert pack.message("suicide_signs_again").strip() in text_of(messages)
    assert "crisis_question" not in slots


def test_not_sure_is_met_kindly_with_samaritans(pack: ContentPack) -> None:
    messages, slots = run(ActionUnsure(), make_tracker("unsure", crisis_question="suicide"))
    assert pack.message("suicide_answer_unsure").strip() in text_of(messages) and "116 123" in text_of(messages)
    assert slots["crisis_question"] is None


def test_an_unanswered_crisis_question_closes_on_any_other_turn(pack: ContentPack) -> None:
    _, slots = run(ActionExplainTopic(), make_tracker("ask_work", crisis_question="suicide", region="england_wales"))
    assert slots["crisis_question"] is None


def test_danger_reply_gives_999_and_the_silent_solution(pack: ContentPack) -> None:
    messages, _ = run(ActionCrisis(), make_tracker("crisis_danger"))
    assert "999" in messages[0]["text"] and "55" in messages[0]["text"]


def test_suicide_reply_gives_samaritans(pack: ContentPack) -> None:
    messages, _ = run(ActionCrisis(), make_tracker("crisis_suicide", region="scotland"))
    assert "116 123" in messages[0]["text"]


def test_safe_now_returns_to_where_the_survivor_was(pack: ContentPack) -> None:
    messages, slots = run(
        ActionSafeNow(), make_tracker("safe_now", before_crisis_topic="misconduct_route", region="england_wales")
    )
    assert pack.message("safe_now") in text_of(messages)
    assert pack.topics["misconduct_route"].title in text_of(messages)
    assert slots["last_topic"] == "misconduct_route"
    # Real content, never a bare heading: the page the survivor was reading comes back.
    page = pack.topics["misconduct_route"].variant_for(ALL_REGIONS[0]).pages[0].text.strip()
    assert page.splitlines()[0] in text_of(messages)


def test_stop_forgets_at_once_and_asks_nothing(pack: ContentPack) -> None:
    messages, slots = run(ActionStop(), make_tracker("stop", introduced=False, last_topic="work"))
    assert [m["text"] for m in messages] == [pack.message("stop")]
    assert slots["forget_conversation"] is True
    assert not messages[0]["text"].rstrip().endswith("?")


@pytest.mark.parametrize("action", [ActionFallback(), ActionOutOfScope()])
@pytest.mark.parametrize("region", [None, *REGIONS])
def test_misunderstanding_never_dead_ends(pack: ContentPack, action: Any, region: Any) -> None:
    messages, _ = run(action, make_tracker("nlu_fallback", region=region))
    assert "/menu" in payloads(messages)
    key = region or "not_said"
    assert pack.helplines[pack.menu.signpost[key][0]].name in text_of(messages)


def test_yes_after_a_topic_tells_more(pack: ContentPack) -> None:
    messages, slots = run(ActionAffirm(), make_tracker("affirm", region="england_wales", region_asked=True, last_topic="review"))
    assert pack.topics["review"].variants["england_wales"].pages[1].text.strip()[:40] in text_of(messages)
    assert slots["more_page"] == 1


def test_menu_shows_six_topics_then_more_topics_shows_the_rest(pack: ContentPack) -> None:
    messages, _ = run(ActionShowMenu(), make_tracker("menu"))
    main = [f"/{pack.topics[t].intent}" for t in pack.menu.menu[:MAIN_MENU_CHOICES]]
    assert payloads(messages) == [*main, '/menu{"question":"more_topics"}']
    more = [{"entity": "question", "value": "more_topics"}]
    messages, _ = run(ActionShowMenu(), make_tracker("menu", entities=more, question="more_topics"))
    rest = [f"/{pack.topics[t].intent}" for t in pack.menu.menu[MAIN_MENU_CHOICES:]]
    assert payloads(messages) == rest
    # Every topic is one or two presses away.
    assert set(main + rest) == {f"/{t.intent}" for t in pack.topics.values()}


def test_actions_log_no_text_or_ids(pack: ContentPack, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    run(ActionAcknowledgeDisclosure(), make_tracker("disclose", text="canary-51f0 my skipper"))
    assert "canary-51f0" not in caplog.text and "test-sender" not in caplog.text


def test_every_domain_action_is_implemented() -> None:
    import yaml
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    domain = yaml.safe_load(open("domain.yml"))
    assert set(domain["actions"]) <= set(executor.actions)


def test_slot_events_are_only_domain_slots(pack: ContentPack) -> None:
    import yaml

    slots = set(yaml.safe_load(open("domain.yml"))["slots"])
    _, changed = run(ActionSetRegion(), make_tracker("inform_region", region="scotland", pending_topic="review"))
    assert set(changed) <= slots


def test_a_failing_action_still_signposts_and_logs_no_text(pack: ContentPack, caplog: pytest.LogCaptureFixture) -> None:
    class Broken(ActionShowMenu):
        def respond(self, *args: Any) -> Any:
            raise RuntimeError("canary-9d2e boom")

    caplog.set_level("DEBUG")
    messages, _ = run(Broken(), make_tracker("menu", text="canary-9d2e"))
    assert pack.message("fallback") in text_of(messages) and "/menu" in payloads(messages)
    assert "canary-9d2e" not in caplog.text and "RuntimeError" in caplog.text


def test_the_intro_tells_how_long_this_deployment_keeps_a_silent_conversation(
    pack: ContentPack, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "after 30 minutes of silence" in intro_text(pack)  # the default, TRACKER_TTL_SECONDS=1800
    monkeypatch.setenv("TRACKER_TTL_SECONDS", "600")
    assert "after 10 minutes of silence" in intro_text(pack)
    assert "{" not in intro_text(pack)


def test_a_second_disclosure_is_believed_again_in_a_line_not_the_same_paragraph(pack: ContentPack) -> None:
    messages, slots = run(ActionAcknowledgeDisclosure(), make_tracker("disclose", disclosed=True))
    assert pack.message("disclosure_again").strip() in text_of(messages)
    assert pack.message("disclosure").strip() not in text_of(messages)
    assert slots["disclosed"] is True


def police_role(text: str, start: int, end: int, entity: str = "police_role", value: Any = None) -> dict[str, Any]:
    return {"entity": entity, "start": start, "end": end, "value": value or text[start:end]}


def test_a_detail_naming_a_police_abuser_brings_routes_outside_the_force_first(pack: ContentPack) -> None:
    text = "by a colleague"
    tracker = make_tracker("inform_detail", text=text, entities=[police_role(text, 5, 14)])
    messages, slots = run(ActionAcknowledgeDetail(), tracker)
    assert pack.message("police_aware").strip().splitlines()[0] in text_of(messages)
    assert "0800 085 0000" in text_of(messages)
    assert slots["abuser_in_police"] is True


def test_the_survivors_own_role_is_not_read_as_the_abusers(pack: ContentPack) -> None:
    text = "I'm a PC"
    entities = [police_role(text, 6, 8), police_role(text, 0, 8, "asker_role", "officer")]
    messages, slots = run(ActionAcknowledgeDetail(), make_tracker("inform_detail", text=text, entities=entities))
    assert "0800 085 0000" not in text_of(messages)
    assert "abuser_in_police" not in slots


def test_a_detail_is_never_out_of_scope_and_carries_on_with_the_topic_in_hand(pack: ContentPack) -> None:
    tracker = make_tracker("inform_detail", text="last year", last_topic="work", region="england_wales")
    messages, _ = run(ActionAcknowledgeDetail(), tracker)
    assert text_of(messages).startswith(pack.message("detail_thanks").strip())
    assert pack.topics["work"].title in text_of(messages)
    assert pack.message("out_of_scope").strip() not in text_of(messages)


def test_a_force_named_in_passing_sets_the_region_and_says_so(pack: ContentPack) -> None:
    text = "I'm in the Met"
    entities = [{"entity": "region", "start": 7, "end": 14, "value": "england_wales"}]
    messages, slots = run(ActionAcknowledgeDetail(), make_tracker("inform_detail", text=text, entities=entities))
    assert messages[0]["text"] == pack.message("region_from_message", region=pack.region_name(ALL_REGIONS[0]))
    assert slots["region_asked"] is True


def test_a_region_said_unasked_is_stated_back_as_changeable_not_thanked(pack: ContentPack) -> None:
    messages, slots = run(ActionSetRegion(), make_tracker("inform_region", text="I'm a PC in Kent", region="england_wales"))
    said = text_of(messages)
    assert pack.message("region_from_message", region=pack.region_name(ALL_REGIONS[0])).strip() in said
    assert pack.message("region_set", region=pack.region_name(ALL_REGIONS[0])).strip() not in said
    assert slots["region_asked"] is True
    button = '/inform_region{"region":"england_wales"}'  # a button press answers the question: thanked
    messages, _ = run(ActionSetRegion(), make_tracker("inform_region", text=button, region="england_wales"))
    assert text_of(messages).startswith(pack.message("region_set", region=pack.region_name(ALL_REGIONS[0])).strip())


def test_a_long_no_that_asks_something_the_pack_answers_gets_the_answer(pack: ContentPack) -> None:
    question = pack.questions["word_against_his"]
    messages, _ = run(
        ActionDeny(),
        make_tracker(
            "deny", text="no witnesses, no cctv, nothing but my word against his, will they charge him", region="england_wales"
        ),
    )
    assert question.title in text_of(messages)
    messages, _ = run(ActionDeny(), make_tracker("deny", text="no thanks, not now"))
    assert text_of(messages).startswith(pack.message("deny").strip())


def test_someone_asking_for_a_friend_gets_how_to_support_not_i_believe_you(pack: ContentPack) -> None:
    messages, _ = run(ActionSupportSomeone(), make_tracker("helping_someone"))
    assert pack.message("support_someone").strip() in text_of(messages)
    assert "I believe you" not in text_of(messages)


def test_leaving_in_a_hurry_clears_at_once_with_the_shortest_reply(pack: ContentPack) -> None:
    messages, slots = run(ActionStop(), make_tracker("leave_now", introduced=False))
    assert [m["text"] for m in messages] == [pack.message("leave_now")]
    assert slots["forget_conversation"] is True


def test_police_staff_are_told_what_differs_for_employees(pack: ContentPack) -> None:
    messages, _ = run(ActionExplainTopic(), make_tracker("ask_work", asker="staff", region="england_wales"))
    assert text_of(messages).startswith(pack.message("staff_note").strip())
    messages, _ = run(ActionExplainTopic(), make_tracker("ask_work", asker="officer", region="england_wales"))
    assert pack.message("staff_note").strip() not in text_of(messages)


def test_a_question_asked_in_the_same_message_as_the_region_is_answered_straight_away(pack: ContentPack) -> None:
    tracker = make_tracker("inform_region", region="england_wales")
    tracker.latest_message["intent_ranking"] = [
        {"name": "inform_region", "confidence": 0.5},
        {"name": "ask_work", "confidence": 0.3},
    ]
    messages, _ = run(ActionSetRegion(), tracker)
    assert pack.topics["work"].title in text_of(messages)


def test_a_recent_sexual_assault_gets_care_and_evidence_after_999(pack: ContentPack) -> None:
    messages, _ = run(ActionCrisis(), make_tracker("crisis_danger", text="I was raped last night"))
    said = messages[-1]["text"]
    assert said.startswith(pack.crisis.recent_assault.text.splitlines()[0]) and "999" in said and "SARC" in said
    assert messages[-1]["buttons"][0]["payload"] == "/ask_evidence_health"
    messages, _ = run(ActionCrisis(), make_tracker("crisis_danger", text="he raped me last night and he's outside now"))
    assert messages[-1]["text"].startswith(pack.crisis.danger.text.splitlines()[0])  # danger now comes first
