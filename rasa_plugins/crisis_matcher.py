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

#: Crisis kinds, in priority order (the first that matches decides the reply):
#:   danger         someone is in danger now: 999 and the Silent Solution first
#:   suicide        thoughts of suicide or self-harm said outright: Samaritans 116 123 first
#:   harm_risk      high-risk domestic abuse markers without danger this minute (strangulation,
#:                  threats to kill, weapons, escalation, stalking, police systems): say they are
#:                  signs of serious risk, 999 if it escalates, the domestic abuse helpline, IDVA, MARAC
#:   suicide_signs  indirect warning signs (preparations, goodbyes, burden, no way out): Samaritans
#:                  116 123 at once and a direct, caring question
CRISIS_KINDS = ("danger", "suicide", "harm_risk", "suicide_signs")
INTENT_FOR_KIND = {kind: f"crisis_{kind}" for kind in CRISIS_KINDS}
#: Patterns under this key are not crises ("I'm not suicidal", "this paperwork is killing me"):
#: what they match is blanked out before the crisis patterns run, so the rest of the message
#: still counts ("I'm not suicidal but he had his hands round my neck" is still a crisis).
NOT_CRISIS = "not_crisis"
#: Patterns under this key mark a sentence as a calm account of the past ("he strangled me once,
#: years ago"). Only the kinds in PAST_SENSITIVE give way to them: a risk marker that is history
#: is not a crisis, but danger now and thoughts of suicide are never explained away.
PAST = "past"
PAST_SENSITIVE = ("harm_risk",)
#: Patterns under this key are threats that hang on something the survivor might do ("if I report
#: him he'll kill me"). They count as harm_risk, and are blanked out before danger is checked: a
#: threat with a condition is a sign of serious risk, not danger this minute, unless the rest of
#: the message says otherwise ("he's outside, and if I open the door he'll kill me" is danger).
CONDITIONAL = "conditional_threat"
#: Patterns under this key say the survivor is leaving the chat this moment ("got to go", "hide
#: this", "can't talk"). With danger or harm_risk ("he's home, got to go"), the reply is the short
#: leave-now one (the screen is cleared, with one line on 999 and 55) rather than a screenful of
#: crisis text that whoever has just come in could read. Thoughts of suicide are never cut short.
LEAVING = "leaving"
LEAVING_OVERRIDES = ("danger", "harm_risk")
#: Patterns under this key are a sexual assault told as recent ("I was raped last night"). When
#: they are all that makes a message danger, the reply is crisis.yml's `recent_assault`: believed,
#: 999 if in danger, then medical care and evidence, which depend on time.
RECENT_ASSAULT = "recent_assault"
#: A message that asks for help ("call 999 for me, I can't talk") is never read as leaving.
_ASKS_FOR_HELP = re.compile(r"\b(?:999|911|112|help|ambulance|(?:call|ring|phone|get) (?:the )?police)\b")
_SENTENCES = re.compile(r"[.!?;\n]+")

_DEFAULT_CONTENT_DIR = Path(__file__).resolve().parents[1] / "data" / "content"
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


#: The most of a message the patterns read. No channel carries more in one message (Telegram's
#: limit is 4,096 characters, the web widget's 2,000), and a 100 KB paste would otherwise hold up
#: every other conversation on the gateway for seconds.
MAX_CHARS = 4096


def _variants(text: str) -> Iterable[str]:
    base = normalise(text[:MAX_CHARS])
    yield base
    # Only words that mix letters with digits or symbols ("d1e", "k1ll"): plain numbers ("20 years",
    # "in 2015") keep their digits, which the past and time patterns read.
    leet = re.sub(r"\S+", lambda word: word[0].translate(_LEET) if re.search(r"[a-z]", word[0]) else word[0], base)
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
    #: Negations and idioms blanked out before matching (see NOT_CRISIS).
    not_crisis: tuple[re.Pattern[str], ...] = ()
    #: Sentences told as the past, where PAST_SENSITIVE kinds do not count (see PAST).
    past: tuple[re.Pattern[str], ...] = ()
    #: Threats with a condition: harm_risk, never danger on their own (see CONDITIONAL).
    conditional: tuple[re.Pattern[str], ...] = ()
    #: Leaving the chat this moment (see LEAVING).
    leaving: tuple[re.Pattern[str], ...] = ()
    #: A sexual assault told as recent (see RECENT_ASSAULT).
    recent: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def from_mapping(cls, raw: dict[str, list[str]], source: str = "crisis patterns") -> CrisisMatcher:
        compiled: dict[str, tuple[re.Pattern[str], ...]] = {}
        for kind in CRISIS_KINDS:
            entries = raw.get(kind) or []
            if not entries:
                raise ValueError(f"{source}: '{kind}' has no patterns; crisis detection must never be empty")
            compiled[kind] = _compile(entries, kind, source)
        unknown = set(raw) - set(CRISIS_KINDS) - set(_HELPER_KEYS)
        if unknown:
            raise ValueError(f"{source}: unknown crisis kind(s) {sorted(unknown)}; expected {[*CRISIS_KINDS, *_HELPER_KEYS]}")
        return cls(
            compiled,
            _compile(raw.get(NOT_CRISIS) or [], NOT_CRISIS, source),
            _compile(raw.get(PAST) or [], PAST, source),
            _compile(raw.get(CONDITIONAL) or [], CONDITIONAL, source),
            _compile(raw.get(LEAVING) or [], LEAVING, source),
            _compile(raw.get(RECENT_ASSAULT) or [], RECENT_ASSAULT, source),
        )

    @classmethod
    def from_content_dir(cls, content_dir: Optional[os.PathLike[str] | str] = None, locale: str = "en") -> CrisisMatcher:
        """Load `<content_dir>/<locale>/crisis_patterns.yml`, adding any overlay pack's patterns (CONTENT_DIR)."""
        base = Path(content_dir) if content_dir else _DEFAULT_CONTENT_DIR
        raw: dict[str, list[str]] = {kind: [] for kind in (*CRISIS_KINDS, *_HELPER_KEYS)}
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
        """Return the first crisis kind (in CRISIS_KINDS order) that the text matches, or None."""
        candidates = self._candidates(text)
        return next((kind for kind in CRISIS_KINDS if self._matches(kind, candidates)), None)

    def detect_all(self, text: str) -> tuple[str, ...]:
        """Every crisis kind the text matches, in priority order (empty when none does)."""
        candidates = self._candidates(text)
        return tuple(kind for kind in CRISIS_KINDS if self._matches(kind, candidates))

    def leaving_now(self, text: str, kind: Optional[str]) -> bool:
        """Whether a crisis of `kind` should get the short leave-now reply: the survivor says they are going."""
        if kind not in LEAVING_OVERRIDES or not text or not self.leaving or _ASKS_FOR_HELP.search(normalise(text)):
            return False
        return any(pattern.search(variant) for variant in _variants(text) for pattern in self.leaving)

    def recent_assault(self, text: str) -> bool:
        """Whether the message tells of a sexual assault in the last day or so (see RECENT_ASSAULT)."""
        if not text or not self.recent:
            return False
        return any(pattern.search(candidate) for pattern in self.recent for candidate in self._candidates(text))

    def recent_assault_only(self, text: str) -> bool:
        """Whether a danger message is danger only because it tells of a recent sexual assault.

        With the recent-assault phrases blanked out, nothing else in the message says danger now
        ("I was raped last night" yes; "he raped me last night and he's outside" no).
        """
        if not self.recent_assault(text):
            return False
        candidates = self._candidates(text)
        return not self._matches("danger", [_blank(self.recent, candidate) for candidate in candidates])

    def negated(self, text: str) -> bool:
        """Whether the text holds a not-crisis phrase ("I'm not suicidal", "this is killing me")."""
        if not text or not self.not_crisis:
            return False
        return any(pattern.search(variant) for variant in _variants(text) for pattern in self.not_crisis)

    def _candidates(self, text: str) -> list[str]:
        """The normalised spellings of the text, each with every not-crisis phrase blanked out."""
        if not text:
            return []
        return [_blank(self.not_crisis, candidate) for candidate in _variants(text)]

    def _matches(self, kind: str, candidates: list[str]) -> bool:
        if kind == "danger" and self.conditional:
            candidates = [_blank(self.conditional, candidate) for candidate in candidates]
        if kind in PAST_SENSITIVE and candidates:
            candidates = self._present_sentences(candidates)
        patterns = (*self.patterns[kind], *self.conditional) if kind == "harm_risk" else self.patterns[kind]
        return any(pattern.search(candidate) for pattern in patterns for candidate in candidates)

    def _present_sentences(self, candidates: list[str]) -> list[str]:
        """Each spelling's sentences that are not told as the past.

        Whether a sentence is past is read from the plain spelling (the first candidate): the
        leetspeak variant turns "2015" into "2ois". The variants keep the sentence breaks, so
        their sentences line up with the plain one's.
        """
        if not self.past:
            return candidates
        if any(pattern.search(candidates[0]) for pattern in self.past):
            return []  # the whole message is told as the past (and nothing in it says now)
        plain = _SENTENCES.split(candidates[0])
        is_past = [any(pattern.search(sentence) for pattern in self.past) for sentence in plain]
        kept: list[str] = []
        for candidate in candidates:
            sentences = _SENTENCES.split(candidate)
            flags = is_past if len(sentences) == len(is_past) else [any(p.search(s) for p in self.past) for s in sentences]
            kept.extend(sentence for sentence, past in zip(sentences, flags, strict=True) if not past)
        return kept


#: The keys of crisis_patterns.yml that are not crisis kinds but shape how the kinds are read.
_HELPER_KEYS = (NOT_CRISIS, PAST, CONDITIONAL, LEAVING, RECENT_ASSAULT)


def _blank(patterns: Iterable[re.Pattern[str]], text: str) -> str:
    """The text with whatever the patterns match replaced by " , " (which keeps words apart)."""
    for pattern in patterns:
        text = pattern.sub(" , ", text)
    return text


def _compile(entries: list[str], kind: str, source: str) -> tuple[re.Pattern[str], ...]:
    items = []
    for index, pattern in enumerate(entries):
        try:
            items.append(re.compile(pattern, re.IGNORECASE))
        except re.error as error:
            raise ValueError(f"{source}: {kind}[{index}] is not a valid regular expression: {error}") from error
    return tuple(items)
