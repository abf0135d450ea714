"""The studio's YAML round trip: comments and order kept, only what differs from the default pack written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from bot.studio.overlay import helpline_entries, set_helpline, set_messages

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "charity-pack" / "en"
DEFAULT_HELPLINES = {h["id"]: h for h in yaml.safe_load((ROOT / "data/content/en/helplines.yml").read_text())["helplines"]}


def test_changing_one_field_changes_only_its_line_and_keeps_every_comment() -> None:
    path = EXAMPLE / "helplines.yml"
    before = path.read_text()
    entry = helpline_entries(path)["northshire_helpline"]
    entry["phone"] = "01632 960124"
    after = set_helpline(path, entry, None)
    assert len(before.splitlines()) == len(after.splitlines())
    changed = [(old, new) for old, new in zip(before.splitlines(), after.splitlines(), strict=True) if old != new]
    assert changed == [('    phone: "01632 960123"', '    phone: "01632 960124"')]


def test_changing_one_opening_time_keeps_the_comments_on_the_other_periods() -> None:
    path = EXAMPLE / "helplines.yml"
    entry = helpline_entries(path)["northshire_helpline"]
    entry["opening_hours"][0]["open"] = "17:00"
    after = set_helpline(path, entry, None)
    assert '- {days: [tue, thu], open: "17:00", close: "22:00"}' in after
    assert '- {days: [fri], open: "20:00", close: "02:00"}   # closes at 2am on Saturday morning' in after
    assert "# 01632 960xxx is Ofcom's range for drama" in after


def test_a_helpline_the_same_as_the_default_is_left_out_of_the_overlay(tmp_path: Path) -> None:
    path = tmp_path / "helplines.yml"
    changed = {**DEFAULT_HELPLINES["galop"], "hours": "Monday to Friday, 10am to 5pm"}
    path.write_text(set_helpline(path, changed, DEFAULT_HELPLINES["galop"]))
    assert [h["id"] for h in yaml.safe_load(path.read_text())["helplines"]] == ["galop"]
    same_again = {**DEFAULT_HELPLINES["galop"], "text_number": None}
    path.write_text(set_helpline(path, same_again, DEFAULT_HELPLINES["galop"]))
    assert yaml.safe_load(path.read_text())["helplines"] == []


def test_a_replaced_helpline_is_written_whole_as_the_merge_rule_needs(tmp_path: Path) -> None:
    path = tmp_path / "helplines.yml"
    changed = {**DEFAULT_HELPLINES["galop"], "name": "Galop (LGBT+ helpline)"}
    written = yaml.safe_load(set_helpline(path, changed, DEFAULT_HELPLINES["galop"]))["helplines"][0]
    assert written["name"] == "Galop (LGBT+ helpline)"
    assert {k: v for k, v in written.items() if k != "name"} == {
        k: v for k, v in DEFAULT_HELPLINES["galop"].items() if k != "name" and v is not None and v is not False
    }


def test_texts_that_yaml_would_read_as_something_else_are_read_back_as_written(tmp_path: Path) -> None:
    path = tmp_path / "helplines.yml"
    entry = {
        "id": "local_line",
        "name": "no",
        "phone": "0808 802 9999",
        "hours": "yes: 10:00",
        "for_whom": "!!python/object:os.system 'ls'",
        "regions": ["scotland"],
        "opening_hours": [{"days": ["mon"], "open": "09:00", "close": "17:30"}],
        "sources": [{"url": "https://example.org/help", "title": "Local: help"}],
        "last_reviewed": dt.date(2026, 11, 1),
    }
    read_back = yaml.safe_load(set_helpline(path, entry, None))["helplines"][0]
    assert read_back["name"] == "no"
    assert read_back["hours"] == "yes: 10:00"
    assert read_back["for_whom"] == "!!python/object:os.system 'ls'"
    assert read_back["opening_hours"] == [{"days": ["mon"], "open": "09:00", "close": "17:30"}]
    assert read_back["last_reviewed"] == dt.date(2026, 11, 1)


def test_a_new_file_starts_with_a_note_on_where_it_came_from(tmp_path: Path) -> None:
    text = set_messages(tmp_path / "messages.yml", {"stop": "Stopped."}, {"stop": "Stopping."})
    assert text.startswith("# Written by the content studio")
    assert yaml.safe_load(text) == {"messages": {"stop": "Stopped.\n"}}


def test_only_reworded_messages_are_written_and_the_files_comments_stay() -> None:
    path = EXAMPLE / "messages.yml"
    defaults = {"greeting_question": "Hello.\n", "stop": "Stopping.\n", "goodbye": "Bye.\n"}
    text = set_messages(path, {"greeting_question": "Hello.", "stop": "Stopped now.", "goodbye": "Bye."}, defaults)
    assert text.startswith("# Reword any message by its key")
    assert yaml.safe_load(text) == {"messages": {"stop": "Stopped now.\n"}}
