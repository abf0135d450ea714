"""Issue #15: the origin map. Every value of a loaded pack knows its file and line, the overlay's where it set it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.loader import ContentPack, ContentPackError, load_pack
from bot.content.origins import Origin, read_yaml
from tests.support.trackers import DEFAULT_PACK

OVERLAY_MESSAGES = """\
# the charity's own welcome
messages:
  greeting_question: |
    Hello from the charity.
"""

OVERLAY_HELPLINES = """\
helplines:
- id: galop
  hidden: true
- id: local_line
  name: Local line
"""

OVERLAY_TOPIC = """\
questions:
- id: anon_retired
  title: What if the officer has retired?
- id: anon_how
  hidden: true
"""


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the first line of `path` containing `text`."""
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> ContentPack:
    root = tmp_path_factory.mktemp("origins") / "overlay"
    (root / "en" / "topics").mkdir(parents=True)
    (root / "en" / "messages.yml").write_text(OVERLAY_MESSAGES)
    (root / "en" / "topics" / "anonymous_reporting.yml").write_text(OVERLAY_TOPIC)
    return load_pack(DEFAULT_PACK, "en", root)


def test_an_overlay_value_comes_from_the_overlay_file_and_line(pack: ContentPack) -> None:
    assert pack.overlay is not None
    overlay_file = str(pack.overlay / "messages.yml")
    assert pack.origins.get(("messages.yml", "messages", "greeting_question")) == Origin(overlay_file, 3)
    assert pack.file_for("message:greeting_question", "") == overlay_file


def test_a_default_value_keeps_the_default_file_and_line(pack: ContentPack) -> None:
    line = line_of(DEFAULT_PACK / "en" / "messages.yml", "  intro:")
    assert pack.origins.get(("messages.yml", "messages", "intro")) == Origin("messages.yml", line)
    line = line_of(DEFAULT_PACK / "en" / "helplines.yml", 'name: "Galop"')
    assert pack.origins.get(("helplines.yml", "galop", "name")) == Origin("helplines.yml", line)


def test_questions_are_found_at_their_merged_position(pack: ContentPack) -> None:
    """anon_how is hidden, so the reworded anon_retired is now question 0: its title is the overlay's, its asks the default's."""
    assert pack.overlay is not None
    topic = pack.topics["anonymous_reporting"]
    assert topic.questions[0].id == "anon_retired"
    overlay_file = str(pack.overlay / "topics" / "anonymous_reporting.yml")
    kind = "topics/anonymous_reporting.yml"
    assert pack.origins.get((kind, "questions", "0", "title")) == Origin(overlay_file, 3)
    default = DEFAULT_PACK / "en" / "topics" / "anonymous_reporting.yml"
    asks = pack.origins.find((kind, "questions", "0", "asks", "0"))
    assert asks is not None and asks.file == "topics/anonymous_reporting.yml"
    assert asks.line > line_of(default, "- id: anon_retired")
    assert pack.origins.get((kind, "questions", "1", "id")) == Origin(
        "topics/anonymous_reporting.yml", line_of(default, "- id: anon_traced")
    )


def test_a_problem_in_an_overlay_entry_names_the_overlay_file(tmp_path: Path) -> None:
    root = tmp_path / "overlay"
    (root / "en").mkdir(parents=True)
    (root / "en" / "helplines.yml").write_text(OVERLAY_HELPLINES)
    with pytest.raises(ContentPackError) as caught:
        load_pack(DEFAULT_PACK, "en", root)
    files = {problem.file for problem in caught.value.problems if problem.entry == "local_line"}
    assert files == {str(root / "en" / "helplines.yml")}


def test_read_yaml_records_each_key_and_list_item(tmp_path: Path) -> None:
    path = tmp_path / "x.yml"
    path.write_text("a:\n  b: 1\n  c:\n  - one\n  - two\nd: [3]\n")
    found = read_yaml(path, "x.yml", [])
    assert found is not None
    assert found.lines == {
        (): 1,
        ("a",): 1,
        ("a", "b"): 2,
        ("a", "c"): 3,
        ("a", "c", "0"): 4,
        ("a", "c", "1"): 5,
        ("d",): 6,
        ("d", "0"): 6,
    }
