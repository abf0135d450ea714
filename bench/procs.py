"""Child processes of a benchmark run: start, stop, and their resident memory from /proc.

Memory is VmRSS from /proc/<pid>/status summed over the process and all its descendants
(resident memory shared between them, e.g. after a fork, is counted once per process).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Optional

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _status_kib(pid: int, key: str) -> int:
    """One `kB` field of /proc/<pid>/status, or 0 if the process is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return 0


def _parent_map() -> dict[int, int]:
    """pid -> parent pid for every process visible in /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                # The command name (field 2) may contain spaces; fields after the last ')' are fixed.
                fields = stat.read().rsplit(")", 1)[1].split()
            parents[int(entry)] = int(fields[1])
        except (OSError, ValueError, IndexError):
            continue
    return parents


def process_tree(pid: int) -> list[int]:
    """The process and every descendant still running."""
    children: dict[int, list[int]] = {}
    for child, parent in _parent_map().items():
        children.setdefault(parent, []).append(child)
    tree: list[int] = []
    todo = [pid]
    while todo and len(tree) < 10_000:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def tree_rss_mb(pid: int) -> float:
    """Resident memory (VmRSS) of a process and its descendants, in MiB."""
    return sum(_status_kib(p, "VmRSS") for p in process_tree(pid)) / 1024


def peak_rss_mb(pid: int) -> float:
    """The highest resident memory (VmHWM) of one process so far, in MiB."""
    return _status_kib(pid, "VmHWM") / 1024


@dataclass
class Service:
    """One child process with its own process group and a log file."""

    name: str
    command: list[str]
    env: dict[str, str]
    cwd: Path
    log_path: Path
    process: Optional[subprocess.Popen[bytes]] = None
    started_at: float = 0.0
    _log: Optional[IO[bytes]] = field(default=None, repr=False)

    def start(self) -> None:
        """Start the process; its output goes to the log file."""
        self._log = self.log_path.open("ab")
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(
            self.command, cwd=self.cwd, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        assert self.process is not None, f"{self.name} was never started"
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def rss_mb(self) -> float:
        """Resident memory of this service's process tree, in MiB (0 when not running)."""
        return tree_rss_mb(self.pid) if self.alive() else 0.0

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM the service's process group, then SIGKILL it if it has not gone within `timeout`."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=timeout)
            except ProcessLookupError:
                pass
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""
