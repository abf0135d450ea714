"""Wording checks for the content pack: no blaming or minimising, small bites, fresh facts.

Rule 5 of the conversation rules (docs/conversation.md): no "why didn't you", "you should have",
"alleged" in the assistant's own voice, "just", "calm down", "at least". We also refuse orders
("you must", "you need to", "you should"): options, not instructions. The phrases are the
locale's own (`lint.yml` in the pack), so each language brings its list; the reading-level
formula (Flesch-Kincaid) is for English, so other languages skip it with a note.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Optional
from urllib.parse import urlsplit

from bot.content.loader import DEFAULT_CONTENT_DIR, ContentPack
from bot.content.schema import CHANNEL_TEXTS, Plural, Region, Sourced, is_drama_number, normalise_phone


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    """A phrase as whole words, any capitals, with ' matching a curly apostrophe too."""
    return re.compile(r"(?<![\w'])" + re.escape(phrase).replace("'", "['\u2019]") + r"(?![\w'])", re.IGNORECASE)


@functools.lru_cache(maxsize=8)
def _phrase_patterns(
    banned: tuple[str, ...], allowed: tuple[str, ...]
) -> tuple[list[tuple[str, re.Pattern[str]]], list[re.Pattern[str]]]:
    return [(phrase, _phrase_pattern(phrase)) for phrase in banned], [_phrase_pattern(phrase) for phrase in allowed]


def banned_phrases_in(pack: ContentPack, text: str) -> list[str]:
    """The pack's banned phrases (lint.yml) that `text` uses, outside its allowed phrases."""
    banned, allowed = _phrase_patterns(tuple(pack.lint_rules.banned_phrases), tuple(pack.lint_rules.allowed_phrases))
    for pattern in allowed:
        text = pattern.sub(lambda match: " " * len(match.group(0)), text)
    return [phrase for phrase, pattern in banned if pattern.search(text)]


STALE_AFTER = dt.timedelta(days=183)

#: Pages above this Flesch-Kincaid grade get a warning (grade 9 is roughly age 14 to 15).
MAX_READING_GRADE = 9.0
#: Shorter pages are skipped: the formula means little for a sentence or two.
MIN_WORDS_FOR_READING_LEVEL = 30
#: The reading-level formula is for English; packs in other languages skip it (with a note).
READING_LEVEL_LANGUAGE = "en"


@dataclass(frozen=True)
class Finding:
    """One lint result. Errors fail `content check`; warnings are printed."""

    severity: str  # "error", "warning", or "note" (something not checked, and why)
    file: str
    entry: str
    field: str
    message: str

    def __str__(self) -> str:
        where = " > ".join(part for part in (self.entry, self.field) if part)
        return (
            f"{self.severity}: {self.file}: {where}: {self.message}" if where else f"{self.severity}: {self.file}: {self.message}"
        )


def texts(pack: ContentPack) -> Iterator[tuple[str, str, str, str]]:
    """Every survivor-facing text in the pack, as (file, entry, field, text)."""
    for key, text in pack.messages.items():
        yield pack.file_for(f"message:{key}", "messages.yml"), key, "", text
    for kind, reply in pack.crisis.replies():
        yield pack.file_for("crisis", "crisis.yml"), kind, "text", reply.text
        if reply.services_heading:
            yield pack.file_for("crisis", "crisis.yml"), kind, "services_heading", reply.services_heading
    for topic in pack.topics.values():
        file = pack.file_for(f"topic:{topic.id}", f"topics/{topic.id}.yml")
        yield file, topic.id, "title", topic.title
        yield file, topic.id, "button", topic.button
        if topic.content_note:
            yield file, topic.id, "content_note", topic.content_note
        for key, variant in topic.variants.items():
            for number, page in enumerate(variant.pages):
                yield file, topic.id, f"variants.{key}.pages.{number}.text", page.text
        for question in topic.questions:
            yield file, topic.id, f"questions.{question.id}.title", question.title
            for key, answer in question.answers.items():
                yield file, topic.id, f"questions.{question.id}.answers.{key}.text", answer.text
    for helpline in pack.helplines.values():
        yield _helpline_file(pack, helpline.id), helpline.id, "for_whom", helpline.for_whom
    for group, specs in CHANNEL_TEXTS.items():
        for key in specs:
            file = pack.file_for(f"channel:{group}.{key}", "channels.yml")
            value = pack.channels.get(group, key)
            if isinstance(value, Plural):
                for category, form in value.forms().items():
                    yield file, group, f"{key}.{category}", form
            else:
                yield file, group, key, value


def _helpline_file(pack: ContentPack, helpline_id: str) -> str:
    return pack.file_for(f"helpline:{helpline_id}", "helplines.yml")


def sourced_entries(pack: ContentPack) -> Iterator[tuple[str, str, str, Sourced]]:
    """Every entry that states facts, as (file, entry, field prefix, entry): helplines, topic variants, answers, crisis replies.

    The field prefix is where the entry's own fields sit (`variants.scotland.` for a topic's
    Scotland answer, empty for a helpline or the crisis replies).
    """
    for helpline in pack.helplines.values():
        yield _helpline_file(pack, helpline.id), helpline.id, "", helpline
    yield pack.file_for("crisis", "crisis.yml"), "", "", pack.crisis
    for topic in pack.topics.values():
        for key, variant in topic.variants.items():
            yield pack.file_for(f"topic:{topic.id}", f"topics/{topic.id}.yml"), topic.id, f"variants.{key}.", variant
        for question in topic.questions:
            for key, answer in question.answers.items():
                file = pack.file_for(f"topic:{topic.id}", f"topics/{topic.id}.yml")
                yield file, topic.id, f"questions.{question.id}.answers.{key}.", answer


def is_home_page(url: str) -> bool:
    """Whether a URL is a site's home page (no path beyond "/", no query): it can't show which page supports a claim."""
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query and not parts.fragment


def lint_sources(pack: ContentPack) -> list[Finding]:
    """A source that is a bare home page (warning): a reviewer has to be able to check each claim from its source."""
    findings: list[Finding] = []
    for file, entry, prefix, item in sourced_entries(pack):
        for number, source in enumerate(item.sources):
            if source.url is not None and is_home_page(source.url):
                findings.append(
                    Finding(
                        "warning",
                        file,
                        entry,
                        f"{prefix}sources.{number}",
                        f"{source.url} is a home page: link the page that supports the claim "
                        "(a guidance page, the regulation, the service's contact page)",
                    )
                )
    return findings


def referenced_helplines(pack: ContentPack) -> set[str]:
    """Every helpline id a page, the signpost lists or a crisis reply shows."""
    used: set[str] = set()
    for topic in pack.topics.values():
        for variant in topic.variants.values():
            for page in variant.pages:
                used.update(page.helplines)
        for question in topic.questions:
            for answer in question.answers.values():
                used.update(answer.helplines)
    for ids in pack.menu.signpost.values():
        used.update(ids)
    for _, reply in pack.crisis.replies():
        used.update(reply.helplines)
    return used


_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+(?:['\u2019][A-Za-z]+)*|\d[\d,.:£%]*")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|\n\s*\n|\n\s*[-*] |:\s*\n")


def syllables(word: str) -> int:
    """A syllable count good enough for a reading-level estimate (English): vowel groups, less a silent e."""
    word = word.lower().strip("'\u2019")
    if not word.isalpha():
        return 1  # numbers and codes read as one unit
    if len(word) <= 3:
        return 1
    groups = re.findall(r"[aeiouy]+", word)
    count = len(groups)
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    if word.endswith(("ed", "es")) and not word.endswith(("ted", "ded", "ses", "zes", "ces", "ges", "xes")) and count > 1:
        count -= 1
    return max(count, 1)


def reading_grade(text: str) -> tuple[float, int]:
    """Flesch-Kincaid grade level of `text` and its word count (Markdown marks and links ignored).

    grade = 0.39 * (words / sentences) + 11.8 * (syllables / words) - 15.59
    Headings, list items and paragraphs each end a sentence, as a reader takes them.
    """
    plain = re.sub(r"https?://\S+", " ", text).replace("**", "").replace("_", " ")
    words = _WORD.findall(plain)
    if not words:
        return 0.0, 0
    sentences = max(1, len([s for s in _SENTENCE_END.split(plain) if _WORD.search(s)]))
    total = sum(syllables(w) for w in words)
    return 0.39 * (len(words) / sentences) + 11.8 * (total / len(words)) - 15.59, len(words)


def _page_texts(pack: ContentPack) -> Iterator[tuple[str, str, str, str]]:
    for file, entry, fld, text in texts(pack):
        if ".pages." in fld or ".answers." in fld or file.endswith(("messages.yml", "channels.yml")) or fld == "text":
            yield file, entry, fld, text


def reads_english(pack: ContentPack) -> bool:
    """Whether the pack's language is English, the only one the reading-level formula fits."""
    return pack.locale.split("-")[0].lower() == READING_LEVEL_LANGUAGE


def lint_reading_level(pack: ContentPack) -> list[Finding]:
    """Pages above school grade 9 (warnings); in a language other than English, one note that it was not checked."""
    if not reads_english(pack):
        return [
            Finding(
                "note",
                pack.locale,
                "",
                "",
                "reading level not checked: the grade formula (Flesch-Kincaid) only fits English. "
                "Ask a fluent reader to check that pages use short sentences and everyday words.",
            )
        ]
    findings: list[Finding] = []
    for file, entry, fld, text in _page_texts(pack):
        grade, words = reading_grade(text)
        if words >= MIN_WORDS_FOR_READING_LEVEL and grade > MAX_READING_GRADE:
            findings.append(
                Finding(
                    "warning",
                    file,
                    entry,
                    fld,
                    f"reads at school grade {grade:.1f} (aim for {MAX_READING_GRADE:.0f} or below): try shorter sentences and plainer words",
                )
            )
    return findings


def lint_regions(pack: ContentPack) -> list[Finding]:
    """Messages and channel texts that name a region the pack does not enable (pack.yml enabled_regions).

    The region question and the demo page name every region in the default pack; a regional
    service rewords them in its overlay.
    """
    others = [r for r in pack.info.regions if r not in pack.enabled_regions]
    findings: list[Finding] = []
    if not others:
        return findings
    for file, entry, fld, text in texts(pack):
        if not file.endswith(("messages.yml", "channels.yml")):
            continue
        for region in others:
            name = pack.region_name(region)
            if re.search(r"(?<!\w)" + re.escape(name) + r"(?!\w)", text, re.IGNORECASE):
                findings.append(
                    Finding(
                        "warning",
                        file,
                        entry,
                        fld,
                        f"names {name}, which this pack does not enable (pack.yml enabled_regions): "
                        f"reword it in your {file.rsplit('/', 1)[-1]}",
                    )
                )
    return findings


def lint_phones(pack: ContentPack) -> list[Finding]:
    """Numbers in Ofcom's drama range (fine in examples, never live), and one number used by two services."""
    findings: list[Finding] = []
    seen: dict[str, str] = {}
    for helpline in pack.helplines.values():
        for fld in ("phone", "text_number"):
            value = getattr(helpline, fld)
            if value is None:
                continue
            file = _helpline_file(pack, helpline.id)
            if is_drama_number(value):
                findings.append(
                    Finding(
                        "warning",
                        file,
                        helpline.id,
                        fld,
                        f"{value} is a fictional number (Ofcom's drama range): put the real number in before going live",
                    )
                )
            key = normalise_phone(value)
            if key in seen and seen[key] != helpline.id:
                findings.append(Finding("warning", file, helpline.id, fld, f"{value} is also the number of '{seen[key]}'"))
            seen.setdefault(key, helpline.id)
    return findings


#: A question's answer is a few sentences: longer ones get a warning (the overview is one press away).
MAX_ANSWER_WORDS = 90


def lint_answer_length(pack: ContentPack) -> list[Finding]:
    """Answers to questions longer than a few sentences (warnings): the direct answer comes first, short."""
    findings: list[Finding] = []
    for file, entry, fld, text in texts(pack):
        if ".answers." in fld:
            words = len(_WORD.findall(text))
            if words > MAX_ANSWER_WORDS:
                findings.append(
                    Finding(
                        "warning",
                        file,
                        entry,
                        fld,
                        f"has {words} words (aim for {MAX_ANSWER_WORDS} or fewer): keep the direct answer, move the rest to the topic",
                    )
                )
    return findings


def lint_reply_length(pack: ContentPack) -> list[Finding]:
    """Pages and answers longer than one phone screen: over ~120 words (services included) or two services.

    Errors for the pack shipped here, which must pass; warnings for an overlay or another
    language, whose authors decide (a translation's words run longer or shorter).
    """
    from bot.content.screens import MAX_REPLY_SERVICES, MAX_REPLY_WORDS, page_words

    shipped = pack.overlay is None and pack.root.resolve().parent == DEFAULT_CONTENT_DIR
    severity = "error" if shipped else "warning"
    findings: list[Finding] = []

    def check(file: str, entry: str, fld: str, heading: str, text: str, helplines: list[str], key: str) -> None:
        region = None if key == "all" else Region(key)
        words = page_words(pack, heading, text, helplines, region)
        if words > MAX_REPLY_WORDS or len(helplines) > MAX_REPLY_SERVICES:
            findings.append(
                Finding(
                    severity,
                    file,
                    entry,
                    fld,
                    f"is {words} words with {len(helplines)} services, longer than one phone screen "
                    f"(at most {MAX_REPLY_WORDS} words and {MAX_REPLY_SERVICES} services): split it into pages or trim it",
                )
            )

    for topic in pack.topics.values():
        file = pack.file_for(f"topic:{topic.id}", f"topics/{topic.id}.yml")
        for key, variant in topic.variants.items():
            earlier: set[str] = set()
            for number, page in enumerate(variant.pages):
                heading = topic.title if number == 0 else ""
                # A service an earlier page showed is left out when the survivor reads on (render.topic_page).
                new = [h for h in page.helplines if h not in earlier]
                check(file, topic.id, f"variants.{key}.pages.{number}", heading, page.text, new, key)
                earlier.update(page.helplines)
        for question in topic.questions:
            for key, answer in question.answers.items():
                check(
                    file, topic.id, f"questions.{question.id}.answers.{key}", question.title, answer.text, answer.helplines, key
                )
    return findings


def lint_pack(pack: ContentPack, today: Optional[dt.date] = None) -> list[Finding]:
    """Every wording problem (errors) and stale fact (warnings) in the pack."""
    today = today or dt.date.today()
    findings: list[Finding] = []
    for file, entry, fld, text in texts(pack):
        for phrase in banned_phrases_in(pack, text):
            findings.append(
                Finding("error", file, entry, fld, f'uses "{phrase}", which can read as blaming, minimising or an order')
            )
    used = referenced_helplines(pack)
    for helpline_id in pack.helplines:
        if helpline_id not in used:
            findings.append(
                Finding(
                    "warning",
                    _helpline_file(pack, helpline_id),
                    helpline_id,
                    "",
                    "is never shown: add its id to a topic page's helplines or to signpost in menu.yml",
                )
            )
    findings.extend(lint_reading_level(pack))
    findings.extend(lint_regions(pack))
    findings.extend(lint_phones(pack))
    findings.extend(lint_sources(pack))
    findings.extend(lint_answer_length(pack))
    findings.extend(lint_reply_length(pack))
    for file, entry, prefix, item in sourced_entries(pack):
        fld = f"{prefix}last_reviewed"
        if item.last_reviewed > today:
            findings.append(Finding("error", file, entry, fld, f"{item.last_reviewed} is in the future"))
        elif today - item.last_reviewed > STALE_AFTER:
            findings.append(
                Finding("warning", file, entry, fld, f"last reviewed {item.last_reviewed}: more than six months ago, check it")
            )
    return findings
