"""Faults and hostile input against the real stack (supervisor, Rasa, action server, gateway).

One stack for this module: the action server is SIGKILLed mid-conversation, the survivor still
gets the crisis numbers through the gateway at once, and after the supervisor restarts it the
conversation goes on normally. Then hostile text goes through the gateway to the real Rasa.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Stack, running_stack

pytestmark = pytest.mark.stack

RESTART_WAIT_SECONDS = 60


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("faults")) as running:
        yield running


def children_of(pid: int) -> dict[int, str]:
    """pid -> command line of every process whose parent is `pid` (Linux /proc; no psutil needed)."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if parent == pid:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue
    return found


def action_server_pid(stack: Stack) -> int:
    [pid] = [pid for pid, cmdline in children_of(stack.process.pid).items() if "actions.server" in cmdline]
    return pid


class WebChat:
    """One widget conversation through the gateway's JSON API."""

    def __init__(self, stack: Stack) -> None:
        self.http = httpx.Client(base_url=stack.gateway_url, timeout=30)
        response = self.http.post("/api/session")
        response.raise_for_status()
        self.session = response.json()["session"]

    def say(self, text: str) -> tuple[int, dict[str, Any]]:
        # json.dumps escapes lone surrogates as JavaScript's JSON.stringify does; httpx's json= cannot encode them.
        body = json.dumps({"session": self.session, "text": text})
        response = self.http.post("/api/message", content=body, headers={"Content-Type": "application/json"})
        assert response.status_code < 500, response.status_code
        return response.status_code, dict(response.json())


def text_of(body: dict[str, Any]) -> str:
    return "\n".join(reply["text"] for reply in body.get("replies", []))


def test_action_server_killed_mid_conversation_still_answers_then_recovers(stack: Stack) -> None:
    chat = WebChat(stack)
    status, body = chat.say("hello")
    assert status == 200 and body["from_rasa"] is True

    old = action_server_pid(stack)
    os.kill(old, signal.SIGKILL)
    killed_at = time.monotonic()
    # Sent at once: the supervisor waits a second before restarting, and the restart takes seconds more.
    status, body = chat.say("what are my options")
    assert time.monotonic() - killed_at < 10, "the fallback must not wait for the restart"
    assert status == 200 and body["from_rasa"] is False, "Rasa answered although its action server was dead"
    assert "999" in text_of(body) and "116 123" in text_of(body)

    deadline = time.monotonic() + RESTART_WAIT_SECONDS
    while True:
        status, body = chat.say("what are my options")
        if body.get("from_rasa"):
            break
        assert time.monotonic() < deadline, f"no normal reply {RESTART_WAIT_SECONDS} s after the kill:\n{stack.logs()[-3000:]}"
        time.sleep(1)
    assert action_server_pid(stack) != old
    assert "the action server exited" in stack.logs()
    assert text_of(body).strip()


HOSTILE = [
    "\x00",
    "hello\x00world",
    "".join(chr(i) for i in range(1, 32)),
    "I need help \ud800",
    "\u202egnp.exe\u202c",
    "\U0001f62d" * 1000,
    "<script>alert(1)</script>",
    "**bold** [x](javascript:alert(1))",
    "/",
    "/junk",
    "/restart",
    "/session_start",
    "/stop{",
    '/inform_region{"region": "<script>"}',
    "/" + "a" * 1999,
    "x" * 2000,
]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: repr(t)[:30])
def test_hostile_text_through_the_gateway_to_the_real_rasa_is_answered(stack: Stack, text: str) -> None:
    chat = WebChat(stack)
    status, body = chat.say(text)
    assert status == 200 and body["replies"] and text_of(body).strip()
    assert "<script" not in text_of(body)
    # The conversation is still usable afterwards.
    status, body = chat.say("who can I talk to")
    assert status == 200 and body["from_rasa"] is True and body["replies"]
