"""Scale out: two Rasa servers sharing a real Redis tracker and lock store, behind one gateway."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from bot.model import model_path, rasa_command
from bot.settings import PROJECT_ROOT, Settings, rasa_environment
from tests.support import servers
from tests.support.stack import TEST_TTL_SECONDS, running_stack

pytestmark = [
    pytest.mark.stack,
    pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server not installed (scripts/install-test-deps.sh)"),
]


def say(base_url: str, sender: str, message: str) -> str:
    response = httpx.post(f"{base_url}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=30)
    response.raise_for_status()
    return "\n".join(r.get("text") or "" for r in response.json())


def start_replica(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """A second Rasa server with the same model, endpoints and Redis as the supervisor's."""
    settings = Settings()
    replica_env = {**rasa_environment(settings), **{k: v for k, v in env.items() if k.startswith(("REDIS_", "TRACKER_"))}}
    replica_env["ACTION_SERVER_URL"] = f"http://127.0.0.1:{env['ACTION_PORT']}/webhook"
    command = rasa_command(
        settings, "run", "--model", str(model_path()), "--endpoints", "endpoints.redis.yml",
        "--credentials", "credentials.yml", "--interface", "127.0.0.1", "--port", str(port),
    )  # fmt: skip
    return subprocess.Popen(command, cwd=PROJECT_ROOT, env=replica_env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the second Rasa server exited"
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail("the second Rasa server did not start")


def test_two_replicas_share_conversations_survive_a_crash_and_expire(tmp_path: Path, pack) -> None:  # type: ignore[no-untyped-def]
    replica_port = servers.free_port()
    with (
        servers.redis() as redis_port,
        running_stack(
            tmp_path, extra_rasa_ports=(replica_port,), TRACKER_STORE="redis", REDIS_HOST="127.0.0.1", REDIS_PORT=str(redis_port)
        ) as stack,
    ):
        replica = start_replica(stack.env, replica_port, tmp_path / "replica.log")
        try:
            replica_url = f"http://127.0.0.1:{replica_port}"
            wait_until_up(f"{replica_url}/", replica)

            # Turns alternating between the replicas keep one conversation's state.
            sender = secrets.token_hex(8)
            assert pack.message("region_set", region="Scotland") in say(stack.url, sender, '/inform_region{"region":"scotland"}')
            review = say(replica_url, sender, "/ask_review")
            assert pack.message("region_question") not in review
            assert pack.topics["review"].variants["scotland"].pages[0].text.strip() in review
            assert pack.topics["review"].variants["scotland"].pages[1].text.strip() in say(stack.url, sender, "/tell_me_more")

            # Through the gateway, turns spread over both; killing one mid-conversation loses nothing.
            session = httpx.post(f"{stack.gateway_url}/api/session", json={}, timeout=10).json()["session"]

            def gateway_says(text: str) -> dict:  # type: ignore[type-arg]
                return httpx.post(f"{stack.gateway_url}/api/message", json={"session": session, "text": text}, timeout=30).json()

            assert gateway_says('/inform_region{"region":"northern_ireland"}')["from_rasa"]
            replica.kill()
            replica.wait(timeout=10)
            for _ in range(3):
                answer = gateway_says("/ask_compensation")
                assert answer["from_rasa"], "a turn was lost when one replica died"
            text = "\n".join(r["text"] for r in answer["replies"])
            assert pack.topics["compensation"].variants["northern_ireland"].pages[0].text.strip() in text

            # Expiry still removes everything from the shared store.
            time.sleep(TEST_TTL_SECONDS + 1)
            keys = subprocess.run(
                ["redis-cli", "-p", str(redis_port), "--scan", "--pattern", "*tracker*"], capture_output=True, text=True
            )
            assert keys.stdout.strip() == ""
        finally:
            if replica.poll() is None:
                replica.kill()
