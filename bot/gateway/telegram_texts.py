"""Sentences only the Telegram channel says: about Telegram itself, never about a survivor's situation.

Plain text on purpose (they are sent without markup). Kept short, calm and free of blame, like
the content pack; nothing here names the user, the service's purpose or what was discussed, so
a message left on a watched phone gives nothing away.
"""

from __future__ import annotations

FLOOD = "You're sending messages quickly; I'll read the next one in a moment. In an emergency call 999."

NOT_TEXT = (
    "I can only read text messages, so I haven't opened that. You're welcome to type what you'd like to say, or pick an option."
)

PRIVATE_ONLY = "For your privacy I only talk in private chats. You can message me directly instead."

BUTTON_EXPIRED = "That button has expired, so here are the options again."

#: Used when a reply has buttons but no words (Telegram needs some text).
CHOOSE = "Please choose an option."

DELETE_CHAT_HOWTO = (
    "To remove everything, delete this chat in Telegram: on a phone, press and hold the chat in your "
    "chat list (on an iPhone, swipe it left), then choose Delete; on a computer, right-click the chat "
    'and choose Delete chat. If you\'re offered "Also delete for" the bot, tick it.'
)


def _messages(count: int) -> str:
    return f"{count} message" if count == 1 else f"{count} messages"


def exit_summary(deleted: int, too_old: int, refused: int, forgotten: bool, ttl_minutes: int) -> str:
    """The one message left after /exit: what went, what could not, and how to delete the chat."""
    lines = ["I've stopped and cleared this conversation."]
    if deleted:
        lines.append(f"I deleted {_messages(deleted)} from this chat.")
    if too_old:
        lines.append(f"I couldn't delete {_messages(too_old)} that are older than 48 hours: Telegram doesn't allow it.")
    else:
        lines.append("Telegram only lets me delete messages from the last 48 hours, so anything older is still here.")
    if refused:
        lines.append(f"Telegram wouldn't let me delete {_messages(refused)}.")
    if not forgotten:
        lines.append(
            f"I couldn't reach the assistant to clear the conversation just now; it forgets it by itself "
            f"after {ttl_minutes} minutes of silence."
        )
    lines.append(DELETE_CHAT_HOWTO)
    lines.append("Say hello any time if you'd like to start again.")
    return "\n\n".join(lines)
