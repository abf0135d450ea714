"""The measurements that send traffic: cold start, serial latency, concurrency, memory soak.

Every loop is bounded both in count and in time, and every request goes to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Optional

import aiohttp
import yaml

from bench.conversations import CONVERSATIONS, FIRST_MESSAGE, SHORT_CONVERSATIONS, sender_id, turns
from bench.stats import LatencySummary, summarize
from bench.variants import Stack
from bot.settings import PROJECT_ROOT

REQUEST_TIMEOUT_SECONDS = 60.0
#: What sending one message came to: OK, or a short reason ("HTTP 500", "empty", "TimeoutError").
OK = "ok"
#: Sends one message of a conversation; returns OK or why it was not answered.
Sender = Callable[[aiohttp.ClientSession, str, str], Awaitable[str]]


def client(connections: int = 10) -> aiohttp.ClientSession:
    """A kept-alive HTTP client with room for `connections` requests at once."""
    connector = aiohttp.TCPConnector(limit=connections + 5, limit_per_host=connections + 5)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS))


async def rest_send(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> str:
    """One message through Rasa's REST channel; answered means HTTP 200 and at least one reply."""
    try:
        async with session.post(url, json={"sender": sender, "message": text}) as response:
            if response.status != 200:
                return f"HTTP {response.status}"
            body = await response.json(content_type=None)
            return OK if isinstance(body, list) and body else "empty answer"
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
        return type(error).__name__


# --- (d) cold start -------------------------------------------------------------------------


@dataclass(frozen=True)
class ColdStart:
    """Seconds from starting the processes to Rasa's HTTP server answering, and to the first reply."""

    http_up_s: Optional[float]
    first_answer_s: Optional[float]
    error: Optional[str] = None


async def cold_start(stack: Stack, timeout: float) -> ColdStart:
    """Poll the REST channel with a first message until it is answered (the stack was just started)."""
    http_up: Optional[float] = None
    deadline = stack.started_at + timeout
    async with client(2) as session:
        while time.monotonic() < deadline:
            if stack.dead():
                return ColdStart(http_up, None, f"exited during start: {', '.join(stack.dead())}")
            if http_up is None:
                try:
                    async with session.get(stack.rasa_root_url) as response:
                        if response.status == 200:
                            http_up = time.monotonic() - stack.started_at
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    pass
            if http_up is not None and await rest_send(session, stack.rest_url, sender_id("bench-cold"), FIRST_MESSAGE) == OK:
                return ColdStart(http_up, time.monotonic() - stack.started_at)
            await asyncio.sleep(0.1)
    return ColdStart(http_up, None, f"no answer within {timeout:.0f} s")


# --- (a) serial latency -----------------------------------------------------------------------


async def serial_samples(send: Sender, messages: int, seconds: float, prefix: str) -> tuple[list[float], Counter[str]]:
    """Latencies (s) of up to `messages` messages sent one after another, stopping after `seconds`; errors by kind."""
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    deadline = time.monotonic() + seconds
    sender = sender_id(prefix)
    async with client(1) as session:
        for count, (new_conversation, text) in enumerate(turns()):
            if count >= messages or time.monotonic() > deadline:
                break
            if new_conversation:
                sender = sender_id(prefix)
            start = time.perf_counter()
            outcome = await send(session, sender, text)
            if outcome == OK:
                latencies.append(time.perf_counter() - start)
            else:
                errors[outcome] += 1
    return latencies, errors


async def serial(send: Sender, messages: int, seconds: float, prefix: str) -> LatencySummary:
    """Latency of `messages` messages sent one after another (stops early after `seconds`)."""
    return summarize(*await serial_samples(send, messages, seconds, prefix))


async def warm_up(stack: Stack) -> None:
    """Send every scripted message once (not measured), so serial figures are of a warmed-up server."""
    messages = sum(len(script) for script in CONVERSATIONS)
    await serial(rest_sender(stack), messages, 120, "bench-warm")


def rest_sender(stack: Stack) -> Sender:
    async def send(session: aiohttp.ClientSession, sender: str, text: str) -> str:
        return await rest_send(session, stack.rest_url, sender, text)

    return send


def gateway_sender(base_url: str) -> Sender:
    """Messages through the gateway's web API: POST /api/session once per conversation, then /api/message.

    Answered means HTTP 200 with replies that came from Rasa (not the gateway's static fallback).
    """
    sessions: dict[str, str] = {}
    headers = {"Origin": base_url}

    async def send(session: aiohttp.ClientSession, sender: str, text: str) -> str:
        try:
            if sender not in sessions:
                sessions.clear()
                async with session.post(f"{base_url}/api/session", json={}, headers=headers) as response:
                    if response.status != 200:
                        return f"session: HTTP {response.status}"
                    body = await response.json(content_type=None)
                    token = body.get("session") if isinstance(body, dict) else None
                    if not isinstance(token, str):
                        return "session: no id"
                    sessions[sender] = token
            payload = {"session": sessions[sender], "text": text}
            async with session.post(f"{base_url}/api/message", json=payload, headers=headers) as response:
                if response.status != 200:
                    return f"HTTP {response.status}"
                body = await response.json(content_type=None)
                if not isinstance(body, dict) or not body.get("replies"):
                    return "empty answer"
                return OK if body.get("from_rasa", True) else "static fallback (Rasa not reached)"
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            return type(error).__name__

    return send


def _action_call(action: str, intent: str, text: str) -> dict[str, Any]:
    """The JSON Rasa 3.6 posts to the action server for one action, for a conversation in England and Wales."""
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    slots = {"region": "england_wales", "region_asked": True, "introduced": True, "more_page": 0.0}
    latest = {"intent": {"name": intent, "confidence": 1.0}, "entities": [], "text": text}
    tracker = {
        "sender_id": sender_id("bench-action"),
        "slots": slots,
        "latest_message": latest,
        "events": [{"event": "user", "text": text, "parse_data": latest}],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    }
    return {"next_action": action, "sender_id": tracker["sender_id"], "tracker": tracker, "domain": domain, "version": "3.6.21"}


def action_sender(stack: Stack) -> Sender:
    """Rasa's call to the action server alone (action_explain_topic, a full topic page), no Rasa in between."""
    calls = [
        _action_call("action_explain_topic", "ask_criminal_route", "how do i report a police officer for rape"),
        _action_call("action_acknowledge_disclosure", "disclose", "a senior colleague keeps touching me"),
        _action_call("action_show_menu", "menu", "menu"),
    ]
    counter = iter(range(10**9))

    async def send(session: aiohttp.ClientSession, sender: str, text: str) -> str:
        call = calls[next(counter) % len(calls)]
        try:
            async with session.post(stack.action_url, json=call) as response:
                if response.status != 200:
                    return f"HTTP {response.status}"
                body = await response.json(content_type=None)
                return OK if isinstance(body, dict) and body.get("responses") else "empty answer"
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            return type(error).__name__

    return send


# --- (b) concurrency ------------------------------------------------------------------------------


@dataclass
class LevelSamples:
    """Raw figures of one or more windows at one concurrency level, on one stack."""

    conversations: int
    window_s: float = 0.0
    elapsed_s: float = 0.0
    answered: int = 0
    latencies_s: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    rss_mb: dict[str, float] = field(default_factory=dict)

    def add(self, other: LevelSamples) -> None:
        """Pool another window of the same level into this one."""
        self.window_s += other.window_s
        self.elapsed_s += other.elapsed_s
        self.answered += other.answered
        self.latencies_s += other.latencies_s
        self.errors += other.errors
        self.rss_mb = {name: max(self.rss_mb.get(name, 0.0), mb) for name, mb in other.rss_mb.items()}

    def result(self) -> LevelResult:
        throughput = self.answered / self.elapsed_s if self.elapsed_s else 0.0
        latency = summarize(self.latencies_s, self.errors)
        return LevelResult(self.conversations, self.window_s, self.elapsed_s, self.answered, throughput, latency, self.rss_mb)


@dataclass
class LevelResult:
    """Conversations at once, messages answered per second, and their latency.

    Throughput is answers / time from the first request to the last answer: clients send until
    the window closes, then the messages in flight are answered (the server stays saturated
    throughout), so neither the ramp-up nor the drain biases it, at any number of conversations.
    """

    conversations: int
    window_s: float
    elapsed_s: float
    answered: int
    throughput_per_s: float
    latency: LatencySummary
    rss_mb: dict[str, float] = field(default_factory=dict)


async def _conversation_client(
    session: aiohttp.ClientSession, url: str, offset: int, deadline: float, latencies: list[float], done: list[float]
) -> Counter[str]:
    """One survivor: runs scripted conversations back to back until the deadline; returns its errors by kind."""
    errors: Counter[str] = Counter()
    stream = turns(CONVERSATIONS[offset % len(CONVERSATIONS) :] + CONVERSATIONS[: offset % len(CONVERSATIONS)])
    sender = sender_id("bench-load")
    for count, (new_conversation, text) in enumerate(stream):
        if time.monotonic() >= deadline or count >= 100_000:
            break
        if new_conversation:
            sender = sender_id("bench-load")
        start = time.perf_counter()
        outcome = await rest_send(session, url, sender, text)
        if outcome == OK:
            latencies.append(time.perf_counter() - start)
            done.append(time.monotonic())
        else:
            errors[outcome] += 1
    return errors


async def concurrency_window(stack: Stack, conversations: int, window: float) -> LevelSamples:
    """`conversations` clients, each its own conversation, sending for `window` s; then the ones in flight finish."""
    latencies: list[float] = []
    done: list[float] = []
    async with client(conversations) as session:
        start = time.monotonic()
        deadline = start + window
        tasks = [_conversation_client(session, stack.rest_url, i, deadline, latencies, done) for i in range(conversations)]
        sampler = asyncio.ensure_future(sample_peak_memory(stack, deadline))
        results = await asyncio.wait_for(asyncio.gather(*tasks), timeout=window + REQUEST_TIMEOUT_SECONDS + 10)
        rss = await sampler
    elapsed = (max(done) - start) if done else window
    return LevelSamples(conversations, window, elapsed, len(latencies), latencies, sum(results, Counter()), rss)


async def concurrency_level(stack: Stack, conversations: int, duration: float) -> LevelResult:
    """Throughput and latency with `conversations` clients, each its own conversation, for `duration` s."""
    return (await concurrency_window(stack, conversations, duration)).result()


async def sample_peak_memory(stack: Stack, until: float, every: float = 1.0) -> dict[str, float]:
    """The highest RSS of each service seen while load runs, sampled every `every` seconds until `until`."""
    peak = stack.memory_mb()
    for _ in range(100_000):
        if time.monotonic() >= until:
            break
        await asyncio.sleep(min(every, max(0.0, until - time.monotonic())))
        now = stack.memory_mb()
        peak = {name: max(mb, now.get(name, 0.0)) for name, mb in peak.items()}
    return peak


# --- (f) memory over many short conversations --------------------------------------------------------


@dataclass
class SoakResult:
    """Rasa server RSS sampled every `sample_every` conversations, and after the TTL has passed."""

    conversations_planned: int
    conversations_done: int
    ttl_seconds: int
    workers: int
    seconds: float
    samples: list[dict[str, float]]
    after_expiry_rss_mb: Optional[float]
    errors: dict[str, int]
    note: str = ""


async def soak(
    stack: Stack,
    conversations: int,
    workers: int,
    sample_every: int,
    ttl: int,
    max_seconds: float,
    on_sample: Optional[Callable[[dict[str, float]], None]] = None,
) -> SoakResult:
    """Run many 3-turn conversations (no "stop", so they end by expiring) and sample Rasa's RSS."""
    rasa = stack.services["Rasa server"]
    state = {"next": 0, "done": 0}
    errors: Counter[str] = Counter()
    samples: list[dict[str, float]] = [{"conversations": 0, "seconds": 0.0, "rss_mb": round(rasa.rss_mb(), 1)}]
    start = time.monotonic()
    deadline = start + max_seconds

    async def worker(session: aiohttp.ClientSession) -> None:
        while state["next"] < conversations and time.monotonic() < deadline:
            index = state["next"]
            state["next"] += 1
            sender = sender_id("bench-soak")
            for text in SHORT_CONVERSATIONS[index % len(SHORT_CONVERSATIONS)]:
                outcome = await rest_send(session, stack.rest_url, sender, text)
                if outcome != OK:
                    errors[outcome] += 1
            state["done"] += 1
            if state["done"] % sample_every == 0:
                seconds = round(time.monotonic() - start, 1)
                samples.append({"conversations": state["done"], "seconds": seconds, "rss_mb": round(rasa.rss_mb(), 1)})
                if on_sample is not None:
                    on_sample(samples[-1])

    async with client(workers) as session:
        await asyncio.wait_for(
            asyncio.gather(*(worker(session) for _ in range(workers))), timeout=max_seconds + REQUEST_TIMEOUT_SECONDS * 3
        )
        elapsed = time.monotonic() - start
        note = "" if state["done"] >= conversations else f"stopped after {max_seconds:.0f} s"
        # Expiry is lazy (on the next save or read): wait out the TTL, then one more conversation.
        await asyncio.sleep(ttl + 2)
        await rest_send(session, stack.rest_url, sender_id("bench-soak"), FIRST_MESSAGE)
        after = round(rasa.rss_mb(), 1)
    return SoakResult(conversations, state["done"], ttl, workers, round(elapsed, 1), samples, after, dict(errors), note)
