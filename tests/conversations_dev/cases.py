"""The conversation dev set: multi-turn cases and the checks each reply must pass.

conversations.yml holds the cases (its header describes the format). This module reads them and
judges one reply against one turn's checks, so that the REST test (tests/e2e/test_conversations_dev.py)
and the offline well-formedness test share one definition of what a check means.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import yaml

from bot.content.loader import ContentPack
from bot.content.schema import Region

HERE = Path(__file__).resolve().parent
CASES_FILE = HERE / "conversations.yml"

#: Every kind of check a turn may carry (plus an optional `region`, which fills {region}).
CHECK_KINDS = ("has_message", "not_message", "contains", "not_contains", "crisis", "not_crisis", "topic")


@dataclass(frozen=True)
class Case:
    """One conversation: what the survivor types, and the checks for each reply."""

    name: str
    turns: tuple[str, ...]
    expect: tuple[tuple[dict[str, Any], ...], ...]
    region: Optional[str] = None


def load_cases(path: Path = CASES_FILE) -> list[Case]:
    """Every case in the file, in order."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Case(
            name=str(entry["name"]),
            turns=tuple(str(t) for t in entry["turns"]),
            expect=tuple(tuple(dict(check) for check in turn or []) for turn in entry["expect"]),
            region=entry.get("region"),
        )
        for entry in raw["cases"]
    ]


def check_kind(check: dict[str, Any]) -> str:
    """The one kind a check names (`region` aside); raises if it names none or several."""
    kinds = [key for key in check if key != "region"]
    if len(kinds) != 1 or kinds[0] not in CHECK_KINDS:
        raise ValueError(f"a check names exactly one of {CHECK_KINDS}: {check}")
    return kinds[0]


def _first_line(text: str) -> str:
    return next(line.strip() for line in text.strip().splitlines() if line.strip())


def message_line(pack: ContentPack, key: str, region: Optional[str]) -> str:
    """The first line of a message, placeholders filled (a region's name, the intro's minutes)."""
    values = {"minutes": "0", "topic": "", "time": "", "day": "", "contact": ""}
    if region:
        values["region"] = pack.region_name(Region(region))
    return _first_line(pack.message(key, **values))


def crisis_line(pack: ContentPack, kind: str) -> str:
    """The first line of crisis.yml's reply of that kind."""
    return _first_line(getattr(pack.crisis, kind).text)


def answered_from_topic(pack: ContentPack, topic_id: str, reply: str) -> bool:
    """Whether the reply answers one of the topic's questions (the specific answer comes first: docs/conversation.md)."""
    for question in pack.topics[topic_id].questions:
        if question.title in reply and any(answer.text.strip() in reply for answer in question.answers.values()):
            return True
    return False


def topic_texts(pack: ContentPack, topic_id: str, region: Optional[str]) -> list[str]:
    """What a topic's answer must hold: its title, and its first page in the region when that is known."""
    topic = pack.topics[topic_id]
    texts = [topic.title]
    if region and topic.region_specific:
        texts.append(topic.variant_for(Region(region)).pages[0].text.strip())
    elif not topic.region_specific:
        texts.append(topic.variant_for(pack.enabled_regions[0]).pages[0].text.strip())
    return texts


def failed_checks(pack: ContentPack, case: Case, reply: str, checks: tuple[dict[str, Any], ...]) -> list[str]:
    """The checks of one turn that `reply` fails, each described in a few words (empty: all passed)."""
    failures = []
    for check in checks:
        kind = check_kind(check)
        value = str(check[kind])
        region = check.get("region", case.region)
        if kind in ("has_message", "not_message"):
            ok = (message_line(pack, value, region) in reply) == (kind == "has_message")
        elif kind in ("crisis", "not_crisis"):
            ok = (crisis_line(pack, value) in reply) == (kind == "crisis")
        elif kind == "contains":
            ok = value in reply
        elif kind == "not_contains":
            ok = value not in reply
        else:
            ok = all(text in reply for text in topic_texts(pack, value, region)) or answered_from_topic(pack, value, reply)
        if not ok:
            failures.append(f"{kind}: {value}")
    return failures
