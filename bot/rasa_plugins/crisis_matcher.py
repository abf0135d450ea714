"""Deterministic crisis detection from the content pack's patterns.

Pure standard library plus PyYAML, so the same matcher runs inside the Rasa server (as an NLU
component), in the gateway (when Rasa cannot be reached) and in the app's tests.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import yaml

#: Crisis kinds, in priority order: danger now outranks thoughts of suicide or self-harm.
CRISIS_KINDS = ("danger", "suicide")
INTENT_FOR_KIND = {"danger": "crisis_danger", "suicide": "crisis_suicide"}

_DEFAULT_CONTENT_DIR = Path(__file__).resolve().parents[2] / "data" / "content"
_PATTERNS_FILE = "crisis_patterns.yml"

# Common substitutions in text-speak, applied before matching so patterns stay readable.
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "@": "a", "$": "s"})


def normalise(text: str) -> str:
    """Lower-case, strip accents and zero-width characters, fold curly quotes and squash spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cf")
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = text.lower()
    text = re.sub(r"\s+", " ", text)
    return text.strip()


def _variants(text: str) -> Iterable[str]:
    base = normalise(text)
    yield base
    leet = base.translate(_LEET)
    if leet != base:
        yield leet
    # Letters stretched for emphasis ("pleeeease", "killlll") collapse to two.
    squeezed = re.sub(r"(.)\1{2,}", r"\1\1", base)
    if squeezed != base:
        yield squeezed


@dataclass(frozen=True)
class CrisisMatcher:
    """Compiled crisis patterns, one tuple of regular expressions per crisis kind."""

    patterns: dict[str, tuple[re.Pattern[str], ...]]

    @classmethod
    def from_mapping(cls, raw: dict[str, list[str]], source: str = "crisis patterns") -> CrisisMatcher:
        compiled: dict[str, tuple[re.Pattern[str], ...]] = {}
        for kind in CRISIS_KINDS:
            entries = raw.get(kind) or []
            if not entries:
                raise ValueError(f"{source}: '{kind}' has no patterns; crisis detection must never be empty")
            items = []
            for index, pattern in enumerate(entries):
                try:
                    items.append(re.compile(pattern, re.IGNORECASE))
                except re.error as error:
                    raise ValueError(f"{source}: {kind}[{index}] is not a valid regular expression: {error}") from error
            compiled[kind] = tuple(items)
        unknown = set(raw) - set(CRISIS_KINDS)
        if unknown:
            raise ValueError(f"{source}: unknown crisis kind(s) {sorted(unknown)}; expected {list(CRISIS_KINDS)}")
        return cls(compiled)

    @classmethod
    def from_content_dir(cls, content_dir: Optional[os.PathLike[str] | str] = None, locale: str = "en") -> CrisisMatcher:
        """Load `<content_dir>/<locale>/crisis_patterns.yml`, adding any overlay pack's patterns (CONTENT_DIR)."""
        base = Path(content_dir) if content_dir else _DEFAULT_CONTENT_DIR
        raw: dict[str, list[str]] = {kind: [] for kind in CRISIS_KINDS}
        files = [base / locale / _PATTERNS_FILE]
        overlay = os.environ.get("CONTENT_DIR")
        if overlay and Path(overlay).resolve() != base.resolve():
            files.append(Path(overlay) / locale / _PATTERNS_FILE)
        for path in files:
            if not path.exists():
                continue
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            if not isinstance(data, dict):
                raise ValueError(f"{path}: expected a mapping of crisis kind to a list of patterns")
            for kind, entries in data.items():
                raw.setdefault(kind, []).extend(entries or [])
        return cls.from_mapping(raw, source=str(files[0]))

    def detect(self, text: str) -> Optional[str]:
        """Return the crisis kind the text matches ("danger" or "suicide"), or None."""
        if not text:
            return None
        candidates = list(_variants(text))
        for kind in CRISIS_KINDS:
            for pattern in self.patterns[kind]:
                if any(pattern.search(candidate) for candidate in candidates):
                    return kind
        return None
