"""Telegram channel pieces on their own: Markdown to HTML, splitting, sender ids, held message ids, buttons, texts."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from pathlib import Path

import pytest

from bot.content.loader import ContentPack, load_pack
from bot.content.render import static_fallback
from bot.gateway.state.base import DELETE_WINDOW_SECONDS, MAX_IDS_PER_CHAT
from bot.gateway.state.memory import MemoryButtons, MemoryMessageIds
from bot.gateway.telegram import chats
from bot.gateway.telegram import texts as telegram_texts
from bot.gateway.telegram.chats import ChatLocks, SenderIds
from bot.gateway.telegram.conversation import command_name
from bot.gateway.telegram.format import MAX_MESSAGE_LENGTH, split_markdown, to_html, to_plain, utf16_length
from tests.support.trackers import DEFAULT_PACK


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


# --- formatting ---------------------------------------------------------------------------------


def test_markdown_subset_becomes_telegram_html() -> None:
    markdown = (
        "**Samaritans**: call 116 123\n"
        "- [Website](https://www.samaritans.org/?a=1&b=2)\n"
        "_Content note: this describes a process._"
    )
    assert to_html(markdown) == (
        "<b>Samaritans</b>: call 116 123\n"
        '• <a href="https://www.samaritans.org/?a=1&amp;b=2">Website</a>\n'
        "<i>Content note: this describes a process.</i>"
    )


@pytest.mark.parametrize(
    "text,expected",
    [
        ("<b>x</b> & y", "&lt;b&gt;x&lt;/b&gt; &amp; y"),
        ('<a href="tg://user?id=1">me</a>', "&lt;a href=&quot;tg://user?id=1&quot;&gt;me&lt;/a&gt;"),
        ("[click](javascript:alert)", "click (javascript:alert)"),
        ("[call](tel:999)", "call (tel:999)"),
        # A quote in an address is percent-encoded by the parser: it can never close the attribute.
        ('[x](https://a.example/"onmouseover=1)', '<a href="https://a.example/%22onmouseover=1">x</a>'),
        ("[**bold link**](https://a.example/**x**)", '<a href="https://a.example/**x**"><b>bold link</b></a>'),
        ("snake_case_name and 2 * 3 ** 4", "snake_case_name and 2 * 3 ** 4"),
        ("&amp; already", "&amp;amp; already"),
    ],
)
def test_everything_outside_the_subset_is_escaped_text(text: str, expected: str) -> None:
    assert to_html(text) == expected


def test_plain_text_keeps_the_words_and_writes_links_out() -> None:
    assert (
        to_plain("**Rape Crisis**: [site](https://rapecrisis.org.uk)\n- one")
        == "Rape Crisis: site (https://rapecrisis.org.uk)\n• one"
    )


def test_short_text_is_one_message() -> None:
    assert split_markdown("Hello.\n\nSecond paragraph.") == ["Hello.\n\nSecond paragraph."]


def test_long_text_is_cut_between_paragraphs_then_lines_then_words() -> None:
    paragraph = "A sentence with some words in it. " * 60  # about 2,000 characters
    pieces = split_markdown("\n\n".join([paragraph.strip()] * 5))
    assert len(pieces) == 3 and all(utf16_length(to_html(p)) <= MAX_MESSAGE_LENGTH for p in pieces)
    assert all(p.startswith("A sentence") and p.endswith("in it.") for p in pieces)

    lines = "\n".join(f"line {i} " + "x" * 90 for i in range(100))
    pieces = split_markdown(lines)
    assert all(utf16_length(to_html(p)) <= MAX_MESSAGE_LENGTH for p in pieces)
    assert "\n".join(pieces) == lines  # cut only at line ends

    words = " ".join(["word"] * 3000)
    assert " ".join(split_markdown(words)) == words


def test_a_word_longer_than_a_message_is_cut_and_nothing_is_lost() -> None:
    word = "https://example.org/" + "a" * 9000
    pieces = split_markdown(word)
    assert "".join(pieces) == word and all(len(p) <= MAX_MESSAGE_LENGTH for p in pieces)


def test_limits_count_escapes_and_emoji_as_telegram_does() -> None:
    assert utf16_length("💜") == 2
    pieces = split_markdown("💜" * 3000)
    assert len(pieces) == 2 and all(utf16_length(p) <= MAX_MESSAGE_LENGTH for p in pieces)
    pieces = split_markdown("<" * 2000)  # 8,000 characters once escaped
    assert len(pieces) == 2 and all(len(to_html(p)) <= MAX_MESSAGE_LENGTH for p in pieces)


def test_static_fallback_fits_and_keeps_the_crisis_numbers(pack: ContentPack) -> None:
    html = "\n".join(to_html(piece) for reply in static_fallback(pack) for piece in split_markdown(reply.text))
    assert "999" in html and "116 123" in html


@pytest.mark.parametrize(
    "text,name", [("/start", "/start"), ("/Exit@Some_bot now", "/exit"), ("/menu\nplease", "/menu"), ("hello /exit", None)]
)
def test_command_names(text: str, name: str | None) -> None:
    assert command_name(text) == name


# --- sender ids -----------------------------------------------------------------------------------


def test_sender_id_is_a_keyed_hash_of_the_chat_id() -> None:
    ids = SenderIds("key-one")
    assert ids(42) == hmac.new(b"key-one", b"42", hashlib.sha256).hexdigest() == ids(42)
    assert ids(42) != SenderIds("key-two")(42) and "42" not in ids(42)


def test_without_a_key_one_random_key_is_used_and_announced_once(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chats, "_process_key", None)
    caplog.set_level(logging.INFO)
    first, second = SenderIds(""), SenderIds("")
    assert first(7) == second(7)
    warnings = [r.getMessage() for r in caplog.records if "TELEGRAM_HMAC_KEY" in r.getMessage()]
    assert len(warnings) == 1 and "restarts" in warnings[0]


# --- held message ids ---------------------------------------------------------------------------


async def test_held_message_ids_hand_back_recent_ids_and_count_the_old_ones() -> None:
    clock = Clock()
    log = MemoryMessageIds(clock)
    await log.add("s", 1)
    await log.add("s", 2)
    clock.now = 47 * 3600
    await log.add("s", 3)
    clock.now = 49 * 3600
    await log.add("s", 4)
    await log.add("other", 9)
    held = await log.take("s")
    assert held.deletable == [3, 4] and held.too_old == 2
    assert (await log.take("s")).deletable == [] and await log.count("other") == 1


async def test_held_message_ids_forget_a_chat_silent_for_48_hours() -> None:
    clock = Clock()
    log = MemoryMessageIds(clock)
    await log.add("s", 1)
    clock.now = DELETE_WINDOW_SECONDS + 1
    assert await log.count("s") == 0 and (await log.take("s")).deletable == []


async def test_held_message_ids_are_bounded_per_chat() -> None:
    log = MemoryMessageIds(Clock())
    for message_id in range(MAX_IDS_PER_CHAT + 10):
        await log.add("s", message_id)
    held = await log.take("s")
    assert len(held.deletable) == MAX_IDS_PER_CHAT and held.too_old == 10


async def test_discarded_ids_are_not_deleted_again() -> None:
    log = MemoryMessageIds(Clock())
    await log.add("s", 1)
    await log.add("s", 2)
    await log.discard("s", 1)
    assert (await log.take("s")).deletable == [2]


# --- buttons and locks --------------------------------------------------------------------------


async def test_button_ids_are_short_random_and_tied_to_their_chat() -> None:
    clock = Clock()
    buttons = MemoryButtons(ttl=1800, clock=clock)
    button_id = await buttons.new("sender-a", '/inform_region{"region":"scotland"}')
    assert len(button_id.encode()) <= 64 and "scotland" not in button_id
    assert await buttons.payload("sender-a", button_id) == '/inform_region{"region":"scotland"}'
    assert await buttons.payload("sender-b", button_id) is None
    assert await buttons.new("sender-a", "/x") != await buttons.new("sender-a", "/x")
    clock.now = 1800
    assert await buttons.payload("sender-a", button_id) is None


async def test_chat_locks_keep_order_and_leave_nothing_behind() -> None:
    locks = ChatLocks()
    order: list[str] = []

    async def turn(name: str, delay: float) -> None:
        async with locks.hold("s"):
            await asyncio.sleep(delay)
            order.append(name)

    await asyncio.gather(turn("first", 0.05), turn("second", 0))
    assert order == ["first", "second"] and len(locks) == 0


# --- what the channel says ----------------------------------------------------------------------


def test_exit_summary_says_what_is_left_and_how_to_delete_the_chat(pack: ContentPack) -> None:
    text = telegram_texts.exit_summary(pack, deleted=10, too_old=3, refused=1, forgotten=True, ttl_minutes=30)
    assert "I deleted 10 messages" in text
    assert "3 messages that are older than 48 hours" in text
    assert "wouldn't let me delete 1 message." in text
    assert "Delete chat" in text and "Also delete for" in text
    nothing_known = telegram_texts.exit_summary(pack, deleted=0, too_old=0, refused=0, forgotten=False, ttl_minutes=30)
    assert "last 48 hours" in nothing_known and "30 minutes" in nothing_known


def test_exit_summary_counts_take_the_pack_form_for_one(pack: ContentPack) -> None:
    text = telegram_texts.exit_summary(pack, deleted=1, too_old=1, refused=2, forgotten=False, ttl_minutes=1)
    assert pack.channel_text("telegram", "exit_deleted", 1) == "I deleted 1 message from this chat."
    assert "I deleted 1 message from this chat." in text
    assert "1 message that is older than 48 hours" in text
    assert "wouldn't let me delete 2 messages." in text
    assert "after 1 minute of silence" in text


def test_channel_sentences_are_calm_and_point_to_999(pack: ContentPack) -> None:
    assert "999" in telegram_texts.flood(pack)
    for say in (telegram_texts.flood, telegram_texts.not_text, telegram_texts.private_only, telegram_texts.button_expired):
        text = say(pack)
        assert len(text) < 200 and "must" not in text and "just" not in text


def test_channel_sentences_come_from_the_pack_and_an_overlay_rewords_them(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay" / "en"
    overlay.mkdir(parents=True)
    (overlay / "channels.yml").write_text(
        'telegram:\n  flood: "Slow down a little, please. In an emergency call 999."\n'
        '  exit_deleted: {one: "Removed {count} message.", other: "Removed {count} messages."}\n'
    )
    reworded = load_pack(DEFAULT_PACK, "en", tmp_path / "overlay")
    assert telegram_texts.flood(reworded) == "Slow down a little, please. In an emergency call 999."
    summary = telegram_texts.exit_summary(reworded, deleted=2, too_old=0, refused=0, forgotten=True, ttl_minutes=30)
    assert "Removed 2 messages." in summary and "I deleted" not in summary
    assert telegram_texts.choose(reworded) == telegram_texts.choose(load_pack(DEFAULT_PACK, "en"))  # the rest stays
