"""Start the action server, the Rasa server and the gateway, and keep them running.

One Ctrl-C (SIGINT) or SIGTERM stops everything; a child that crashes is restarted with a short
back-off. Run as `python -m bot.supervisor` (`make run` does this after setup and training).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from bot.model import ensure_model, rasa_command
from bot.retention import endpoints_file, retention_problems
from bot.settings import PROJECT_ROOT, Settings, rasa_environment

logger = logging.getLogger("bot.supervisor")

MAX_RESTARTS_PER_MINUTE = 5


@dataclass
class Child:
    """One supervised process."""

    name: str
    command: list[str]
    env: dict[str, str]
    ready_url: str
    process: Optional[subprocess.Popen[bytes]] = None
    restarts: list[float] = field(default_factory=list)

    def start(self) -> None:
        # Each child gets its own process group so a terminal's Ctrl-C reaches only the supervisor,
        # which then stops the children in order.
        self.process = subprocess.Popen(self.command, cwd=PROJECT_ROOT, env=self.env, start_new_session=True)

    def is_ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.ready_url, timeout=1) as response:  # noqa: S310 (loopback URL we built)
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            pass


def build_children(settings: Settings, model: Path) -> list[Child]:
    """The processes of one deployment, in start order."""
    action_env = dict(os.environ, SANIC_HOST=settings.host, RASA_TELEMETRY_ENABLED="false")
    actions = Child(
        "action server",
        [sys.executable, "-m", "actions.server", "--port", str(settings.action_port)],
        action_env,
        f"http://{settings.host}:{settings.action_port}/health",
    )
    rasa = Child(
        "Rasa server",
        rasa_command(
            settings,
            "run",
            "--model",
            str(model),
            "--endpoints",
            str(endpoints_file(settings)),
            "--credentials",
            "credentials.yml",
            "--interface",
            settings.host,
            "--port",
            str(settings.rasa_port),
        ),
        rasa_environment(settings),
        f"{settings.rasa_url}/",
    )
    gateway = Child(
        "gateway",
        [sys.executable, "-m", "bot.gateway"],
        dict(os.environ, RASA_TELEMETRY_ENABLED="false"),
        f"http://{settings.host}:{settings.gateway_port}/healthz",
    )
    return [actions, rasa, gateway]


class Supervisor:
    """Runs children until asked to stop; restarts any that die."""

    def __init__(self, children: list[Child]) -> None:
        self.children = children
        self.stopping = False

    def request_stop(self, signum: int, _frame: object) -> None:
        if not self.stopping:
            print(f"\n==> stopping ({signal.Signals(signum).name})", flush=True)
        self.stopping = True

    def wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.stopping:
            if all(child.is_ready() for child in self.children):
                return True
            self.restart_crashed()
            time.sleep(0.5)
        return False

    def restart_crashed(self) -> None:
        for child in self.children:
            if child.process is None or child.process.poll() is None:
                continue
            now = time.monotonic()
            child.restarts = [t for t in child.restarts if now - t < 60] + [now]
            if len(child.restarts) > MAX_RESTARTS_PER_MINUTE:
                print(f"error: the {child.name} keeps crashing; giving up", file=sys.stderr, flush=True)
                self.stopping = True
                return
            print(f"==> the {child.name} exited (code {child.process.returncode}); restarting", flush=True)
            time.sleep(min(2 ** (len(child.restarts) - 1), 10))
            child.start()

    def run(self, ready_timeout: float, settings: Settings) -> int:
        signal.signal(signal.SIGINT, self.request_stop)
        signal.signal(signal.SIGTERM, self.request_stop)
        start = time.monotonic()
        try:
            for child in self.children:
                child.start()
            if self.wait_ready(ready_timeout):
                print(
                    f"\n==> ready in {time.monotonic() - start:.0f} s. Chat with it:\n"
                    f"      http://{settings.host}:{settings.gateway_port}/   (the web widget's demo page)\n"
                    f"      make chat                      (a terminal chat)\n"
                    f"      POST {settings.rest_webhook}   (Rasa REST channel)\n"
                    "    Ctrl-C stops everything.\n",
                    flush=True,
                )
            elif not self.stopping:
                print(f"error: not ready after {ready_timeout:.0f} s", file=sys.stderr, flush=True)
                return 1
            while not self.stopping:
                self.restart_crashed()
                time.sleep(0.5)
            return 0
        finally:
            for child in reversed(self.children):
                child.stop()


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ready-timeout", type=float, default=240.0, help="seconds to wait for every process to be ready")
    args = parser.parse_args(argv)
    settings = Settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    problems = retention_problems(settings)
    if problems:
        print("error: refusing to start with unsafe retention settings:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    model = ensure_model(settings)
    return Supervisor(build_children(settings, model)).run(args.ready_timeout, settings)


if __name__ == "__main__":
    sys.exit(main())
