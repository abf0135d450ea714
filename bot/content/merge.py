"""Merge the default pack with an overlay, file kind by file kind, recording where each value came from.

Each file kind has one rule in MERGE_RULES (docs/customising.md explains them to charities):

- pack.yml, messages.yml, channels.yml, menu.yml, crisis.yml: mappings merge key by key;
  anything else (text, lists, numbers) replaces.
- helplines.yml: entries by id: a new id adds, a known one replaces whole, `hidden: true` hides.
- topics/<id>.yml: fields replace; each variant given replaces that variant whole (`all` replaces
  every region's); questions by id (added, reworded or hidden); `hidden: true` hides the topic.
- lint.yml, crisis_patterns.yml, commands.yml: the overlay's lists add to the default's.

Hidden helplines and topics are then left out of the menu, pages and answers that named them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import Any, Optional

from bot.content.origins import KeyPath, Origins, YamlFile, read_yaml
from bot.content.problems import Problem
from bot.content.schema import VARIANT_ALL

#: Files read from a locale folder besides topics/*.yml, in the order they are merged and checked.
PACK_FILES = (
    "pack.yml",
    "messages.yml",
    "channels.yml",
    "lint.yml",
    "helplines.yml",
    "menu.yml",
    "crisis.yml",
    "crisis_patterns.yml",
    "commands.yml",
)
#: The files a pack may leave out of an overlay and still be whole.
_LISTS = ("lint.yml", "crisis_patterns.yml", "commands.yml")


@dataclass
class Layer:
    """One folder's YAML files: the default pack's, or an overlay's."""

    root: Path
    label: str  # how problems name this folder's files: "" for the default pack, else the folder
    files: dict[str, YamlFile] = field(default_factory=dict)

    def name(self, rel: str) -> str:
        return f"{self.label}/{rel}" if self.label else rel

    def topics(self) -> list[str]:
        return [kind for kind in self.files if kind.startswith("topics/")]


def read_layer(root: Path, label: str, required: bool, problems: list[Problem]) -> Layer:
    """Read every file of one folder (a missing file is a problem only where `required`)."""
    layer = Layer(root, label)
    kinds = [*PACK_FILES, *(f"topics/{path.name}" for path in sorted((root / "topics").glob("*.yml")))]
    for kind in kinds:
        found = read_yaml(root / kind, layer.name(kind), problems, required or kind.startswith("topics/"))
        if found is not None:
            layer.files[kind] = found
    return layer


@dataclass
class Merged:
    """The merged pack's raw data by file kind, where each value came from, and what the overlay hid."""

    base: Layer
    data: dict[str, Any]
    origins: Origins
    #: The default pack's name for each file kind: named when nothing closer is known.
    base_files: dict[str, str]
    #: What the overlay hid, each with the overlay file that hid it.
    hidden_helplines: dict[str, str] = field(default_factory=dict)
    hidden_topics: dict[str, str] = field(default_factory=dict)

    def file(self, kind: str) -> str:
        """The file named for a kind as a whole: the overlay's when it changed that file."""
        return self.origins.file_for((kind,), self.base_files[kind])


@dataclass
class _Merge:
    kind: str
    base: Optional[YamlFile]
    over: Optional[YamlFile]
    origins: Origins
    problems: list[Problem]
    merged: Merged


Rule = Callable[[_Merge], Any]


def merge_layers(base: Layer, over: Optional[Layer], problems: list[Problem]) -> Merged:
    """Apply each file kind's rule, then leave hidden entries out of whatever named them."""
    kinds = [*PACK_FILES, *sorted({*base.topics(), *(over.topics() if over else ())})]
    merged = Merged(base, {}, Origins(), {kind: base.name(kind) for kind in kinds})
    for kind in kinds:
        job = _Merge(kind, base.files.get(kind), over.files.get(kind) if over else None, merged.origins, problems, merged)
        if job.base is not None and job.base.data is not None:
            merged.origins.take((kind,), job.base)
        data = rule_for(kind)(job)
        if data is not None or job.base is not None:
            merged.data[kind] = data
    _apply_hiding(merged)
    return merged


def rule_for(kind: str) -> Rule:
    return next(rule for pattern, rule in MERGE_RULES.items() if fnmatch(kind, pattern))


def _base_data(job: _Merge) -> Any:
    return job.base.data if job.base is not None else None


def merge_mapping(job: _Merge) -> Any:
    """Mappings merge key by key; anything else replaces. An overlay file that is not a mapping is refused."""
    data = _base_data(job)
    if job.over is None:
        return data
    if job.over.data is not None and not isinstance(job.over.data, dict):
        job.problems.append(Problem(job.over.file, "", "", "expected a mapping of fields"))
        return data
    return deep_merge(data, job.over.data or {}, (job.kind,), job.over, (), job.origins)


def deep_merge(base: Any, over: Any, dest: KeyPath, source: YamlFile, at: KeyPath, origins: Origins) -> Any:
    """`over` (found at `at` in `source`) on top of `base`, recording the origin of what `over` set."""
    if isinstance(base, dict) and isinstance(over, dict):
        origins.mark(dest, source, at)
        merged = dict(base)
        for key, value in over.items():
            merged[key] = deep_merge(base.get(key), value, (*dest, str(key)), source, (*at, str(key)), origins)
        return merged
    origins.take(dest, source, at)
    return over


def merge_messages(job: _Merge) -> Any:
    """As any mapping, but an overlay may only reword messages the assistant uses."""
    data, base = merge_mapping(job), _base_data(job)
    if job.over is None or not isinstance(job.over.data, dict) or not isinstance(data, dict) or not isinstance(base, dict):
        return data
    known = base.get("messages") or {}
    new = job.over.data.get("messages")
    if new is not None and not isinstance(new, dict):
        job.problems.append(Problem(job.over.file, "messages", "", "expected a mapping of message key to text"))
    for key in new if isinstance(new, dict) else ():
        if key not in known:
            job.problems.append(
                Problem(
                    job.over.file,
                    str(key),
                    "",
                    "is not a message the assistant uses: check the spelling against data/content/en/messages.yml",
                )
            )
    return data


def merge_lists(job: _Merge) -> dict[str, list[Any]]:
    """crisis_patterns.yml, commands.yml, lint.yml: the overlay's entries add to the default pack's."""
    raw: dict[str, list[Any]] = {}
    job.merged.base_files[job.kind] = job.kind  # named bare when neither folder has it
    for found in (job.base, job.over):
        if found is None or found.data is None:
            continue
        job.origins.mark((job.kind,), found)
        if not isinstance(found.data, dict):
            job.problems.append(Problem(found.file, "", "", "expected a mapping of names to lists"))
            continue
        for key, entries in found.data.items():
            if entries is not None and not isinstance(entries, list):
                job.problems.append(Problem(found.file, str(key), "", "expected a list"))
                continue
            have = raw.setdefault(str(key), [])
            for index in range(len(entries or [])):
                job.origins.take((job.kind, str(key), str(len(have) + index)), found, (str(key), str(index)))
            have.extend(entries or [])
    return raw


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


def _entry_id(raw: Any) -> str:
    return str(raw.get("id") or "") if isinstance(raw, dict) else ""


def _helpline_list(found: Optional[YamlFile], problems: list[Problem]) -> list[Any]:
    if found is None or found.data is None:
        return []
    listed = found.data.get("helplines") if isinstance(found.data, dict) else None
    if not isinstance(listed, list):
        problems.append(Problem(found.file, "", "helplines", "expected a list of helplines"))
        return []
    return listed


def merge_helplines(job: _Merge) -> dict[str, Any]:
    """Helplines by id, in order: the overlay adds, replaces whole, or hides (`hidden: true`)."""
    kind, origins = job.kind, job.origins
    origins.drop((kind,))  # read as a list; recorded again by id
    if job.base is not None:
        origins.mark((kind,), job.base)
    merged: dict[str, Any] = {}
    if job.base is not None:
        for index, raw in enumerate(_helpline_list(job.base, job.problems)):
            key = _entry_id(raw) or f"helplines[{index}]"
            if key in merged:
                job.problems.append(Problem(job.base.file, key, "id", "is used by more than one helpline"))
                continue
            merged[key] = raw
            origins.take((kind, key), job.base, ("helplines", str(index)))
    if job.over is None:
        return merged
    file, seen = job.over.file, set()
    for index, raw in enumerate(_helpline_list(job.over, job.problems)):
        key = _entry_id(raw)
        if not key:
            job.problems.append(
                Problem(file, f"helplines[{index}]", "id", "every entry needs the id of the helpline it adds, replaces or hides")
            )
        elif key in seen:
            job.problems.append(Problem(file, key, "id", "is listed more than once in this file"))
        elif _is_hide(raw):
            seen.add(key)
            if _hide_allowed(raw, file, key, "helpline", "id and hidden: true", key in merged, job.problems):
                job.merged.hidden_helplines[key] = file
        else:
            seen.add(key)
            merged[key] = raw
            origins.take((kind, key), job.over, ("helplines", str(index)))
    for key in job.merged.hidden_helplines:
        del merged[key]
        origins.drop((kind, key))
    return merged


def merge_topic(job: _Merge) -> Any:
    """A topic: the overlay's fields replace the default's, variants replace per region, questions merge by id."""
    base, over = _base_data(job), job.over
    if over is None or over.data is None:
        return base  # no overlay, or unreadable: already reported
    stem = job.kind.removeprefix("topics/").removesuffix(".yml")
    if _is_hide(over.data):
        if _hide_allowed(over.data, over.file, stem, "topic", "hidden: true", job.base is not None, job.problems):
            job.merged.hidden_topics[stem] = over.file
            job.origins.drop((job.kind,))
        return base
    dest: KeyPath = (job.kind,)
    if not isinstance(base, dict) or not isinstance(over.data, dict):
        job.origins.take(dest, over)
        return over.data
    job.origins.mark(dest, over)
    merged = dict(base)
    for key, value in over.data.items():
        if key == "variants":
            merged[key] = _merge_variants(base.get(key), value, (*dest, key), over, (key,), job.origins)
        elif key == "questions":
            merged[key] = _merge_questions(base.get(key, []), value, str(base.get("id")), over, job)
        else:
            merged[key] = value
            job.origins.take((*dest, str(key)), over, (str(key),))
    return merged


def _merge_variants(base: Any, over: Any, dest: KeyPath, source: YamlFile, at: KeyPath, origins: Origins) -> Any:
    """Each variant the overlay gives replaces that variant whole; `all` replaces every region's."""
    if not isinstance(over, dict) or not isinstance(base, dict) or VARIANT_ALL in over:
        origins.take(dest, source, at)
        return dict(over) if isinstance(over, dict) else over
    origins.mark(dest, source, at)
    for key in over:
        origins.take((*dest, str(key)), source, (*at, str(key)))
    return {**base, **over}


def _merge_questions(base: Any, over: Any, topic: str, source: YamlFile, job: _Merge) -> Any:
    """An overlay's questions, by id: a new id adds a question, a known one rewords it, `hidden: true` removes it.

    A rewording gives only what changes: its fields replace the default's, and each answer
    variant it gives replaces that variant whole (as a topic's variants do).
    """
    dest: KeyPath = (job.kind, "questions")
    if not isinstance(base, list) or not isinstance(over, list):
        job.origins.take(dest, source, ("questions",))
        return over
    before = Origins()  # the default's question origins, by id, to move to their new positions
    merged: dict[str, Any] = {}
    for index, raw in enumerate(base):
        key = _entry_id(raw) or f"questions[{index}]"
        merged[key] = raw
        job.origins.copy((*dest, str(index)), before, (job.kind, key))
    for index, raw in enumerate(over):
        key = _entry_id(raw)
        if not key:
            job.problems.append(
                Problem(
                    source.file,
                    topic,
                    f"questions.{index}.id",
                    "every entry needs the id of the question it adds, rewords or hides",
                )
            )
        elif _is_hide(raw):
            if _hide_allowed(raw, source.file, key, "question", "id and hidden: true", key in merged, job.problems):
                del merged[key]
        else:
            at: KeyPath = ("questions", str(index))
            known = merged.get(key)
            if isinstance(known, dict):
                changed = {**known, **{k: v for k, v in raw.items() if k != "answers"}}
                before.mark((job.kind, key), source, at)
                for field_name in raw:
                    if field_name != "answers":
                        before.take((job.kind, key, str(field_name)), source, (*at, str(field_name)))
                if "answers" in raw:
                    where = (job.kind, key, "answers")
                    changed["answers"] = _merge_variants(
                        known.get("answers"), raw["answers"], where, source, (*at, "answers"), before
                    )
                merged[key] = changed
            else:
                merged[key] = raw
                before.take((job.kind, key), source, at)
    job.origins.drop(dest)
    job.origins.mark(dest, source, ("questions",))
    for index, key in enumerate(merged):
        before.copy((job.kind, key), job.origins, (*dest, str(index)))
    return list(merged.values())


def _without(ids: Any, hidden: set[str]) -> Any:
    return [i for i in ids if i not in hidden] if isinstance(ids, list) else ids


def _drop_in(items: Any, hidden: set[str]) -> Any:
    """Pages or answers with hidden helplines left out."""
    if not isinstance(items, dict | list):
        return items
    pairs = items.items() if isinstance(items, dict) else enumerate(items)
    kept = {
        k: {**v, "helplines": _without(v["helplines"], hidden)} if isinstance(v, dict) and "helplines" in v else v
        for k, v in pairs
    }
    return kept if isinstance(items, dict) else list(kept.values())


def _drop_hidden_helplines(data: Any, hidden: set[str]) -> Any:
    """A topic with hidden helplines left out of its pages and its questions' answers."""
    if not hidden or not isinstance(data, dict) or not isinstance(data.get("variants"), dict):
        return data
    data = dict(data)
    if isinstance(data.get("questions"), list):
        data["questions"] = [
            {**q, "answers": _drop_in(q["answers"], hidden)} if isinstance(q, dict) and isinstance(q.get("answers"), dict) else q
            for q in data["questions"]
        ]
    data["variants"] = {
        key: {**v, "pages": _drop_in(v["pages"], hidden)} if isinstance(v, dict) and isinstance(v.get("pages"), list) else v
        for key, v in data["variants"].items()
    }
    return data


def _apply_hiding(merged: Merged) -> None:
    """Hidden topics leave the menu; hidden helplines leave the signposts, pages and answers."""
    for stem in merged.hidden_topics:
        merged.data.pop(f"topics/{stem}.yml", None)
    hidden = set(merged.hidden_helplines)
    for kind in [k for k in merged.data if k.startswith("topics/")]:
        merged.data[kind] = _drop_hidden_helplines(merged.data[kind], hidden)
    menu = merged.data.get("menu.yml")
    if isinstance(menu, dict):
        if isinstance(menu.get("menu"), list):
            menu = {**menu, "menu": [t for t in menu["menu"] if t not in merged.hidden_topics]}
        if isinstance(menu.get("signpost"), dict):
            menu = {**menu, "signpost": {k: _without(v, hidden) for k, v in menu["signpost"].items()}}
        merged.data["menu.yml"] = menu


#: One rule per file kind (glob patterns on the file's name inside the locale folder).
MERGE_RULES: dict[str, Rule] = {
    "pack.yml": merge_mapping,
    "messages.yml": merge_messages,
    "channels.yml": merge_mapping,
    "menu.yml": merge_mapping,
    "crisis.yml": merge_mapping,
    "helplines.yml": merge_helplines,
    "lint.yml": merge_lists,
    "crisis_patterns.yml": merge_lists,
    "commands.yml": merge_lists,
    "topics/*.yml": merge_topic,
}
