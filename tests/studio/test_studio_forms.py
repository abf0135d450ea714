"""Forms generated from the pack's pydantic models: a new schema field appears with no form code."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Optional

import yaml
from multidict import MultiDict
from pydantic import Field

from bot.content.schema import Helpline, Menu, Region, Topic
from bot.studio.forms import form_fields, read_form, render_fields
from tests.support.studio import ROOT, browser_form


def test_the_helpline_form_has_one_input_per_schema_field_of_the_right_kind() -> None:
    fields = {f.name: f for f in form_fields(Helpline, {})}
    assert set(fields) == set(Helpline.model_fields)
    kinds = {name: f.kind for name, f in fields.items()}
    assert kinds["phone"] == "text"
    assert kinds["open_24_7"] == "checkbox"
    assert kinds["last_reviewed"] == "date"
    assert kinds["regions"] == "choices"
    assert kinds["opening_hours"] == "group"
    assert fields["regions"].choices == [r.value for r in Region]


def test_the_helplines_own_fields_come_before_its_sources_and_review_date() -> None:
    names = [f.name for f in form_fields(Helpline, {})]
    assert names[0] == "id"
    assert names[-2:] == ["sources", "last_reviewed"]


def test_each_field_carries_its_plain_language_help_from_the_schema() -> None:
    fields = {f.name: f for f in form_fields(Helpline, {})}
    assert fields["phone"].help == Helpline.model_fields["phone"].description
    assert all(f.help for f in fields.values()), [f.name for f in fields.values() if not f.help]


class HelplineWithLanguages(Helpline):
    """A schema a later change might bring: one more field."""

    languages: Annotated[Optional[str], Field(description="Languages the service speaks")] = None


def test_a_field_added_to_the_schema_appears_in_the_form_and_is_read_back() -> None:
    fields = {f.name: f for f in form_fields(HelplineWithLanguages, {"languages": "English, Welsh"})}
    assert (fields["languages"].kind, fields["languages"].value) == ("text", "English, Welsh")
    assert 'name="languages"' in render_fields(list(fields.values()), {})
    assert read_form(HelplineWithLanguages, MultiDict({"languages": "English"}))["languages"] == "English"


def test_a_filled_form_reads_back_as_the_entry_it_shows() -> None:
    entry = {
        "id": "local_line",
        "name": "Local line",
        "phone": "0808 802 9999",
        "open_24_7": False,
        "opening_hours": [{"days": ["tue", "thu"], "open": "18:00", "close": "22:00"}],
        "for_whom": "Anyone in the county",
        "regions": ["england_wales"],
        "sources": [{"url": "https://example.org/line", "title": "Local: our line"}],
        "last_reviewed": dt.date(2026, 11, 1),
    }
    form: MultiDict[str] = MultiDict()
    for name, value in [
        ("id", "local_line"),
        ("name", "Local line"),
        ("phone", "0808 802 9999"),
        ("opening_hours.count", "2"),
        ("opening_hours.0.days", "tue"),
        ("opening_hours.0.days", "thu"),
        ("opening_hours.0.open", "18:00"),
        ("opening_hours.0.close", "22:00"),
        ("opening_hours.1.open", ""),  # the spare row, left empty
        ("for_whom", "Anyone in the county"),
        ("regions", "england_wales"),
        ("sources.count", "1"),
        ("sources.0.url", "https://example.org/line"),
        ("sources.0.title", "Local: our line"),
        ("last_reviewed", "2026-11-01"),
    ]:
        form.add(name, value)
    read = read_form(Helpline, form)
    assert {k: v for k, v in read.items() if v is not None} == entry
    assert Helpline.model_validate(read).phone == "0808 802 9999"


def test_a_period_marked_for_removal_is_left_out() -> None:
    form = MultiDict(
        [
            ("opening_hours.count", "1"),
            ("opening_hours.0.days", "mon"),
            ("opening_hours.0.open", "09:00"),
            ("opening_hours.0.remove", "on"),
        ]
    )
    assert read_form(Helpline, form)["opening_hours"] is None


def test_text_in_a_field_is_escaped_in_the_form() -> None:
    html = render_fields(form_fields(Helpline, {"name": '<script>alert("x")</script>'}), {})
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_a_topics_form_read_back_unchanged_gives_the_topic_with_its_region_variants_and_questions() -> None:
    topic = yaml.safe_load((ROOT / "data" / "content" / "en" / "topics" / "criminal_route.yml").read_text())
    html = render_fields(form_fields(Topic, topic), {})
    form: MultiDict[str] = MultiDict(browser_form(f'<form action="/t">{html}</form>', "/t"))
    read = read_form(Topic, form)
    assert list(read["variants"]) == list(topic["variants"])
    assert Topic.model_validate(read) == Topic.model_validate(topic)


def test_a_mapping_row_marked_for_removal_is_left_out_and_the_spare_row_adds_a_key() -> None:
    form = MultiDict(
        [
            ("signpost.keys", "scotland,not_said"),
            ("signpost.scotland", "a\nb"),
            ("signpost.scotland.remove", "on"),
            ("signpost.not_said", "c"),
            ("signpost._new.key", "england_wales"),
            ("signpost._new", "d"),
        ]
    )
    assert read_form(Menu, form)["signpost"] == {"not_said": ["c"], "england_wales": ["d"]}


def test_a_mapping_key_that_is_not_an_id_is_refused() -> None:
    form = MultiDict([("signpost.keys", "../x,Scotland"), ("signpost._new.key", "a/b"), ("signpost._new", "d")])
    assert read_form(Menu, form)["signpost"] == {}
