"""Languages: a locale folder chosen by BOT_LOCALE, channel texts in the pack, and wording rules per locale.

The second locale here is a fake one ("xx", built in a tmp folder from the English pack): enough to
show that nothing in the code assumes English, without shipping a half-translated language.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp.test_utils import TestClient, TestServer

from bot.cli import main as cli_main
from bot.content import locales
from bot.content.lint import lint_pack
from bot.content.loader import ContentPack, ContentPackError, load_pack
from bot.content.locales import plural_categories, plural_category
from bot.content.render import format_helpline
from bot.content.schema import CHANNEL_TEXTS
from bot.gateway.telegram import texts as telegram_texts
from bot.gateway.web.channel import STATIC_DIR, widget_labels
from tests.support.trackers import DEFAULT_PACK
from tests.support.web_stub import web_gateway

FAKE = "xx"
NOWHERE = "http://127.0.0.1:9/webhooks/rest/webhook"


def edit_yaml(path: Path, change: Callable[[Any], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def two_locales(tmp_path: Path) -> Path:
    """A content folder with the English pack and a fake second locale copied from it, partly reworded."""
    base = tmp_path / "content"
    shutil.copytree(DEFAULT_PACK / "en", base / "en")
    shutil.copytree(DEFAULT_PACK / "en", base / FAKE)
    root = base / FAKE
    edit_yaml(root / "pack.yml", lambda d: d.update(locale=FAKE))
    edit_yaml(root / "messages.yml", lambda d: d["messages"].update(menu_prompt="[xx] Menu?", contact_call="[xx] ring {contact}"))
    edit_yaml(
        root / "channels.yml",
        lambda d: (d["telegram"].update(flood="[xx] Slowly. 999."), d["widget"].update(launcher="[xx] Chat")),
    )
    edit_yaml(root / "lint.yml", lambda d: d.update(banned_phrases=["nix nix"], allowed_phrases=[]))
    return base


def problems_for(base: Path, locale: str = FAKE, overlay: Path | None = None) -> list[str]:
    with pytest.raises(ContentPackError) as caught:
        load_pack(base, locale, overlay)
    return [str(p) for p in caught.value.problems]


# --- A second locale ----------------------------------------------------------------------------


def test_bot_locale_picks_the_second_locale_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = two_locales(tmp_path)
    monkeypatch.setenv("BOT_LOCALE", FAKE)
    pack = load_pack(base)
    assert pack.locale == FAKE and pack.root == base / FAKE
    assert pack.message("menu_prompt") == "[xx] Menu?"
    assert format_helpline(pack, pack.helplines["samaritans"]).startswith("**Samaritans**: [xx] ring 116 123")
    assert telegram_texts.flood(pack) == "[xx] Slowly. 999."
    monkeypatch.delenv("BOT_LOCALE")
    assert load_pack(base).locale == "en"


def test_a_message_missing_from_another_locale_is_reported(tmp_path: Path) -> None:
    base = two_locales(tmp_path)
    edit_yaml(base / FAKE / "messages.yml", lambda d: d["messages"].pop("deny"))
    edit_yaml(base / FAKE / "channels.yml", lambda d: d["widget"].pop("send"))
    (base / FAKE / "topics" / "review.yml").unlink()
    problems = problems_for(base)
    assert "xx/messages.yml: deny: is in the English pack (en/messages.yml) but missing here: translate it" in problems
    assert "xx/channels.yml: widget > send: is missing: it is in the English pack (en/channels.yml), translate it" in problems
    assert (
        "xx/topics/review.yml: review: is in the English pack (en/topics/review.yml) but missing here: translate it" in problems
    )
    assert not any("missing message(s)" in p for p in problems), "each gap is reported once"


def test_a_message_only_english_has_is_reported_even_if_not_required(tmp_path: Path) -> None:
    base = two_locales(tmp_path)
    edit_yaml(base / "en" / "messages.yml", lambda d: d["messages"].update(new_sentence="Something new."))
    assert "xx/messages.yml: new_sentence: is in the English pack (en/messages.yml) but missing here: translate it" in (
        problems_for(base)
    )


def test_the_pack_locale_must_match_its_folder(tmp_path: Path) -> None:
    base = two_locales(tmp_path)
    edit_yaml(base / FAKE / "pack.yml", lambda d: d.update(locale="en"))
    assert "xx/pack.yml: locale: is 'en' but the pack's folder is 'xx': the two must be the same" in problems_for(base)


def test_an_overlay_needs_a_folder_for_the_locale_in_use(tmp_path: Path) -> None:
    base = two_locales(tmp_path)
    (tmp_path / "overlay" / "en").mkdir(parents=True)
    assert any("an overlay pack needs a 'xx' folder" in p for p in problems_for(base, overlay=tmp_path / "overlay"))


async def test_the_web_pages_and_widget_speak_the_pack_locale(tmp_path: Path) -> None:
    pack = load_pack(two_locales(tmp_path), FAKE)
    server = TestServer(web_gateway(pack, NOWHERE))
    await server.start_server(access_log=None)
    client: TestClient[Any, Any] = TestClient(server)
    try:
        for path in ("/", "/embed"):
            assert '<html lang="xx">' in await (await client.get(path)).text()
        script = await (await client.get("/widget.js")).text()
        boot = json.loads(re.search(r"var BOOT = (\{.*?\});\n", script).group(1))  # type: ignore[union-attr]
        assert boot["locale"] == FAKE and boot["labels"]["launcher"] == "[xx] Chat"
        assert boot["fallback"] and boot["exit_url"].startswith("https://")
    finally:
        await client.close()


# --- Channel texts ------------------------------------------------------------------------------


async def test_the_demo_pages_words_come_from_the_pack(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay" / "en"
    overlay.mkdir(parents=True)
    (overlay / "channels.yml").write_text(
        "pages:\n"
        '  footer: "In danger now? Call 999. <script>alert(1)</script>"\n'
        '  leaving_keys: "Press [[Shift]] three times, see [elsewhere](https://example.org/) or [here](//example.org)."\n'
        '  embed_back: "[Back to the start](/)"\n'
        "widget:\n"
        '  launcher: "Talk to us"\n'
    )
    pack = load_pack(DEFAULT_PACK, "en", tmp_path / "overlay")
    server = TestServer(web_gateway(pack, NOWHERE, tracker_ttl_seconds=60))
    await server.start_server(access_log=None)
    client: TestClient[Any, Any] = TestClient(server)
    try:
        demo = await (await client.get("/")).text()
        assert '<p>In danger now? Call <a href="tel:999">999</a>. &lt;script&gt;alert(1)&lt;/script&gt;</p>' in demo
        # The pages link only to the gateway's own pages: any other address is shown after its words.
        assert "Press <kbd>Shift</kbd> three times, see elsewhere (https://example.org/) or here (//example.org)." in demo
        assert "Open it with the <strong>Talk to us</strong> button" in demo, "the page names the widget's own button"
        assert "forgotten after 1 minute of silence" in demo, "counted texts take the pack's form for one"
        embed = await (await client.get("/embed")).text()
        assert '<p><a href="/">Back to the start</a></p>' in embed and "<code>&lt;/body&gt;</code>" in embed
    finally:
        await client.close()


@pytest.fixture
async def web_client(pack: ContentPack) -> AsyncIterator[TestClient[Any, Any]]:
    server = TestServer(web_gateway(pack, NOWHERE))
    await server.start_server(access_log=None)
    client: TestClient[Any, Any] = TestClient(server)
    yield client
    await client.close()


def test_widget_js_holds_no_words_of_its_own(pack: ContentPack) -> None:
    code = re.sub(r"/\*.*?\*/", "", (STATIC_DIR / "widget.js").read_text(), flags=re.S)
    for text in widget_labels(pack, "Support Guide").values():
        assert text not in code, text
    for reply in pack.crisis.unavailable.text.splitlines():
        assert reply.strip() not in code
    assert not re.search(r"https?://", code)


async def test_the_widget_gets_every_label_from_the_pack(web_client: TestClient[Any, Any], pack: ContentPack) -> None:
    script = await (await web_client.get("/widget.js")).text()
    boot = json.loads(re.search(r"var BOOT = (\{.*?\});\n", script).group(1))  # type: ignore[union-attr]
    labels = boot["labels"]
    assert labels["launcher"] == pack.channel_text("widget", "launcher") == "Open chat"
    assert labels["quick_exit_label"] == "Quick exit: leaves this page immediately"
    assert labels["bot_said"] == "Support Guide said:" and labels["typing"] == "Support Guide is typing"
    assert labels["shift_2"] == "Shift, press 2 more times to exit." and labels["shift_1"] == "Shift, press 1 more time to exit."
    assert set(labels) == {k for k, s in CHANNEL_TEXTS["widget"].items() if not s.plural} | {"shift_2", "shift_1"}
    assert "<" not in script.split("var BOOT = ", 1)[1].split(";\n", 1)[0], "the words are JSON with markup escaped"


async def test_web_refusals_come_from_the_pack(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay" / "en"
    overlay.mkdir(parents=True)
    (overlay / "channels.yml").write_text('widget_errors:\n  empty: "Write something first, then press Send."\n')
    pack = load_pack(DEFAULT_PACK, "en", tmp_path / "overlay")
    server = TestServer(web_gateway(pack, NOWHERE, web_max_message_chars=50))
    await server.start_server(access_log=None)
    client: TestClient[Any, Any] = TestClient(server)
    try:
        session = (await (await client.post("/api/session")).json())["session"]
        empty = await (await client.post("/api/message", json={"session": session, "text": "  "})).json()
        assert empty["error"] == "empty" and empty["message"] == "Write something first, then press Send."
        assert empty["blocks"] == [{"type": "paragraph", "lines": [[{"type": "text", "text": empty["message"]}]]}]
        long = await (await client.post("/api/message", json={"session": session, "text": "x" * 51})).json()
        assert long["message"] == pack.channel_text("widget_errors", "too_long", limit="50")
        assert "up to 50 characters each" in long["message"]
    finally:
        await client.close()


@pytest.mark.parametrize(
    "change,problem",
    [
        (
            lambda d: d["telegram"].update(flod="Slow down."),
            "channels.yml: telegram > flod: is not a text the telegram channel uses: "
            "check the spelling against data/content/en/channels.yml",
        ),
        (lambda d: d["telegram"].pop("choose"), "channels.yml: telegram > choose: is missing"),
        (
            lambda d: d["telegram"].update(exit_deleted="I deleted {count} messages."),
            "channels.yml: telegram > exit_deleted: needs two forms, one: (for 1) and other: (for any other number), "
            "each with {count}",
        ),
        (
            lambda d: d["widget_errors"].update(too_long="Up to {limt} characters."),
            "channels.yml: widget_errors > too_long: uses unknown placeholder(s) ['limt']; allowed: ['bot_name', 'limit']",
        ),
        (
            lambda d: d.update(sms={"hello": "Hi"}),
            "channels.yml: sms: is not a group of channel texts; use telegram, widget, pages, widget_errors",
        ),
    ],
)
def test_each_mistake_in_channel_texts_is_named(tmp_path: Path, change: Callable[[Any], None], problem: str) -> None:
    base = tmp_path / "content"
    shutil.copytree(DEFAULT_PACK / "en", base / "en")
    edit_yaml(base / "en" / "channels.yml", change)
    assert problem in problems_for(base, "en")


def test_an_overlay_with_a_misspelt_channel_text_is_named_in_its_own_file(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay" / "en"
    overlay.mkdir(parents=True)
    (overlay / "channels.yml").write_text('widget:\n  lancher: "Talk to us"\n')
    assert problems_for(DEFAULT_PACK, "en", tmp_path / "overlay") == [
        f"{overlay}/channels.yml: widget > lancher: is not a text the widget channel uses: "
        "check the spelling against data/content/en/channels.yml"
    ]


# --- Wording rules per locale -------------------------------------------------------------------


def test_banned_phrases_are_the_locales_own(tmp_path: Path) -> None:
    base = two_locales(tmp_path)
    for locale in ("en", FAKE):
        edit_yaml(base / locale / "messages.yml", lambda d: d["messages"].update(deny="Nix nix, just relax."))
    english = [str(f) for f in lint_pack(load_pack(base, "en")) if f.severity == "error"]
    fake = [str(f) for f in lint_pack(load_pack(base, FAKE)) if f.severity == "error"]
    assert any('messages.yml: deny: uses "just"' in f for f in english) and not any("nix nix" in f for f in english)
    assert any('xx/messages.yml: deny: uses "nix nix"' in f for f in fake) and not any('"just"' in f for f in fake)


def test_an_overlay_adds_banned_phrases_but_cannot_remove_them(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay" / "en"
    overlay.mkdir(parents=True)
    (overlay / "lint.yml").write_text('banned_phrases: ["survivor journey"]\n')
    (overlay / "messages.yml").write_text('messages:\n  deny: "Your survivor journey is your own. Just rest."\n')
    findings = [str(f) for f in lint_pack(load_pack(DEFAULT_PACK, "en", tmp_path / "overlay")) if f.severity == "error"]
    assert any('deny: uses "survivor journey"' in f for f in findings)
    assert any('deny: uses "just"' in f for f in findings), "the default pack's phrases still apply"


def test_allowed_phrases_let_a_harmless_use_through(pack: ContentPack) -> None:
    assert "just now" in pack.channel_text("telegram", "exit_not_forgotten", 30)
    assert not [f for f in lint_pack(pack) if f.severity == "error"]


def test_an_allowed_phrase_cannot_switch_a_banned_one_off(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay" / "en"
    overlay.mkdir(parents=True)
    (overlay / "lint.yml").write_text('allowed_phrases: ["Just"]\n')
    assert any("is both banned and allowed" in p for p in problems_for(DEFAULT_PACK, "en", tmp_path / "overlay"))


def test_reading_level_is_skipped_with_a_note_outside_english(tmp_path: Path) -> None:
    base = two_locales(tmp_path)
    long_page = "Considerable administrative documentation necessitates extraordinary organisational responsibilities. " * 6
    for locale in ("en", FAKE):
        edit_yaml(base / locale / "messages.yml", lambda d: d["messages"].update(deny=long_page))
    english = lint_pack(load_pack(base, "en"))
    fake = lint_pack(load_pack(base, FAKE))
    assert any(f.entry == "deny" and "school grade" in f.message for f in english)
    assert not any("school grade" in f.message for f in fake)
    [note] = [f for f in fake if f.severity == "note"]
    assert str(note).startswith("note: xx: reading level not checked: the grade formula (Flesch-Kincaid) only fits English")


def test_content_check_of_another_locale(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = two_locales(tmp_path)
    assert cli_main(["content", "check", "--base", str(base), "--locale", FAKE]) == 0
    out = capsys.readouterr().out
    assert "note: xx: reading level not checked" in out and f"content pack {base / FAKE}: ok" in out


# --- Plural categories and day names per language (Babel's CLDR data) ---------------------------------


def test_plural_categories_are_cldrs_for_each_language() -> None:
    assert plural_categories("en") == ("one", "other")
    assert plural_categories("cy") == ("zero", "one", "two", "few", "many", "other")
    assert [plural_category("cy", n) for n in (0, 1, 2, 3, 6, 7, 100)] == ["zero", "one", "two", "few", "many", "other", "other"]
    assert [plural_category("en", n) for n in (0, 1, 2)] == ["other", "one", "other"]
    assert plural_categories(FAKE) == ("one", "other"), "a code CLDR does not know follows English rules"


def welsh_shaped_pack(tmp_path: Path, forms: dict[str, str]) -> Path:
    """The English pack copied as a `cy` pack (words unchanged), its counted texts given `forms`."""
    base = tmp_path / "content"
    shutil.copytree(DEFAULT_PACK / "en", base / "en")
    shutil.copytree(DEFAULT_PACK / "en", base / "cy")
    edit_yaml(base / "cy" / "pack.yml", lambda d: d.update(locale="cy"))

    def counted(data: Any) -> None:
        for group, specs in CHANNEL_TEXTS.items():
            for key, spec in specs.items():
                if spec.plural:
                    data[group][key] = {category: f"{text} ({key})" for category, text in forms.items()}

    edit_yaml(base / "cy" / "channels.yml", counted)
    return base


def test_a_welsh_pack_needs_a_form_for_each_of_the_six_welsh_plural_categories(tmp_path: Path) -> None:
    base = welsh_shaped_pack(tmp_path, {"one": "{count} neges", "other": "{count} neges"})
    assert (
        "cy/channels.yml: telegram > exit_deleted: needs a form for each plural category of this language "
        "(cy: zero:, one:, two:, few:, many:, other:), each with {count}"
    ) in problems_for(base, "cy")


def test_a_counted_text_takes_the_form_babel_chooses_for_the_number(tmp_path: Path) -> None:
    six = {category: f"[{category}] {{count}}" for category in ("zero", "one", "two", "few", "many", "other")}
    pack = load_pack(welsh_shaped_pack(tmp_path, six), "cy")
    said = {n: pack.channel_text("telegram", "exit_deleted", n) for n in (0, 1, 2, 3, 6, 7)}
    assert said == {
        0: "[zero] 0 (exit_deleted)",
        1: "[one] 1 (exit_deleted)",
        2: "[two] 2 (exit_deleted)",
        3: "[few] 3 (exit_deleted)",
        6: "[many] 6 (exit_deleted)",
        7: "[other] 7 (exit_deleted)",
    }
    english = load_pack(DEFAULT_PACK, "en")
    assert english.channel_text("telegram", "exit_deleted", 1) == "I deleted 1 message from this chat."
    assert english.channel_text("telegram", "exit_deleted", 2) == "I deleted 2 messages from this chat."


def test_day_names_and_times_are_written_the_languages_way() -> None:
    monday = dt.datetime(2026, 11, 30, 9, 5)
    assert (locales.day_name("en", monday), locales.short_time("en", monday)) == ("Monday", "09:05")
    assert (locales.day_name("cy", monday), locales.short_time("cy", monday)) == ("Dydd Llun", "09:05")
    assert locales.day_name("en-GB", monday + dt.timedelta(days=6)) == "Sunday"
