"""What the benchmark says: short survivor conversations in plain words and button presses.

Every turn of our bot is answered by a custom action, so every message below costs a round trip
from the Rasa server to the action server. None of these texts is personal or real.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterator

#: Whole conversations for the serial and concurrency runs: topics, regions, "tell me more",
#: buttons (payloads skip the NLU model), a crisis and the way back, a misunderstanding.
CONVERSATIONS: tuple[tuple[str, ...], ...] = (
    ("hello", "a senior colleague keeps touching me", "what are my options", "tell me more"),
    ("hi", "how do i report a police officer for rape", "I'm in Scotland", "tell me more", "who can I talk to"),
    ("what happens at a gross misconduct hearing", "England", "can I do the criminal and misconduct route at the same time"),
    ("the CPS decided not to charge him, can I challenge that", "/ask_compensation", "/menu", "thank you"),
    (
        "my husband is a cop and he controls everything I do",
        '/inform_region{"region":"northern_ireland"}',
        "do you keep what I say?",
    ),
    (
        "I'm being isolated at work since I reported him",
        "Wales",
        "what is a SARC",
        "i don't want to be here anymore",
        "/safe_now",
    ),
    ("are you a real person?", "I feel so alone", "can I report him anonymously", "qwzx plorb 77", "goodbye"),
)

#: Three-turn conversations for the memory run: no "stop", so conversations end by expiring.
SHORT_CONVERSATIONS: tuple[tuple[str, ...], ...] = (
    ("hello", "how do i report a police officer for rape", "tell me more"),
    ("a senior colleague keeps touching me", "what are my options", "who can I talk to"),
    ("can I get criminal injuries compensation", "I'm in Scotland", "tell me more"),
    ("/ask_misconduct_route", '/inform_region{"region":"england_wales"}', "/tell_me_more"),
)

#: The first message of a cold stack: the same for both variants.
FIRST_MESSAGE = "hello"


def sender_id(prefix: str) -> str:
    """A fresh random conversation id, so no two conversations share a tracker."""
    return f"{prefix}-{secrets.token_hex(6)}"


def turns(conversations: tuple[tuple[str, ...], ...] = CONVERSATIONS) -> Iterator[tuple[bool, str]]:
    """Endless (starts_a_new_conversation, message) pairs cycling through the scripts."""
    for script in itertools.cycle(conversations):
        for index, message in enumerate(script):
            yield index == 0, message
