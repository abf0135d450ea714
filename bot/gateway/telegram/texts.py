"""Sentences only the Telegram channel says: about Telegram itself, never about a survivor's situation.

The words live in the content pack (`channels.yml`, group `telegram`), so a charity rewords them
and another language translates them like any message. Plain text on purpose (they are sent
without markup); nothing in them names the user, the service's purpose or what was discussed, so
a message left on a watched phone gives nothing away.
"""

from __future__ import annotations

from bot.content.loader import ContentPack

GROUP = "telegram"


def text(pack: ContentPack, key: str, count: int | None = None) -> str:
    """One of the channel's sentences: flood, not_text, private_only, button_expired, choose..."""
    return pack.channel_text(GROUP, key, count)


def flood(pack: ContentPack) -> str:
    return text(pack, "flood")


def not_text(pack: ContentPack) -> str:
    return text(pack, "not_text")


def private_only(pack: ContentPack) -> str:
    return text(pack, "private_only")


def button_expired(pack: ContentPack) -> str:
    return text(pack, "button_expired")


def choose(pack: ContentPack) -> str:
    """Used when a reply has buttons but no words (Telegram needs some text)."""
    return text(pack, "choose")


def exit_summary(
    pack: ContentPack, deleted: int, too_old: int, refused: int, forgotten: bool, ttl_minutes: int, messages_known: bool = True
) -> str:
    """The one message left after /exit: what went, what could not, and how to delete the chat.

    `messages_known` is False when the chat's message ids could not be read (the shared store was
    down): then nothing was deleted, and the summary says so rather than suggest the rest went.
    """
    lines = [text(pack, "exit_cleared")]
    if deleted:
        lines.append(text(pack, "exit_deleted", deleted))
    if not messages_known:
        lines.append(text(pack, "exit_messages_unknown"))
    elif too_old:
        lines.append(text(pack, "exit_too_old", too_old))
    else:
        lines.append(text(pack, "exit_older_remain"))
    if refused:
        lines.append(text(pack, "exit_refused", refused))
    if not forgotten:
        lines.append(text(pack, "exit_not_forgotten", ttl_minutes))
    lines.append(text(pack, "delete_chat_howto"))
    lines.append(text(pack, "exit_start_again"))
    return "\n\n".join(lines)
