"""Question-level answers: the pack's questions, their retrieval index, and the question dev set (no Rasa)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content.answers import (
    ANSWER_THRESHOLD,
    CONFIDENT_THRESHOLD,
    QuestionIndex,
    asks_something,
    char_features,
    index_for,
)
from bot.content.loader import ContentPack, load_pack
from bot.content.schema import Region

DEV_SET = Path(__file__).parent / "questions_dev" / "questions.yml"
#: The share of the dev set the index must answer with the right question (measured: docs/conversation.md).
TARGET = 0.93  # measured 235/246 = 95.5% on 2026-11-29 (220/246 before the last phrasings)


@pytest.fixture(scope="module")
def pack() -> ContentPack:
    return load_pack()


def dev_set() -> list[dict[str, Any]]:
    return list(yaml.safe_load(DEV_SET.read_text(encoding="utf-8"))["questions"])


def test_the_pack_holds_at_least_80_questions_over_every_topic(pack: ContentPack) -> None:
    assert len(pack.questions) >= 80
    assert {pack.question_topics[q] for q in pack.questions} == set(pack.topics)


def test_the_dev_set_has_200_questions_each_naming_a_real_answer_and_its_phrase(pack: ContentPack) -> None:
    items = dev_set()
    assert len(items) >= 200
    for item in items:
        expected = item["expect"]
        if expected in pack.questions:
            text = pack.questions[expected].answer_for(Region.england_wales).text
        else:
            text = pack.topics[expected].variant_for(Region.england_wales).pages[0].text
        assert item["must_contain"].lower() in text.lower(), (expected, item["must_contain"])


def test_the_dev_set_is_not_copied_from_the_asks(pack: ContentPack) -> None:
    asks = {a.lower().strip() for q in pack.questions.values() for a in q.asks}
    assert not [item["text"] for item in dev_set() if item["text"].lower().strip() in asks]


def test_retrieval_answers_at_least_93_percent_of_the_dev_set(pack: ContentPack) -> None:
    index = index_for(pack)
    items = dev_set()
    right = 0
    for item in items:
        match = index.best(item["text"])
        got = match.question.id if match else None
        if item["expect"] in pack.questions:
            right += got == item["expect"]
        else:  # an overview-level question: no specific answer should take its place
            right += got is None or pack.question_topics[got] == item["expect"]
    assert right / len(items) >= TARGET, f"{right}/{len(items)}"


OVERVIEW_SET = Path(__file__).parent / "questions_dev" / "overview.yml"
#: Of the overview dev set, the share that must not get another topic's specific answer (measured: 46/48).
OVERVIEW_TARGET = 0.9


def test_a_general_message_does_not_get_another_topics_specific_answer(pack: ContentPack) -> None:
    items = yaml.safe_load(OVERVIEW_SET.read_text(encoding="utf-8"))["messages"]
    assert len(items) >= 40
    index = index_for(pack)
    wrong = []
    for item in items:
        topic = item["topic"]
        # A general reply (disclosure, feelings) answers only at the confident bar.
        match = index.best(item["text"], topic, ANSWER_THRESHOLD if topic else CONFIDENT_THRESHOLD)
        if match is not None and match.topic != topic:
            wrong.append((item["text"], match.question.id))
    assert 1 - len(wrong) / len(items) >= OVERVIEW_TARGET, wrong


def test_the_index_is_built_once_per_pack(pack: ContentPack) -> None:
    assert index_for(pack) is index_for(pack)


def test_the_index_scores_by_postings_exactly_as_a_dot_product_with_every_phrasing(pack: ContentPack) -> None:
    """The postings only skip phrasings that share no term with the message: every score is the full cosine."""
    index = index_for(pack)
    space = index._chars
    phrasings = [text for question in pack.questions.values() for text in (question.title, *question.asks)]
    documents = [space.vector(char_features(text)) for text in phrasings]
    for message in ("can I still claim if he was never charged", "PSD said it's my word against his", "cicaa"):
        query = space.vector(char_features(message))
        expected = [sum(w * document.get(t, 0.0) for t, w in query.items()) for document in documents]
        assert space.similarities(char_features(message)) == pytest.approx(expected, abs=1e-12)
        assert max(expected) > 0.2  # a message that shares nothing would prove nothing
    # `related` keeps its ranking per question: the second call gives the same questions without ranking again.
    question = next(iter(pack.questions))
    assert index.related(question) == index.related(question)
    assert index._neighbour_cache[question]


def test_the_nlu_topic_is_searched_first_but_a_clearly_better_question_of_another_wins(pack: ContentPack) -> None:
    index = QuestionIndex(pack)
    plain = index.best("he retired, does the misconduct case stop?")
    assert plain is not None and plain.question.id == "retired_resigned"
    preferred = index.best("he retired, does the misconduct case stop?", prefer_topic="compensation")
    assert preferred is not None and preferred.question.id == "retired_resigned"


def test_small_talk_matches_no_question(pack: ContentPack) -> None:
    index = index_for(pack)
    for text in ("hello", "ok", "I feel so ashamed", "he hurt me"):
        assert index.best(text) is None, text
    assert ANSWER_THRESHOLD > 0


def test_an_overlay_adds_rewords_and_hides_questions_without_retraining(tmp_path: Path) -> None:
    topics = tmp_path / "en" / "topics"
    topics.mkdir(parents=True)
    (topics / "compensation.yml").write_text(
        """
questions:
  - id: comp_cost
    hidden: true
  - id: how_much
    title: "How much might I get?"
  - id: local_advice_clinic
    title: "Is there a local advice clinic?"
    asks: ["is there a free legal advice clinic near me"]
    answers:
      all:
        text: "Our charity runs a free advice clinic every Tuesday."
        sources:
          - url: "https://example.org/clinic"
            title: "Example charity: advice clinic"
        last_reviewed: 2026-11-01
""",
        encoding="utf-8",
    )
    pack = load_pack(overlay_dir=tmp_path)
    assert "comp_cost" not in pack.questions
    assert pack.questions["how_much"].title == "How much might I get?"
    assert pack.questions["how_much"].region_specific  # its answers are the default's
    match = index_for(pack).best("free legal advice clinic near me?")
    assert match is not None and match.question.id == "local_advice_clinic"


# --- The actions: the specific answer first, then "Tell me more" and related questions ---------------

import asyncio  # noqa: E402

from rasa_sdk.executor import CollectingDispatcher  # noqa: E402

from actions.conversation import ActionAcknowledgeDisclosure, ActionAcknowledgeFeelings, ActionDeny, ActionFallback  # noqa: E402
from actions.region import ActionSetRegion  # noqa: E402
from actions.topics import ActionExplainTopic  # noqa: E402
from tests.support.trackers import make_tracker  # noqa: E402


def run(action: Any, tracker: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_a_specific_question_gets_its_answer_before_the_overview(pack: ContentPack) -> None:
    tracker = make_tracker(
        "ask_misconduct_route", text="he's retiring next month, will the misconduct case stop?", region="england_wales"
    )
    messages, slots = run(ActionExplainTopic(), tracker)
    answer = pack.questions["retired_resigned"].answer_for(Region.england_wales).text
    assert answer in messages[-1]["text"]
    buttons = [b["payload"] for b in messages[-1]["buttons"]]
    assert buttons[0] == "/ask_misconduct_route"  # Tell me more: the overview
    assert sum(b.startswith("/ask_question") for b in buttons) == 2
    assert slots["last_topic"] == "misconduct_route"


def test_an_unknown_region_is_asked_once_then_the_waiting_question_is_answered(pack: ContentPack) -> None:
    tracker = make_tracker("ask_compensation", text="how much would CICA pay out for a rape")
    messages, slots = run(ActionExplainTopic(), tracker)
    assert messages[-1]["text"] == pack.message("region_question")
    assert slots["pending_question"] == "how_much"
    after = make_tracker("inform_region", **{**slots, "region": "england_wales"})
    messages, slots = run(ActionSetRegion(), after)
    assert "£11,000" in "\n".join(m["text"] for m in messages)
    assert slots["pending_question"] is None


def test_a_related_question_button_answers_that_question(pack: ContentPack) -> None:
    tracker = make_tracker("ask_question", text='/ask_question{"question":"lgbt_survivors"}', question="lgbt_survivors")
    messages, _ = run(ActionExplainTopic(), tracker)
    assert pack.questions["lgbt_survivors"].answer_for(Region.england_wales).text in messages[-1]["text"]


def test_a_topic_button_still_shows_the_overview(pack: ContentPack) -> None:
    messages, _ = run(ActionExplainTopic(), make_tracker("ask_anonymous_reporting"))
    assert pack.topics["anonymous_reporting"].variants["all"].pages[0].text.strip() in messages[-1]["text"]


def test_a_plain_disclosure_is_still_believed_not_answered(pack: ContentPack) -> None:
    messages, _ = run(ActionAcknowledgeDisclosure(), make_tracker("disclose", text="my sergeant assaulted me"))
    assert messages[-1]["text"].startswith(pack.message("disclosure"))


def test_a_clear_question_the_nlu_missed_is_answered_not_signposted(pack: ContentPack) -> None:
    tracker = make_tracker("nlu_fallback", text="can I complain to the police ombudsman as a serving PSNI officer")
    messages, _ = run(ActionFallback(), tracker)
    assert pack.questions["poni_serving"].answers["all"].text in messages[-1]["text"]


def test_declining_the_region_question_still_answers_the_waiting_question(pack: ContentPack) -> None:
    tracker = make_tracker("deny", region_asked=True, pending_topic="compensation", pending_question="how_much")
    messages, slots = run(ActionDeny(), tracker)
    text = "\n".join(m["text"] for m in messages)
    # The amounts differ by region: what is the same everywhere, then the regions to pick from.
    assert pack.message("region_not_said") in text and pack.message("region_differs").strip() in text
    assert slots["region"] == "not_said" and slots["pending_question"] == "how_much"
    picked, slots = run(ActionSetRegion(), make_tracker("inform_region", **{**slots, "region": "scotland"}))
    assert "£11,000" in "\n".join(m["text"] for m in picked) and slots["pending_question"] is None


def test_abuse_by_a_partner_gives_999_and_samaritans_before_asking_the_region(pack: ContentPack) -> None:
    assert pack.topics["domestic_abuse"].safety_first
    messages, slots = run(ActionExplainTopic(), make_tracker("ask_domestic_abuse", text="my partner hits me"))
    said = messages[-1]["text"]
    assert said.startswith(pack.message("safety_line")) and pack.message("region_question") in said
    assert "999" in said and "116 123" in said and slots["region_asked"] is True
    messages, _ = run(ActionExplainTopic(), make_tracker("ask_compensation", text="how much would CICA pay out for a rape"))
    assert messages[-1]["text"] == pack.message("region_question")  # no harm going on now: the question alone


def test_a_near_question_of_another_topic_does_not_take_the_place_of_the_nlu_topic(pack: ContentPack) -> None:
    index = index_for(pack)
    # "should" is shared with a question about being told of decisions; the NLU said evidence and health.
    match = index.best("should I shower", prefer_topic="evidence_health")
    assert match is None or match.topic == "evidence_health"
    match = index.best("Rape Crisis number", prefer_topic="helplines")
    assert match is None or match.topic == "helplines"


def test_make_train_teaches_the_nlu_an_overlays_own_questions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.content import question_nlu

    topics = tmp_path / "pack" / "en" / "topics"
    topics.mkdir(parents=True)
    (topics / "helplines.yml").write_text(
        """
questions:
  - id: local_drop_in
    title: "Is there a drop-in near me?"
    asks: ["is there a drop in centre in town", "can I just turn up somewhere to talk", "who can i talk to"]
    answers:
      all:
        text: "Our centre has a drop-in every Tuesday afternoon."
        sources: [{url: "https://example.org/drop-in", title: "Example charity: drop-in"}]
        last_reviewed: 2026-11-01
""",
        encoding="utf-8",
    )
    out = tmp_path / "overlay_questions.yml"
    monkeypatch.setenv("CONTENT_DIR", str(tmp_path / "pack"))
    assert question_nlu.write_overlay(out)
    written = yaml.safe_load(out.read_text(encoding="utf-8"))["nlu"]
    assert written == [
        {"intent": "ask_helplines", "examples": "- is there a drop in centre in town\n- can I just turn up somewhere to talk\n"}
    ]  # "who can i talk to" is in the hand-written data already
    monkeypatch.delenv("CONTENT_DIR")
    assert question_nlu.write_overlay(out) and not out.exists()  # no overlay: no file, the model as committed


def test_a_second_question_in_the_same_message_is_offered_first(pack: ContentPack) -> None:
    tracker = make_tracker("ask_review", text="the CPS won't charge him, can I still get compensation?", region="england_wales")
    messages, _ = run(ActionExplainTopic(), tracker)
    assert pack.questions["cps_wont_charge"].answer_for(Region.england_wales).text in messages[-1]["text"]
    buttons = [b["payload"] for b in messages[-1]["buttons"]]
    assert buttons[1] == '/ask_question{"question":"comp_without_charge"}'  # after "Tell me more"
    assert index_for(pack).also_asked("how much would CICA pay for a rape", "how_much") is None


def test_a_question_the_nlu_ranked_second_is_answered_when_the_index_agrees(pack: ContentPack) -> None:
    index = index_for(pack)
    text = "how soon should the police tell me they are not charging"
    # The NLU said the criminal route, with being kept informed second: the index's kept_informed
    # question (0.44) is taken only because the NLU gave its topic a real share.
    alone = index.best(text, prefer_topic="criminal_route")
    assert alone is None or alone.question.id != "how_fast_told"
    agreed = index.best(text, prefer_topic="criminal_route", nlu_topics={"criminal_route": 0.76, "kept_informed": 0.18})
    assert agreed is not None and agreed.question.id == "how_fast_told"
    unsure = index.best(text, prefer_topic="criminal_route", nlu_topics={"criminal_route": 0.95, "kept_informed": 0.02})
    assert unsure is None or unsure.question.id != "how_fast_told"


def test_one_word_that_is_a_questions_own_term_answers_it_but_a_topic_name_gets_the_overview(pack: ContentPack) -> None:
    index = index_for(pack)
    caapd = index.best("whats caapd")
    assert caapd is not None and caapd.question.id == "scotland_caapd"
    dvpo = index.best("dvpo?", prefer_topic="domestic_abuse")
    assert dvpo is not None and dvpo.question.id == "protection_orders"
    for topic_name in ("compensation", "misconduct?", "helplines"):
        assert index.best(topic_name) is None, topic_name


def test_whether_a_message_asks_or_tells() -> None:
    for asking in ("does any of this apply to me", "who can i talk to", "what now", "is it my fault?", "where can I get help"):
        assert asks_something(asking), asking
    for telling in ("im a pcso", "he raped me", "my sergeant assaulted me", "they all think I'm lying"):
        assert not asks_something(telling), telling


def test_a_question_behind_a_feeling_is_answered_at_a_lower_bar_than_a_statement(pack: ContentPack) -> None:
    answer = pack.questions["police_staff_misconduct"].answers["all"].text
    asked, _ = run(ActionAcknowledgeFeelings(), make_tracker("feeling_low", text="I'm a PCSO, does any of this cover me too"))
    assert answer in asked[-1]["text"]
    # Shaped as a statement, the same weak match (under CONFIDENT_THRESHOLD) leaves the feeling heard.
    assert index_for(pack).rank("I'm a PCSO and I feel like none of this covers me")[0].score < CONFIDENT_THRESHOLD
    told, _ = run(
        ActionAcknowledgeFeelings(), make_tracker("feeling_low", text="I'm a PCSO and I feel like none of this covers me")
    )
    assert told[-1]["text"].startswith(pack.message("feelings"))


def test_a_question_that_comes_with_the_region_is_answered_with_it(pack: ContentPack) -> None:
    text = "I'm in Northern Ireland, can I get compensation?"
    place = {"entity": "region", "value": "northern_ireland", "start": 7, "end": 23}
    assert text[7:23] == "Northern Ireland"
    tracker = make_tracker("inform_region", text=text, entities=[place], region="northern_ireland")
    messages, slots = run(ActionSetRegion(), tracker)
    said = "\n".join(m["text"] for m in messages)
    assert pack.questions["comp_ni"].answer_for(Region.northern_ireland).text in said
    assert slots["last_topic"] == "compensation"
    # The place alone asks nothing: its name must not pull in a question about that region.
    text = "I live in Scotland"
    place = {"entity": "region", "value": "scotland", "start": 10, "end": 18}
    messages, _ = run(ActionSetRegion(), make_tracker("inform_region", text=text, entities=[place], region="scotland"))
    said = "\n".join(m["text"] for m in messages)
    assert pack.questions["scotland_caapd"].answer_for(Region.scotland).text not in said


def test_a_question_about_one_part_of_the_uk_is_never_given_to_someone_elsewhere(pack: ContentPack) -> None:
    assert pack.questions["poni_serving"].region == Region.northern_ireland
    text = "can the ombudsman investigate a colleague of mine"
    index = index_for(pack)
    for region in (None, Region.northern_ireland):  # not said, or said and the same: it answers
        found = index.best(text, "misconduct_route", ANSWER_THRESHOLD, None, region)
        assert found is not None and found.question.id == "poni_serving", region
    messages, _ = run(ActionExplainTopic(), make_tracker("ask_misconduct_route", text=text, region="england_wales"))
    said = "\n".join(m["text"] for m in messages)
    assert "Police Ombudsman" not in said and "PSNI" not in said
    # Nor offered as a related question, after any answer, to someone in another part of the UK.
    limited = {q.id: q.region for q in pack.questions.values() if q.region is not None}
    assert len(limited) >= 3
    for region in (Region.england_wales, Region.scotland, Region.northern_ireland):
        for question in pack.questions:
            offered = index.related(question, [], 2, region)
            assert all(limited.get(q.id, region) == region for q in offered), (question, region)
