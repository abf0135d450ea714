"""Read a content pack folder, validate all of it, and return it whole or not at all."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.content.schema import (
    ALL_REGIONS,
    VARIANT_ALL,
    Crisis,
    Helpline,
    Menu,
    Messages,
    PackInfo,
    Region,
    Topic,
)
from bot.rasa_plugins.command_map import CommandMap
from bot.rasa_plugins.crisis_matcher import CrisisMatcher

DEFAULT_CONTENT_DIR = Path(__file__).resolve().parents[2] / "data" / "content"
DOMAIN_FILE = Path(__file__).resolve().parents[2] / "domain.yml"
DEFAULT_LOCALE = "en"

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a pack, located precisely enough for a charity to fix it."""

    file: str
    entry: str
    field: str
    message: str

    def __str__(self) -> str:
        where = " > ".join(part for part in (self.entry, self.field) if part)
        return f"{self.file}: {where}: {self.message}" if where else f"{self.file}: {self.message}"


class ContentPackError(Exception):
    """The pack is refused: it lists every problem found, not only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"The content pack has {len(problems)} problem(s):\n{lines}")


@dataclass(frozen=True)
class ContentPack:
    """A validated content pack: everything the actions need to speak."""

    root: Path
    info: PackInfo
    messages: dict[str, str]
    helplines: dict[str, Helpline]
    topics: dict[str, Topic]
    menu: Menu
    crisis: Crisis
    crisis_matcher: CrisisMatcher
    topics_by_intent: dict[str, Topic] = field(default_factory=dict)

    def message(self, key: str, **values: str) -> str:
        """A message with its placeholders filled; `bot_name` is always available."""
        return self.messages[key].format_map(_Placeholders(bot_name=self.info.bot_name, **values))

    def region_name(self, region: Region) -> str:
        return self.info.regions[region]


class _Placeholders(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _read_yaml(path: Path, problems: list[Problem], root: Path) -> Any:
    rel = str(path.relative_to(root))
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(Problem(rel, "", "", "file is missing"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problems.append(Problem(rel, "", "", f"is not valid YAML{where}: {getattr(error, 'problem', error)}"))
    return None


def _validate(model: type[M], data: Any, file: str, entry: str, problems: list[Problem]) -> Optional[M]:
    if data is None and any(p.file == file for p in problems):
        return None  # missing or unreadable: already reported once
    if not isinstance(data, dict):
        problems.append(Problem(file, entry, "", "expected a mapping of fields"))
        return None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            loc = [str(part) for part in item["loc"]]
            problems.append(Problem(file, entry, ".".join(loc), item["msg"].removeprefix("Value error, ")))
        return None


def load_pack(content_dir: Optional[os.PathLike[str] | str] = None, locale: Optional[str] = None) -> ContentPack:
    """Load and validate `<content_dir>/<locale>/`; raise ContentPackError listing every problem."""
    base = Path(content_dir or os.environ.get("CONTENT_DIR") or DEFAULT_CONTENT_DIR)
    locale = locale or os.environ.get("BOT_LOCALE") or DEFAULT_LOCALE
    root = base / locale
    problems: list[Problem] = []
    if not root.is_dir():
        raise ContentPackError([Problem(str(root), "", "", "folder not found")])

    info = _validate(PackInfo, _read_yaml(root / "pack.yml", problems, root), "pack.yml", "", problems)
    messages = _validate(Messages, _read_yaml(root / "messages.yml", problems, root), "messages.yml", "", problems)
    menu = _validate(Menu, _read_yaml(root / "menu.yml", problems, root), "menu.yml", "", problems)
    crisis = _validate(Crisis, _read_yaml(root / "crisis.yml", problems, root), "crisis.yml", "", problems)

    helplines: dict[str, Helpline] = {}
    raw_helplines = _read_yaml(root / "helplines.yml", problems, root)
    items = (raw_helplines or {}).get("helplines") if isinstance(raw_helplines, dict) else None
    if raw_helplines is not None and not isinstance(items, list):
        problems.append(Problem("helplines.yml", "", "helplines", "expected a list of helplines"))
    for index, raw in enumerate(items or []):
        entry = str(raw.get("id")) if isinstance(raw, dict) and raw.get("id") else f"helplines[{index}]"
        helpline = _validate(Helpline, raw, "helplines.yml", entry, problems)
        if helpline is None:
            continue
        if helpline.id in helplines:
            problems.append(Problem("helplines.yml", helpline.id, "id", "is used by more than one helpline"))
        helplines[helpline.id] = helpline

    topics: dict[str, Topic] = {}
    topic_files: dict[str, str] = {}
    invalid_topics: set[str] = set()
    for path in sorted((root / "topics").glob("*.yml")):
        rel = str(path.relative_to(root))
        topic = _validate(Topic, _read_yaml(path, problems, root), rel, path.stem, problems)
        if topic is None:
            invalid_topics.add(path.stem)
            continue
        if topic.id != path.stem:
            problems.append(Problem(rel, topic.id, "id", f"must match the file name '{path.stem}'"))
        if topic.id in topics:
            problems.append(Problem(rel, topic.id, "id", f"is also used in {topic_files[topic.id]}"))
        topics[topic.id] = topic
        topic_files[topic.id] = rel

    try:
        matcher = CrisisMatcher.from_content_dir(base, locale=locale)
    except (ValueError, OSError, yaml.YAMLError) as error:
        problems.append(Problem("crisis_patterns.yml", "", "", str(error)))
        matcher = None

    try:
        commands = CommandMap.from_content_dir(base, locale=locale)
        known = set((yaml.safe_load(DOMAIN_FILE.read_text()) or {}).get("intents", [])) if DOMAIN_FILE.exists() else set()
        for intent in sorted(set(commands.intents.values()) - known if known else set()):
            problems.append(Problem("commands.yml", intent, "", f"'{intent}' is not an intent in domain.yml"))
    except (ValueError, OSError, yaml.YAMLError) as error:
        problems.append(Problem("commands.yml", "", "", str(error)))

    problems.extend(_cross_references(helplines, topics, topic_files, menu, crisis, invalid_topics))
    if problems or not (info and messages and menu and crisis and matcher):
        raise ContentPackError(problems or [Problem(str(root), "", "", "incomplete pack")])

    by_intent: dict[str, Topic] = {}
    for topic in topics.values():
        if topic.intent in by_intent:
            raise ContentPackError(
                [
                    Problem(
                        topic_files[topic.id],
                        topic.id,
                        "intent",
                        f"'{topic.intent}' is also used by '{by_intent[topic.intent].id}'",
                    )
                ]
            )
        by_intent[topic.intent] = topic
    return ContentPack(root, info, messages.messages, helplines, topics, menu, crisis, matcher, by_intent)


def _check_helplines(
    ids: Iterable[str], regions: Iterable[Region], helplines: dict[str, Helpline], file: str, entry: str, fld: str
) -> Iterable[Problem]:
    for helpline_id in ids:
        helpline = helplines.get(helpline_id)
        if helpline is None:
            yield Problem(file, entry, fld, f"unknown helpline '{helpline_id}'")
            continue
        wrong = [r.value for r in regions if r not in helpline.regions]
        if wrong:
            yield Problem(file, entry, fld, f"'{helpline_id}' does not serve {', '.join(wrong)}")


def _cross_references(
    helplines: dict[str, Helpline],
    topics: dict[str, Topic],
    topic_files: dict[str, str],
    menu: Optional[Menu],
    crisis: Optional[Crisis],
    invalid_topics: set[str],
) -> list[Problem]:
    problems: list[Problem] = []
    for topic in topics.values():
        for key, variant in topic.variants.items():
            regions = ALL_REGIONS if key == VARIANT_ALL else (Region(key),)
            for number, page in enumerate(variant.pages):
                problems.extend(
                    _check_helplines(
                        page.helplines,
                        regions,
                        helplines,
                        topic_files[topic.id],
                        topic.id,
                        f"variants.{key}.pages.{number}.helplines",
                    )
                )
    if menu:
        for index, topic_id in enumerate(menu.menu):
            # A topic whose own file failed is already reported there; don't report it twice.
            if topic_id not in topics and topic_id not in invalid_topics:
                problems.append(Problem("menu.yml", "menu", str(index), f"unknown topic '{topic_id}'"))
        for key, ids in menu.signpost.items():
            regions = ALL_REGIONS if key == "not_said" else (Region(key),)
            problems.extend(_check_helplines(ids, regions, helplines, "menu.yml", "signpost", key))
    if crisis:
        for kind in ("danger", "suicide", "unavailable"):
            reply = getattr(crisis, kind)
            # Crisis services may be regional; the renderer shows the ones for the survivor's region.
            problems.extend(_check_helplines(reply.helplines, (), helplines, "crisis.yml", kind, "helplines"))
    return problems
