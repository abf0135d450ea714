"""Read a content pack folder, validate all of it, and return it whole or not at all.

A pipeline of small stages (docs/architecture.md, "Content pipeline"): read each folder's YAML
with line numbers → merge by file kind (bot/content/merge.py), recording each value's origin →
validate each model once, naming the file its value came from → cross-checks → build.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.content.merge import Layer, Merged, merge_layers, read_layer
from bot.content.origins import KeyPath, Origins, read_yaml
from bot.content.problems import ContentPackError, Problem
from bot.content.schema import (
    ALL_REGIONS,
    CHANNEL_TEXTS,
    ENABLED_REGIONS,
    VARIANT_ALL,
    ChannelTexts,
    Crisis,
    Helpline,
    LintRules,
    Menu,
    Messages,
    PackInfo,
    Plural,
    Question,
    Region,
    Topic,
    check_channel_text,
)
from rasa_plugins.command_map import CommandMap
from rasa_plugins.crisis_matcher import CrisisMatcher

DEFAULT_CONTENT_DIR = Path(__file__).resolve().parents[2] / "data" / "content"
DOMAIN_FILE = Path(__file__).resolve().parents[2] / "domain.yml"
DEFAULT_LOCALE = "en"

M = TypeVar("M", bound=BaseModel)
_FILE: Any = object()  # _validate's default: the whole file's merged data

__all__ = ["ContentPack", "ContentPackError", "Origins", "Problem", "load_pack", "pack_files"]


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
    #: channels.yml: what the web widget and Telegram say about themselves.
    channels: ChannelTexts
    #: lint.yml: this locale's banned and allowed phrases.
    lint_rules: LintRules
    topics_by_intent: dict[str, Topic] = field(default_factory=dict)
    #: The overlay pack's locale folder, when one is in use.
    overlay: Optional[Path] = None
    #: Which file each entry came from ("helpline:<id>", "topic:<id>", "message:<key>", "crisis", "menu").
    files: dict[str, str] = field(default_factory=dict)
    #: Every YAML file read, default pack and overlay, and the overlay's folders (hot reload watches them).
    watched: tuple[Path, ...] = ()
    #: Every topic's questions by id (ids are unique across the pack), and the topic each belongs to.
    questions: dict[str, Question] = field(default_factory=dict)
    question_topics: dict[str, str] = field(default_factory=dict)
    #: Where every value came from: key path → (file, line); see bot/content/origins.py.
    origins: Origins = field(default_factory=Origins)

    def message(self, key: str, **values: str) -> str:
        """A message with its placeholders filled; `bot_name` is always available."""
        return self.messages[key].format_map(_Placeholders(bot_name=self.info.bot_name, **values))

    def file_for(self, key: str, default: str) -> str:
        """The file an entry came from: the overlay's when the overlay set it."""
        return self.files.get(key, default)

    def region_name(self, region: Region) -> str:
        return self.info.regions[region]

    @property
    def locale(self) -> str:
        """The pack's language, such as `en` or `cy` (pack.yml `locale`, the same as its folder)."""
        return self.info.locale

    @property
    def enabled_regions(self) -> tuple[Region, ...]:
        """The regions this pack answers for, in the usual order (pack.yml `enabled_regions`)."""
        return self.info.active_regions

    @property
    def default_region(self) -> Optional[Region]:
        """The region used until the survivor says otherwise: pack.yml's, or the only enabled region."""
        if self.info.default_region is not None:
            return self.info.default_region
        return self.enabled_regions[0] if len(self.enabled_regions) == 1 else None

    def channel_text(self, group: str, key: str, count: Optional[int] = None, **values: str) -> str:
        """A channels.yml text with its placeholders filled; a text with a number takes its form for `count`."""
        text = self.channels.get(group, key)
        if isinstance(text, Plural):
            if count is None:
                raise ValueError(f"channel text {group}.{key} needs a count")
            text = text.choose(count, self.info.locale)
        filled = {"bot_name": self.info.bot_name, **values}
        if count is not None:
            filled["count"] = str(count)
        return text.format_map(_Placeholders(filled))


class _Placeholders(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def load_pack(
    content_dir: Optional[os.PathLike[str] | str] = None,
    locale: Optional[str] = None,
    overlay_dir: Optional[os.PathLike[str] | str] = None,
) -> ContentPack:
    """Load and validate `<content_dir>/<locale>/` with an optional overlay pack on top of it.

    `content_dir` is the default pack (data/content unless given). The overlay (`overlay_dir`,
    else the CONTENT_DIR environment variable) changes it entry by entry: see docs/customising.md.
    The merged pack is validated as a whole; on any problem ContentPackError lists every one,
    naming the file (the overlay's, when the overlay caused it), entry and field.

    The stages: read each folder's YAML with line numbers → merge by MERGE_RULES (bot/content/merge.py),
    recording each value's origin → validate each model once → cross-checks → build.
    """
    base_dir = Path(content_dir or DEFAULT_CONTENT_DIR)
    locale = locale or os.environ.get("BOT_LOCALE") or DEFAULT_LOCALE
    over_dir = _overlay_dir(base_dir, overlay_dir)
    problems: list[Problem] = []
    base, over = _read_layers(base_dir, over_dir, locale, problems)
    merged = merge_layers(base, over, problems)
    models = validate(merged, locale, _english_reference(base_dir, locale), problems)
    problems.extend(cross_check(models, merged))
    if problems or not models.complete():
        raise ContentPackError(problems or [Problem(str(base.root), "", "", "incomplete pack")])
    return build(models, merged, base, over, (*pack_files(base_dir, over_dir, locale), *_overlay_folders(over_dir, locale)))


def pack_files(content_dir: Path, overlay_dir: Optional[Path], locale: str) -> list[Path]:
    """Every YAML file the pack is read from (for hot reload: a change to any of them reloads)."""
    roots = [content_dir / locale] + ([overlay_dir / locale] if overlay_dir else [])
    return sorted(path for root in roots if root.is_dir() for path in root.rglob("*.yml"))


def _overlay_folders(overlay_dir: Optional[Path], locale: str) -> list[Path]:
    """The overlay's folders, watched too: a file added to them (the content studio's first publish of a
    file, say) changes the folder, where watching only the files read before would miss it."""
    if overlay_dir is None:
        return []
    root = overlay_dir / locale
    return [folder for folder in (root, root / "topics") if folder.is_dir()]


def _overlay_dir(content_dir: Path, overlay_dir: Optional[os.PathLike[str] | str]) -> Optional[Path]:
    chosen = overlay_dir if overlay_dir is not None else os.environ.get("CONTENT_DIR")
    if not chosen:
        return None
    path = Path(chosen)
    return None if path.resolve() == content_dir.resolve() else path


def _read_layers(base_dir: Path, over_dir: Optional[Path], locale: str, problems: list[Problem]) -> tuple[Layer, Optional[Layer]]:
    """Stage 1: the default pack's folder and the overlay's, each file read with its lines."""
    root = base_dir / locale
    if not root.is_dir():
        raise ContentPackError([Problem(str(root), "", "", "folder not found")])
    if over_dir is not None and not (over_dir / locale).is_dir():
        over_root = over_dir / locale
        raise ContentPackError([Problem(str(over_root), "", "", f"folder not found: an overlay pack needs a '{locale}' folder")])
    # Problems in the default language's pack name bare files; in any other, the locale folder too.
    base = read_layer(root, "" if locale == DEFAULT_LOCALE else locale, True, problems)
    over = read_layer(over_dir / locale, str(over_dir / locale), False, problems) if over_dir is not None else None
    return base, over


@dataclass
class _Models:
    """What validation made of the merged data: None (or left out) where a file or entry was refused."""

    info: Optional[PackInfo] = None
    messages: Optional[Messages] = None
    channels: Optional[ChannelTexts] = None
    lint_rules: Optional[LintRules] = None
    helplines: dict[str, Helpline] = field(default_factory=dict)
    topics: dict[str, Topic] = field(default_factory=dict)
    invalid_topics: set[str] = field(default_factory=set)
    topic_files: dict[str, str] = field(default_factory=dict)
    questions: dict[str, Question] = field(default_factory=dict)
    question_topics: dict[str, str] = field(default_factory=dict)
    menu: Optional[Menu] = None
    crisis: Optional[Crisis] = None
    matcher: Optional[CrisisMatcher] = None
    regions: tuple[Region, ...] = ALL_REGIONS

    def complete(self) -> bool:
        parts = (self.info, self.messages, self.channels, self.lint_rules, self.menu, self.crisis, self.matcher)
        return all(part is not None for part in parts)


def validate(merged: Merged, locale: str, english: Optional[dict[str, Any]], problems: list[Problem]) -> _Models:
    """Stage 3: validate each model once, naming the file (and so the folder) each problem's value came from."""
    found = _Models()
    found.info = _validate(PackInfo, merged, ("pack.yml",), "", problems)
    if found.info is not None and found.info.locale != locale:
        where = merged.origins.file_for(("pack.yml", "locale"), merged.base_files["pack.yml"])
        message = f"is '{found.info.locale}' but the pack's folder is '{locale}': the two must be the same"
        problems.append(Problem(where, "", "locale", message))
    #: Topics and signposts need content only for the regions the pack enables.
    found.regions = found.info.active_regions if found.info is not None else ALL_REGIONS
    context = {ENABLED_REGIONS: found.regions}
    found.messages = _validate_messages(merged, english, problems)
    channel_problems = _channel_problems(merged, locale)
    problems.extend(channel_problems)
    found.channels = None if channel_problems else _validate(ChannelTexts, merged, ("channels.yml",), "", problems)
    found.lint_rules = _validate(LintRules, merged, ("lint.yml",), "", problems, data=merged.data["lint.yml"] or None)
    for key, raw in merged.data["helplines.yml"].items():
        helpline = _validate(Helpline, merged, ("helplines.yml", key), key, problems, data=raw)
        if helpline is not None:
            found.helplines[helpline.id] = helpline
    _validate_topics(merged, english, context, found, problems)
    _collect_questions(merged, found, problems)
    found.menu = _validate(Menu, merged, ("menu.yml",), "", problems, context=context)
    found.crisis = _validate(Crisis, merged, ("crisis.yml",), "", problems)
    found.matcher = _build_matcher(merged, problems)
    _check_commands(merged, problems)
    return found


def _validate(
    model: type[M],
    merged: Merged,
    path: KeyPath,
    entry: str,
    problems: list[Problem],
    context: Optional[dict[str, Any]] = None,
    data: Any = _FILE,
) -> Optional[M]:
    """Validate the data at `path` (a file kind, or an entry of one): each error names the file its value came from."""
    data = merged.data.get(path[0]) if data is _FILE else data
    file = merged.origins.file_for(path, merged.base_files[path[0]])
    if data is None and any(p.file == file for p in problems):
        return None  # missing or unreadable: already reported once
    if not isinstance(data, dict):
        problems.append(Problem(file, entry, "", "expected a mapping of fields"))
        return None
    try:
        return model.model_validate(data, context=context)
    except ValidationError as error:
        for item in error.errors():
            loc = tuple(str(part) for part in item["loc"])
            where = merged.origins.file_for((*path, *loc), file)
            problems.append(Problem(where, entry, ".".join(loc), item["msg"].removeprefix("Value error, ")))
        return None


def _validate_messages(merged: Merged, english: Optional[dict[str, Any]], problems: list[Problem]) -> Optional[Messages]:
    """messages.yml; in a translation, each message the English pack has and this one lacks is reported once."""
    data, file = merged.data.get("messages.yml"), merged.base_files["messages.yml"]
    if english is not None and isinstance(data, dict) and isinstance(data.get("messages"), dict):
        theirs = english.get("messages.yml", {}).get("messages")
        missing = [key for key in theirs if key not in data["messages"]] if isinstance(theirs, dict) else []
        for key in missing:
            message = f"is in the English pack ({DEFAULT_LOCALE}/messages.yml) but missing here: translate it"
            problems.append(Problem(file, str(key), "", message))
        if missing:  # already reported: the model need not report the same gap again
            data = {**data, "messages": {**{k: theirs[k] for k in missing}, **data["messages"]}}
    return _validate(Messages, merged, ("messages.yml",), "", problems, data=data)


def _validate_topics(
    merged: Merged, english: Optional[dict[str, Any]], context: dict[str, Any], found: _Models, problems: list[Problem]
) -> None:
    """Each topic file: valid, its id its file's name, and (in a translation) none of the English topics missing."""
    for stem in sorted(english.get("topics", {}) if english is not None else ()):
        if f"topics/{stem}.yml" not in merged.base.files:
            message = f"is in the English pack ({DEFAULT_LOCALE}/topics/{stem}.yml) but missing here: translate it"
            problems.append(Problem(merged.base.name(f"topics/{stem}.yml"), stem, "", message))
    files = found.topic_files
    stems = sorted(kind.removeprefix("topics/").removesuffix(".yml") for kind in merged.data if kind.startswith("topics/"))
    for stem in stems:
        kind = f"topics/{stem}.yml"
        file = merged.file(kind)
        topic = _validate(Topic, merged, (kind,), stem, problems, context=context)
        if topic is None:
            found.invalid_topics.add(stem)
            continue
        if topic.id != stem:
            problems.append(Problem(file, topic.id, "id", f"must match the file name '{stem}'"))
        if topic.id in found.topics:
            problems.append(Problem(file, topic.id, "id", f"is also used in {files[topic.id]}"))
        found.topics[topic.id] = topic
        files[topic.id] = file


def _collect_questions(merged: Merged, found: _Models, problems: list[Problem]) -> None:
    """Every topic's questions by id: an id is used once in the whole pack."""
    for topic in found.topics.values():
        for number, question in enumerate(topic.questions):
            other = found.question_topics.get(question.id)
            if other is not None:
                message = f"'{question.id}' is also a question of '{other}'"
                problems.append(Problem(found.topic_files[topic.id], topic.id, f"questions.{number}.id", message))
                continue
            found.questions[question.id] = question
            found.question_topics[question.id] = topic.id


def _build_matcher(merged: Merged, problems: list[Problem]) -> Optional[CrisisMatcher]:
    label = merged.file("crisis_patterns.yml")
    try:
        return CrisisMatcher.from_mapping(merged.data["crisis_patterns.yml"], source=label)
    except ValueError as error:
        problems.append(Problem(label, "", "", str(error)))
        return None


def _check_commands(merged: Merged, problems: list[Problem]) -> None:
    """commands.yml: well formed, and every command's intent one the assistant has."""
    label = merged.file("commands.yml")
    try:
        commands = CommandMap.from_mapping(merged.data["commands.yml"], source=label)
    except ValueError as error:
        problems.append(Problem(label, "", "", str(error)))
        return
    known = set((yaml.safe_load(DOMAIN_FILE.read_text()) or {}).get("intents", [])) if DOMAIN_FILE.exists() else set()
    for intent in sorted(set(commands.intents.values()) - known if known else set()):
        problems.append(Problem(label, intent, "", f"'{intent}' is not an intent in domain.yml"))


def cross_check(models: _Models, merged: Merged) -> list[Problem]:
    """Stage 4: what no single file shows: hidden crisis services, references between files, shared intents."""
    problems: list[Problem] = []
    for kind, reply in models.crisis.replies() if models.crisis else ():
        for helpline_id in sorted(set(reply.helplines) & set(merged.hidden_helplines)):
            message = f"is in the {kind} crisis reply (crisis.yml), so it can't be hidden: crisis services always stay"
            problems.append(Problem(merged.hidden_helplines[helpline_id], helpline_id, "hidden", message))
        # The heading stands in for the services' names, so it must describe the services shown.
        default_file = merged.base_files["crisis.yml"]
        services_from, heading_from = (
            merged.origins.file_for(("crisis.yml", kind, f), default_file) for f in ("helplines", "services_heading")
        )
        if reply.services_heading and services_from != default_file and heading_from == default_file:
            message = (
                "describes the default pack's services, and your crisis.yml changes them: "
                "say what yours are, or set it to null to name each service"
            )
            problems.append(Problem(merged.file("crisis.yml"), kind, "services_heading", message))
    topic_files = models.topic_files
    problems.extend(
        _cross_references(
            models.helplines,
            models.topics,
            topic_files,
            models.menu,
            models.crisis,
            models.invalid_topics,
            merged.file("menu.yml"),
            merged.file("crisis.yml"),
            frozenset(merged.hidden_helplines),
            models.regions,
        )
    )
    by_intent: dict[str, str] = {}
    for topic in models.topics.values():
        if topic.intent in by_intent:
            message = f"'{topic.intent}' is also used by '{by_intent[topic.intent]}'"
            problems.append(Problem(topic_files[topic.id], topic.id, "intent", message))
        by_intent[topic.intent] = topic.id
    return problems


def build(models: _Models, merged: Merged, base: Layer, over: Optional[Layer], watched: tuple[Path, ...]) -> ContentPack:
    """Stage 5: the ContentPack, with each entry's file and the origin map for editors."""
    assert models.info and models.messages and models.channels and models.lint_rules  # complete(): checked
    assert models.menu and models.crisis and models.matcher
    origins = merged.origins
    files = {
        f"helpline:{k}": origins.file_for(("helplines.yml", k), merged.base_files["helplines.yml"]) for k in models.helplines
    }
    files.update({f"topic:{k}": models.topic_files[k] for k in models.topics})
    files.update({f"question:{k}": files[f"topic:{t}"] for k, t in models.question_topics.items()})
    files["crisis"] = merged.file("crisis.yml")
    files["menu"] = merged.file("menu.yml")
    for key in models.messages.messages:
        files[f"message:{key}"] = origins.file_for(("messages.yml", "messages", key), merged.base_files["messages.yml"])
    for group, specs in CHANNEL_TEXTS.items():
        for key in specs:
            files[f"channel:{group}.{key}"] = origins.file_for(("channels.yml", group, key), merged.base_files["channels.yml"])
    files["lint"] = merged.file("lint.yml")
    return ContentPack(
        base.root,
        models.info,
        models.messages.messages,
        models.helplines,
        models.topics,
        models.menu,
        models.crisis,
        models.matcher,
        models.channels,
        models.lint_rules,
        {topic.intent: topic for topic in models.topics.values()},
        overlay=over.root if over else None,
        files=files,
        watched=watched,
        questions=models.questions,
        question_topics=models.question_topics,
        origins=origins,
    )


def _english_reference(base_dir: Path, locale: str) -> Optional[dict[str, Any]]:
    """The default language's messages, channel texts and topic ids, to compare another locale with.

    None for the default language itself, or when the folder has no default-language pack.
    """
    root = base_dir / DEFAULT_LOCALE
    if locale == DEFAULT_LOCALE or not root.is_dir():
        return None
    ignored: list[Problem] = []  # the English pack's own problems are not this pack's
    found: dict[str, Any] = {"topics": {path.stem: None for path in (root / "topics").glob("*.yml")}}
    for name in ("messages.yml", "channels.yml"):
        read = read_yaml(root / name, name, ignored)
        found[name] = read.data if read is not None and isinstance(read.data, dict) else {}
    return found


def _channel_problems(merged: Merged, locale: str) -> list[Problem]:
    """channels.yml against the texts the channels use: none missing, none unknown, each of the right shape."""
    data, file = merged.data.get("channels.yml"), merged.base_files["channels.yml"]
    if not isinstance(data, dict):
        return []  # missing, unreadable or not a mapping: reported by the usual checks

    def where(*keys: object) -> str:
        return merged.origins.file_for(("channels.yml", *(str(key) for key in keys)), file)

    problems: list[Problem] = []
    spelling = "check the spelling against data/content/en/channels.yml"
    for group in data:
        if group not in CHANNEL_TEXTS:
            problems.append(
                Problem(where(group), str(group), "", f"is not a group of channel texts; use {', '.join(CHANNEL_TEXTS)}")
            )
    hint = f": it is in the English pack ({DEFAULT_LOCALE}/channels.yml), translate it" if locale != DEFAULT_LOCALE else ""
    for group, specs in CHANNEL_TEXTS.items():
        texts = data.get(group)
        if not isinstance(texts, dict):
            problems.append(Problem(where(group), group, "", "expected a mapping of text key to text"))
            continue
        for key, value in texts.items():
            wrong = (
                f"is not a text the {group} channel uses: {spelling}"
                if key not in specs
                else check_channel_text(group, key, value, locale)
            )
            if wrong:
                problems.append(Problem(where(group, key), group, str(key), wrong))
        problems.extend(Problem(file, group, key, f"is missing{hint}") for key in specs if key not in texts)
    return problems


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
    menu_file: str = "menu.yml",
    crisis_file: str = "crisis.yml",
    hidden: frozenset[str] = frozenset(),
    enabled: tuple[Region, ...] = ALL_REGIONS,
) -> list[Problem]:
    problems: list[Problem] = []
    for topic in topics.values():
        for key, variant in topic.variants.items():
            regions = enabled if key == VARIANT_ALL else (Region(key),)
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
        for number, question in enumerate(topic.questions):
            for key, answer in question.answers.items():
                regions = enabled if key == VARIANT_ALL else (Region(key),)
                problems.extend(
                    _check_helplines(
                        answer.helplines,
                        regions,
                        helplines,
                        topic_files[topic.id],
                        topic.id,
                        f"questions.{number}.answers.{key}.helplines",
                    )
                )
    if menu:
        for index, topic_id in enumerate(menu.menu):
            # A topic whose own file failed is already reported there; don't report it twice.
            if topic_id not in topics and topic_id not in invalid_topics:
                problems.append(Problem(menu_file, "menu", str(index), f"unknown topic '{topic_id}'"))
        for key, ids in menu.signpost.items():
            regions = enabled if key == "not_said" else (Region(key),)
            problems.extend(_check_helplines(ids, regions, helplines, menu_file, "signpost", key))
    if crisis:
        for kind, reply in crisis.replies():
            # Crisis services may be regional; the renderer shows the ones for the survivor's region.
            # A hidden crisis service is reported once, as a mistake in the overlay's helplines.yml.
            shown = [h for h in reply.helplines if h not in hidden]
            problems.extend(_check_helplines(shown, (), helplines, crisis_file, kind, "helplines"))
    return problems
