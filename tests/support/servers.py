"""Throwaway database servers for tests, started on loopback and removed afterwards (stdlib only).

Used by the app tests (pytest) and the Rasa-side tests (unittest), so it imports neither.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Optional


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_bin() -> Optional[str]:
    """Folder of Debian's PostgreSQL server programs, or None if PostgreSQL is not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


@contextmanager
def postgres(user: str = "tests") -> Iterator[int]:
    """A PostgreSQL cluster on 127.0.0.1 with trust auth for `user`; yields its port."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    # PostgreSQL refuses to run as root: run the throwaway cluster as the postgres user.
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    data = Path(tempfile.mkdtemp(prefix="pgtest-"))
    if as_user:
        shutil.chown(data, "postgres")
    port = free_port()
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "timeout": 60}
    subprocess.run([*as_user, f"{bin_dir}/initdb", "-D", str(data / "db"), "-A", "trust", "-U", user], check=True, **quiet)  # type: ignore[call-overload]
    options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={data} -c fsync=off"
    # The server's output goes to a log file: a pipe would be held open by the server and hang us.
    start = [*as_user, f"{bin_dir}/pg_ctl", "-D", str(data / "db"), "-l", str(data / "server.log"), "-o", options, "-w", "start"]
    subprocess.run(start, check=True, **quiet)  # type: ignore[call-overload]
    try:
        deadline = time.monotonic() + 20
        while subprocess.run([f"{bin_dir}/pg_isready", "-h", "127.0.0.1", "-p", str(port)], capture_output=True).returncode != 0:
            if time.monotonic() > deadline:
                raise RuntimeError("PostgreSQL did not start")
            time.sleep(0.2)
        yield port
    finally:
        subprocess.run([*as_user, f"{bin_dir}/pg_ctl", "-D", str(data / "db"), "-m", "immediate", "stop"], **quiet)  # type: ignore[call-overload]
        shutil.rmtree(data, ignore_errors=True)


class RedisServer:
    """A redis-server on 127.0.0.1 with no persistence, which a test may stop and start again (same port)."""

    def __init__(self) -> None:
        if not shutil.which("redis-server"):
            raise RuntimeError("redis-server is not installed (Debian: apt-get install redis-server)")
        self.port = free_port()
        self.workdir = tempfile.mkdtemp(prefix="redistest-")
        self.process: Optional[subprocess.Popen[bytes]] = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen([*command, "--dir", self.workdir], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    """A started RedisServer, removed afterwards."""
    server = RedisServer()
    try:
        server.start()
        yield server
    finally:
        server.remove()


@contextmanager
def redis() -> Iterator[int]:
    """A redis-server on 127.0.0.1 with no persistence; yields its port."""
    with redis_server() as server:
        yield server.port
