"""Scale out the gateway: two gateway processes share web and Telegram state through a real Redis.

The supervisor's stack (Rasa with the Redis tracker store, the action server, gateway A) plus a second
gateway process, B, on the same Redis. Telegram runs in webhook mode against a fake Bot API on loopback,
as it would behind a load balancer. A web session made on A goes on on B; a Telegram button sent by A is
pressed on B, and /exit on B deletes the messages A recorded. Then everything expires from Redis.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import redis

from bot.content.loader import ContentPack
from bot.gateway.state.redis import PREFIX
from bot.gateway.telegram.channel import SECRET_HEADER
from tests.support import servers
from tests.support.fake_bot_api import FAKE_TOKEN, FakeBotApi
from tests.support.stack import ROOT, TEST_TTL_SECONDS, running_stack

pytestmark = [
    pytest.mark.stack,
    pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server not installed (scripts/install-test-deps.sh)"),
]

CHAT = 555000111
SECRET = "scale-test-secret"
#: The longest window any gateway key has besides Telegram message ids: the 60-s rate windows and button ids.
LONGEST_SHORT_TTL = 60

T = TypeVar("T")


class FakeTelegram:
    """The fake Bot API (tests/support/fake_bot_api.py) on its own event loop in a thread, for sync tests."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.api = FakeBotApi(FAKE_TOKEN)
        self.url = self.run(self.api.start())

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(30)

    def close(self) -> None:
        self.run(self.api.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def sent(self) -> list[dict[str, Any]]:
        return self.api.calls_to("sendMessage")

    def settle(self, at_least: int, timeout: float = 60) -> list[dict[str, Any]]:
        """Wait for `at_least` sendMessage calls, then until none has come for a second."""
        deadline = time.monotonic() + timeout
        while len(self.sent()) < at_least:
            assert time.monotonic() < deadline, f"{len(self.sent())} messages sent, expected {at_least}"
            time.sleep(0.1)
        self.run(self.api.settle(1.0))
        return self.sent()


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram()
    yield fake
    fake.close()


def post_update(gateway_url: str, update: dict[str, Any], update_id: int) -> None:
    """Deliver an update as Telegram would; 503 means that gateway's Telegram is still starting."""
    update["update_id"] = update_id
    deadline = time.monotonic() + 60
    while True:
        response = httpx.post(f"{gateway_url}/telegram/webhook", json=update, headers={SECRET_HEADER: SECRET}, timeout=10)
        if response.status_code != 503:
            assert response.status_code == 200
            return
        assert time.monotonic() < deadline, "the gateway's Telegram channel did not start"
        time.sleep(0.5)


def buttons(call: dict[str, Any]) -> dict[str, str]:
    rows = (call.get("reply_markup") or {}).get("inline_keyboard", [])
    return {button["text"]: button["callback_data"] for row in rows for button in row}


def start_gateway(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Gateway B: the same settings as the supervisor's gateway, on another port."""
    port = servers.free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.gateway"],
        cwd=ROOT,
        env={**env, "GATEWAY_PORT": str(port)},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, f"gateway B exited:\n{log.read_text(errors='replace')[-3000:]}"
        try:
            if httpx.get(f"{url}/healthz", timeout=1).json() == {"status": "ok"}:
                return process, url
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "gateway B did not start"
        time.sleep(0.3)


def gateway_keys(client: redis.Redis) -> dict[str, int]:
    """Every key in Redis -> its time to live in seconds (-1: none)."""
    return {str(key): int(client.ttl(key)) for key in client.scan_iter("*")}


def test_two_gateways_share_web_and_telegram_state_and_it_all_expires(
    tmp_path: Path, pack: ContentPack, telegram: FakeTelegram
) -> None:
    env = {
        "TRACKER_STORE": "redis",
        "REDIS_HOST": "127.0.0.1",
        "TELEGRAM_BOT_TOKEN": FAKE_TOKEN,
        "TELEGRAM_API_URL": telegram.url,
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_HMAC_KEY": secrets.token_hex(32),
        "WEB_CLIENT_HASH_KEY": secrets.token_hex(32),
    }
    with servers.redis() as redis_port, running_stack(tmp_path, REDIS_PORT=str(redis_port), **env) as stack:
        gateway_b, b_url = start_gateway(stack.env, tmp_path / "gateway-b.log")
        a_url = stack.gateway_url
        client = redis.Redis(port=redis_port, decode_responses=True)
        try:
            # --- web: a session made on A goes on on B, and B's forgetting ends it on A --------------
            session = httpx.post(f"{a_url}/api/session", timeout=10).json()["session"]
            canary = f"canary {secrets.token_hex(8)}"

            def say(url: str, text: str) -> dict[str, Any]:
                response = httpx.post(f"{url}/api/message", json={"session": session, "text": text}, timeout=30)
                assert response.status_code == 200, response.status_code
                return dict(response.json())

            def text_of(body: dict[str, Any]) -> str:
                return "\n".join(reply["text"] for reply in body["replies"])

            region_set = say(b_url, '/inform_region{"region":"scotland"}')
            assert region_set["from_rasa"] and pack.message("region_set", region="Scotland") in text_of(region_set)
            review = say(a_url, "/ask_review")
            assert review["from_rasa"]
            assert pack.message("region_question") not in text_of(review), "gateway A lost the region set through B"
            assert pack.topics["review"].variants["scotland"].pages[0].text.strip() in text_of(review)
            assert pack.topics["review"].variants["scotland"].pages[1].text.strip() in text_of(say(b_url, "/tell_me_more"))
            assert say(b_url, canary)["from_rasa"]
            assert httpx.post(f"{b_url}/api/forget", json={"session": session}, timeout=30).json() == {"forgotten": True}
            gone = httpx.post(f"{a_url}/api/message", json={"session": session, "text": "hello"}, timeout=30)
            assert gone.status_code == 410

            # --- Telegram: a button sent by A is pressed on B; /exit on B deletes what A sent --------
            start = telegram.api.message_update(CHAT, "/start")
            post_update(a_url, start, 1)
            greeting = telegram.settle(1)
            menu = {title: data for call in greeting for title, data in buttons(call).items()}
            more = pack.message("button_more_topics")
            privacy = pack.topics["privacy"]
            assert more in menu and privacy.button not in menu, sorted(menu)
            post_update(b_url, telegram.api.press_update(CHAT, menu[more], telegram.api.sent_ids()[-1]), 2)
            answer = telegram.settle(len(greeting) + 1)[len(greeting) :]
            shown = {title for call in answer for title in buttons(call)}
            # Not found, B would say the button expired and show the main menu again (no privacy button).
            assert privacy.button in shown, f"B did not find A's button: {sorted(shown)}"

            sent_before_exit = list(telegram.api.sent_ids())
            exit_update = telegram.api.message_update(CHAT, "/exit")
            post_update(b_url, exit_update, 3)
            telegram.settle(len(greeting) + len(answer) + 1)  # the summary of what /exit deleted
            [batch] = telegram.api.calls_to("deleteMessages")
            expected = {start["message"]["message_id"], exit_update["message"]["message_id"], *sent_before_exit}
            assert set(batch["message_ids"]) == expected, "/exit on B missed messages recorded on A"

            # --- what Redis holds: prefixed, expiring, no text and no chat id ------------------------
            held = gateway_keys(client)
            ours = {key: ttl for key, ttl in held.items() if key.startswith(PREFIX)}
            assert ours and all(ttl > 0 for ttl in held.values()), held
            for key in ours:
                value = str(client.zrange(key, 0, -1) if client.type(key) == "zset" else client.get(key))
                assert str(CHAT) not in key + value and session not in key + value and canary not in value

            # --- after expiry: nothing left but the id of /exit's own summary (48 hours, by design) --
            deadline = time.monotonic() + LONGEST_SHORT_TTL + TEST_TTL_SECONDS + 15
            while True:
                held = gateway_keys(client)
                if len(held) <= 1 or time.monotonic() > deadline:
                    break
                time.sleep(2)
            [(key, ttl)] = held.items()
            assert key.startswith(f"{PREFIX}telegram:messages:") and 0 < ttl <= 48 * 3600
            assert client.zrange(key, 0, -1) == [str(telegram.api.sent_ids()[-1])]  # the summary's id only
            assert client.dbsize() == 1
            for log in (stack.logs(), (tmp_path / "gateway-b.log").read_text(errors="replace")):
                assert str(CHAT) not in log and session not in log and canary not in log
        finally:
            client.close()
            gateway_b.terminate()
            try:
                gateway_b.wait(timeout=10)
            except subprocess.TimeoutExpired:
                gateway_b.kill()
