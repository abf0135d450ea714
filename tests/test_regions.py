"""Enabled regions (pack.yml `enabled_regions`): a regional service answers for its own part of the UK only.

`content check` asks for content only in enabled regions; the region question offers only them
(and is not asked when one region is enabled); "rather not say" shows only them, each labelled.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

import actions.base
from actions.base import PackHolder
from actions.conversation import ActionDeny
from actions.crisis import ActionCrisis
from actions.region import ActionSetRegion
from actions.topics import ActionExplainTopic, ActionTellMeMore
from bot.cli import main as cli_main
from bot.content.lint import lint_pack
from bot.content.loader import ContentPack, ContentPackError, load_pack
from bot.content.render import region_question
from bot.content.schema import Region
from tests.support.trackers import DEFAULT_PACK, make_tracker


def overlay(tmp_path: Path, files: dict[str, Any]) -> Path:
    root = tmp_path / "overlay"
    for name, data in files.items():
        path = root / "en" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return root


def regional(tmp_path: Path, *regions: str, **pack_fields: Any) -> ContentPack:
    """The default pack with an overlay that enables only `regions`."""
    return load_pack(DEFAULT_PACK, "en", overlay(tmp_path, {"pack.yml": {"enabled_regions": list(regions), **pack_fields}}))


def problems(load: Callable[[], ContentPack]) -> list[str]:
    with pytest.raises(ContentPackError) as caught:
        load()
    return [str(p) for p in caught.value.problems]


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch) -> Callable[[ContentPack], None]:
    def use(pack: ContentPack) -> None:
        monkeypatch.setattr(actions.base, "_holder", PackHolder(loader=lambda: pack))

    return use


def run(action: Any, tracker: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def text_of(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def payloads(messages: list[dict[str, Any]]) -> list[str]:
    return [b["payload"] for m in messages for b in m.get("buttons") or []]


def headings(pack: ContentPack) -> dict[Region, str]:
    return {r: pack.message("region_heading", region=pack.region_name(r)) for r in Region}


# --- The setting --------------------------------------------------------------------------------


def test_every_region_is_enabled_by_default(pack: ContentPack) -> None:
    assert pack.enabled_regions == tuple(Region) and pack.default_region is None


def test_enabled_regions_keep_the_usual_order(tmp_path: Path) -> None:
    pack = regional(tmp_path, "northern_ireland", "scotland")
    assert pack.enabled_regions == (Region.scotland, Region.northern_ireland) and pack.default_region is None


def test_one_enabled_region_is_the_default(tmp_path: Path) -> None:
    assert regional(tmp_path, "scotland").default_region is Region.scotland


def test_default_region_must_be_enabled(tmp_path: Path) -> None:
    found = problems(lambda: regional(tmp_path, "scotland", default_region="england_wales"))
    overlay_file = tmp_path / "overlay" / "en" / "pack.yml"
    assert found == [
        f"{overlay_file}: default_region 'england_wales' is not in enabled_regions ['scotland']: "
        "add it there, or choose an enabled region"
    ]


@pytest.mark.parametrize(
    "regions,message",
    [([], "at least 1 item"), (["scotland", "scotland"], "lists scotland more than once"), (["wales"], "Input should be")],
)
def test_enabled_regions_must_be_known_regions_once_each(tmp_path: Path, regions: list[str], message: str) -> None:
    found = problems(lambda: regional(tmp_path, *regions))
    assert any("pack.yml: enabled_regions" in p and message in p for p in found), found


# --- content check: content only for enabled regions --------------------------------------------


def scotland_only_pack(tmp_path: Path, enable: bool) -> Path:
    """A whole pack whose criminal_route topic and signposts are written for Scotland alone."""
    base = tmp_path / "content"
    shutil.copytree(DEFAULT_PACK / "en", base / "en")
    root = base / "en"
    topic = yaml.safe_load((root / "topics" / "criminal_route.yml").read_text())
    topic["variants"] = {"scotland": topic["variants"]["scotland"]}
    (root / "topics" / "criminal_route.yml").write_text(yaml.safe_dump(topic, sort_keys=False, allow_unicode=True))
    menu = yaml.safe_load((root / "menu.yml").read_text())
    menu["signpost"] = {"scotland": menu["signpost"]["scotland"], "not_said": menu["signpost"]["not_said"]}
    (root / "menu.yml").write_text(yaml.safe_dump(menu, sort_keys=False))
    if enable:
        info = yaml.safe_load((root / "pack.yml").read_text())
        info["enabled_regions"] = ["scotland"]
        (root / "pack.yml").write_text(yaml.safe_dump(info, sort_keys=False, allow_unicode=True))
    return base


def test_content_is_needed_only_for_enabled_regions(tmp_path: Path) -> None:
    pack = load_pack(scotland_only_pack(tmp_path, enable=True), "en")
    assert set(pack.topics["criminal_route"].variants) == {"scotland"}


def test_without_the_setting_every_region_still_needs_content(tmp_path: Path) -> None:
    found = problems(lambda: load_pack(scotland_only_pack(tmp_path, enable=False), "en"))
    assert (
        "topics/criminal_route.yml: criminal_route > variants: missing variant(s) for ['england_wales', 'northern_ireland']: "
        "every enabled region needs its own answer" in found
    )
    assert any("menu.yml: signpost: missing the key(s) ['england_wales', 'northern_ireland']" in p for p in found)


def test_content_check_passes_for_a_scotland_only_pack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = scotland_only_pack(tmp_path, enable=True)
    # The region question names the other regions: content check says to reword it.
    assert cli_main(["content", "check", "--base", str(base)]) == 0
    out = capsys.readouterr().out
    assert (
        "warning: messages.yml: region_question: names England and Wales, which this pack does not enable "
        "(pack.yml enabled_regions): reword it in your messages.yml"
    ) in out.splitlines()
    assert cli_main(["content", "preview", "criminal_route", "--base", str(base)]) == 0
    assert pack_scotland_text(base) in capsys.readouterr().out
    assert cli_main(["content", "preview", "criminal_route", "--base", str(base), "--region", "england_wales"]) == 1
    assert "england_wales is not enabled in this pack" in capsys.readouterr().err


def pack_scotland_text(base: Path) -> str:
    return load_pack(base, "en").topics["criminal_route"].variants["scotland"].pages[0].text.strip()


def test_an_all_regions_page_may_name_a_service_of_the_enabled_region_only(tmp_path: Path) -> None:
    topic = {"variants": {"all": {"pages": [{"text": "Scottish services.", "helplines": ["rape_crisis_scotland"]}]}}}
    variant = yaml.safe_load((DEFAULT_PACK / "en" / "topics" / "work.yml").read_text())["variants"]
    source = next(iter(variant.values()))
    topic["variants"]["all"].update(sources=source["sources"], last_reviewed=source["last_reviewed"])
    files = {"topics/work.yml": topic}
    assert any(
        "'rape_crisis_scotland' does not serve england_wales" in p
        for p in problems(lambda: load_pack(DEFAULT_PACK, "en", overlay(tmp_path / "a", files)))
    )
    files["pack.yml"] = {"enabled_regions": ["scotland"]}
    load_pack(DEFAULT_PACK, "en", overlay(tmp_path / "b", files))


# --- The conversation ---------------------------------------------------------------------------


def test_the_region_question_offers_only_enabled_regions(tmp_path: Path) -> None:
    pack = regional(tmp_path, "scotland", "northern_ireland")
    payloads = [b.payload for b in region_question(pack).buttons]
    assert payloads == [
        '/inform_region{"region":"scotland"}',
        '/inform_region{"region":"northern_ireland"}',
        '/inform_region{"region":"not_said"}',
    ]
    assert [b.title for b in region_question(pack).buttons][:2] == ["Scotland", "Northern Ireland"]


def test_with_one_region_the_question_is_not_asked(tmp_path: Path, serve: Callable[[ContentPack], None]) -> None:
    pack = regional(tmp_path, "scotland")
    serve(pack)
    topic = pack.topics["criminal_route"]
    messages, slots = run(ActionExplainTopic(), make_tracker(topic.intent))
    text = text_of(messages)
    assert pack.message("region_question") not in text
    assert topic.variants["scotland"].pages[0].text.strip() in text
    assert topic.variants["england_wales"].pages[0].text.strip() not in text
    assert "region_asked" not in slots and slots["last_topic"] == "criminal_route"
    more, _ = run(ActionTellMeMore(), make_tracker("tell_me_more", last_topic="criminal_route"))
    assert topic.variants["scotland"].pages[1].text.strip() in text_of(more)


def test_rather_not_say_shows_only_enabled_regions(tmp_path: Path, serve: Callable[[ContentPack], None]) -> None:
    pack = regional(tmp_path, "scotland", "northern_ireland")
    serve(pack)
    messages, _ = run(
        ActionSetRegion(), make_tracker("inform_region", region="not_said", region_asked=True, pending_topic="compensation")
    )
    text = text_of(messages)
    regions = [p for p in payloads(messages) if p.startswith("/inform_region")]
    assert regions == ['/inform_region{"region":"scotland"}', '/inform_region{"region":"northern_ireland"}']
    assert pack.topics["compensation"].variants["england_wales"].pages[0].text.strip() not in text
    declined, _ = run(ActionDeny(), make_tracker("deny", region_asked=True, pending_topic="review"))
    assert '/inform_region{"region":"england_wales"}' not in payloads(declined)
    assert pack.topics["review"].variants["england_wales"].pages[0].text.strip() not in text_of(declined)


def test_a_region_not_enabled_is_said_so_and_never_answered_for(tmp_path: Path, serve: Callable[[ContentPack], None]) -> None:
    pack = regional(tmp_path, "scotland")
    serve(pack)
    messages, slots = run(
        ActionSetRegion(), make_tracker("inform_region", region="england_wales", region_asked=True, pending_topic="review")
    )
    text = text_of(messages)
    assert pack.message("region_not_covered", region="England and Wales") in text
    assert pack.message("region_set", region="England and Wales") not in text
    assert headings(pack)[Region.scotland] in text, "Scotland's answer is labelled as Scotland's"
    assert pack.topics["review"].variants["england_wales"].pages[0].text.strip() not in text
    assert slots["region"] == "not_said"
    # The slot may also be filled by an entity in another message: the answer still never claims that region.
    later, _ = run(ActionExplainTopic(), make_tracker("ask_criminal_route", region="england_wales", region_asked=True))
    assert headings(pack)[Region.scotland] in text_of(later)
    assert pack.topics["criminal_route"].variants["england_wales"].pages[0].text.strip() not in text_of(later)


def test_crisis_services_are_those_of_enabled_regions(tmp_path: Path, serve: Callable[[ContentPack], None]) -> None:
    pack = regional(tmp_path, "scotland", "northern_ireland")
    serve(pack)
    messages, _ = run(ActionCrisis(), make_tracker("crisis_danger", region="not_said"))
    text = text_of(messages)
    # One line for each enabled region, with its number (crisis.yml's services_heading says what they are).
    assert f"- Scotland: {pack.helplines['scotland_da_helpline'].phone}" in text
    assert f"- Northern Ireland: {pack.helplines['ni_dsa_helpline'].phone}" in text
    assert pack.helplines["national_da_helpline"].phone not in text and "England" not in text
    assert "999" in text


def test_the_default_pack_warns_about_nothing_region_related(pack: ContentPack, tmp_path: Path) -> None:
    assert not [f for f in lint_pack(pack) if "does not enable" in f.message]
    reworded = load_pack(
        DEFAULT_PACK,
        "en",
        overlay(
            tmp_path,
            {
                "pack.yml": {"enabled_regions": ["scotland"]},
                "messages.yml": {"messages": {"region_question": "Is this about Scotland? You don't have to say."}},
                "channels.yml": {"pages": {"demo_about": "The assistant is automated. It explains options in Scotland."}},
            },
        ),
    )
    assert not [f for f in lint_pack(reworded) if "does not enable" in f.message]
