"""Rasa NLU component: a message made only of words the model has never seen is not understood.

A linear model still gives every message its best guess, and for keyboard mashing or another
language that guess can be confident ("qwzx plorb 77" once came out as a detail of the story,
"asdfgh" as yes). Training keeps the vocabulary of the training examples; at run time a message
in which no word is known, nor one letter-swap away from a known word ("thnks", "rapd"), becomes
`nlu_fallback` the way the FallbackClassifier does it: the model's guesses stay in the ranking
behind it, so the crisis detector (after this component) still sees an unsure crisis guess, and
every crisis pattern still wins. Numbers, button payloads and messages with an entity (a force
or a region) are left alone.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

VOCABULARY_FILE = "vocabulary.json"
#: How alike an unseen word must be to a known one to count as its typo (difflib's ratio).
TYPO_SIMILARITY = 0.8
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def words(text: str) -> list[str]:
    """The lower-cased words of a text, apostrophes kept inside words ("didn't")."""
    return _WORD.findall(text.lower())


#: How many distinct unseen words are compared with the vocabulary for typos. The comparison runs in
#: the Rasa server for every such message; a 2,000-character paste of unseen words took 1.8 s
#: unbounded. A message none of whose first 30 unseen words is near a known one is not understood.
TYPO_CHECK_WORDS = 30


def understood_any(text: str, vocabulary: frozenset[str], known: Sequence[str] = ()) -> bool:
    """True when some word of the text is known, or a likely typo of a known word, or it has no words.

    `known`: the vocabulary as a sequence for difflib, built once by the caller (built here if empty).
    """
    found = words(text)
    if not found:
        return True
    if any(word in vocabulary for word in found):
        return True
    candidates = known or tuple(vocabulary)
    unseen = list(dict.fromkeys(found))[:TYPO_CHECK_WORDS]
    return any(difflib.get_close_matches(word, candidates, n=1, cutoff=TYPO_SIMILARITY) for word in unseen)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class UnknownWordsFallback(GraphComponent, IntentClassifier):
    """Turns a message with no known word into `nlu_fallback`, keeping the model's ranking behind it."""

    def __init__(self, model_storage: ModelStorage, resource: Resource, vocabulary: Iterable[str]) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary = frozenset(vocabulary)
        self._known = tuple(sorted(self.vocabulary))  # for difflib, built once rather than per message

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UnknownWordsFallback:
        """A new, untrained component (an empty vocabulary, so it changes nothing until trained)."""
        return cls(model_storage, resource, ())

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> UnknownWordsFallback:
        """The vocabulary saved by `train`; none (so the component is inert) if the model has none."""
        try:
            with model_storage.read_from(resource) as folder:
                vocabulary = json.loads((folder / VOCABULARY_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            vocabulary = []
        return cls(model_storage, resource, vocabulary)

    def train(self, training_data: TrainingData) -> Resource:
        """Keep every word of the training examples, lookup tables and synonyms included."""
        found: set[str] = set()
        for example in training_data.training_examples:
            found.update(words(example.get(TEXT) or ""))
        for table in training_data.lookup_tables:
            elements = table.get("elements")
            if isinstance(elements, list):
                for element in elements:
                    found.update(words(str(element)))
        for synonym in training_data.entity_synonyms:
            found.update(words(synonym))
        self.vocabulary = frozenset(found)
        self._known = tuple(sorted(found))
        with self._model_storage.write_to(self._resource) as folder:
            (folder / VOCABULARY_FILE).write_text(json.dumps(sorted(found)), encoding="utf-8")
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        """Mark messages with no known word as not understood."""
        if not self.vocabulary:
            return messages
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/") or message.get(ENTITIES) or understood_any(text, self.vocabulary, self._known):
                continue
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) == DEFAULT_NLU_FALLBACK_INTENT_NAME:
                continue
            fallback = {INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME, PREDICTED_CONFIDENCE_KEY: 1.0}
            message.set(INTENT, fallback, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [fallback, *(message.get(INTENT_RANKING_KEY) or [])], add_to_output=True)
        return messages
