"""Rasa NLU component: exact commands ("stop", "/exit", "/start"...) always mean the same intent.

"stop" and "exit" must work from any state without depending on a prediction (the conversation
rules' first rule). Typed slash commands that are not intents ("/exit") would otherwise be left
to the classifier. The list lives in the content pack's `commands.yml`.
"""

from __future__ import annotations

import os
from typing import Any, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from rasa_plugins.command_map import CommandMap


def force_intent(message: Message, intent: str) -> None:
    """Set `intent` with confidence 1.0 and put it first in the ranking."""
    forced = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != intent]
    message.set(INTENT, forced, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [forced, *ranking], add_to_output=True)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class FixedCommands(GraphComponent, IntentClassifier):
    """Maps exact commands to their intents."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"content_dir": None, "locale": None}

    def __init__(self, config: dict[str, Any], commands: CommandMap) -> None:
        self.component_config = config
        self.commands = commands

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> FixedCommands:
        locale = config.get("locale") or os.environ.get("BOT_LOCALE", "en")
        return cls(config, CommandMap.from_content_dir(config.get("content_dir"), locale=locale))

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text: Optional[str] = message.get(TEXT)
            intent = self.commands.intent_for(text or "")
            if intent:
                force_intent(message, intent)
        return messages
