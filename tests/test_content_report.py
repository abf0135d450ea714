"""`content report`: one table of every entry that states facts, due for review first, and the home-page source warning."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main as cli_main
from bot.content.lint import is_home_page, lint_pack
from bot.content.loader import ContentPack, load_pack
from bot.content.report import COLUMNS, render_report, report_rows
from tests.support.trackers import DEFAULT_PACK


def overlay(tmp_path: Path, files: dict[str, Any]) -> Path:
    root = tmp_path / "overlay"
    for name, data in files.items():
        path = root / "en" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    (root / "en").mkdir(parents=True, exist_ok=True)
    return root


def old_line(reviewed: str, url: str = "https://local.example.org/helpline") -> dict[str, Any]:
    return {
        "id": "old_line",
        "name": "Old line",
        "phone": "01632 960002",
        "for_whom": "People in our area",
        "regions": ["scotland"],
        "sources": [{"url": url, "title": "Old line: contact us"}],
        "last_reviewed": reviewed,
    }


def test_report_lists_every_helpline_topic_answer_and_the_crisis_replies(pack: ContentPack) -> None:
    rows = report_rows(pack)
    entries = {r.entry for r in rows}
    assert set(pack.helplines) <= entries
    assert "crisis replies" in entries
    for topic in pack.topics.values():
        for key in topic.variants:
            assert f"{topic.id} > {key}" in entries
    for question_id, question in pack.questions.items():
        for key in question.answers:
            assert f"{pack.question_topics[question_id]} > {question_id} > {key}" in entries
    answers = sum(len(q.answers) for q in pack.questions.values())
    assert len(rows) == len(pack.helplines) + 1 + sum(len(t.variants) for t in pack.topics.values()) + answers
    assert [r.kind for r in rows].count("crisis") == 1


def test_report_puts_what_is_due_first_and_marks_it_overdue(tmp_path: Path) -> None:
    root = overlay(tmp_path, {"helplines.yml": {"helplines": [old_line("2020-01-02")]}})
    pack = load_pack(DEFAULT_PACK, "en", root)
    rows = report_rows(pack)
    assert rows[0].entry == "old_line" and rows[0].due == dt.date(2020, 7, 3)
    assert [r.due for r in rows] == sorted(r.due for r in rows)
    table = render_report(pack, "md", today=dt.date(2026, 11, 29))
    first_row = table.splitlines()[6]
    assert first_row.startswith("| **2020-07-03 (overdue)** | 2020-01-02 | helpline | old_line |")
    assert "| Scotland |" in first_row and "[Old line: contact us](https://local.example.org/helpline)" in first_row


def test_report_names_the_regions_each_entry_covers(pack: ContentPack) -> None:
    rows = {r.entry: r for r in report_rows(pack)}
    assert rows["samaritans"].regions == ("England and Wales", "Scotland", "Northern Ireland")
    assert rows["rape_crisis_scotland"].regions == ("Scotland",)
    assert rows["review > northern_ireland"].regions == ("Northern Ireland",)
    assert rows["privacy > all"].regions == ("England and Wales", "Scotland", "Northern Ireland")


def test_report_leaves_out_answers_for_regions_the_pack_does_not_cover(tmp_path: Path) -> None:
    root = overlay(tmp_path, {"pack.yml": {"enabled_regions": ["scotland"]}})
    rows = report_rows(load_pack(DEFAULT_PACK, "en", root))
    assert not any(r.entry.endswith("> england_wales") or r.entry.endswith("> northern_ireland") for r in rows)
    assert any(r.entry == "review > scotland" for r in rows)
    assert all("England and Wales" not in r.regions for r in rows)


def test_report_as_csv_has_one_row_per_entry_with_every_source(pack: ContentPack) -> None:
    parsed = list(csv.reader(io.StringIO(render_report(pack, "csv"))))
    assert tuple(parsed[0]) == COLUMNS
    assert len(parsed) - 1 == len(report_rows(pack))
    by_entry = {row[3]: row for row in parsed[1:]}
    review = pack.topics["review"].variants["england_wales"]
    cell = by_entry["review > england_wales"][6]
    assert len(cell.splitlines()) == len(review.sources)
    assert all(s.url in cell for s in review.sources if s.url)


def test_report_of_the_shipped_pack_has_no_home_page_source(pack: ContentPack) -> None:
    assert "home page only" not in render_report(pack, "md")
    for row in report_rows(pack):
        assert all(s.doc or (s.url and not is_home_page(s.url)) for s in row.sources), row.entry


def test_report_command_writes_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "review.csv"
    assert cli_main(["content", "report", "--format", "csv", "--out", str(out)]) == 0
    assert f"to {out}" in capsys.readouterr().out
    assert out.read_text(encoding="utf-8").startswith("Review due,Last reviewed,Kind,Entry")


def test_report_command_prints_markdown_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["content", "report"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Content review:") and "| Review due | Last reviewed |" in out


def test_report_command_on_a_broken_pack_exits_non_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = overlay(tmp_path, {"messages.yml": {"messages": {"greting_question": "Hello"}}})
    assert cli_main(["content", "report", "--content", str(root)]) == 1
    assert "greting_question" in capsys.readouterr().err


# --- The home-page source warning of `content check` ------------------------------------------


@pytest.mark.parametrize(
    ("url", "home"),
    [
        ("https://gov.uk/", True),
        ("https://www.gov.uk", True),
        ("https://www.gov.uk/claim-compensation-criminal-injury", False),
        ("https://www.legislation.gov.uk/uksi/2020/4/regulation/39", False),
        ("https://example.org/?page=contact", False),
    ],
)
def test_a_home_page_is_a_url_without_a_path(url: str, home: bool) -> None:
    assert is_home_page(url) is home


def test_home_page_source_warns_with_file_entry_and_field(tmp_path: Path) -> None:
    # The message docs/customising.md quotes in its "common mistakes" table.
    line = old_line(dt.date.today().isoformat(), url="https://local.example.org/") | {"id": "local_line"}
    root = overlay(tmp_path, {"helplines.yml": {"helplines": [line]}})
    findings = [str(f) for f in lint_pack(load_pack(DEFAULT_PACK, "en", root))]
    assert (
        f"warning: {root / 'en'}/helplines.yml: local_line > sources.0: https://local.example.org/ is a home page: "
        "link the page that supports the claim (a guidance page, the regulation, the service's contact page)"
    ) in findings


def test_shipped_pack_has_no_warning_but_the_review_date_ones(pack: ContentPack) -> None:
    # Review dates age by themselves, so the six-month warning is left out here; the rest must be nil.
    findings = [str(f) for f in lint_pack(pack) if f.severity != "note" and "more than six months ago" not in f.message]
    assert findings == []
