"""The studio's form for pack.yml: the bot's name, the regions covered and the chat window's look."""

from __future__ import annotations

import yaml
from aiohttp.test_utils import TestClient

from bot.studio.settings import StudioSettings
from tests.support.studio import ROOT, sign_in

DEFAULT = yaml.safe_load((ROOT / "data/content/en/pack.yml").read_text())


def pack_form(token: str, **changes: str) -> list[tuple[str, str]]:
    """The form as the page sends it: the default pack's values, with `changes` (dotted names)."""
    branding = DEFAULT["branding"]
    form = {
        "csrf": token,
        "locale": "en",
        "bot_name": DEFAULT["bot_name"],
        "default_region": "",
        "branding.title": branding["title"],
        "branding.colours.primary": branding["colours"]["primary"],
        "branding.colours.on_primary": branding["colours"]["on_primary"],
        "branding.intro": branding["intro"],
    }
    form.update(changes)
    return [*form.items(), *[("enabled_regions", r) for r in ("england_wales", "scotland", "northern_ireland")]]


async def test_the_form_shows_the_packs_name_and_every_region_ticked_by_default(client: TestClient) -> None:
    await sign_in(client, "edna")
    page = await (await client.get("/pack")).text()
    assert 'name="bot_name" aria-describedby="f-bot_name-help f-bot_name-problems" required' in page
    assert 'value="Support Guide"' in page
    for region in ("england_wales", "scotland", "northern_ireland"):
        assert f'name="enabled_regions" value="{region}" checked' in page
    assert 'name="locale" aria-describedby="f-locale-help f-locale-problems" required readonly' in page


async def test_colours_too_close_to_read_show_content_checks_words_under_the_colours(client: TestClient) -> None:
    token = await sign_in(client, "edna")
    response = await client.post(
        "/check/pack", data=pack_form(token, **{"branding.colours.primary": "#888888", "branding.colours.on_primary": "#777777"})
    )
    fields = (await response.json())["fields"]
    (line,) = fields["branding.colours"]
    assert line.endswith("pack.yml: branding.colours: primary and on_primary have contrast 1.26:1; at least 4.5:1 is needed")


async def test_only_the_name_and_the_colour_that_changed_are_written(client: TestClient, settings: StudioSettings) -> None:
    token = await sign_in(client, "edna")
    form = pack_form(token, bot_name="Northshire Support Guide", **{"branding.colours.primary": "#5b2a6e"})
    assert (await client.post("/pack", data=form)).status == 200
    written = yaml.safe_load((settings.data / "draft" / "en" / "pack.yml").read_text())
    assert written == {"bot_name": "Northshire Support Guide", "branding": {"colours": {"primary": "#5b2a6e"}}}
    assert "--sg-primary: #5b2a6e;" in await (await client.get("/preview.css")).text()
    assert (await client.post("/pack", data=pack_form(token))).status == 200
    assert yaml.safe_load((settings.data / "draft" / "en" / "pack.yml").read_text()) == {}


async def test_a_single_region_and_a_default_region_are_written_as_the_pack_needs(
    client: TestClient, settings: StudioSettings
) -> None:
    token = await sign_in(client, "edna")
    form = [(k, v) for k, v in pack_form(token, default_region="scotland") if k != "enabled_regions"]
    assert (await client.post("/pack", data=[*form, ("enabled_regions", "scotland")])).status == 200
    written = yaml.safe_load((settings.data / "draft" / "en" / "pack.yml").read_text())
    assert written == {"default_region": "scotland", "enabled_regions": ["scotland"]}
    page = await (await client.get("/preview")).text()
    assert ">Scotland</h2>" in page and ">England and Wales</h2>" not in page
