"""Faults and hostile input against the real stack (supervisor, Rasa, action server, gateway).

One stack for this module, with a switchable proxy between Rasa and the action server. In order:
the action server is SIGKILLed mid-conversation; hostile text goes through the gateway to the real
Rasa; the action server answers 500, then hangs; the gateway, then the Rasa server, are
SIGKILLed. Each time the survivor gets the crisis numbers through the gateway at once, and once
the fault is gone (or the supervisor has restarted the process) the conversation goes on.
"""

from __future__ import annotations

import http.server
import os
import signal
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.stack import Stack, WebChat, running_stack, text_of

pytestmark = pytest.mark.stack

RESTART_WAIT_SECONDS = 150  # generous: a busy machine restarts Rasa slowly; the test asserts recovery, not speed
#: How long the gateway waits for Rasa in this module's stack (production: 10 s).
RASA_TIMEOUT_SECONDS = 3
#: How long the proxy holds a request in "slow" mode: well past the gateway's wait.
SLOW_SECONDS = 8


class ActionProxy(http.server.ThreadingHTTPServer):
    """Between Rasa and the action server: forwards, or answers 500, or holds each request first."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        self.mode = "forward"
        self.target = ""  # the action server's webhook, known once the stack has started
        self.calls = 0
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/webhook"


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    server: ActionProxy

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.calls += 1
        if self.server.mode == "error":
            return self.answer(500, b'{"error": "injected fault"}')
        if self.server.mode == "slow":
            time.sleep(SLOW_SECONDS)
        request = urllib.request.Request(self.server.target, data=body, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                self.answer(response.status, response.read())
        except urllib.error.HTTPError as error:
            self.answer(error.code, error.read())
        except OSError:
            self.answer(502, b'{"error": "action server unreachable"}')

    def answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def proxy() -> Iterator[ActionProxy]:
    server = ActionProxy()
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, proxy: ActionProxy) -> Iterator[Stack]:
    env = {"ACTION_SERVER_URL": proxy.url, "RASA_TIMEOUT_SECONDS": str(RASA_TIMEOUT_SECONDS)}
    with running_stack(tmp_path_factory.mktemp("faults"), **env) as running:
        proxy.target = f"http://127.0.0.1:{running.env['ACTION_PORT']}/webhook"
        yield running


@pytest.fixture
def normal(proxy: ActionProxy) -> Iterator[ActionProxy]:
    """The proxy forwarding again after each test, whatever the test left it doing."""
    proxy.mode = "forward"
    yield proxy
    proxy.mode = "forward"


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


def child_pid(stack: Stack, module: str) -> int:
    """The pid of the supervisor's child running `python -m <module>`."""
    [pid] = [pid for pid, cmdline in children_of(stack.process.pid).items() if module in cmdline]
    return pid


def action_server_pid(stack: Stack) -> int:
    return child_pid(stack, "actions.server")


def assert_crisis_fallback(status: int, body: dict[str, Any]) -> None:
    """The gateway's static answer: not from Rasa, and with 999 and Samaritans in it."""
    assert status == 200 and body["from_rasa"] is False, body
    assert "999" in text_of(body) and "116 123" in text_of(body)


def until_rasa_answers(stack: Stack, chat: WebChat, text: str = "what are my options") -> dict[str, Any]:
    """Send `text` every second until Rasa (not the static fallback) answers; fail after RESTART_WAIT_SECONDS."""
    deadline = time.monotonic() + RESTART_WAIT_SECONDS
    while True:
        status, body = chat.say(text)
        if status == 200 and body.get("from_rasa"):
            assert text_of(body).strip()
            return body
        # 429: the web API's own rate limit, reached when a busy machine makes the restart slow; it
        # says "wait", so wait longer. 410: the test stack's short session expired while a busy
        # machine restarted Rasa; a survivor would start again, so does the test. Anything else fails.
        assert status in (200, 404, 410, 429), status
        if status == 410:
            chat = WebChat(stack)
        assert time.monotonic() < deadline, f"no normal reply within {RESTART_WAIT_SECONDS} s:\n{stack.logs()[-3000:]}"
        time.sleep(5 if status == 429 else 1)


def test_action_server_killed_mid_conversation_still_answers_then_recovers(stack: Stack, normal: ActionProxy) -> None:
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
def test_hostile_text_through_the_gateway_to_the_real_rasa_is_answered(stack: Stack, normal: ActionProxy, text: str) -> None:
    chat = WebChat(stack)
    status, body = chat.say(text)
    assert status == 200 and body["replies"] and text_of(body).strip()
    assert "<script" not in text_of(body)
    if body.get("forgotten"):
        # "/stop{" is a stop word (end punctuation is ignored): the gateway ended the session, so start anew.
        chat = WebChat(stack)
    # The conversation is still usable afterwards.
    status, body = chat.say("who can I talk to")
    assert status == 200 and body["from_rasa"] is True and body["replies"]


def test_action_server_answering_500_still_answers_then_carries_on(stack: Stack, normal: ActionProxy) -> None:
    chat = WebChat(stack)
    assert chat.say("hello")[1]["from_rasa"] is True
    normal.mode = "error"
    calls = normal.calls
    assert_crisis_fallback(*chat.say("how do i report a police officer for rape"))
    assert normal.calls > calls, "the fault was not exercised: Rasa never called the action server"
    normal.mode = "forward"
    assert until_rasa_answers(stack, chat)["replies"]


def test_action_server_hanging_still_answers_in_time_then_carries_on(stack: Stack, normal: ActionProxy) -> None:
    chat = WebChat(stack)
    assert chat.say("hello")[1]["from_rasa"] is True
    normal.mode = "slow"
    started = time.monotonic()
    assert_crisis_fallback(*chat.say("how do i report a police officer for rape"))
    assert time.monotonic() - started < RASA_TIMEOUT_SECONDS + 3, "the survivor waited for the hung action server"
    normal.mode = "forward"
    assert until_rasa_answers(stack, chat)["replies"]


def new_chat_when_up(stack: Stack) -> WebChat:
    """A new widget conversation, retried while the gateway is restarting."""
    deadline = time.monotonic() + RESTART_WAIT_SECONDS
    while True:
        try:
            return WebChat(stack)
        except httpx.HTTPError:
            assert time.monotonic() < deadline, f"the gateway did not come back:\n{stack.logs()[-3000:]}"
            time.sleep(0.5)


def test_gateway_killed_is_restarted_by_the_supervisor(stack: Stack, normal: ActionProxy) -> None:
    old = child_pid(stack, "bot.gateway")
    os.kill(old, signal.SIGKILL)
    chat = new_chat_when_up(stack)
    assert until_rasa_answers(stack, chat)["replies"]
    assert child_pid(stack, "bot.gateway") != old
    assert "the gateway exited" in stack.logs()


def test_rasa_server_killed_still_answers_at_once_then_recovers(stack: Stack, normal: ActionProxy) -> None:
    chat = WebChat(stack)
    # Rasa answers before the kill (retried: on a busy machine a first turn can pass the gateway's wait).
    assert until_rasa_answers(stack, chat, "hello")["replies"]
    old = child_pid(stack, "rasa_plugins.serve")
    os.kill(old, signal.SIGKILL)
    started = time.monotonic()
    assert_crisis_fallback(*chat.say("he's outside my door"))
    # A restart loads the model (tens of seconds); the fallback is at once. The margin is for a busy machine.
    assert time.monotonic() - started < RASA_TIMEOUT_SECONDS + 10, "the fallback must not wait for the restart"
    assert until_rasa_answers(stack, chat)["replies"]
    assert child_pid(stack, "rasa_plugins.serve") != old
    assert "the Rasa server exited" in stack.logs()
