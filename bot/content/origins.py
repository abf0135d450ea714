"""Where each value of a content pack was written: YAML files read with their line numbers, and the origin map.

A key path is a tuple of strings: the file's name inside the locale folder, then the keys
(and list positions, as strings) down to the value, as in the merged pack:
``("messages.yml", "messages", "greeting")``, ``("helplines.yml", "galop", "phone")`` (helplines
by id), ``("topics/consent.yml", "questions", "2", "answers")``. Pydantic's error locations
use the same spelling, so a validation error finds its file and line here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Optional

import yaml

from bot.content.problems import Problem

KeyPath = tuple[str, ...]


class Origin(NamedTuple):
    """The file (as problems name it) and the 1-based line a value was written on."""

    file: str
    line: int


@dataclass
class YamlFile:
    """One YAML file as read: its data and the line of every key path inside it."""

    file: str
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)


def read_yaml(path: Path, label: str, problems: list[Problem], required: bool = True) -> Optional[YamlFile]:
    """The file with its lines; None (and a problem, when required) if missing. Unreadable YAML gives data None."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if required:
            problems.append(Problem(label, "", "", "file is missing"))
        return None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problems.append(Problem(label, "", "", f"is not valid YAML{where}: {getattr(error, 'problem', error)}"))
        return YamlFile(label, None)
    finally:
        loader.dispose()
    lines: dict[KeyPath, int] = {}
    if node is not None:
        _record_lines(node, (), lines)
    return YamlFile(label, data, lines)


def _record_lines(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = (*path, str(key.value))
            lines[sub] = key.start_mark.line + 1  # a mapping's value is found on its key's line
            _record_lines(value, sub, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, (*path, str(index)), lines)


class Origins:
    """Key path → Origin for the merged pack: the overlay's file and line where the overlay set a value."""

    def __init__(self) -> None:
        self._by_file: dict[str, dict[KeyPath, Origin]] = {}

    def get(self, path: KeyPath) -> Optional[Origin]:
        """The origin recorded for exactly this path, if any."""
        return self._by_file.get(path[0], {}).get(path) if path else None

    def find(self, path: KeyPath) -> Optional[Origin]:
        """The origin of the path or of its nearest recorded parent (a missing field is blamed on its mapping)."""
        recorded = self._by_file.get(path[0], {}) if path else {}
        for end in range(len(path), 0, -1):
            origin = recorded.get(path[:end])
            if origin is not None:
                return origin
        return None

    def file_for(self, path: KeyPath, default: str) -> str:
        """The file to name for a problem at `path`."""
        origin = self.find(path)
        return origin.file if origin else default

    def items(self) -> list[tuple[KeyPath, Origin]]:
        return [item for recorded in self._by_file.values() for item in recorded.items()]

    def mark(self, dest: KeyPath, source: YamlFile, at: KeyPath = ()) -> None:
        """`dest` itself (not what is under it) was written at `at` in `source`."""
        self._by_file.setdefault(dest[0], {})[dest] = Origin(source.file, source.lines.get(at, 1))

    def take(self, dest: KeyPath, source: YamlFile, at: KeyPath = ()) -> None:
        """`dest` and everything under it now come from `at` in `source` (what was recorded there is dropped)."""
        recorded = self._by_file.setdefault(dest[0], {})
        size = len(dest)
        for path in [p for p in recorded if p[:size] == dest]:
            del recorded[path]
        depth = len(at)
        for path, line in source.lines.items():
            if path[:depth] == at:
                recorded[dest + path[depth:]] = Origin(source.file, line)
        if dest not in recorded:
            self.mark(dest, source, at)

    def copy(self, at: KeyPath, target: Origins, dest: KeyPath) -> None:
        """Record in `target`, under `dest`, the origins recorded here under `at` (an entry moved, say)."""
        size = len(at)
        recorded = target._by_file.setdefault(dest[0], {})
        for path, origin in self._by_file.get(at[0], {}).items():
            if path[:size] == at:
                recorded[dest + path[size:]] = origin

    def drop(self, prefix: KeyPath) -> None:
        """Forget a whole file's or entry's origins (a hidden topic, say)."""
        recorded = self._by_file.get(prefix[0], {})
        for path in [p for p in recorded if p[: len(prefix)] == prefix]:
            del recorded[path]
