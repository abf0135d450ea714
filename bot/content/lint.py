"""Wording checks for the content pack: no blaming or minimising, small bites, fresh facts.

Rule 5 of the conversation rules (docs/conversation.md): no "why didn't you", "you should have",
"alleged" in the assistant's own voice, "just", "calm down", "at least". We also refuse orders
("you must", "you need to", "you should"): options, not instructions.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Optional

from bot.content.loader import ContentPack
from bot.content.schema import Sourced

BANNED_PHRASES = (
    "why didn't you",
    "why did you",
    "you should have",
    "alleged",
    "allegedly",
    "just",
    "calm down",
    "at least",
    "you must",
    "you need to",
    "you should",
    "you ought to",
    "overreacting",
    "it wasn't that bad",
)
_BANNED = [
    (phrase, re.compile(r"(?<![\w'])" + re.escape(phrase).replace("'", "['\u2019]") + r"(?![\w'])", re.IGNORECASE))
    for phrase in BANNED_PHRASES
]

STALE_AFTER = dt.timedelta(days=183)


@dataclass(frozen=True)
class Finding:
    """One lint result. Errors fail `content check`; warnings are printed."""

    severity: str  # "error" or "warning"
    file: str
    entry: str
    field: str
    message: str

    def __str__(self) -> str:
        where = " > ".join(part for part in (self.entry, self.field) if part)
        return f"{self.severity}: {self.file}: {where}: {self.message}"


def texts(pack: ContentPack) -> Iterator[tuple[str, str, str, str]]:
    """Every survivor-facing text in the pack, as (file, entry, field, text)."""
    for key, text in pack.messages.items():
        yield "messages.yml", key, "", text
    for kind in ("danger", "suicide", "unavailable"):
        yield "crisis.yml", kind, "text", getattr(pack.crisis, kind).text
    for topic in pack.topics.values():
        file = f"topics/{topic.id}.yml"
        yield file, topic.id, "title", topic.title
        yield file, topic.id, "button", topic.button
        if topic.content_note:
            yield file, topic.id, "content_note", topic.content_note
        for key, variant in topic.variants.items():
            for number, page in enumerate(variant.pages):
                yield file, topic.id, f"variants.{key}.pages.{number}.text", page.text
    for helpline in pack.helplines.values():
        yield "helplines.yml", helpline.id, "for_whom", helpline.for_whom


def _sourced(pack: ContentPack) -> Iterator[tuple[str, str, str, Sourced]]:
    for helpline in pack.helplines.values():
        yield "helplines.yml", helpline.id, "last_reviewed", helpline
    yield "crisis.yml", "", "last_reviewed", pack.crisis
    for topic in pack.topics.values():
        for key, variant in topic.variants.items():
            yield f"topics/{topic.id}.yml", topic.id, f"variants.{key}.last_reviewed", variant


def lint_pack(pack: ContentPack, today: Optional[dt.date] = None) -> list[Finding]:
    """Every wording problem (errors) and stale fact (warnings) in the pack."""
    today = today or dt.date.today()
    findings: list[Finding] = []
    for file, entry, fld, text in texts(pack):
        for phrase, pattern in _BANNED:
            if pattern.search(text):
                findings.append(
                    Finding("error", file, entry, fld, f'uses "{phrase}", which can read as blaming, minimising or an order')
                )
    for file, entry, fld, item in _sourced(pack):
        if item.last_reviewed > today:
            findings.append(Finding("error", file, entry, fld, f"{item.last_reviewed} is in the future"))
        elif today - item.last_reviewed > STALE_AFTER:
            findings.append(
                Finding("warning", file, entry, fld, f"last reviewed {item.last_reviewed}: more than six months ago, check it")
            )
    return findings
