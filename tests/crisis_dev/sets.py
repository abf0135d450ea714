"""The crisis dev set: messages that must be answered as a crisis, and ones that must not.

Four files, each read by its own function:

- crisis.yml: direct and semi-direct crisis messages ("danger" or "suicide"); recall must stay 100%.
- non_crisis.yml: calm messages; the first false-alarm figure.
- indirect.yml (issue #21): indirect warning signs, as <kind>: <family>: [messages], kind being
  "suicide", "harm_risk" (high-risk domestic abuse markers, no danger this minute) or "danger".
- hard_non_crisis.yml (issue #21): messages that look close to a crisis but are not, as none: <family>.

`family_figures(detect)` measures any detector (a function from text to a crisis kind or None)
on every group separately; `python -m tests.crisis_dev.sets` prints them for the content pack's matcher.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

HERE = Path(__file__).resolve().parent

#: The kinds a message of the indirect set may need, and which detector answers count as caught.
#: A harm_risk message answered with the danger reply still gets 999 first, so it counts as caught.
ACCEPTED: dict[str, frozenset[str]] = {
    # Indirect warning signs get Samaritans either way: the graded "suicide_signs" reply (with its
    # direct question) or the "suicide" one.
    "suicide": frozenset({"suicide", "suicide_signs"}),
    "harm_risk": frozenset({"harm_risk", "danger"}),
    "danger": frozenset({"danger"}),
}

#: Measurement groups, in report order: (name, what it holds, whether a hit is a catch or a false alarm).
GROUPS: tuple[tuple[str, str, str], ...] = (
    ("direct", "crisis.yml: direct and semi-direct crisis (any crisis kind counts)", "recall"),
    ("indirect_suicide", "indirect.yml suicide: preparation, hopelessness, goodbye", "recall"),
    ("harm_risk", "indirect.yml harm_risk: DASH markers and police-partner threats", "recall"),
    ("indirect", "indirect_suicide and harm_risk together (the issue's >= 95% target)", "recall"),
    ("danger", "indirect.yml danger: danger now, said indirectly", "recall"),
    ("calm", "non_crisis.yml: calm messages", "false_alarms"),
    ("hard", "hard_non_crisis.yml: messages that look close to a crisis", "false_alarms"),
)


@dataclass(frozen=True)
class Message:
    """One dev-set message with the reply it needs (kind) and the family of sign it shows."""

    text: str
    #: "danger", "suicide", "harm_risk", or "none" for a message that needs no crisis reply.
    kind: str
    #: e.g. "preparation", "strangulation", "idiom"; "direct" for crisis.yml, "calm" for non_crisis.yml.
    family: str
    #: The measurement group it counts in (one of GROUPS, never the combined "indirect").
    group: str


@dataclass
class Figure:
    """Recall (or false alarms) of a detector on one group or family of the dev set."""

    name: str
    measure: str  # "recall" or "false_alarms"
    total: int = 0
    hits: int = 0
    #: Recall groups: messages not caught; false-alarm groups: messages wrongly flagged.
    failures: list[str] = field(default_factory=list)
    #: Direct group only: caught, but as another crisis kind than the one labelled.
    other_kind: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Caught share (recall) or flagged share (false alarms); 0 for an empty group."""
        return self.hits / self.total if self.total else 0.0

    def line(self) -> str:
        """One report line, e.g. `indirect_suicide  recall 41/125 = 32.8%`."""
        text = f"{self.name:<34} {self.measure:<12} {self.hits}/{self.total} = {self.rate:.1%}"
        if self.other_kind:
            text += f" ({len(self.other_kind)} caught as another kind)"
        return text


def _load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((HERE / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{name}: expected a mapping"
    return data


def crisis_messages() -> list[tuple[str, str]]:
    """(kind, message) pairs of crisis.yml, the direct set; kind is "danger" or "suicide"."""
    data = _load("crisis.yml")
    return [(kind, message) for kind in ("danger", "suicide") for message in data[kind]]


def non_crisis_messages() -> list[str]:
    """The calm messages of non_crisis.yml."""
    return list(_load("non_crisis.yml")["non_crisis"])


def _families(name: str, kinds: Iterable[str]) -> list[Message]:
    data = _load(name)
    unknown = set(data) - set(kinds)
    assert not unknown, f"{name}: unknown kind(s) {sorted(unknown)}"
    messages: list[Message] = []
    for kind, families in data.items():
        assert isinstance(families, dict), f"{name}: {kind} must map families to lists of messages"
        for family, texts in families.items():
            group = {"suicide": "indirect_suicide", "none": "hard"}.get(kind, kind)
            messages.extend(Message(str(text), kind, str(family), group) for text in texts)
    return messages


def indirect_messages() -> list[Message]:
    """The indirect warning signs of indirect.yml, each with its kind and family."""
    return _families("indirect.yml", ACCEPTED)


def hard_non_crisis_messages() -> list[Message]:
    """The close-looking non-crisis messages of hard_non_crisis.yml (kind "none"), each with its family."""
    return _families("hard_non_crisis.yml", ("none",))


def all_messages() -> list[Message]:
    """Every dev-set message of the four files, labelled with kind, family and group."""
    return (
        [Message(text, kind, "direct", "direct") for kind, text in crisis_messages()]
        + indirect_messages()
        + [Message(text, "none", "calm", "calm") for text in non_crisis_messages()]
        + hard_non_crisis_messages()
    )


def is_caught(message: Message, detected: Optional[str]) -> bool:
    """Whether a detector's answer is the reply the message needs (False for a "none" message)."""
    if message.kind == "none" or detected is None:
        return False
    # The direct set predates the graded reply: any crisis reply is a catch there, as it always was.
    return message.group == "direct" or detected in ACCEPTED[message.kind]


def _measure(detect: Callable[[str], Optional[str]], key: Callable[[Message], Iterable[str]]) -> dict[str, Figure]:
    measures = {name: measure for name, _, measure in GROUPS}
    figures: dict[str, Figure] = {}
    for message in all_messages():
        detected = detect(message.text)
        measure = measures[message.group]
        for name in key(message):
            figure = figures.setdefault(name, Figure(name, measure))
            figure.total += 1
            if measure == "recall":
                if is_caught(message, detected):
                    figure.hits += 1
                    if detected != message.kind:
                        figure.other_kind.append(message.text)
                else:
                    figure.failures.append(message.text)
            elif detected is not None:
                figure.hits += 1
                figure.failures.append(message.text)
    return figures


def family_figures(detect: Callable[[str], Optional[str]]) -> dict[str, Figure]:
    """Per-group figures, keyed and ordered as GROUPS: recall for crisis groups, false alarms for calm ones.

    `detect` maps a message to the crisis kind it would be answered with ("danger", "suicide",
    "harm_risk") or None; e.g. `CrisisMatcher.from_content_dir().detect`.
    """

    def groups(message: Message) -> Iterable[str]:
        yield message.group
        if message.group in ("indirect_suicide", "harm_risk"):
            yield "indirect"

    figures = _measure(detect, groups)
    return {name: figures[name] for name, _, _ in GROUPS}


def family_detail(detect: Callable[[str], Optional[str]]) -> dict[str, Figure]:
    """Figures per fine family of the new sets, keyed "<group>/<family>" (e.g. "harm_risk/strangulation")."""
    figures = _measure(detect, lambda m: [] if m.group in ("direct", "calm") else [f"{m.group}/{m.family}"])
    return dict(sorted(figures.items()))


def report(detect: Callable[[str], Optional[str]], detail: bool = True) -> str:
    """A plain-text report of family_figures (and family_detail) for the given detector."""
    lines = [figure.line() for figure in family_figures(detect).values()]
    if detail:
        lines += ["", "by family:"] + ["  " + figure.line() for figure in family_detail(detect).values()]
    return "\n".join(lines)


def main() -> None:
    """Print the figures of the content pack's crisis matcher; with --misses, the messages it gets wrong."""
    import sys

    from rasa_plugins.crisis_matcher import CrisisMatcher

    detect = CrisisMatcher.from_content_dir().detect
    print(report(detect))
    if "--misses" in sys.argv:
        for figure in family_figures(detect).values():
            if figure.name != "indirect" and figure.failures:
                print(f"\n{figure.name} ({'missed' if figure.measure == 'recall' else 'flagged'}):")
                print("\n".join(f"  - {text}" for text in figure.failures))


if __name__ == "__main__":
    main()
