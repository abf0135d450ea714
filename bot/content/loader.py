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
    #: channels.yml: what the web widget and Telegram say about themselves.
    channels: ChannelTexts
    #: lint.yml: this locale's banned and allowed phrases.
    lint_rules: LintRules
    topics_by_intent: dict[str, Topic] = field(default_factory=dict)
    #: The overlay pack's locale folder, when one is in use.
    overlay: Optional[Path] = None
    #: Which file each entry came from ("helpline:<id>", "topic:<id>", "message:<key>", "crisis", "menu").
    files: dict[str, str] = field(default_factory=dict)
    #: Every YAML file read, default pack and overlay (hot reload watches them).
    watched: tuple[Path, ...] = ()
    #: Every topic's questions by id (ids are unique across the pack), and the topic each belongs to.
    questions: dict[str, Question] = field(default_factory=dict)
    question_topics: dict[str, str] = field(default_factory=dict)

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
            text = text.choose(count)
        filled = {"bot_name": self.info.bot_name, **values}
        if count is not None:
            filled["count"] = str(count)
        return text.format_map(_Placeholders(filled))


class _Placeholders(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _read_yaml(path: Path, problems: list[Problem], label: str, required: bool = True) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if required:
            problems.append(Problem(label, "", "", "file is missing"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problems.append(Problem(label, "", "", f"is not valid YAML{where}: {getattr(error, 'problem', error)}"))
    return None


def _validate(
    model: type[M],
    data: Any,
    file: str,
    entry: str,
    problems: list[Problem],
    overlay: Optional[tuple[str, Any]] = None,
    context: Optional[dict[str, Any]] = None,
) -> Optional[M]:
    """Validate `data`; a problem at a place the overlay set is named in the overlay's file."""
    if data is None and any(p.file == file for p in problems):
        return None  # missing or unreadable: already reported once
    if not isinstance(data, dict):
        problems.append(Problem(file, entry, "", "expected a mapping of fields"))
        return None
    try:
        return model.model_validate(data, context=context)
    except ValidationError as error:
        for item in error.errors():
            loc = [str(part) for part in item["loc"]]
            where = overlay[0] if overlay and _touches(overlay[1], loc) else file
            problems.append(Problem(where, entry, ".".join(loc), item["msg"].removeprefix("Value error, ")))
        return None


def _touches(data: Any, loc: list[str]) -> bool:
    """Whether the overlay's data sets the first key of `loc` (or the whole thing, for a model-level error)."""
    if not isinstance(data, dict):
        return False
    return not loc or loc[0] in data


def _merge(base: Any, over: Any) -> Any:
    """Overlay rule: mappings merge key by key; anything else (text, lists, numbers) replaces."""
    if isinstance(base, dict) and isinstance(over, dict):
        merged = dict(base)
        for key, value in over.items():
            merged[key] = _merge(base.get(key), value)
        return merged
    return over


#: The keys a hiding entry may have: `id` and `hidden: true`, nothing else.
_HIDE_KEYS = {"id", "hidden"}


def _is_hide(raw: Any) -> bool:
    return isinstance(raw, dict) and raw.get("hidden") is True


def _hide_allowed(raw: dict[str, Any], file: str, key: str, kind: str, needs: str, exists: bool, problems: list[Problem]) -> bool:
    """Whether an overlay's `hidden: true` entry may hide `key` (a `kind` of the default pack); else a problem is added."""
    extra = sorted(set(raw) - _HIDE_KEYS)
    if extra:
        problems.append(Problem(file, key, "hidden", f"a hidden {kind} needs only {needs}; remove {extra}"))
    elif not exists:
        problems.append(Problem(file, key, "hidden", f"there is no {kind} '{key}' in the default pack to hide"))
    return not extra and exists


@dataclass
class _Layer:
    """One folder's raw files: the default pack's, or an overlay's."""

    root: Path
    label: str  # how problems name this folder's files: "" for the default pack, else the folder
    required: bool
    files: dict[str, Any] = field(default_factory=dict)
    topics: dict[str, Any] = field(default_factory=dict)

    def name(self, rel: str) -> str:
        return f"{self.label}/{rel}" if self.label else rel


_SINGLE_FILES = ("pack.yml", "messages.yml", "channels.yml", "menu.yml", "crisis.yml", "helplines.yml")


def _read_layer(root: Path, label: str, required: bool, problems: list[Problem]) -> _Layer:
    layer = _Layer(root, label, required)
    for name in _SINGLE_FILES:
        data = _read_yaml(root / name, problems, layer.name(name), required)
        if data is not None or (root / name).exists():
            layer.files[name] = data
    for path in sorted((root / "topics").glob("*.yml")):
        layer.topics[path.stem] = _read_yaml(path, problems, layer.name(f"topics/{path.name}"))
    return layer


def pack_files(content_dir: Path, overlay_dir: Optional[Path], locale: str) -> list[Path]:
    """Every YAML file the pack is read from (for hot reload: a change to any of them reloads)."""
    roots = [content_dir / locale] + ([overlay_dir / locale] if overlay_dir else [])
    return sorted(path for root in roots if root.is_dir() for path in root.rglob("*.yml"))


def _overlay_dir(content_dir: Path, overlay_dir: Optional[os.PathLike[str] | str]) -> Optional[Path]:
    chosen = overlay_dir if overlay_dir is not None else os.environ.get("CONTENT_DIR")
    if not chosen:
        return None
    path = Path(chosen)
    return None if path.resolve() == content_dir.resolve() else path


def _merge_helplines(base: _Layer, over: Optional[_Layer], problems: list[Problem]) -> tuple[list[tuple[Any, str]], set[str]]:
    """Helplines in order with the file each came from, and the ids the overlay hides."""

    def items(layer: _Layer) -> list[Any]:
        raw = layer.files.get("helplines.yml")
        if raw is None:
            return []
        found = raw.get("helplines") if isinstance(raw, dict) else None
        if not isinstance(found, list):
            problems.append(Problem(layer.name("helplines.yml"), "", "helplines", "expected a list of helplines"))
            return []
        return found

    merged: dict[str, tuple[Any, str]] = {}
    order: list[str] = []
    for index, raw in enumerate(items(base)):
        key = str(raw.get("id")) if isinstance(raw, dict) and raw.get("id") else f"helplines[{index}]"
        if key in merged:
            problems.append(Problem(base.name("helplines.yml"), str(key), "id", "is used by more than one helpline"))
            continue
        merged[key] = (raw, base.name("helplines.yml"))
        order.append(key)
    hidden: set[str] = set()
    if over is None:
        return [merged[k] for k in order], hidden
    file = over.name("helplines.yml")
    seen: set[str] = set()
    for index, raw in enumerate(items(over)):
        key = str(raw.get("id") or "") if isinstance(raw, dict) else ""
        if not key:
            problems.append(
                Problem(file, f"helplines[{index}]", "id", "every entry needs the id of the helpline it adds, replaces or hides")
            )
            continue
        if key in seen:
            problems.append(Problem(file, str(key), "id", "is listed more than once in this file"))
            continue
        seen.add(key)
        if _is_hide(raw):
            if _hide_allowed(raw, file, key, "helpline", "id and hidden: true", key in merged, problems):
                hidden.add(key)
            continue
        if key not in merged:
            order.append(key)
        merged[key] = (raw, file)
    return [merged[k] for k in order if k not in hidden], hidden


def _merge_variants(base: Any, over: Any) -> Any:
    """Each variant the overlay gives replaces that variant whole; `all` replaces every region's."""
    if isinstance(over, dict) and isinstance(base, dict):
        return dict(over) if VARIANT_ALL in over else {**base, **over}
    return over


def _merge_questions(base: Any, over: Any, file: str, topic: str, problems: list[Problem]) -> Any:
    """An overlay's questions, by id: a new id adds a question, a known one rewords it, `hidden: true` removes it.

    A rewording gives only what changes: its fields replace the default's, and each answer
    variant it gives replaces that variant whole (as a topic's variants do).
    """
    if not isinstance(base, list) or not isinstance(over, list):
        return over
    merged: dict[str, Any] = {}
    for index, raw in enumerate(base):
        merged[str(raw.get("id")) if isinstance(raw, dict) and raw.get("id") else f"questions[{index}]"] = raw
    for index, raw in enumerate(over):
        key = str(raw.get("id") or "") if isinstance(raw, dict) else ""
        if not key:
            problems.append(
                Problem(
                    file, topic, f"questions.{index}.id", "every entry needs the id of the question it adds, rewords or hides"
                )
            )
            continue
        if _is_hide(raw):
            if _hide_allowed(raw, file, key, "question", "id and hidden: true", key in merged, problems):
                del merged[key]
            continue
        known = merged.get(key)
        if isinstance(known, dict):
            changed = {**known, **{k: v for k, v in raw.items() if k != "answers"}}
            if "answers" in raw:
                changed["answers"] = _merge_variants(known.get("answers"), raw["answers"])
            merged[key] = changed
        else:
            merged[key] = raw
    return list(merged.values())


def _merge_topic(base: Any, over: Any, file: str = "", problems: Optional[list[Problem]] = None) -> Any:
    """A topic from the overlay: its fields replace the default's; each variant it gives replaces that variant whole.

    Questions merge by id (see _merge_questions), so an overlay lists only the ones it changes.
    """
    if not isinstance(base, dict) or not isinstance(over, dict):
        return over
    merged = {**base, **{k: v for k, v in over.items() if k not in ("variants", "questions")}}
    if "variants" in over:
        merged["variants"] = _merge_variants(base.get("variants"), over.get("variants"))
    if "questions" in over:
        found = problems if problems is not None else []
        merged["questions"] = _merge_questions(base.get("questions", []), over["questions"], file, str(base.get("id")), found)
    return merged


def _drop_hidden_in_answers(questions: Any, hidden: set[str]) -> Any:
    """A topic's questions with hidden helplines left out of their answers."""
    if not isinstance(questions, list):
        return questions
    kept = []
    for question in questions:
        if isinstance(question, dict) and isinstance(question.get("answers"), dict):
            answers = {
                key: {**answer, "helplines": [h for h in answer["helplines"] if h not in hidden]}
                if isinstance(answer, dict) and isinstance(answer.get("helplines"), list)
                else answer
                for key, answer in question["answers"].items()
            }
            question = {**question, "answers": answers}
        kept.append(question)
    return kept


def _drop_hidden_helplines(data: Any, hidden: set[str]) -> Any:
    """A topic with hidden helplines left out of its pages and its questions' answers."""
    if not hidden or not isinstance(data, dict) or not isinstance(data.get("variants"), dict):
        return data
    if "questions" in data:
        data = {**data, "questions": _drop_hidden_in_answers(data["questions"], hidden)}
    variants = {}
    for key, variant in data["variants"].items():
        if isinstance(variant, dict) and isinstance(variant.get("pages"), list):
            pages = [
                {**page, "helplines": [h for h in page["helplines"] if h not in hidden]}
                if isinstance(page, dict) and isinstance(page.get("helplines"), list)
                else page
                for page in variant["pages"]
            ]
            variant = {**variant, "pages": pages}
        variants[key] = variant
    return {**data, "variants": variants}


def _read_patterns(layers: list[_Layer], name: str, problems: list[Problem]) -> tuple[dict[str, list[str]], str]:
    """crisis_patterns.yml or commands.yml: the overlay's entries add to the default pack's."""
    raw: dict[str, list[str]] = {}
    label = name
    for layer in layers:
        path = layer.root / name
        data = _read_yaml(path, problems, layer.name(name), layer.required)
        if data is None:
            continue
        label = layer.name(name)
        if not isinstance(data, dict):
            problems.append(Problem(label, "", "", "expected a mapping of names to lists"))
            continue
        for key, entries in data.items():
            if entries is not None and not isinstance(entries, list):
                problems.append(Problem(label, str(key), "", "expected a list"))
                continue
            raw.setdefault(str(key), []).extend(entries or [])
    return raw, label


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
    """
    base_dir = Path(content_dir or DEFAULT_CONTENT_DIR)
    locale = locale or os.environ.get("BOT_LOCALE") or DEFAULT_LOCALE
    over_dir = _overlay_dir(base_dir, overlay_dir)
    root = base_dir / locale
    problems: list[Problem] = []
    if not root.is_dir():
        raise ContentPackError([Problem(str(root), "", "", "folder not found")])
    # Problems in the default language's pack name bare files; in any other, the locale folder too.
    base = _read_layer(root, "" if locale == DEFAULT_LOCALE else locale, True, problems)
    english = _english_reference(base_dir, locale)
    over: Optional[_Layer] = None
    if over_dir is not None:
        over_root = over_dir / locale
        if not over_root.is_dir():
            raise ContentPackError(
                [Problem(str(over_root), "", "", f"folder not found: an overlay pack needs a '{locale}' folder")]
            )
        over = _read_layer(over_root, str(over_root), False, problems)

    def single(name: str) -> tuple[Any, str, Optional[tuple[str, Any]]]:
        data = base.files.get(name)
        if over is not None and name in over.files:
            raw = over.files[name]
            if raw is not None and not isinstance(raw, dict):
                problems.append(Problem(over.name(name), "", "", "expected a mapping of fields"))
                return data, base.name(name), None
            return _merge(data, raw or {}), base.name(name), (over.name(name), raw or {})
        return data, base.name(name), None

    data, file, touched = single("pack.yml")
    info = _validate(PackInfo, data, file, "", problems, touched)
    if info is not None and info.locale != locale:
        where = touched[0] if touched and "locale" in touched[1] else file
        problems.append(
            Problem(where, "", "locale", f"is '{info.locale}' but the pack's folder is '{locale}': the two must be the same")
        )
    #: Topics and signposts need content only for the regions the pack enables.
    regions = info.active_regions if info is not None else ALL_REGIONS
    context = {ENABLED_REGIONS: regions}

    data, file, touched = single("messages.yml")
    if touched and isinstance(data, dict) and isinstance(base.files.get("messages.yml"), dict):
        known = base.files["messages.yml"].get("messages") or {}
        new = touched[1].get("messages")
        if new is not None and not isinstance(new, dict):
            problems.append(Problem(touched[0], "messages", "", "expected a mapping of message key to text"))
        for key in new if isinstance(new, dict) else ():
            if key not in known:
                problems.append(
                    Problem(
                        touched[0],
                        str(key),
                        "",
                        "is not a message the assistant uses: check the spelling against data/content/en/messages.yml",
                    )
                )
    if english is not None and isinstance(data, dict) and isinstance(data.get("messages"), dict):
        theirs = english.get("messages.yml", {}).get("messages")
        missing = [key for key in theirs if key not in data["messages"]] if isinstance(theirs, dict) else []
        for key in missing:
            problems.append(
                Problem(
                    file, str(key), "", f"is in the English pack ({DEFAULT_LOCALE}/messages.yml) but missing here: translate it"
                )
            )
        if missing:  # already reported: the model need not report the same gap again
            data = {**data, "messages": {**{k: theirs[k] for k in missing}, **data["messages"]}}
    messages = _validate(Messages, data, file, "", problems, touched)

    data, file, touched = single("channels.yml")
    channel_problems = _channel_problems(data, file, touched, locale)
    problems.extend(channel_problems)
    channels = None if channel_problems else _validate(ChannelTexts, data, file, "", problems, touched)

    raw_lint, lint_label = _read_patterns([base, *([over] if over else [])], "lint.yml", problems)
    lint_rules = _validate(LintRules, raw_lint or None, lint_label, "", problems)

    raw_helplines, hidden_helplines = _merge_helplines(base, over, problems)
    helplines: dict[str, Helpline] = {}
    helpline_files: dict[str, str] = {}
    for index, (raw, file) in enumerate(raw_helplines):
        entry = str(raw.get("id")) if isinstance(raw, dict) and raw.get("id") else f"helplines[{index}]"
        helpline = _validate(Helpline, raw, file, entry, problems)
        if helpline is not None:
            helplines[helpline.id] = helpline
            helpline_files[helpline.id] = file

    topic_data: dict[str, tuple[Any, str]] = {stem: (raw, base.name(f"topics/{stem}.yml")) for stem, raw in base.topics.items()}
    for stem in sorted(english.get("topics", {}) if english is not None else ()):
        if stem not in base.topics:
            problems.append(
                Problem(
                    base.name(f"topics/{stem}.yml"),
                    stem,
                    "",
                    f"is in the English pack ({DEFAULT_LOCALE}/topics/{stem}.yml) but missing here: translate it",
                )
            )
    hidden_topics: set[str] = set()
    for stem, raw in (over.topics if over else {}).items():
        file = over.name(f"topics/{stem}.yml") if over else stem
        if raw is None:
            continue  # unreadable: already reported
        if _is_hide(raw):
            if _hide_allowed(raw, file, stem, "topic", "hidden: true", stem in topic_data, problems):
                hidden_topics.add(stem)
            continue
        topic_data[stem] = (_merge_topic(topic_data[stem][0], raw, file, problems) if stem in topic_data else raw, file)

    topics: dict[str, Topic] = {}
    topic_files: dict[str, str] = {}
    invalid_topics: set[str] = set()
    for stem, (raw, file) in sorted(topic_data.items()):
        if stem in hidden_topics:
            continue
        topic = _validate(Topic, _drop_hidden_helplines(raw, hidden_helplines), file, stem, problems, context=context)
        if topic is None:
            invalid_topics.add(stem)
            continue
        if topic.id != stem:
            problems.append(Problem(file, topic.id, "id", f"must match the file name '{stem}'"))
        if topic.id in topics:
            problems.append(Problem(file, topic.id, "id", f"is also used in {topic_files[topic.id]}"))
        topics[topic.id] = topic
        topic_files[topic.id] = file

    questions: dict[str, Question] = {}
    question_topics: dict[str, str] = {}
    for topic in topics.values():
        for number, question in enumerate(topic.questions):
            if question.id in questions:
                other = question_topics[question.id]
                problems.append(
                    Problem(
                        topic_files[topic.id],
                        topic.id,
                        f"questions.{number}.id",
                        f"'{question.id}' is also a question of '{other}'",
                    )
                )
                continue
            questions[question.id] = question
            question_topics[question.id] = topic.id

    data, file, touched = single("menu.yml")
    if isinstance(data, dict):
        if isinstance(data.get("menu"), list):
            data = {**data, "menu": [t for t in data["menu"] if t not in hidden_topics]}
        if isinstance(data.get("signpost"), dict):
            signpost = {
                k: [h for h in v if h not in hidden_helplines] if isinstance(v, list) else v for k, v in data["signpost"].items()
            }
            data = {**data, "signpost": signpost}
    menu = _validate(Menu, data, file, "", problems, touched, context)
    menu_file = touched[0] if touched else file

    data, file, touched = single("crisis.yml")
    crisis = _validate(Crisis, data, file, "", problems, touched)
    crisis_file = touched[0] if touched else file
    if crisis and over:
        for kind, reply in crisis.replies():
            for helpline_id in sorted(set(reply.helplines) & hidden_helplines):
                problems.append(
                    Problem(
                        over.name("helplines.yml"),
                        helpline_id,
                        "hidden",
                        f"is in the {kind} crisis reply (crisis.yml), so it can't be hidden: crisis services always stay",
                    )
                )

    layers = [base, *([over] if over else [])]
    matcher: Optional[CrisisMatcher] = None
    raw_patterns, label = _read_patterns(layers, "crisis_patterns.yml", problems)
    try:
        matcher = CrisisMatcher.from_mapping(raw_patterns, source=label)
    except ValueError as error:
        problems.append(Problem(label, "", "", str(error)))

    raw_commands, label = _read_patterns(layers, "commands.yml", problems)
    try:
        commands = CommandMap.from_mapping(raw_commands, source=label)
        known = set((yaml.safe_load(DOMAIN_FILE.read_text()) or {}).get("intents", [])) if DOMAIN_FILE.exists() else set()
        for intent in sorted(set(commands.intents.values()) - known if known else set()):
            problems.append(Problem(label, intent, "", f"'{intent}' is not an intent in domain.yml"))
    except ValueError as error:
        problems.append(Problem(label, "", "", str(error)))

    problems.extend(
        _cross_references(
            helplines,
            topics,
            topic_files,
            menu,
            crisis,
            invalid_topics,
            menu_file,
            crisis_file,
            frozenset(hidden_helplines),
            regions,
        )
    )
    if problems or not (info and messages and channels and lint_rules and menu and crisis and matcher):
        raise ContentPackError(problems or [Problem(str(root), "", "", "incomplete pack")])

    by_intent: dict[str, Topic] = {}
    for topic in topics.values():
        if topic.intent in by_intent:
            problems.append(
                Problem(
                    topic_files[topic.id], topic.id, "intent", f"'{topic.intent}' is also used by '{by_intent[topic.intent].id}'"
                )
            )
        by_intent[topic.intent] = topic
    if problems:
        raise ContentPackError(problems)
    files = {f"helpline:{k}": v for k, v in helpline_files.items()}
    files.update({f"topic:{k}": v for k, v in topic_files.items()})
    files.update({f"question:{k}": topic_files[t] for k, t in question_topics.items()})
    files["crisis"] = crisis_file
    files["menu"] = menu_file
    overlay_messages = over.files.get("messages.yml") if over else None
    for key in messages.messages:
        changed = isinstance(overlay_messages, dict) and key in (overlay_messages.get("messages") or {})
        files[f"message:{key}"] = over.name("messages.yml") if over and changed else base.name("messages.yml")
    overlay_channels = over.files.get("channels.yml") if over else None
    for group, specs in CHANNEL_TEXTS.items():
        for key in specs:
            set_there = isinstance(overlay_channels, dict) and key in (overlay_channels.get(group) or {})
            files[f"channel:{group}.{key}"] = over.name("channels.yml") if over and set_there else base.name("channels.yml")
    files["lint"] = lint_label
    return ContentPack(
        root,
        info,
        messages.messages,
        helplines,
        topics,
        menu,
        crisis,
        matcher,
        channels,
        lint_rules,
        by_intent,
        overlay=over.root if over else None,
        files=files,
        watched=tuple(pack_files(base_dir, over_dir, locale)),
        questions=questions,
        question_topics=question_topics,
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
        data = _read_yaml(root / name, ignored, name)
        found[name] = data if isinstance(data, dict) else {}
    return found


def _channel_problems(data: Any, file: str, touched: Optional[tuple[str, Any]], locale: str) -> list[Problem]:
    """channels.yml against the texts the channels use: none missing, none unknown, each of the right shape."""
    if not isinstance(data, dict):
        return []  # missing, unreadable or not a mapping: reported by the usual checks
    problems: list[Problem] = []
    over = touched[1] if touched else {}
    spelling = "check the spelling against data/content/en/channels.yml"
    for group in data:
        if group not in CHANNEL_TEXTS:
            where = touched[0] if touched and group in over else file
            problems.append(Problem(where, str(group), "", f"is not a group of channel texts; use {', '.join(CHANNEL_TEXTS)}"))
    for group, specs in CHANNEL_TEXTS.items():
        texts = data.get(group)
        theirs = over.get(group) if isinstance(over, dict) else None
        if not isinstance(texts, dict) or (theirs is not None and not isinstance(theirs, dict)):
            where = touched[0] if touched and group in over else file
            problems.append(Problem(where, group, "", "expected a mapping of text key to text"))
            continue
        for key, value in texts.items():
            where = touched[0] if touched and isinstance(theirs, dict) and key in theirs else file
            if key not in specs:
                problems.append(Problem(where, group, str(key), f"is not a text the {group} channel uses: {spelling}"))
                continue
            wrong = check_channel_text(group, key, value)
            if wrong:
                problems.append(Problem(where, group, key, wrong))
        for key in specs:
            if key not in texts:
                hint = (
                    f": it is in the English pack ({DEFAULT_LOCALE}/channels.yml), translate it"
                    if locale != DEFAULT_LOCALE
                    else ""
                )
                problems.append(Problem(file, group, key, f"is missing{hint}"))
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
