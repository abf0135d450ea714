"""Exact commands ("stop", "/exit", "/start"...) that always mean one intent, from the content pack.

Standard library and PyYAML only, so the loader and tests can use it outside the Rasa server.
"""

from __future__ import annotations

import os
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import yaml

from rasa_plugins.crisis_matcher import normalise

_DEFAULT_CONTENT_DIR = Path(__file__).resolve().parents[1] / "data" / "content"
COMMANDS_FILE = "commands.yml"
_TRIM = string.whitespace + string.punctuation.replace("/", "")


def command_key(text: str) -> str:
    """The form commands are compared in: normalised, without punctuation at the ends."""
    return normalise(text).strip(_TRIM)


@dataclass(frozen=True)
class CommandMap:
    """Exact command text -> intent."""

    intents: dict[str, str]

    @classmethod
    def from_mapping(cls, raw: dict[str, list[str]], source: str = COMMANDS_FILE) -> CommandMap:
        intents: dict[str, str] = {}
        for intent, commands in raw.items():
            if not isinstance(commands, list) or not all(isinstance(c, str) for c in commands):
                raise ValueError(f"{source}: '{intent}' must be a list of words or phrases")
            for command in commands:
                key = command_key(command)
                if key in intents and intents[key] != intent:
                    raise ValueError(f"{source}: '{command}' is listed under both '{intents[key]}' and '{intent}'")
                intents[key] = intent
        return cls(intents)

    @classmethod
    def from_content_dir(cls, content_dir: Optional[os.PathLike[str] | str] = None, locale: str = "en") -> CommandMap:
        """Load `<content_dir>/<locale>/commands.yml`; an overlay pack (CONTENT_DIR) adds to it."""
        base = Path(content_dir) if content_dir else _DEFAULT_CONTENT_DIR
        raw: dict[str, list[str]] = {}
        files = [base / locale / COMMANDS_FILE]
        overlay = os.environ.get("CONTENT_DIR")
        if overlay and Path(overlay).resolve() != base.resolve():
            files.append(Path(overlay) / locale / COMMANDS_FILE)
        for path in files:
            if path.exists():
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
                if not isinstance(data, dict):
                    raise ValueError(f"{path}: expected a mapping of intent to a list of commands")
                for intent, commands in data.items():
                    raw.setdefault(intent, []).extend(commands or [])
        return cls.from_mapping(raw, source=str(files[0]))

    def intent_for(self, text: str) -> Optional[str]:
        """The intent an exact command means, or None for anything else."""
        return self.intents.get(command_key(text)) if text else None
