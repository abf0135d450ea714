"""Issue 7: overlay packs, the extended `content check`, hours-aware signposting and hot reload.

The "common mistakes" in docs/customising.md are each tested here with their exact message.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

import actions.base
from actions.base import PackHolder
from actions.conversation import ActionGreet
from actions.topics import ActionExplainTopic, ActionShowMenu
from bot.cli import main as cli_main
from bot.content.hours import UK, open_status
from bot.content.lint import lint_pack, reading_grade, syllables
from bot.content.loader import ContentPack, ContentPackError, load_pack
from bot.content.render import crisis_reply, format_helpline, helplines_text, signpost_reply
from bot.content.schema import Helpline, Region, normalise_phone
from tests.support.clock import FakeClock
from tests.support.trackers import DEFAULT_PACK, ROOT, make_tracker

EXAMPLE = ROOT / "examples" / "charity-pack"
UTC = dt.timezone.utc


def overlay(tmp_path: Path, files: dict[str, Any]) -> Path:
    """An overlay pack in tmp_path/overlay/en with the given files (YAML data, or raw text)."""
    root = tmp_path / "overlay"
    for name, data in files.items():
        path = root / "en" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    (root / "en").mkdir(parents=True, exist_ok=True)
    return root


def load(root: Path) -> ContentPack:
    return load_pack(DEFAULT_PACK, "en", root)


def problems(root: Path) -> list[str]:
    with pytest.raises(ContentPackError) as caught:
        load(root)
    return [str(p) for p in caught.value.problems]


def local_helpline(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": "local_line",
        "name": "Local line",
        "phone": "01632 960001",
        "web": "https://local.example.org/",
        "hours": None,
        "for_whom": "People in our area",
        "regions": ["england_wales"],
        "sources": [{"url": "https://local.example.org/", "title": "Local line"}],
        "last_reviewed": dt.date.today().isoformat(),
    }
    entry.update(changes)
    return entry


def run(action: Any, tracker: Any) -> list[dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch) -> Callable[[ContentPack], None]:
    """Make the actions speak from `pack`."""

    def use(pack: ContentPack) -> None:
        monkeypatch.setattr(actions.base, "_holder", PackHolder(loader=lambda: pack))

    return use


# --- Overlay packs -------------------------------------------------------------------------


def test_example_pack_passes_content_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["content", "check", "--content", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "0 error(s)" in out and "overlay" in out


def test_example_pack_changes_wording_helplines_branding_and_topics(pack: ContentPack) -> None:
    example = load(EXAMPLE)
    assert example.info.bot_name == "Northshire Support Guide"
    assert example.info.branding.title == "Northshire Survivors' Network"
    assert example.info.branding.colours.primary == "#5b2a6e"
    assert example.info.default_region is Region.england_wales
    assert example.info.regions == pack.info.regions  # untouched keys come from the default pack
    assert "Northshire" in example.message("greeting_question")
    assert example.message("stop") == pack.message("stop")
    assert example.helplines["northshire_helpline"].phone == "01632 960123"
    assert "anonymous_reporting" not in example.topics and "anonymous_reporting" not in example.menu.menu
    assert example.menu.signpost["england_wales"][0] == "northshire_helpline"
    assert example.menu.signpost["scotland"] == pack.menu.signpost["scotland"]
    variants = example.topics["helplines"].variants
    assert "northshire_helpline" in variants["england_wales"].pages[0].helplines
    assert variants["scotland"] == pack.topics["helplines"].variants["scotland"]


def test_example_pack_changes_what_the_bot_says(serve: Callable[[ContentPack], None]) -> None:
    serve(load(EXAMPLE))
    greeting = run(ActionGreet(), make_tracker("greet"))
    assert "Welcome to Northshire Survivors' Network" in greeting[0]["text"]
    assert "/ask_anonymous_reporting" not in [b["payload"] for b in greeting[0]["buttons"]]
    # default_region: a region-specific topic is answered for England and Wales without asking.
    helplines = run(ActionExplainTopic(), make_tracker("ask_helplines"))
    assert "Northshire Survivors' Network helpline" in helplines[0]["text"]
    # A hidden topic is never a dead end: the question gets the menu.
    hidden = run(ActionExplainTopic(), make_tracker("ask_anonymous_reporting"))
    assert hidden[0]["buttons"] and "Reporting without giving your name" not in hidden[0]["text"]
    menu = run(ActionShowMenu(), make_tracker("menu"))
    assert "/ask_anonymous_reporting" not in [b["payload"] for b in menu[0]["buttons"]]


def test_content_dir_is_an_overlay_on_the_default_pack(monkeypatch: pytest.MonkeyPatch, pack: ContentPack) -> None:
    monkeypatch.setenv("CONTENT_DIR", str(EXAMPLE))
    merged = load_pack()
    assert merged.info.bot_name == "Northshire Support Guide"
    assert set(pack.topics) - set(merged.topics) == {"anonymous_reporting"}
    # CONTENT_DIR pointing at the default pack itself is no overlay.
    monkeypatch.setenv("CONTENT_DIR", str(DEFAULT_PACK))
    assert load_pack().info.bot_name == pack.info.bot_name


def test_overlay_crisis_patterns_and_commands_add_to_the_default(tmp_path: Path, pack: ContentPack) -> None:
    root = overlay(
        tmp_path, {"crisis_patterns.yml": {"danger": [r"\bnorthshire emergency\b"]}, "commands.yml": {"stop": ["byebye"]}}
    )
    merged = load(root)
    assert merged.crisis_matcher.detect("this is a northshire emergency") == "danger"
    assert merged.crisis_matcher.detect("he is going to kill me") == pack.crisis_matcher.detect("he is going to kill me")


def test_overlay_replaces_a_helpline_by_id(tmp_path: Path, pack: ContentPack) -> None:
    galop = yaml.safe_load((DEFAULT_PACK / "en" / "helplines.yml").read_text())["helplines"]
    entry = next(h for h in galop if h["id"] == "galop")
    entry["for_whom"] = "LGBT+ people in Northshire who have experienced abuse"
    merged = load(overlay(tmp_path, {"helplines.yml": {"helplines": [entry]}}))
    assert merged.helplines["galop"].for_whom.endswith("in Northshire who have experienced abuse")
    assert list(merged.helplines) == list(pack.helplines)  # same order, same set


def test_overlay_hides_a_helpline_everywhere_it_was_shown(tmp_path: Path, pack: ContentPack) -> None:
    merged = load(overlay(tmp_path, {"helplines.yml": {"helplines": [{"id": "victim_support", "hidden": True}]}}))
    assert "victim_support" not in merged.helplines
    assert "victim_support" not in merged.menu.signpost["england_wales"]
    for topic in merged.topics.values():
        for variant in topic.variants.values():
            assert all("victim_support" not in page.helplines for page in variant.pages)


def test_overlay_replaces_one_variant_and_keeps_the_others(tmp_path: Path, pack: ContentPack) -> None:
    scotland = {
        "pages": [{"text": "Our own words for Scotland.", "helplines": ["rape_crisis_scotland"]}],
        "sources": [{"url": "https://local.example.org/", "title": "Our service"}],
        "last_reviewed": dt.date.today().isoformat(),
    }
    merged = load(overlay(tmp_path, {"topics/review.yml": {"button": "Review a decision", "variants": {"scotland": scotland}}}))
    review = merged.topics["review"]
    assert review.button == "Review a decision"
    assert review.variants["scotland"].pages[0].text == "Our own words for Scotland."
    assert review.variants["england_wales"] == pack.topics["review"].variants["england_wales"]


def test_a_broken_overlay_is_refused_whole_and_names_the_overlay_file(tmp_path: Path) -> None:
    root = overlay(
        tmp_path,
        {
            "messages.yml": {"messages": {"goodbye": "Bye {name}"}},
            "helplines.yml": {"helplines": [local_helpline(regions=["wales"])]},
        },
    )
    found = problems(root)
    prefix = str(root / "en")
    assert any(p.startswith(f"{prefix}/messages.yml: messages: 'goodbye' uses unknown placeholder(s) ['name']") for p in found)
    assert any(p.startswith(f"{prefix}/helplines.yml: local_line > regions.0:") for p in found)


def test_a_local_service_on_a_page_for_the_wrong_region_is_named(tmp_path: Path) -> None:
    root = overlay(
        tmp_path,
        {
            "helplines.yml": {"helplines": [local_helpline()]},
            "menu.yml": {"signpost": {"scotland": ["local_line", "samaritans"]}},
        },
    )
    assert f"{root / 'en'}/menu.yml: signpost > scotland: 'local_line' does not serve scotland" in problems(root)


# --- Common mistakes (docs/customising.md): each has its exact message -------------------------


def only_problem(root: Path) -> str:
    (problem,) = problems(root)
    return problem


def test_mistake_misspelt_message_key(tmp_path: Path) -> None:
    root = overlay(tmp_path, {"messages.yml": {"messages": {"greting_question": "Hello"}}})
    assert only_problem(root) == (
        f"{root / 'en'}/messages.yml: greting_question: "
        "is not a message the assistant uses: check the spelling against data/content/en/messages.yml"
    )


def test_mistake_phone_number_with_a_digit_missing(tmp_path: Path) -> None:
    root = overlay(tmp_path, {"helplines.yml": {"helplines": [local_helpline(phone="0808 802 999")]}})
    assert only_problem(root) == (
        f"{root / 'en'}/helplines.yml: local_line > phone: "
        "'0808 802 999' is not a valid UK phone number: check the digits (a full number has 10 or 11 digits)"
    )


def test_mistake_opening_time_in_words(tmp_path: Path) -> None:
    hours = [{"days": ["mon"], "open": "6pm", "close": "22:00"}]
    root = overlay(tmp_path, {"helplines.yml": {"helplines": [local_helpline(opening_hours=hours)]}})
    assert only_problem(root) == (
        f"{root / 'en'}/helplines.yml: local_line > opening_hours.0.open: '6pm' is not a time like 09:30 or 20:30 (24-hour clock)"
    )


def test_mistake_day_name_in_full(tmp_path: Path) -> None:
    hours = [{"days": ["monday"], "open": "18:00", "close": "22:00"}]
    root = overlay(tmp_path, {"helplines.yml": {"helplines": [local_helpline(opening_hours=hours)]}})
    assert only_problem(root) == (
        f"{root / 'en'}/helplines.yml: local_line > opening_hours.0.days.0: "
        "Input should be 'mon', 'tue', 'wed', 'thu', 'fri', 'sat' or 'sun'"
    )


def test_mistake_replacing_a_helpline_with_only_the_changed_field(tmp_path: Path) -> None:
    root = overlay(tmp_path, {"helplines.yml": {"helplines": [{"id": "galop", "phone": "0800 999 5428"}]}})
    found = problems(root)
    assert f"{root / 'en'}/helplines.yml: galop > for_whom: Field required" in found
    assert f"{root / 'en'}/helplines.yml: galop > last_reviewed: Field required" in found


def test_mistake_hiding_a_helpline_that_does_not_exist(tmp_path: Path) -> None:
    root = overlay(tmp_path, {"helplines.yml": {"helplines": [{"id": "samaritan", "hidden": True}]}})
    assert (
        only_problem(root)
        == f"{root / 'en'}/helplines.yml: samaritan > hidden: there is no helpline 'samaritan' in the default pack to hide"
    )


def test_mistake_hiding_a_topic_that_does_not_exist(tmp_path: Path) -> None:
    root = overlay(tmp_path, {"topics/compensations.yml": "hidden: true\n"})
    assert only_problem(root) == (
        f"{root / 'en'}/topics/compensations.yml: compensations > hidden: there is no topic 'compensations' in the default pack to hide"
    )


def test_mistake_hiding_a_crisis_service(tmp_path: Path) -> None:
    root = overlay(tmp_path, {"helplines.yml": {"helplines": [{"id": "samaritans", "hidden": True}]}})
    assert problems(root) == [
        f"{root / 'en'}/helplines.yml: samaritans > hidden: "
        f"is in the {kind} crisis reply (crisis.yml), so it can't be hidden: crisis services always stay"
        for kind in ("suicide", "unavailable")
    ]


def test_mistake_changing_a_crisis_replys_services_but_not_the_heading_that_names_them(tmp_path: Path) -> None:
    services = ["rape_crisis_ew", "rape_crisis_scotland", "ni_dsa_helpline"]
    root = overlay(tmp_path, {"crisis.yml": {"danger": {"helplines": services}}})
    assert only_problem(root) == (
        f"{root / 'en'}/crisis.yml: danger > services_heading: describes the default pack's services, and your "
        "crisis.yml changes them: say what yours are, or set it to null to name each service"
    )


def test_mistake_colours_too_close_to_read(tmp_path: Path) -> None:
    root = overlay(tmp_path, {"pack.yml": {"branding": {"colours": {"primary": "#f5a623"}}}})
    assert only_problem(root) == (
        f"{root / 'en'}/pack.yml: branding.colours: primary and on_primary have contrast 2.03:1; at least 4.5:1 is needed"
    )


def test_mistake_bad_indentation(tmp_path: Path) -> None:
    root = overlay(tmp_path, {"messages.yml": "messages:\n  greeting_question: Hello\n greeting: Hi\n"})
    assert only_problem(root).startswith(f"{root / 'en'}/messages.yml: is not valid YAML (line 3, column 2)")


def test_mistake_no_locale_folder(tmp_path: Path) -> None:
    root = tmp_path / "flat"
    root.mkdir()
    (root / "messages.yml").write_text("messages: {}\n")
    assert only_problem(root) == f"{root / 'en'}: folder not found: an overlay pack needs a 'en' folder"


def test_mistake_new_helpline_never_shown_warns(tmp_path: Path) -> None:
    root = overlay(tmp_path, {"helplines.yml": {"helplines": [local_helpline()]}})
    findings = [str(f) for f in lint_pack(load(root))]
    assert (
        f"warning: {root / 'en'}/helplines.yml: local_line: "
        "is never shown: add its id to a topic page's helplines or to signpost in menu.yml"
    ) in findings


def test_mistake_broken_pack_exits_non_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = overlay(tmp_path, {"messages.yml": {"messages": {"greting_question": "Hello"}}})
    assert cli_main(["content", "check", "--content", str(root)]) == 1
    assert "greting_question" in capsys.readouterr().err


# --- content check: phone numbers, reading level ---------------------------------------------


@pytest.mark.parametrize(
    ("number", "normal"),
    [
        ("0808 500 2222", "+448085002222"),
        ("08 08 16 89 111", "+448081689111"),
        ("07860 077333", "+447860077333"),
        ("+44 300 012 0030", "+443000120030"),
        ("999", "999"),
        ("101", "101"),
        ("116 123", "116123"),
        ("18000", "18000"),
        ("01632 960123", "+441632960123"),
    ],
)
def test_phone_numbers_are_normalised(number: str, normal: str) -> None:
    assert normalise_phone(number) == normal


@pytest.mark.parametrize("number", ["0808 500 222", "01632 123456", "12345", "call us", "0800 999 54289"])
def test_bad_phone_numbers_are_refused(number: str) -> None:
    with pytest.raises(ValueError, match="not a"):
        normalise_phone(number)


def test_drama_number_warns(tmp_path: Path) -> None:
    findings = [str(f) for f in lint_pack(load(EXAMPLE))]
    assert any("01632 960123 is a fictional number (Ofcom's drama range)" in f for f in findings)


def test_every_shipped_phone_number_is_valid(pack: ContentPack) -> None:
    for helpline in pack.helplines.values():
        for number in (helpline.phone, helpline.text_number):
            if number:
                assert normalise_phone(number).startswith("+44") or number.replace(" ", "").isdigit()


def test_syllable_heuristic() -> None:
    assert [syllables(w) for w in ("you", "police", "support", "independent", "compensation", "the", "make")] == [
        1,
        2,
        2,
        4,
        4,
        1,
        1,
    ]


def test_reading_level_warns_on_hard_text_only(tmp_path: Path) -> None:
    easy = "You can talk to us. We will listen. It is your choice. You do not have to say a lot. " * 3
    hard = (
        "Notwithstanding the aforementioned considerations, investigative determinations regarding "
        "organisational accountability necessitate comprehensive evidential documentation and "
        "corroborative testimony from institutional representatives in accordance with regulations. "
    ) * 2
    assert reading_grade(easy)[0] < 4
    assert reading_grade(hard)[0] > 15
    root = overlay(tmp_path, {"messages.yml": {"messages": {"deny": easy, "thank": hard}}})
    findings = [f for f in lint_pack(load(root)) if "school grade" in f.message]
    assert {f.entry for f in findings} >= {"thank"} and "deny" not in {f.entry for f in findings}


# --- Hours-aware signposting -------------------------------------------------------------------


def helpline(*periods: dict[str, Any], **changes: Any) -> Helpline:
    return Helpline.model_validate(local_helpline(opening_hours=list(periods) or None, **changes))


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


#: Hours like those a 2023 news report gave for Galop (Monday to Thursday 10:00 to 20:30, Friday to 16:30).
WEEKDAY_LINE = (
    {"days": ["mon", "tue", "wed", "thu"], "open": "10:00", "close": "20:30"},
    {"days": ["fri"], "open": "10:00", "close": "16:30"},
)


def test_weekday_hours_in_uk_time() -> None:
    galop = helpline(*WEEKDAY_LINE)
    # Monday 30 March 2026, after the clocks went forward: 09:30 UTC is 10:30 BST.
    assert open_status(galop, at(2026, 3, 30, 9, 30)).open_now
    # Monday 23 November 2026 (GMT): 09:30 UTC is 09:30 in the UK, before opening.
    status = open_status(galop, at(2026, 11, 23, 9, 30))
    assert not status.open_now and status.next_open == dt.datetime(2026, 11, 23, 10, 0, tzinfo=UK)
    # Thursday 20:29 BST open, 20:30 closed; Friday closes at 16:30; the weekend is closed.
    assert open_status(galop, at(2026, 4, 2, 19, 29)).open_now
    assert not open_status(galop, at(2026, 4, 2, 19, 30)).open_now
    friday_late = open_status(galop, at(2026, 11, 27, 16, 45))
    assert not friday_late.open_now and friday_late.next_open == dt.datetime(2026, 11, 30, 10, 0, tzinfo=UK)


def test_hours_across_the_spring_clock_change() -> None:
    sunday = helpline({"days": ["sun"], "open": "10:00", "close": "20:30"})
    # 29 March 2026: clocks go forward at 01:00 UTC. 09:30 UTC is 10:30 BST: open.
    assert open_status(sunday, at(2026, 3, 29, 9, 30)).open_now
    assert open_status(sunday, at(2026, 3, 29, 19, 29)).open_now  # 20:29 BST
    assert not open_status(sunday, at(2026, 3, 29, 19, 30)).open_now  # 20:30 BST
    # The Sunday before (GMT), 09:30 UTC is 09:30: not open yet.
    assert not open_status(sunday, at(2026, 3, 22, 9, 30)).open_now


def test_hours_across_the_autumn_clock_change() -> None:
    sunday = helpline({"days": ["sun"], "open": "10:00", "close": "20:30"})
    # 25 October 2026: clocks go back at 01:00 UTC. 09:30 UTC is 09:30 GMT: closed, opens at 10:00.
    status = open_status(sunday, at(2026, 10, 25, 9, 30))
    assert not status.open_now and status.next_open == dt.datetime(2026, 10, 25, 10, 0, tzinfo=UK)
    assert status.next_open.utcoffset() == dt.timedelta(0)
    assert open_status(sunday, at(2026, 10, 25, 20, 29)).open_now
    # The Sunday before (BST), 09:30 UTC is 10:30: open.
    assert open_status(sunday, at(2026, 10, 18, 9, 30)).open_now


def test_hours_past_midnight() -> None:
    late = helpline({"days": ["fri"], "open": "20:00", "close": "02:00"})
    assert open_status(late, at(2026, 11, 27, 23, 59)).open_now  # Friday night
    assert open_status(late, at(2026, 11, 28, 1, 59)).open_now  # Saturday 01:59, still Friday's shift
    after = open_status(late, at(2026, 11, 28, 2, 0))
    assert not after.open_now and after.next_open == dt.datetime(2026, 12, 4, 20, 0, tzinfo=UK)
    assert not open_status(late, at(2026, 11, 27, 19, 59)).open_now


def test_overnight_shift_over_both_clock_changes() -> None:
    night = helpline({"days": ["sat"], "open": "22:00", "close": "03:00"})
    # Night of 28 to 29 March: 01:30 UTC is 02:30 BST, open; 02:00 UTC is 03:00 BST, closed.
    assert open_status(night, at(2026, 3, 29, 1, 30)).open_now
    assert not open_status(night, at(2026, 3, 29, 2, 0)).open_now
    # Night of 24 to 25 October: 02:30 UTC is 02:30 GMT, open; 03:00 UTC is 03:00 GMT, closed.
    assert open_status(night, at(2026, 10, 25, 2, 30)).open_now
    assert not open_status(night, at(2026, 10, 25, 3, 0)).open_now


def test_open_services_come_first_with_open_now(tmp_path: Path) -> None:
    weekday = local_helpline(name="Weekday line", hours="Monday to Thursday 10am to 8:30pm, Friday 10am to 4:30pm")
    weekday["opening_hours"] = list(WEEKDAY_LINE)
    root = overlay(tmp_path, {"helplines.yml": {"helplines": [weekday]}})
    pack = load(root)
    friday_evening = at(2026, 11, 27, 18, 0)  # the weekday line is closed (Friday 16:30); 24/7 lines open
    text = helplines_text(pack, ["local_line", "rape_crisis_ew", "mens_advice_line"], Region.england_wales, friday_evening)
    assert text.index("Rape Crisis") < text.index("Weekday line")
    assert "Closed now. Opens at 10:00 (Monday)." in text
    monday = at(2026, 11, 30, 11, 0)
    text = helplines_text(pack, ["mens_advice_line", "local_line"], Region.england_wales, monday)
    assert text.index("Weekday line") < text.index("Men's Advice Line")
    assert "Open now. Monday to Thursday" in text
    assert pack.message("hours_unknown") in format_helpline(pack, pack.helplines["mens_advice_line"], monday)


def test_galop_is_never_shown_as_open_now_from_unconfirmed_hours(pack: ContentPack) -> None:
    # Its hours come from a 2023 news report (facts page, section 8): words only, no "Open now".
    galop = pack.helplines["galop"]
    assert galop.opening_hours is None and not galop.open_24_7
    for moment in (at(2026, 11, 30, 11, 0), at(2026, 11, 27, 18, 0)):
        shown = format_helpline(pack, galop, moment)
        assert "Open now" not in shown and "Closed now" not in shown and "Check their website" in shown


def test_24_7_services_are_always_open(pack: ContentPack) -> None:
    for moment in (at(2026, 3, 29, 1, 30), at(2026, 10, 25, 1, 30), at(2026, 12, 25, 3, 0)):
        assert open_status(pack.helplines["samaritans"], moment).open_now
    assert "Open now" not in format_helpline(pack, pack.helplines["samaritans"])


def test_no_hours_invented_for_unconfirmed_services(pack: ContentPack) -> None:
    assert [h.id for h in pack.helplines.values() if h.opening_hours] == []
    for h in pack.helplines.values():
        if h.hours is None:
            assert not h.open_24_7 and not h.opening_hours


def test_signpost_uses_hours_too(pack: ContentPack) -> None:
    reply = signpost_reply(pack, "Sorry.", Region.england_wales)
    assert reply.text.startswith("Sorry.")


# --- Hot reload --------------------------------------------------------------------------------


def edit(path: Path, change: Callable[[Any], None]) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))


@pytest.fixture
def live_pack(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(DEFAULT_PACK, target)
    return target


def test_hot_reload_picks_up_a_changed_message(
    live_pack: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    holder = PackHolder(loader=lambda: load_pack(live_pack, "en", EXAMPLE), clock=clock)
    monkeypatch.setattr(actions.base, "_holder", holder)
    assert "Northshire" in run(ActionGreet(), make_tracker("greet"))[0]["text"]
    edit(live_pack / "en" / "messages.yml", lambda d: d["messages"].update(menu_prompt="Pick one."))
    clock.now += 0.5  # checked at most every 2 s
    assert holder.get().message("menu_prompt") != "Pick one."
    clock.now += 2.0
    caplog.set_level(logging.INFO, logger="bot.content.reload")
    assert run(ActionShowMenu(), make_tracker("menu"))[0]["text"] == "Pick one."
    assert "content pack reloaded" in caplog.text


def test_hot_reload_refuses_a_broken_pack_and_keeps_serving(live_pack: Path, caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    holder = PackHolder(loader=lambda: load_pack(live_pack, "en", None), clock=clock)
    before = holder.get()
    edit(live_pack / "en" / "messages.yml", lambda d: d["messages"].pop("stop"))
    clock.now += 5
    caplog.set_level(logging.INFO, logger="bot.content.reload")
    assert holder.get() is before
    (line,) = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert line == (
        "content pack changed but was refused, still serving the previous one: messages.yml: messages: missing message(s): stop"
    )
    # Not reloaded (nor logged) again until the files change again.
    clock.now += 5
    assert holder.get() is before and len([r for r in caplog.records if r.levelno == logging.ERROR]) == 1
    edit(live_pack / "en" / "messages.yml", lambda d: d["messages"].update(stop="Stopped. Nothing is kept."))
    clock.now += 5
    assert holder.get().message("stop") == "Stopped. Nothing is kept."


def test_sighup_style_reload_request(live_pack: Path) -> None:
    holder = PackHolder(loader=lambda: load_pack(live_pack, "en", None), clock=FakeClock())
    first = holder.get()
    holder.request_reload()
    assert holder.get() is not first


def test_hot_reload_never_logs_survivor_text(
    live_pack: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    holder = PackHolder(loader=lambda: load_pack(live_pack, "en", None), clock=clock)
    holder.get()
    monkeypatch.setattr(actions.base, "_holder", holder)
    edit(live_pack / "en" / "messages.yml", lambda d: d["messages"].pop("thank"))
    clock.now += 5
    caplog.set_level(logging.DEBUG)
    run(ActionGreet(), make_tracker("greet", text="canary-7c1d my sergeant"))
    assert "canary-7c1d" not in caplog.text and "missing message(s): thank" in caplog.text


def test_a_crisis_replys_services_with_their_own_heading_are_listed_by_region(tmp_path: Path) -> None:
    services = ["rape_crisis_ew", "rape_crisis_scotland", "ni_dsa_helpline"]
    heading = "Rape and sexual abuse lines, day or night:"
    root = overlay(tmp_path, {"crisis.yml": {"danger": {"helplines": services, "services_heading": heading}}})
    merged = load(root)
    text = crisis_reply(merged, "danger", None).text
    assert heading + f"\n- England and Wales: {merged.helplines['rape_crisis_ew'].phone}\n" in text


def test_a_crisis_reply_without_a_services_heading_names_each_service(tmp_path: Path, pack: ContentPack) -> None:
    root = overlay(tmp_path, {"crisis.yml": {"danger": {"services_heading": None}}})
    text = crisis_reply(load(root), "danger", None).text
    assert f"- **{pack.helplines['national_da_helpline'].name}** (England and Wales): call" in text
