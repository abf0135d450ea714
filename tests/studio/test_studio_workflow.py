"""Preview, then draft → review → publish → history → restore, through the studio's pages."""

from __future__ import annotations

import html
import os
from pathlib import Path

import yaml
from aiohttp.test_utils import TestClient, TestServer

from actions.base import PackHolder
from bot.content.loader import load_pack
from bot.content.markup import html_blocks
from bot.content.render import crisis_reply, topic_page
from bot.studio.app import make_app
from bot.studio.settings import StudioSettings
from tests.support.clock import FakeClock
from tests.support.studio import ROOT, make_settings, sign_in

GALOP = yaml.safe_load((ROOT / "data/content/en/helplines.yml").read_text())["helplines"]
GALOP = next(h for h in GALOP if h["id"] == "galop")


def galop_form(token: str, **changes: str) -> dict[str, str]:
    """Galop's entry as its form sends it, with `changes`."""
    form = {
        "csrf": token,
        "name": GALOP["name"],
        "phone": GALOP["phone"] or "",
        "email": GALOP["email"] or "",
        "web": GALOP["web"] or "",
        "hours": GALOP["hours"] or "",
        "for_whom": GALOP["for_whom"],
        "sources.count": str(len(GALOP["sources"])),
        "last_reviewed": str(GALOP["last_reviewed"]),
    }
    for index, source in enumerate(GALOP["sources"]):
        form[f"sources.{index}.url"] = source["url"]
        form[f"sources.{index}.title"] = source["title"]
    if GALOP["open_24_7"]:
        form["open_24_7"] = "on"
    form.update(changes)
    return form


async def post_form(client: TestClient, path: str, form: dict[str, str], regions: list[str]) -> int:
    data = [*form.items(), *[("regions", r) for r in regions]]
    response = await client.post(path, data=data)
    return response.status


def published_hours(settings: StudioSettings) -> str | None:
    path = settings.overlay / "en" / "helplines.yml"
    if not path.exists():
        return None
    listed = (yaml.safe_load(path.read_text()) or {}).get("helplines") or []
    return next((h["hours"] for h in listed if h["id"] == "galop"), None)


async def test_the_preview_shows_each_regions_crisis_reply_and_helplines_as_the_renderer_makes_them(client: TestClient) -> None:
    await sign_in(client, "edna")
    page = await (await client.get("/preview")).text()
    pack = load_pack(ROOT / "data" / "content", "en")
    for region in pack.enabled_regions:
        assert f">{html.escape(pack.region_name(region))}</h2>" in page
        first_line = crisis_reply(pack, "danger", region).text.splitlines()[0]
        assert 'call <a href="tel:999">999</a>' in html_blocks(first_line)  # laid out as the widget shows it
        assert html_blocks(first_line).removeprefix("<p>").removesuffix("</p>") in page
        helplines = topic_page(pack, pack.topics["helplines"], region, 0)[0].text
        assert html_blocks(helplines.splitlines()[-1]).removeprefix("<p>").removesuffix("</p>") in page


async def test_html_in_content_is_shown_as_text_in_the_preview(client: TestClient) -> None:
    token = await sign_in(client, "edna")
    status = await post_form(client, "/helplines/galop", galop_form(token, name="Galop <b>bold</b>"), GALOP["regions"])
    assert status == 200
    page = await (await client.get("/preview")).text()
    assert "Galop &lt;b&gt;bold&lt;/b&gt;" in page
    assert "<b>bold</b>" not in page


async def test_a_change_goes_from_draft_to_review_to_publish_and_can_be_restored(
    client: TestClient, settings: StudioSettings
) -> None:
    editor = await sign_in(client, "edna")
    await post_form(client, "/helplines/galop", galop_form(editor, hours="Monday to Friday, 10am to 4pm"), GALOP["regions"])
    assert published_hours(settings) is None  # only the draft has it
    assert (await client.post("/submit", data={"csrf": editor})).status == 200
    own = await client.post("/approve", data={"csrf": editor})
    assert own.status == 409
    assert published_hours(settings) is None

    reviewer = await sign_in(client, "rita")
    refused_own = await client.post("/publish", data={"csrf": reviewer})
    assert refused_own.status == 409  # not approved yet
    assert (await client.post("/approve", data={"csrf": reviewer})).status == 200
    assert (await client.post("/publish", data={"csrf": reviewer})).status == 200
    assert published_hours(settings) == "Monday to Friday, 10am to 4pm"
    load_pack(settings.base, "en", settings.overlay)  # what the assistant's hot reload will read is a valid pack

    history = await (await client.get("/history")).text()
    assert "changed by edna; approved by rita; published by rita." in history.split("<h2>Version 2</h2>")[1]
    assert "+    hours: &quot;Monday to Friday, 10am to 4pm&quot;" in history
    assert (await client.post("/restore/1", data={"csrf": reviewer})).status == 200
    assert published_hours(settings) is None
    assert "Restored version 1 on" in await (await client.get("/history")).text()


async def test_with_the_two_person_rule_off_an_editor_publishes_alone(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, two_person_rule=False)
    async with TestClient(TestServer(make_app(settings))) as client:
        token = await sign_in(client, "edna")
        await post_form(client, "/helplines/galop", galop_form(token, hours="Weekdays"), GALOP["regions"])
        assert (await client.post("/publish", data={"csrf": token})).status == 200
        assert published_hours(settings) == "Weekdays"


async def test_a_draft_with_errors_is_not_published(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, two_person_rule=False)
    async with TestClient(TestServer(make_app(settings))) as client:
        token = await sign_in(client, "edna")
        await post_form(client, "/helplines/galop", galop_form(token, phone="0808 802 999"), GALOP["regions"])
        refused = await client.post("/publish", data={"csrf": token})
        assert refused.status == 409
        assert "the draft has errors" in await refused.text()
        assert published_hours(settings) is None


async def test_the_audit_log_names_staff_and_actions_only(client: TestClient, settings: StudioSettings) -> None:
    token = await sign_in(client, "edna")
    await post_form(client, "/helplines/galop", galop_form(token, hours="Weekdays"), GALOP["regions"])
    lines = [yaml.safe_load(line) for line in (settings.data / "audit.log").read_text().splitlines()]
    assert [(line["who"], line["action"], line["what"]) for line in lines] == [
        ("edna", "sign in", ""),
        ("edna", "edit", "helpline galop"),
    ]


async def test_a_published_change_reaches_the_action_servers_hot_reload_without_a_restart(
    client: TestClient, settings: StudioSettings
) -> None:
    clock = FakeClock()
    holder = PackHolder(loader=lambda: load_pack(settings.base, "en", settings.overlay), clock=clock)
    assert holder.get().helplines["galop"].hours == GALOP["hours"]  # the action server, started on the empty overlay
    editor = await sign_in(client, "ada")
    await post_form(client, "/helplines/galop", galop_form(editor, hours="Weekdays, 9am to 5pm"), GALOP["regions"])
    assert (await client.post("/submit", data={"csrf": editor})).status == 200
    reviewer = await sign_in(client, "rita")
    assert (await client.post("/approve", data={"csrf": reviewer})).status == 200
    assert (await client.post("/publish", data={"csrf": reviewer})).status == 200
    # A file's time can stay within one tick of the first load on a fast machine: move it on, as time would.
    folder = settings.overlay / "en"
    os.utime(folder, ns=(folder.stat().st_atime_ns, folder.stat().st_mtime_ns + 5_000_000_000))
    clock.now += 5  # past the two seconds between looks at the files
    assert holder.get().helplines["galop"].hours == "Weekdays, 9am to 5pm"


async def test_the_preview_says_open_or_closed_for_the_chosen_day_and_time(client: TestClient) -> None:
    token = await sign_in(client, "edna")
    hours = {
        "opening_hours.count": "1",
        "opening_hours.0.days": "mon",
        "opening_hours.0.open": "10:00",
        "opening_hours.0.close": "17:00",
    }
    assert await post_form(client, "/helplines/galop", {**galop_form(token), **hours}, GALOP["regions"]) == 200
    open_page = await (await client.get("/preview?day=0&time=12:00")).text()
    assert "<strong>Galop</strong>" in open_page
    assert "Open now." in open_page and "on Monday at 12:00" in open_page
    closed_page = await (await client.get("/preview?day=0&time=18:30")).text()
    assert "Closed now. Opens at 10:00 (Monday)." in closed_page


async def test_the_overview_lists_entries_due_for_review_oldest_first(client: TestClient) -> None:
    token = await sign_in(client, "edna")
    await post_form(client, "/helplines/galop", galop_form(token, last_reviewed="2026-01-05"), GALOP["regions"])
    overview = await (await client.get("/")).text()
    due = overview.split("<h2>Due for review</h2>")[1]
    assert '<td><a href="/helplines/galop">galop</a></td>' in due
    assert "2026-07-07 (overdue)" in due


async def test_a_draft_does_not_overwrite_changes_made_to_the_overlay_by_hand(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, two_person_rule=False)
    async with TestClient(TestServer(make_app(settings))) as client:
        token = await sign_in(client, "edna")
        await post_form(client, "/helplines/galop", galop_form(token, hours="Weekdays"), GALOP["regions"])
        by_hand = "messages:\n  stop: |\n    Stopped. Nothing is kept.\n"
        (settings.overlay / "en" / "messages.yml").write_text(by_hand)
        refused = await client.post("/publish", data={"csrf": token})
        assert refused.status == 409
        assert "changed outside the studio" in await refused.text()
        assert published_hours(settings) is None
        assert (await client.post("/discard", data={"csrf": token})).status == 200
        assert (settings.data / "draft" / "en" / "messages.yml").read_text() == by_hand


async def test_an_untouched_draft_follows_changes_made_by_hand(client: TestClient, settings: StudioSettings) -> None:
    await sign_in(client, "edna")
    by_hand = "messages:\n  stop: |\n    Stopped. Nothing is kept.\n"
    (settings.overlay / "en" / "messages.yml").write_text(by_hand)
    overview = await (await client.get("/")).text()
    assert "The draft is the same as what is published." in overview
    assert (settings.data / "draft" / "en" / "messages.yml").read_text() == by_hand
