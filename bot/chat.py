"""A terminal chat with the running assistant, for trying it by hand (`make chat`).

Type a message, or the number of a button to press it. "stop" clears the conversation.
"""

from __future__ import annotations

import secrets
import sys
from typing import Any

import httpx

from bot.content.loader import load_pack
from bot.content.render import static_fallback
from bot.settings import Settings


def send(client: httpx.Client, url: str, sender: str, message: str) -> list[dict[str, Any]]:
    response = client.post(url, json={"sender": sender, "message": message})
    response.raise_for_status()
    return list(response.json())


def show(replies: list[dict[str, Any]]) -> list[dict[str, str]]:
    buttons: list[dict[str, str]] = []
    for reply in replies:
        if reply.get("text"):
            print("\n" + reply["text"])
        for button in reply.get("buttons") or []:
            buttons.append(button)
            print(f"  [{len(buttons)}] {button['title']}")
    return buttons


def main() -> int:
    settings = Settings()
    # A random id held only by this process: nothing links the chat to you.
    sender = secrets.token_hex(16)
    print(f"Chatting with {settings.rest_webhook}. Ctrl-D or Ctrl-C to leave.")
    buttons: list[dict[str, str]] = []
    with httpx.Client(timeout=30) as client:
        while True:
            try:
                line = input("\nyou> ").strip()
            except (EOFError, KeyboardInterrupt):
                print()
                return 0
            if not line:
                continue
            if line.isdigit() and 0 < int(line) <= len(buttons):
                line = buttons[int(line) - 1]["payload"]
            try:
                buttons = show(send(client, settings.rest_webhook, sender, line))
            except httpx.HTTPError:
                print("(The assistant can't be reached. Is `make run` running?)", file=sys.stderr)
                for reply in static_fallback(load_pack(), line):
                    print("\n" + reply.text)


if __name__ == "__main__":
    sys.exit(main())
