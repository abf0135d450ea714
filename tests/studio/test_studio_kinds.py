"""The forms for the rest of an overlay pack: topics and their questions, the menu, channel texts, crisis phrases.

Each is a row of the kinds table (bot/studio/kinds.py); what is written is only what differs
from the default pack, and the pack the assistant would load says what the form said.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from aiohttp.test_utils import TestClient

from bot.content.loader import load_pack
from bot.content.report import render_report, report_rows
from bot.studio.settings import StudioSettings
from tests.support.studio import browser_form, changed, sign_in

ROOT = Path(__file__).resolve().parents[2]


def draft(settings: StudioSettings, name: str) -> Path:
    return settings.data / "draft" / "en" / name


async def save(client: TestClient, path: str, pairs: list[tuple[str, str]]) -> str:
    response = await client.post(path, data=pairs)
    assert response.status == 200, await response.text()
    return await response.text()


async def form_of(client: TestClient, path: str) -> list[tuple[str, str]]:
    return browser_form(await (await client.get(path)).text(), path)


async def test_every_kind_of_file_has_a_page_in_the_navigation(client: TestClient) -> None:
    await sign_in(client, "edna")
    overview = await (await client.get("/")).text()
    for path in ("/pack", "/helplines", "/topics", "/messages", "/menu", "/channels", "/crisis-phrases", "/report"):
        assert f'href="{path}"' in overview, path
        assert (await client.get(path)).status == 200, path


async def test_a_topic_saved_unchanged_writes_nothing(client: TestClient, settings: StudioSettings) -> None:
    await sign_in(client, "edna")
    page = await save(client, "/topics/privacy", await form_of(client, "/topics/privacy"))
    assert "Saved to the draft." in page
    assert not draft(settings, "topics/privacy.yml").exists()


async def test_a_reworded_answer_and_a_hidden_question_are_all_a_topic_file_holds(
    client: TestClient, settings: StudioSettings
) -> None:
    await sign_in(client, "edna")
    form = await form_of(client, "/topics/privacy")
    ids = {v: k.split(".")[1] for k, v in form if k.startswith("questions.") and k.endswith(".id")}
    kept, hidden = ids["privacy_kept"], ids["privacy_police"]
    new = "We keep nothing personal about you."
    form = changed(form, {f"questions.{kept}.answers.all.text": new, f"questions.{hidden}.remove": "on"})
    await save(client, "/topics/privacy", form)
    written = yaml.safe_load(draft(settings, "topics/privacy.yml").read_text())
    assert set(written) == {"questions"}
    assert [q["id"] for q in written["questions"]] == ["privacy_kept", "privacy_police"]
    assert written["questions"][1] == {"id": "privacy_police", "hidden": True}
    assert written["questions"][0]["answers"]["all"]["text"] == new
    pack = load_pack(ROOT / "data" / "content", "en", settings.data / "draft")
    questions = {q.id: q for q in pack.topics["privacy"].questions}
    assert "privacy_police" not in questions
    assert questions["privacy_kept"].answers["all"].text == new


async def test_a_regions_page_text_changes_only_that_variant(client: TestClient, settings: StudioSettings) -> None:
    await sign_in(client, "edna")
    form = await form_of(client, "/topics/criminal_route")
    key = next(k for k, _ in form if k.startswith("variants.scotland.pages.0.text"))
    await save(client, "/topics/criminal_route", changed(form, {key: "In Scotland, you can report to Police Scotland."}))
    written = yaml.safe_load(draft(settings, "topics/criminal_route.yml").read_text())
    assert list(written["variants"]) == ["scotland"]
    assert written["variants"]["scotland"]["pages"][0]["text"].strip() == "In Scotland, you can report to Police Scotland."


async def test_a_new_signpost_for_one_region_is_the_only_line_in_the_menu_file(
    client: TestClient, settings: StudioSettings
) -> None:
    await sign_in(client, "edna")
    form = await form_of(client, "/menu")
    await save(client, "/menu", changed(form, {"signpost.scotland": "rape_crisis_scotland\nscotland_da_helpline"}))
    written = yaml.safe_load(draft(settings, "menu.yml").read_text())
    assert written == {"signpost": {"scotland": ["rape_crisis_scotland", "scotland_da_helpline"]}}


async def test_a_channel_text_and_one_form_of_a_counted_text_are_written_alone(
    client: TestClient, settings: StudioSettings
) -> None:
    await sign_in(client, "edna")
    form = await form_of(client, "/channels")
    new = {"widget.send": "Send it", "telegram.exit_deleted.one": "I deleted {count} message here."}
    await save(client, "/channels", changed(form, new))
    written = yaml.safe_load(draft(settings, "channels.yml").read_text())
    assert written == {"widget": {"send": "Send it"}, "telegram": {"exit_deleted": {"one": "I deleted {count} message here."}}}


async def test_an_extra_crisis_phrase_is_added_to_the_default_ones(client: TestClient, settings: StudioSettings) -> None:
    await sign_in(client, "edna")
    form = await form_of(client, "/crisis-phrases")
    # A charity's own code phrase for "come now" (no default pattern knows it).
    phrase = "the blue umbrella is open"
    assert load_pack(ROOT / "data" / "content", "en").crisis_matcher.detect(phrase) is None
    await save(client, "/crisis-phrases", changed(form, {"danger": phrase}))
    assert yaml.safe_load(draft(settings, "crisis_patterns.yml").read_text()) == {"danger": [phrase]}
    pack = load_pack(ROOT / "data" / "content", "en", settings.data / "draft")
    assert pack.crisis_matcher.detect(phrase) == "danger"


async def test_a_broken_phrase_is_reported_under_its_kind_as_you_type(client: TestClient) -> None:
    token = await sign_in(client, "edna")
    form = changed(await form_of(client, "/crisis-phrases"), {"danger": "(unclosed"})
    response = await client.post("/check/crisis-phrases", data=form, headers={"X-CSRF-Token": token})
    fields = (await response.json())["fields"]
    assert any("is not a valid regular expression" in line for line in fields["danger"]), fields


async def test_a_topic_title_with_html_and_a_yaml_tag_is_kept_as_text(client: TestClient, settings: StudioSettings) -> None:
    await sign_in(client, "edna")
    title = "!!python/object <b>Privacy</b>"
    await save(client, "/topics/privacy", changed(await form_of(client, "/topics/privacy"), {"title": title}))
    assert yaml.safe_load(draft(settings, "topics/privacy.yml").read_text())["title"] == title
    page = await (await client.get("/topics/privacy")).text()
    assert "<b>Privacy</b>" not in page and "&lt;b&gt;Privacy&lt;/b&gt;" in page


async def test_new_forms_refuse_changes_without_the_csrf_token_and_addresses_that_are_not_ids(client: TestClient) -> None:
    await sign_in(client, "edna")
    for path in ("/menu", "/channels", "/crisis-phrases", "/topics/privacy"):
        form = [(k, v) for k, v in await form_of(client, path) if k != "csrf"]
        assert (await client.post(path, data=form)).status == 403, path
    for path in ("/topics/..%2F..%2Fpack", "/topics/Privacy", "/topics/nothing_here", "/menu/x"):
        assert (await client.get(path)).status == 404, path


async def test_a_reviewer_without_the_editor_role_cannot_save_a_topic(client: TestClient) -> None:
    await sign_in(client, "rita")
    assert (await client.post("/topics/privacy", data=await form_of(client, "/topics/privacy"))).status == 403


async def test_the_review_report_lists_what_content_report_lists_and_offers_it_as_csv(
    client: TestClient, settings: StudioSettings
) -> None:
    await sign_in(client, "edna")
    page = await (await client.get("/report")).text()
    pack = load_pack(ROOT / "data" / "content", "en", settings.data / "draft")
    rows = report_rows(pack)
    assert page.count("<tr><td>") == len(rows)
    assert '<a href="/topics/privacy">privacy &gt; privacy_kept &gt; all</a>' in page
    assert '<a href="/helplines/samaritans">samaritans</a>' in page
    csv = await client.get("/report.csv")
    assert csv.headers["Content-Type"].startswith("text/csv")
    assert await csv.text() == render_report(pack, "csv")


async def test_a_wording_problem_in_an_answer_is_shown_under_that_answer(client: TestClient) -> None:
    await sign_in(client, "edna")
    form = await form_of(client, "/topics/privacy")
    index = next(k.split(".")[1] for k, v in form if k.startswith("questions.") and k.endswith(".id") and v == "privacy_kept")
    name = f"questions.{index}.answers.all.text"
    response = await client.post("/check/topics/privacy", data=changed(form, {name: "Just type stop."}))
    fields = (await response.json())["fields"]
    assert [line for line in fields[name] if 'uses "just"' in line], fields


async def test_a_question_added_in_the_spare_row_is_written_whole_and_answered_by_the_pack(
    client: TestClient, settings: StudioSettings
) -> None:
    await sign_in(client, "edna")
    form = await form_of(client, "/topics/privacy")
    spare = str(int(dict(form)["questions.count"]) - 1)
    new = {
        f"questions.{spare}.id": "privacy_phone",
        f"questions.{spare}.title": "Can my phone show this chat?",
        f"questions.{spare}.asks": "will this show on my phone\ncan someone see this chat on my phone",
        f"questions.{spare}.answers._new.key": "all",
        f"questions.{spare}.answers._new.text": "Your phone may keep this chat. You can delete it in the app.",
        f"questions.{spare}.answers._new.sources.0.doc": "docs/privacy.md",
        f"questions.{spare}.answers._new.sources.0.title": "Privacy: what this assistant keeps",
        f"questions.{spare}.answers._new.last_reviewed": "2026-11-01",
    }
    await save(client, "/topics/privacy", changed(form, new))
    written = yaml.safe_load(draft(settings, "topics/privacy.yml").read_text())
    assert [q["id"] for q in written["questions"]] == ["privacy_phone"]
    pack = load_pack(ROOT / "data" / "content", "en", settings.data / "draft")
    added = {q.id: q for q in pack.topics["privacy"].questions}["privacy_phone"]
    assert added.answers["all"].text.startswith("Your phone may keep this chat.")
    assert added.asks == ["will this show on my phone", "can someone see this chat on my phone"]
