"""Question-level answers: the pack's questions, their retrieval index, and the question dev set (no Rasa)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content.answers import ANSWER_THRESHOLD, QuestionIndex, index_for
from bot.content.loader import ContentPack, load_pack
from bot.content.schema import Region

DEV_SET = Path(__file__).parent / "questions_dev" / "questions.yml"
#: The share of the dev set the index must answer with the right question. The goal is 0.90 (issue
#: #18); measured 0.817 on 2026-11-29 (docs/conversation.md), so this guards against going back.
TARGET = 0.80


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


def test_retrieval_answers_at_least_80_percent_of_the_dev_set(pack: ContentPack) -> None:
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


def test_the_index_is_built_once_per_pack(pack: ContentPack) -> None:
    assert index_for(pack) is index_for(pack)


def test_the_nlu_topic_is_preferred_but_a_clearly_better_question_wins(pack: ContentPack) -> None:
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
