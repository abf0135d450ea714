"""Three example conversations over REST, one per part of the UK, written to
results/transcripts.md for docs/conversation.md. Each asserts that the specific question gets its
specific answer first, for the right region, and that no reply runs past one phone screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.content.loader import ContentPack
from bot.content.schema import Region
from tests.support.stack import Conversation, Stack

pytestmark = pytest.mark.stack

RESULTS = Path(__file__).resolve().parents[2] / "results" / "transcripts.md"
#: About one phone screen of text (docs/conversation.md: at most 120 words before "Tell me more").
MAX_WORDS = 160

#: (title, region, turns, {turn number: (question id whose answer must come first)}).
TRANSCRIPTS: list[tuple[str, Region, list[str], dict[int, str]]] = [
    (
        "England and Wales: a decision not to charge, then compensation",
        Region.england_wales,
        [
            "hi",
            "a DS on my team raped me. I'm with Essex",
            "the CPS won't charge him, what now?",
            "can I still get compensation without a charge",
            "thanks, that's enough for today",
        ],
        {2: "cps_wont_charge", 3: "comp_without_charge"},
    ),
    (
        "Scotland: reporting an officer, then whether he can retire out of it",
        Region.scotland,
        [
            "I'm in Police Scotland and my sergeant assaulted me",
            "where do I report a police officer",
            "he's retiring next month, will the misconduct case stop?",
        ],
        {1: "report_officer_where", 2: "retired_resigned"},
    ),
    (
        "Northern Ireland: a serving officer who wants to complain about a colleague",
        Region.northern_ireland,
        [
            "I work for the PSNI",
            "can I complain to the police ombudsman about a colleague as a serving officer",
            "gtg",
        ],
        {1: "poni_serving"},
    ),
]


def said(replies: list[dict[str, Any]]) -> str:
    return "\n\n".join(r.get("text") or "" for r in replies)


def as_markdown(title: str, turns: list[tuple[str, list[dict[str, Any]]]]) -> str:
    lines = [f"### {title}", ""]
    for message, replies in turns:
        lines.append(f"**Survivor:** {message}")
        lines.append("")
        for reply in replies:
            text = (reply.get("text") or "").strip()
            lines.append("> " + text.replace("\n", "\n> "))
            buttons = [b["title"] for b in reply.get("buttons") or []]
            if buttons:
                lines.append(">")
                lines.append("> " + " · ".join(f"[{b}]" for b in buttons))
            lines.append("")
    return "\n".join(lines)


def test_three_example_conversations_answer_the_question_asked(stack: Stack, pack: ContentPack) -> None:
    sections = []
    for title, region, turns, answers in TRANSCRIPTS:
        chat = Conversation(stack)
        record = []
        for number, message in enumerate(turns):
            replies = chat.say(message)
            if pack.message("region_question") in said(replies):  # a region the messages did not decide
                record.append((message, replies))
                message, replies = f"({pack.region_name(region)})", chat.say(f'/inform_region{{"region":"{region.value}"}}')
            record.append((message, replies))
            text = said(replies)
            assert text.strip(), (title, message)
            if number in answers:
                answer = pack.questions[answers[number]].answer_for(region).text
                assert answer in text, (title, message, text)
            for reply in replies:
                assert len((reply.get("text") or "").split()) <= MAX_WORDS, (title, message, reply.get("text"))
        sections.append(as_markdown(title, record))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text("\n\n".join(sections) + "\n", encoding="utf-8")
