"""Teach the NLU which topic each of the pack's questions belongs to: `data/nlu/questions_asks.yml`.

Answering a specific question takes two steps (docs/architecture.md): the Rasa NLU picks the topic
(`ask_compensation`, …), then the question index (bot/content/answers.py) picks the question within
that topic. For the first step to work on specific questions, the model has to have seen them, so
every question's example phrasings (`asks`) become training examples of its topic's intent. This
module writes that file from the default pack; `make train` (bot/model.py) rewrites it before
deciding whether to train, and a unit test fails if the committed copy is out of date.

Phrasings already in the hand-written NLU data are left out (Rasa refuses duplicates), as are
phrasings that name an entity the hand-written data annotates ("the Met", "my sergeant"): without
the annotation they would teach the entity extractor that the words are not an entity.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import yaml

from bot.content.loader import ContentPack, load_pack
from bot.settings import PROJECT_ROOT

NLU_DIR = PROJECT_ROOT / "data" / "nlu"
GENERATED = NLU_DIR / "questions_asks.yml"
#: A charity's own questions (from the overlay pack in CONTENT_DIR), written at `make train` and
#: never committed (.gitignore): the model then knows them too, and retrains when they change.
OVERLAY_GENERATED = NLU_DIR / "overlay_questions.yml"

HEADER = """\
# GENERATED from the content pack's questions (their `asks`) by bot/content/question_nlu.py.
# Do not edit: change the questions in data/content/en/topics/ and run `make train`.
# Each question's phrasings are examples of its topic's intent, so that the NLU sends a specific
# question to the right topic; bot/content/answers.py then picks the question within the topic.
"""

_ANNOTATED = re.compile(r"\[([^\]]+)\]\s*[({]")
_EXAMPLE = re.compile(r"^\s*-\s+(.*)$")


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s£']", " ", text.lower().replace("\u2019", "'")).split())


def _hand_written(nlu_dir: Path, skip: tuple[str, ...]) -> tuple[set[str], set[str]]:
    """The normalised examples of the NLU files (but `skip`), and the entity texts they annotate."""
    examples: set[str] = set()
    entities: set[str] = set()
    for path in sorted(nlu_dir.glob("*.yml")):
        if path.name in skip:
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                found = _EXAMPLE.match(line)
                if not found:
                    continue
                example = found.group(1)
                for entity in _ANNOTATED.findall(example):
                    entities.add(_normal(entity))
                plain = re.sub(r"\[([^\]]+)\]\s*(\([^)]*\)|\{[^}]*\})", r"\1", example)
                examples.add(_normal(plain))
    return examples, {e for e in entities if e}


def _names_an_entity(text: str, entities: set[str]) -> bool:
    padded = f" {text} "
    return any(f" {entity} " in padded for entity in entities)


def question_examples(pack: ContentPack, nlu_dir: Path = NLU_DIR, skip: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Intent -> the questions' phrasings to train it with (deduplicated, in pack order).

    Phrasings already in the NLU files (but those named in `skip`) are left out.
    """
    taken, entities = _hand_written(nlu_dir, skip or (GENERATED.name, OVERLAY_GENERATED.name))
    by_intent: dict[str, list[str]] = {}
    for topic in pack.topics.values():
        for question in topic.questions:
            for ask in question.asks:
                normal = _normal(ask)
                if not normal or normal in taken or _names_an_entity(normal, entities):
                    continue
                taken.add(normal)
                by_intent.setdefault(topic.intent, []).append(" ".join(ask.split()))
    return by_intent


def render(pack: ContentPack, nlu_dir: Path = NLU_DIR, skip: tuple[str, ...] = (), header: str = HEADER) -> str:
    """The generated NLU file's text."""
    lines = [header, 'version: "3.1"', "", "nlu:"]
    for intent, examples in question_examples(pack, nlu_dir, skip).items():
        lines.append(f"  - intent: {intent}")
        lines.append("    examples: |")
        lines.extend(f"      - {example}" for example in examples)
    return "\n".join(lines) + "\n"


def default_pack() -> ContentPack:
    """The default English pack alone: the committed file must not depend on a charity's overlay."""
    return load_pack(locale="en", overlay_dir="")


def _replace(path: Path, text: Optional[str]) -> bool:
    """Write `text` to `path` (None: remove it); True if anything changed."""
    old = path.read_text(encoding="utf-8") if path.exists() else None
    if old == text:
        return False
    if text is None:
        path.unlink()
    else:
        path.write_text(text, encoding="utf-8")
    return True


def write(pack: Optional[ContentPack] = None, path: Path = GENERATED) -> bool:
    """Rewrite the generated file from the default pack; True if it changed."""
    return _replace(path, render(pack or default_pack(), path.parent, (GENERATED.name, OVERLAY_GENERATED.name)))


def write_overlay(path: Path = OVERLAY_GENERATED) -> bool:
    """The overlay pack's own phrasings (CONTENT_DIR), or no file without one; True if it changed."""
    pack = load_pack()
    if pack.overlay is None:
        return _replace(path, None)
    header = HEADER.replace("the content pack's questions", f"the overlay pack's questions ({pack.overlay})")
    # Phrasings the default pack's file already has are left out: only the charity's own remain.
    text = render(pack, NLU_DIR, (OVERLAY_GENERATED.name,), header)
    return _replace(path, text if "  - intent:" in text else None)
