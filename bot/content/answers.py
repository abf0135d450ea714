"""Find the pack's question that a survivor's message asks: a small TF-IDF index, pure Python.

Each question is indexed by its title and its example phrasings (`asks`). A message is compared
with every phrasing in two ways, whole words (single words and pairs) and character 3- to
5-grams (which survive typos, plurals and run-together words), by cosine similarity of TF-IDF
vectors; a question's score is its best phrasing's. The index is built from the pack when it is
first needed and cached per pack, so a charity that adds or rewords a question in its overlay
changes what is matched at the next reload, without retraining the Rasa model.
"""

from __future__ import annotations

import itertools
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Optional

from bot.content.loader import ContentPack
from bot.content.schema import Question, Region

#: Within the topic the NLU chose, a question matching at or above this score answers the message
#: (measured on tests/questions_dev and tests/questions_dev/overview.yml: docs/conversation.md).
ANSWER_THRESHOLD = 0.25
#: Where the message went to a general reply (disclosure, feelings), only a clearly specific
#: question is answered instead: a higher bar, so a disclosure is still heard as one.
CONFIDENT_THRESHOLD = 0.50
#: Out of scope and fallback have only a general signpost to give instead, so a near question is
#: answered at a lower bar than after a disclosure (measured on the NLU examples of other intents).
FALLBACK_THRESHOLD = 0.50
#: A question of another topic than the NLU's answers only when it matches this well and this
#: much better than the best question of the NLU's topic: the NLU has seen every question's
#: phrasings (data/nlu/questions_asks.yml), so its topic is usually right, and a near question of
#: a wrong topic is the worst kind of answer.
CROSS_TOPIC_THRESHOLD = 0.50
CROSS_TOPIC_MARGIN = 0.10
#: ...or when the NLU itself gives that question's topic this much of its belief (its second
#: choice, say: "how long should police take to tell me they're not charging" is criminal_route
#: 0.76, kept_informed 0.18) and the question matches at least AGREED_THRESHOLD: two views agree.
AGREED_NLU_SHARE = 0.15
AGREED_THRESHOLD = 0.35
#: A message shaped as a question ("does any of this cover me?", "where can I get help") that went
#: to a general reply is answered at this lower bar than a statement (CONFIDENT_THRESHOLD): a
#: survivor who asks something wants the answer, and a disclosure is rarely phrased as a question.
QUESTION_THRESHOLD = 0.35
#: One meaningful word ("CAAP-D?", "what is a DVPO") names a question when it matches one this well
#: and the topics' names hardly at all; otherwise ("compensation") it asks for the topic's overview.
ONE_WORD_THRESHOLD = 0.50
ONE_WORD_MAX_OVERVIEW = 0.30
#: A second question in the same message ("…, and how long have I got?") is offered as the first
#: related question when its own part matches a different question this well.
ALSO_ASKED_THRESHOLD = 0.35
#: Where a message splits into parts that may each ask something.
_PARTS = re.compile(
    r"[?!.;]+|(?:,|\b(?:and also|also|plus|and)\b)(?=\s*(?:can|could|will|would|do|does|did|is|are|should|what|how|when|where|who|why|if)\b)",
    re.I,
)
#: Whether a message asks rather than tells: a question mark, a question word first, or an
#: auxiliary before its subject ("does any of this", "can I", "who can", "what now").
_ASKS = re.compile(
    r"\?|^\s*(?:can|could|do|does|did|is|are|will|would|should|what|how|when|where|who|why|which)\b"
    r"|\b(?:can|could|do|does|will|would|should|is|are)\s+(?:i|you|he|she|they|it|this|that|any|anyone|there|we|my|the)\b"
    r"|\b(?:who|where|what|how)\s+(?:can|do|should|now|happens)\b",
    re.I,
)


def asks_something(message: str) -> bool:
    """True when `message` is shaped as a question (see _ASKS), whatever it asks about."""
    return bool(_ASKS.search(message.replace("\u2019", "'")))


#: A topic name wins over the best question only when it matches this many times better.
OVERVIEW_MARGIN = 2.0
#: How much the word view counts against the character view.
WORD_WEIGHT = 0.5
#: How much the question as a whole (title and every phrasing together) counts against its best
#: single phrasing: the whole alone misses close paraphrases, the best phrasing alone lets one
#: shared word in a short message match (measured: 0.6 is better than either, docs/conversation.md).
WHOLE_WEIGHT = 0.6

_TOKEN = re.compile(r"[a-z0-9£]+(?:'[a-z]+)?")
#: Words too common to say anything about which question is asked.
_STOP = frozenset(
    "a an the and or but if of to in on at for with by from is are was were be been am i me my "
    "you your it its this that do does did so as can could would will just there their they "
    "he him his she her we our us what how when where who which thanks thank please get got about any anything want know need tell".split()
)


#: Endings cut from longer words so that "charged", "charges" and "charging" meet "charge".
_ENDINGS = ("ing", "ed", "es", "s")


def _stem(word: str) -> str:
    """A very light stem (English endings): enough for plurals and tenses, no dictionary needed."""
    for ending in _ENDINGS:
        if len(word) > 4 and word.endswith(ending):
            return word[: -len(ending)]
    return word


def _words(text: str) -> list[str]:
    text = text.lower().replace("\u2019", "'")
    return [_stem(w) for w in _TOKEN.findall(text) if w not in _STOP]


def word_features(text: str) -> Counter[str]:
    """Single words and adjacent pairs (after dropping the commonest words)."""
    words = _words(text)
    features = Counter(words)
    features.update(f"{a} {b}" for a, b in itertools.pairwise(words))
    return features


def char_features(text: str) -> Counter[str]:
    """Character 3- to 5-grams within each word padded with spaces (as scikit-learn's char_wb)."""
    features: Counter[str] = Counter()
    for word in _words(text):
        padded = f" {word} "
        for size in (3, 4, 5):
            features.update(padded[i : i + size] for i in range(max(1, len(padded) - size + 1)))
    return features


class _Space:
    """One TF-IDF vector space (sublinear term frequency, smoothed idf, unit-length vectors).

    The documents are kept as postings (term: the documents that have it, with its weight there),
    so a message costs time in proportion to the documents that share a term with it, not to the
    size of the pack: the same sums, in the same order, as a dot product with every document.
    """

    def __init__(self, documents: list[Counter[str]]):
        count = len(documents)
        frequency: Counter[str] = Counter()
        for document in documents:
            frequency.update(document.keys())
        self.idf = {term: math.log((1 + count) / (1 + df)) + 1 for term, df in frequency.items()}
        self.size = count
        self.postings: dict[str, list[tuple[int, float]]] = {}
        for number, document in enumerate(documents):
            for term, weight in self.vector(document).items():
                self.postings.setdefault(term, []).append((number, weight))

    def vector(self, features: Counter[str]) -> dict[str, float]:
        weights = {t: (1 + math.log(n)) * self.idf[t] for t, n in features.items() if t in self.idf}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {t: w / norm for t, w in weights.items()} if norm else {}

    def similarities(self, features: Counter[str]) -> list[float]:
        """The cosine similarity of the message's features with every document, in document order."""
        scores = [0.0] * self.size
        for term, weight in self.vector(features).items():
            for number, document_weight in self.postings.get(term, ()):
                scores[number] += weight * document_weight
        return scores


@dataclass(frozen=True)
class Match:
    """A question and how closely the message matched it (0 to 1, plus the topic bonus)."""

    question: Question
    topic: str
    score: float


class QuestionIndex:
    """Every question of a pack, ready to be matched against a message."""

    def __init__(self, pack: ContentPack):
        self.pack = pack
        self._owners: list[str] = []
        texts: list[str] = []
        for question_id, question in pack.questions.items():
            for text in (question.title, *question.asks):
                self._owners.append(question_id)
                texts.append(text)
        self._words = _Space([word_features(t) for t in texts])
        self._chars = _Space([char_features(t) for t in texts])
        self._ids = list(pack.questions)
        wholes = [" ".join((q.title, *q.asks)) for q in pack.questions.values()]
        self._whole_words = _Space([word_features(t) for t in wholes])
        self._whole_chars = _Space([char_features(t) for t in wholes])
        # Each topic's own name competes too: "compensation" or "tell me about the misconduct route"
        # asks for the overview, not for whichever question shares its words.
        overviews = [f"{t.title} {t.button}" for t in pack.topics.values()]
        self._topic_words = _Space([word_features(t) for t in overviews])
        self._topic_chars = _Space([char_features(t) for t in overviews])
        #: `related`'s ranking of each question against the others, filled as questions are answered.
        self._neighbour_cache: dict[str, list[Match]] = {}

    def rank(self, message: str, region: Optional[Region] = None) -> list[Match]:
        """Every question that may be given in `region` (all when None), best first, scored against `message`."""
        if not self._owners or not _words(message):
            return []
        by_word = self._words.similarities(word_features(message))
        by_char = self._chars.similarities(char_features(message))
        best: dict[str, float] = {}
        for owner, w, c in zip(self._owners, by_word, by_char, strict=True):
            score = WORD_WEIGHT * w + (1 - WORD_WEIGHT) * c
            if score > best.get(owner, -1.0):
                best[owner] = score
        whole_w = self._whole_words.similarities(word_features(message))
        whole_c = self._whole_chars.similarities(char_features(message))
        for question_id, w, c in zip(self._ids, whole_w, whole_c, strict=True):
            whole = WORD_WEIGHT * w + (1 - WORD_WEIGHT) * c
            best[question_id] = WHOLE_WEIGHT * whole + (1 - WHOLE_WEIGHT) * best.get(question_id, 0.0)
        questions = self.pack.questions
        matches = [
            Match(questions[q], self.pack.question_topics[q], score) for q, score in best.items() if questions[q].fits(region)
        ]
        return sorted(matches, key=lambda m: m.score, reverse=True)

    def overview_score(self, message: str) -> float:
        """How closely `message` matches a topic's own name (title and button), at best."""
        by_word = self._topic_words.similarities(word_features(message))
        by_char = self._topic_chars.similarities(char_features(message))
        return max((WORD_WEIGHT * w + (1 - WORD_WEIGHT) * c for w, c in zip(by_word, by_char, strict=True)), default=0.0)

    def best(
        self,
        message: str,
        prefer_topic: Optional[str] = None,
        threshold: float = ANSWER_THRESHOLD,
        nlu_topics: Optional[Mapping[str, float]] = None,
        region: Optional[Region] = None,
    ) -> Optional[Match]:
        """The question `message` asks, or None when the topic's overview (or the general reply) should answer it.

        With `prefer_topic` (the NLU's topic), the best question of that topic answers at `threshold`;
        another topic's question only when it is clearly better (CROSS_TOPIC_*) or when the NLU's own
        ranking (`nlu_topics`: topic id to confidence) gives that topic a real share (AGREED_*).
        Without it, the best question anywhere answers at `threshold`. A question about one part of
        the UK is never given to someone who has said they are in another (`region`). A topic's own name matching
        much better than any question ("tell me about the misconduct route") asks for the overview,
        and so does a single meaningful word, unless it is a question's own term ("CAAP-D").
        """
        ranked = self.rank(message, region)
        if not ranked:
            return None
        overview = self.overview_score(message)
        if len(set(_words(message))) <= 1:  # "compensation", "misconduct?": the topic's overview
            top = ranked[0]
            return top if top.score >= max(threshold, ONE_WORD_THRESHOLD) and overview < ONE_WORD_MAX_OVERVIEW else None
        chosen: Optional[Match] = ranked[0]
        if prefer_topic is not None and ranked[0].topic != prefer_topic:
            top = ranked[0]
            inside = next((m for m in ranked if m.topic == prefer_topic), None)
            clearly_better = top.score >= CROSS_TOPIC_THRESHOLD and (
                inside is None or top.score >= inside.score + CROSS_TOPIC_MARGIN
            )
            agreed = top.score >= AGREED_THRESHOLD and (nlu_topics or {}).get(top.topic, 0.0) >= AGREED_NLU_SHARE
            chosen = top if clearly_better or agreed else inside
        if chosen is None or chosen.score < threshold:
            return None
        return chosen if chosen.score * OVERVIEW_MARGIN > overview else None

    def also_asked(self, message: str, answered: str, region: Optional[Region] = None) -> Optional[Question]:
        """Another question the message asks in a part of its own ("…? and can I also…"), offered first after the answer.

        The message is split at sentence ends and at "and"/"also" between clauses; a part with at
        least two meaningful words that matches a different question at ALSO_ASKED_THRESHOLD or
        better is the other question (the first such part, in the order written).
        """
        for part in _PARTS.split(message):
            if len(set(_words(part))) < 2:
                continue
            ranked = self.rank(part, region)
            if ranked and ranked[0].question.id != answered and ranked[0].score >= ALSO_ASKED_THRESHOLD:
                return ranked[0].question
        return None

    def _neighbours(self, question_id: str) -> list[Match]:
        """Every question ranked against this one's title and phrasings: the same for the pack's life, so kept."""
        found = self._neighbour_cache.get(question_id)
        if found is None:
            question = self.pack.questions[question_id]
            found = self._neighbour_cache[question_id] = self.rank(" ".join((question.title, *question.asks)))
        return found

    def related(
        self, question_id: str, exclude: Iterable[str] = (), limit: int = 2, region: Optional[Region] = None
    ) -> list[Question]:
        """Up to `limit` other questions to offer after an answer (in `region`): the closest ones of the same topic first."""
        topic = self.pack.question_topics[question_id]
        skip = {question_id, *exclude}
        ranked = [m for m in self._neighbours(question_id) if m.question.id not in skip and m.question.fits(region)]
        same = [m.question for m in ranked if m.topic == topic]
        return (same or [m.question for m in ranked])[:limit]


_cache: dict[int, QuestionIndex] = {}
_cache_lock = threading.Lock()
#: Packs kept indexed at once: the one serving, plus a reloaded one while it takes over.
_CACHE_SIZE = 4


def index_for(pack: ContentPack) -> QuestionIndex:
    """The pack's question index, built once per loaded pack (a reloaded pack gets a new one)."""
    with _cache_lock:
        found = _cache.get(id(pack))
        # The index keeps its pack alive, so an id is never reused while its entry is here.
        if found is not None and found.pack is pack:
            return found
        index = QuestionIndex(pack)
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[id(pack)] = index
        return index
