"""The content pack: the shipped pack is valid, and each kind of mistake is refused with a clear message."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.topics import ASK_QUESTION
from bot.content.lint import lint_pack
from bot.content.loader import ContentPack, ContentPackError, load_pack
from bot.content.render import crisis_reply, topic_page
from bot.content.schema import ALL_REGIONS, MAX_RESOURCES_PER_MESSAGE, REQUIRED_MESSAGES, Region
from tests.support.trackers import DEFAULT_PACK


def test_shipped_pack_loads_with_every_topic_the_domain_can_reach(pack: ContentPack) -> None:
    domain = yaml.safe_load((DEFAULT_PACK.parents[1] / "domain.yml").read_text())
    # ask_question is a question button (it names a question, not a topic): see actions/topics.py.
    asked = {intent for intent in domain["intents"] if intent.startswith("ask_") and intent != ASK_QUESTION}
    assert asked == set(pack.topics_by_intent), "every ask_* intent needs exactly one topic"
    assert set(REQUIRED_MESSAGES) <= set(pack.messages)


def test_shipped_pack_passes_the_wording_lint(pack: ContentPack) -> None:
    errors = [str(f) for f in lint_pack(pack) if f.severity == "error"]
    assert errors == []


def test_every_fact_has_a_source_and_a_recent_review_date(pack: ContentPack) -> None:
    today = dt.date.today()
    for topic in pack.topics.values():
        for variant in topic.variants.values():
            assert variant.sources and today - variant.last_reviewed < dt.timedelta(days=366)
    for helpline in pack.helplines.values():
        assert helpline.sources and today - helpline.last_reviewed < dt.timedelta(days=366)


def test_no_page_lists_more_than_three_services(pack: ContentPack) -> None:
    for topic in pack.topics.values():
        for variant in topic.variants.values():
            for page in variant.pages:
                assert len(page.helplines) <= MAX_RESOURCES_PER_MESSAGE


def test_old_rape_crisis_number_is_not_used(pack: ContentPack) -> None:
    # The facts page: 0808 802 9999 was replaced by the 24/7 line 0808 500 2222 in December 2022.
    everything = "\n".join(path.read_text() for path in (DEFAULT_PACK / "en").rglob("*.yml"))
    assert "802 9999" not in everything
    assert "0808 500 2222" in everything


def test_crisis_replies_give_999_the_silent_solution_and_samaritans(pack: ContentPack) -> None:
    assert "999" in pack.crisis.danger.text and "55" in pack.crisis.danger.text
    assert "116 123" in pack.crisis.suicide.text or "samaritans" in pack.crisis.suicide.helplines


def test_crisis_replies_with_the_region_not_known_give_each_regions_numbers_on_one_short_line(pack: ContentPack) -> None:
    """Where a crisis reply has one service per region, the region stands in for each long name."""
    listed = 0
    for kind, reply in pack.crisis.replies():
        if not reply.services_heading:
            continue
        text = crisis_reply(pack, kind, None).text
        for helpline_id in reply.helplines:
            helpline = pack.helplines[helpline_id]
            where = ", ".join(pack.region_name(r) for r in pack.enabled_regions if r in helpline.regions)
            assert f"\n- {where}: {helpline.phone}" in text, (kind, helpline_id)
            assert helpline.name not in text
            listed += 1
        assert text.index("999") < text.index(reply.services_heading)
        # With the region known, the one service for it is named as before.
        named = crisis_reply(pack, kind, Region.scotland).text
        assert reply.services_heading not in named and "- **" in named
    assert listed >= 9


def test_region_specific_topics_cover_every_region(pack: ContentPack) -> None:
    for topic in pack.topics.values():
        for region in ALL_REGIONS:
            assert topic.variant_for(region).pages


# --- Broken packs: each mistake is named by file, entry and field, and the pack is refused whole.


def copy_pack(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(DEFAULT_PACK, target)
    return target


def edit_yaml(path: Path, change: Callable[[Any], Any]) -> None:
    """Apply `change` to the parsed file in place (its return value is ignored) and write it back."""
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def problems_for(root: Path) -> list[str]:
    with pytest.raises(ContentPackError) as caught:
        load_pack(root, "en")
    return [str(p) for p in caught.value.problems]


def test_missing_file_is_named(tmp_path: Path) -> None:
    root = copy_pack(tmp_path)
    (root / "en" / "helplines.yml").unlink()
    assert any(p.startswith("helplines.yml") and "missing" in p for p in problems_for(root))


def test_invalid_yaml_gives_line_and_column(tmp_path: Path) -> None:
    root = copy_pack(tmp_path)
    (root / "en" / "messages.yml").write_text("messages:\n  intro: [unclosed\n")
    (problem,) = [p for p in problems_for(root) if p.startswith("messages.yml")]
    assert "not valid YAML" in problem and "line" in problem


def test_missing_required_message_is_named(tmp_path: Path) -> None:
    root = copy_pack(tmp_path)
    edit_yaml(root / "en" / "messages.yml", lambda d: d["messages"].pop("stop"))
    assert any("messages.yml" in p and "missing message(s): stop" in p for p in problems_for(root))


def test_unknown_placeholder_is_refused(tmp_path: Path) -> None:
    root = copy_pack(tmp_path)
    edit_yaml(root / "en" / "messages.yml", lambda d: d["messages"].update(goodbye="Bye {name}"))
    assert any("'goodbye' uses unknown placeholder(s) ['name']" in p for p in problems_for(root))


def test_helpline_missing_field_names_the_helpline_and_field(tmp_path: Path) -> None:
    root = copy_pack(tmp_path)
    edit_yaml(root / "en" / "helplines.yml", lambda d: d["helplines"][0].pop("for_whom"))
    first_id = yaml.safe_load((DEFAULT_PACK / "en" / "helplines.yml").read_text())["helplines"][0]["id"]
    assert any(p.startswith(f"helplines.yml: {first_id} > for_whom") for p in problems_for(root))


def test_helpline_without_any_contact_is_refused(tmp_path: Path) -> None:
    root = copy_pack(tmp_path)

    def strip_contacts(d: Any) -> None:
        for key in ("phone", "text_number", "email", "web", "chat"):
            d["helplines"][0][key] = None

    edit_yaml(root / "en" / "helplines.yml", strip_contacts)
    assert any("needs a phone, text number, e-mail, web or chat contact" in p for p in problems_for(root))


def test_badly_formed_url_is_refused(tmp_path: Path) -> None:
    root = copy_pack(tmp_path)
    edit_yaml(root / "en" / "helplines.yml", lambda d: d["helplines"][0].update(web="www.example.org"))
    assert any("web" in p and "not a well-formed https:// URL" in p for p in problems_for(root))


def test_fact_without_source_is_refused(tmp_path: Path) -> None:
    root = copy_pack(tmp_path)
    edit_yaml(root / "en" / "topics" / "review.yml", lambda d: next(iter(d["variants"].values())).update(sources=[]))
    assert any(p.startswith("topics/review.yml: review > variants.") and "sources" in p for p in problems_for(root))


def test_topic_missing_a_region_is_refused(tmp_path: Path) -> None:
    root = copy_pack(tmp_path)
    edit_yaml(root / "en" / "topics" / "compensation.yml", lambda d: d["variants"].pop("northern_ireland"))
    assert any("compensation" in p and "missing variant(s) for ['northern_ireland']" in p for p in problems_for(root))


def test_unknown_helpline_reference_is_refused(tmp_path: Path) -> None:
    root = copy_pack(tmp_path)
    edit_yaml(
        root / "en" / "topics" / "criminal_route.yml", lambda d: d["variants"]["scotland"]["pages"][0].update(helplines=["nope"])
    )
    assert any(
        "topics/criminal_route.yml: criminal_route > variants.scotland.pages.0.helplines: unknown helpline 'nope'" == p
        for p in problems_for(root)
    )


def test_wrong_region_helpline_is_refused(tmp_path: Path) -> None:
    root = copy_pack(tmp_path)
    edit_yaml(
        root / "en" / "topics" / "criminal_route.yml",
        lambda d: d["variants"]["northern_ireland"]["pages"][0].update(helplines=["rape_crisis_scotland"]),
    )
    assert any("'rape_crisis_scotland' does not serve northern_ireland" in p for p in problems_for(root))


def test_more_than_three_services_on_a_page_is_refused(tmp_path: Path) -> None:
    root = copy_pack(tmp_path)
    four = ["samaritans", "police_care_uk", "childline", "police_anticorruption_reporting"]
    edit_yaml(root / "en" / "topics" / "privacy.yml", lambda d: d["variants"]["all"]["pages"][0].update(helplines=four))
    assert any("privacy" in p and "helplines" in p and "at most 3" in p for p in problems_for(root))


def test_menu_naming_an_unknown_topic_is_refused(tmp_path: Path) -> None:
    root = copy_pack(tmp_path)
    edit_yaml(root / "en" / "menu.yml", lambda d: d["menu"].append("astrology"))
    assert any("menu.yml: menu" in p and "unknown topic 'astrology'" in p for p in problems_for(root))


def test_broken_crisis_pattern_is_refused(tmp_path: Path) -> None:
    root = copy_pack(tmp_path)
    edit_yaml(root / "en" / "crisis_patterns.yml", lambda d: d["danger"].append("(unclosed"))
    assert any(p.startswith("crisis_patterns.yml") and "not a valid regular expression" in p for p in problems_for(root))


def test_every_problem_is_reported_not_only_the_first(tmp_path: Path) -> None:
    root = copy_pack(tmp_path)
    edit_yaml(root / "en" / "messages.yml", lambda d: d["messages"].pop("intro"))
    edit_yaml(root / "en" / "menu.yml", lambda d: d["menu"].append("astrology"))
    problems = problems_for(root)
    assert any("intro" in p for p in problems) and any("astrology" in p for p in problems)


def test_blaming_phrase_is_caught_by_the_lint(tmp_path: Path) -> None:
    root = copy_pack(tmp_path)
    edit_yaml(root / "en" / "messages.yml", lambda d: d["messages"].update(deny="Why didn't you say so? Just relax."))
    findings = [str(f) for f in lint_pack(load_pack(root, "en")) if f.severity == "error"]
    assert any("messages.yml: deny" in f and "why didn't you" in f for f in findings)
    assert any("messages.yml: deny" in f and '"just"' in f for f in findings)


def test_stale_review_date_warns(tmp_path: Path, pack: ContentPack) -> None:
    findings = lint_pack(pack, today=dt.date.today() + dt.timedelta(days=400))
    assert any(f.severity == "warning" and "more than six months ago" in f.message for f in findings)


def test_command_for_an_unknown_intent_is_refused(tmp_path: Path) -> None:
    root = copy_pack(tmp_path)
    edit_yaml(root / "en" / "commands.yml", lambda d: d.update(teleport=["/beam"]))
    assert any(p.startswith("commands.yml: teleport") and "not an intent in domain.yml" in p for p in problems_for(root))


def test_a_source_is_a_public_page_or_a_project_document(tmp_path: Path) -> None:
    root = copy_pack(tmp_path)
    edit_yaml(root / "en" / "topics" / "privacy.yml", lambda d: d["variants"]["all"]["sources"][0].update(doc="docs/nowhere.md"))
    assert any("doc 'docs/nowhere.md' is not a file of this project" in p for p in problems_for(root))


def test_a_source_without_url_or_doc_is_refused(tmp_path: Path) -> None:
    root = copy_pack(tmp_path)
    edit_yaml(root / "en" / "topics" / "privacy.yml", lambda d: d["variants"]["all"]["sources"][0].pop("doc"))
    assert any("give exactly one of url" in p for p in problems_for(root))


# --- Corrections of 29 November 2026 (facts page, section 8), each shown in its own region ----


def topic_text(pack: ContentPack, topic_id: str, region: Region) -> str:
    """Every page of a topic as a survivor in `region` reads it, services included."""
    replies = []
    page = 0
    while chunk := topic_page(pack, pack.topics[topic_id], region, page):
        replies.extend(chunk)
        page += 1
    return "\n".join(reply.text for reply in replies)


def test_no_charge_decision_within_one_working_day_for_the_most_serious_crime(pack: ContentPack) -> None:
    for topic_id in ("review", "kept_informed"):
        text = topic_text(pack, topic_id, Region.england_wales)
        assert "1 working day" in text and "sexual offence" in text


def test_cps_prompt_review_window_is_ten_working_days(pack: ContentPack) -> None:
    text = topic_text(pack, "review", Region.england_wales)
    assert "within 10 working days of being told" in text
    assert "within 5 working days of being told" not in text


def test_tribunal_time_limit_and_worker_protection_changes_are_hedged(pack: ContentPack) -> None:
    for region in (Region.england_wales, Region.scotland):
        text = topic_text(pack, "work", region)
        assert "usually 3 months less one day" in text and "6 months" in text and "ACAS" in text
        assert '"all reasonable steps"' in text and "Check whether these changes are in force" in text
    assert "does not apply in Northern Ireland" in topic_text(pack, "work", Region.northern_ireland)


def test_officers_are_not_told_that_no_dismissal_claim_is_possible(pack: ContentPack) -> None:
    for region in (Region.england_wales, Region.scotland):
        text = topic_text(pack, "work", region)
        assert "can't claim unfair dismissal" not in text
        assert "ordinary unfair dismissal claim" in text and "blowing the whistle" in text


def test_serving_psni_staff_are_not_sent_to_the_police_ombudsman(pack: ContentPack) -> None:
    for topic_id in ("criminal_route", "misconduct_route", "options", "both_routes", "domestic_abuse", "kept_informed", "review"):
        text = topic_text(pack, topic_id, Region.northern_ireland)
        assert "can't complain to PONI about a colleague" in text, topic_id
        assert "all complaints" not in text, topic_id


def test_galop_is_offered_in_every_region(pack: ContentPack) -> None:
    assert set(pack.helplines["galop"].regions) == set(ALL_REGIONS)
    for region in ALL_REGIONS:
        assert "0800 999 5428" in topic_text(pack, "helplines", region), region
        assert "0800 999 5428" in topic_text(pack, "domestic_abuse", region), region


def test_caveats_where_claims_were_stated_too_strongly(pack: ContentPack) -> None:
    england = Region.england_wales
    misconduct = topic_text(pack, "misconduct_route", england)
    assert "normally held in public" in misconduct and "all or part" in misconduct
    assert "only gross misconduct" in misconduct and "decides whether each entry is published" in misconduct
    assert "sends the case back to the force" in topic_text(pack, "criminal_route", england)
    assert "6-month limit" in topic_text(pack, "options", england)
    assert "serving" in pack.helplines["police_anticorruption_reporting"].for_whom
    childline = pack.helplines["childline"]
    assert childline.open_24_7 and "under 19" in childline.for_whom
    assert "gross misconduct (not lesser misconduct)" in topic_text(pack, "misconduct_route", Region.scotland)
