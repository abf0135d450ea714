"""Validation in the studio says exactly what `content check` says: the same problems, word for word."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from bot.cli import content_check
from bot.studio.checks import check_change, check_pack
from bot.studio.settings import StudioSettings
from tests.support.studio import ROOT, sign_in

BASE = ROOT / "data" / "content"

BAD_HELPLINES = """helplines:
  - id: local_line
    name: "Local line"
    phone: "0808 802 999"
    opening_hours:
      - {days: [Tuesday], open: "6pm", close: "22:00"}
    for_whom: "Anyone in the county"
    regions: [england_wales]
    sources: [{url: "https://local.example.org/", title: "Local line: home"}]
    last_reviewed: 2026-11-01
"""
WORDING = """messages:
  stop: |
    Just type anything and we'll stop.
"""


def content_check_lines(overlay: Path, capsys: pytest.CaptureFixture[str]) -> set[str]:
    """Every problem line `content check --content overlay` prints (not its summary line)."""
    content_check(str(overlay), "en")
    printed = capsys.readouterr()
    lines = (printed.out + printed.err).splitlines()
    return {line.removeprefix("  - ") for line in lines if line.startswith(("  - ", "error: ", "warning: ", "note: "))}


def write_pack(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / "en").mkdir(parents=True, exist_ok=True)
        (folder / "en" / name).write_text(text)
    return folder


@pytest.mark.parametrize(
    "files",
    [{"helplines.yml": BAD_HELPLINES}, {"messages.yml": WORDING}, {"messages.yml": "messages:\n  greting_question: Hi\n"}],
    ids=["a refused helpline", "a blaming word", "a misspelt message key"],
)
def test_the_studio_reports_the_same_lines_as_content_check(
    tmp_path: Path, files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    overlay = write_pack(tmp_path / "pack", files)
    _, found = check_pack(BASE, "en", overlay)
    expected = content_check_lines(overlay, capsys)
    assert {c.line for c in found} == expected
    assert any(c.severity == "error" for c in found)


def test_a_change_checked_before_saving_names_the_draft_file_as_content_check_will(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    draft = write_pack(tmp_path / "draft", {"messages.yml": "messages:\n  stop: |\n    Stopped.\n"})
    _, before_saving = check_change(BASE, "en", draft, {"helplines.yml": BAD_HELPLINES})
    write_pack(draft, {"helplines.yml": BAD_HELPLINES})
    assert {c.line for c in before_saving} == content_check_lines(draft, capsys)
    assert any("'0808 802 999' is not a valid UK phone number" in c.line for c in before_saving)


async def test_checking_as_you_type_puts_each_line_under_its_field(
    client: TestClient, settings: StudioSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    token = await sign_in(client, "edna")
    form = {
        "csrf": token,
        "name": "Galop",
        "phone": "0800 999 5428",
        "web": "https://galop.org.uk/",
        "for_whom": "LGBT+ people",
        "regions": "england_wales",
        "opening_hours.count": "1",
        "opening_hours.0.days": "mon",
        "opening_hours.0.open": "6pm",
        "opening_hours.0.close": "22:00",
        "sources.count": "1",
        "sources.0.url": "https://galop.org.uk/get-help/",
        "sources.0.title": "Galop: get help",
        "last_reviewed": "2026-11-01",
    }
    response = await client.post("/check/helplines/galop", data=form)
    fields = (await response.json())["fields"]
    assert list(fields) == ["opening_hours.0.open"]
    (line,) = fields["opening_hours.0.open"]
    assert line.endswith("galop > opening_hours.0.open: '6pm' is not a time like 09:30 or 20:30 (24-hour clock)")
    saved = await client.post("/helplines/galop", data=form)
    assert saved.status == 200
    # The studio names the overlay's file, as content check will once the draft is published.
    assert line.startswith(f"{settings.overlay}/en/helplines.yml: ")
    assert line.replace(str(settings.overlay), str(settings.data / "draft")) in content_check_lines(
        settings.data / "draft", capsys
    )


async def test_a_blaming_word_in_a_message_shows_under_that_message(client: TestClient, settings: StudioSettings) -> None:
    token = await sign_in(client, "edna")
    response = await client.post("/check/messages", data={"csrf": token, "messages.stop": "Just type stop."})
    fields = (await response.json())["fields"]
    draft_file = settings.overlay / "en" / "messages.yml"
    assert fields == {
        "messages.stop": [f'error: {draft_file}: stop: uses "just", which can read as blaming, minimising or an order']
    }
