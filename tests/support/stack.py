"""Start the real stack (Rasa server + action server, via the supervisor) once for the end-to-end tests."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
#: Short, so the expiry test does not wait long; every other test's turns are far quicker than this.
TEST_TTL_SECONDS = 6


@dataclass
class Stack:
    url: str
    gateway_url: str
    log_path: Path
    process: subprocess.Popen[bytes]
    #: The environment the supervisor was started with (ports, stores), for extra processes.
    env: dict[str, str]

    def say(self, sender: str, message: str) -> list[dict[str, Any]]:
        response = httpx.post(f"{self.url}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=30)
        response.raise_for_status()
        return list(response.json())

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")


class Conversation:
    """One survivor's chat over the REST channel, with a random sender id."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.sender = secrets.token_hex(8)

    def say(self, message: str) -> list[dict[str, Any]]:
        return self.stack.say(self.sender, message)


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


@contextmanager
def running_stack(log_dir: Path, extra_rasa_ports: tuple[int, ...] = (), **extra_env: str) -> Iterator[Stack]:
    """Start the supervisor (action server, Rasa, gateway) on free ports; stop it with one SIGINT.

    `extra_rasa_ports`: replicas the test starts itself; the gateway spreads turns over all of them.
    """
    rasa_port, action_port, gateway_port = free_port(), free_port(), free_port()
    if extra_rasa_ports:
        extra_env["RASA_URLS"] = ",".join(f"http://127.0.0.1:{port}" for port in (rasa_port, *extra_rasa_ports))
    env = dict(
        os.environ,
        RASA_PORT=str(rasa_port),
        ACTION_PORT=str(action_port),
        GATEWAY_PORT=str(gateway_port),
        TRACKER_TTL_SECONDS=str(TEST_TTL_SECONDS),
        RASA_TELEMETRY_ENABLED="false",
        **extra_env,
    )
    log_path = log_dir / "stack.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.supervisor", "--ready-timeout", "300"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    stack = Stack(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{gateway_port}", log_path, process, env)
    deadline = time.monotonic() + 330
    while "==> ready" not in stack.logs():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the stack did not start:\n{stack.logs()[-4000:]}")
        time.sleep(0.5)
    yield stack
    # One Ctrl-C stops everything.
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("the supervisor did not stop within 30 s of SIGINT")


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running


@pytest.fixture
def chat(stack: Stack) -> Conversation:
    return Conversation(stack)
