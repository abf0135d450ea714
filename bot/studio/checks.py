"""Validation for the studio: exactly `content check`'s problems and wording, by calling what it calls.

`load_pack` (schema, merge and cross-checks) and `lint_pack` (wording, phones, contrast, reading
level, review dates) run on the draft with the change applied, in a temporary copy; nothing
here re-implements a check. Each line reads as `content check` prints it.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from bot.content.lint import lint_pack
from bot.content.loader import ContentPack, ContentPackError, load_pack


@dataclass(frozen=True)
class Check:
    """One problem: `line` is what `content check` prints for it (without the "  - " of a refused pack)."""

    severity: str  # error, warning or note
    file: str
    entry: str
    field: str
    line: str


def check_pack(base: Path, locale: str, overlay: Path) -> tuple[Optional[ContentPack], list[Check]]:
    """The pack (None when refused) and every problem `content check --content overlay` reports."""
    try:
        pack = load_pack(base, locale, overlay)
    except ContentPackError as error:
        return None, [Check("error", p.file, p.entry, p.field, str(p)) for p in error.problems]
    return pack, [Check(f.severity, f.file, f.entry, f.field, str(f)) for f in lint_pack(pack)]


def check_change(
    base: Path, locale: str, draft: Path, files: Mapping[str, Optional[str]]
) -> tuple[Optional[ContentPack], list[Check]]:
    """check_pack on a copy of the draft with `files` (name inside the locale folder → new text, None: removed) written in.

    The copy keeps the draft's folder name, so problems name files as they will be named.
    """
    with tempfile.TemporaryDirectory(prefix="studio-check-") as temporary:
        copy = Path(temporary) / draft.name
        source = draft / locale
        if source.is_dir():
            shutil.copytree(source, copy / locale)
        else:
            (copy / locale).mkdir(parents=True)
        for name, text in files.items():
            target = copy / locale / name
            if text is None:  # the change removes the file: the default pack applies
                target.unlink(missing_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        pack, checks = check_pack(base, locale, copy)
        prefix = str(copy)
        named = [
            Check(c.severity, c.file.replace(prefix, str(draft)), c.entry, c.field, c.line.replace(prefix, str(draft)))
            for c in checks
        ]
        return pack, named


def about(checks: Iterable[Check], file_name: str, entry: str) -> list[Check]:
    """The checks on one entry of one file (helplines.yml and `galop`, say)."""
    return [c for c in checks if c.entry == entry and (c.file == file_name or c.file.endswith("/" + file_name))]


def place(checks: Iterable[tuple[str, Check]], names: Iterable[str]) -> dict[str, list[str]]:
    """Each check's line under the form field it is about: the field of its key path, or its nearest parent.

    `checks` pairs each check with its key path in the form; a check no field matches goes under "" (the form's top).
    """
    known = set(names)
    placed: dict[str, list[str]] = {}
    for path, check in checks:
        parts = path.split(".") if path else []
        target = ""
        for end in range(len(parts), 0, -1):
            candidate = ".".join(parts[:end])
            if candidate in known:
                target = candidate
                break
        placed.setdefault(target, []).append(check.line)
    return placed
