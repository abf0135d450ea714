"""Hostile input on the web widget's API: never a 5xx, always JSON with a reply or a kind refusal,
and nothing a user typed comes back as live markup. Offline: aiohttp's test client and a stub Rasa."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.content.loader import ContentPack
from bot.gateway.web import channel as web_channel
from tests.support.web_clients import Client, EchoRasa, make_client, new_session
from tests.support.web_stub import WebStubRasa

#: What must never appear raw in an API answer, whatever was typed or echoed.
LIVE_MARKUP = ("<script", "<img", "<svg", "<iframe", "javascript:<")


async def answer(response: Any) -> dict[str, Any]:
    """Check the common promise and return the parsed body."""
    where = f"{response.method} {response.url.path} -> {response.status}"
    assert response.status < 500, where
    assert response.content_type == "application/json", where
    assert response.headers["X-Content-Type-Options"] == "nosniff", where
    assert "default-src 'none'" in response.headers["Content-Security-Policy"], where
    raw = await response.text()
    for marker in LIVE_MARKUP:
        assert marker not in raw.lower(), f"{where}: {marker} echoed raw"
    body = json.loads(raw)
    assert isinstance(body, dict), where
    if response.status == 200 and "replies" in body:
        assert body["replies"] and all(isinstance(r["text"], str) for r in body["replies"]), where
    elif response.status != 200:
        assert body["error"] and body["message"], where
    return body


async def post_raw(client: Client, session: str, text_json: bytes, content_type: str = "application/json") -> Any:
    """POST a body whose "text" value is given as raw JSON bytes (so it may be malformed on purpose)."""
    data = b'{"session": ' + json.dumps(session).encode() + b', "text": ' + text_json + b"}"
    return await client.post("/api/message", data=data, headers={"Content-Type": content_type})


# --- text the widget could send ------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", " ", "   \n\t\r ", "\u3000\u2003", "\n" * 1000], ids=repr)
async def test_empty_and_whitespace_only_get_a_kind_400(client: Client, rasa: WebStubRasa, text: str) -> None:
    body = await answer(await client.post("/api/message", json={"session": await new_session(client), "text": text}))
    assert body["error"] == "empty"
    assert rasa.received == []


@pytest.mark.parametrize(
    "text",
    [
        "\x00",
        "hello\x00world",
        "".join(chr(i) for i in range(1, 32)) + "\x7f\x80\x9b",
        "\ud800",
        "I need help \udfff\ud83d",
        "\u202egnp.exe\u202c \u2066isolate\u2069 \u200f",
        "\u202e" * 500,
        "\U0001f600" * 2000,
        "\u200b\u200d\ufeff",
        "/",
        "/junk",
        "/menu{",
        '/inform_region{"region": "<script>alert(1)</script>"}',
        "/" + "a" * 1999,
        "%00%0d%0a{{7*7}}${7*7}",
        "'; DROP TABLE events; --",
    ],
    ids=lambda t: repr(t)[:40],
)
async def test_odd_but_valid_text_is_answered(client: Client, rasa: WebStubRasa, text: str) -> None:
    body = await answer(await client.post("/api/message", json={"session": await new_session(client), "text": text}))
    assert body["replies"]
    assert rasa.messages() == [text.strip()]


async def test_a_stop_word_with_odd_punctuation_still_forgets(client: Client, rasa: WebStubRasa) -> None:
    # Stop words are compared without punctuation at the ends (commands.yml), so the web channel answers it.
    body = await answer(await client.post("/api/message", json={"session": await new_session(client), "text": "/stop{"}))
    assert body["forgotten"] is True and body["replies"]
    assert rasa.messages() == []  # an unused session has nothing in Rasa to forget


@pytest.mark.parametrize("text", ["x" * 100_000, "\u00e9" * 40_000, "\U0001f62d" * 20_000], ids=["ascii", "2-byte", "emoji"])
async def test_100_kb_text_is_a_kind_413(client: Client, rasa: WebStubRasa, text: str) -> None:
    body = await answer(await client.post("/api/message", json={"session": await new_session(client), "text": text}))
    assert body["error"] == "too_long" and "shorter parts" in body["message"]
    assert rasa.received == []


async def test_long_emoji_sequences_count_as_characters_not_bytes(client: Client) -> None:
    session = await new_session(client)
    family = "\U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 7 code points
    assert (await client.post("/api/message", json={"session": session, "text": family * 285})).status == 200
    body = await answer(await client.post("/api/message", json={"session": session, "text": family * 286}))
    assert body["error"] == "too_long"


# --- bodies no widget would send -----------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [b'"\xff\xfe"', b'"\xc3"', b'"caf\xe9"', b'"\xf8\x88\x80\x80\x80"', b'"\x00', b"NaN", b'"a" "b"'],
    ids=["ff-fe", "truncated", "latin-1", "5-byte", "unterminated", "nan", "two-values"],
)
async def test_invalid_utf8_and_broken_json_are_a_kind_400(client: Client, rasa: WebStubRasa, raw: bytes) -> None:
    body = await answer(await post_raw(client, await new_session(client), raw))
    assert body["error"] == "bad_request"
    assert rasa.received == []


@pytest.mark.parametrize(
    "raw",
    # Python's json reads bytes with "surrogatepass", so an encoded lone surrogate is a (strange) character.
    [b'"\\ud800"', b'"\\udfff\\u0000\\u202e"', b'"\\ud83d\\ude00"', b'"\xed\xa0\x80"'],
)
async def test_escaped_surrogates_and_nul_in_json_are_answered(client: Client, raw: bytes) -> None:
    body = await answer(await post_raw(client, await new_session(client), raw))
    assert body["replies"]


@pytest.mark.parametrize("value", [None, 5, 1.5, True, [], ["hi"], {"text": "hi"}])
async def test_text_of_the_wrong_type_is_a_kind_400(client: Client, rasa: WebStubRasa, value: Any) -> None:
    body = await answer(await client.post("/api/message", json={"session": await new_session(client), "text": value}))
    assert body["error"] == "bad_request"
    assert rasa.received == []


@pytest.mark.parametrize("depth", [1_000, 10_000])
@pytest.mark.parametrize("bracket", ["[]", "{}"])
async def test_deeply_nested_json_is_a_kind_400(client: Client, rasa: WebStubRasa, depth: int, bracket: str) -> None:
    opening, closing = bracket
    nested = (opening + ('"a":' if opening == "{" else "")) * depth + "1" + closing * depth
    session = await new_session(client)
    for path in ("/api/message", "/api/forget"):
        body = await answer(await client.post(path, data=nested.encode()))
        assert body["error"] == "bad_request"
        body = await answer(await post_raw(client, session, nested.encode()))
        assert body["error"] == "bad_request"
    assert rasa.received == []


async def test_huge_json_under_the_size_limit_is_answered_and_extra_fields_ignored(client: Client, rasa: WebStubRasa) -> None:
    session = await new_session(client)
    many_keys = {f"k{i}": i for i in range(4_000)}
    body = await answer(await client.post("/api/message", json={**many_keys, "session": session, "text": "hello"}))
    assert body["replies"]
    body = await answer(await client.post("/api/message", json={"session": session, "text": "hi", "pad": "x" * 60_000}))
    assert body["replies"]
    assert rasa.messages() == ["hello", "hi"]


@pytest.mark.parametrize("size", [64 * 1024 + 1, 1024 * 1024])
@pytest.mark.parametrize("path", ["/api/message", "/api/forget", "/api/session"])
async def test_oversized_bodies_are_a_kind_413(client: Client, rasa: WebStubRasa, size: int, path: str) -> None:
    response = await client.post(path, data=b"x" * size, headers={"Content-Type": "application/json"})
    if path == "/api/session":
        # The session start reads no body: it answers as usual and nothing is kept of what was sent.
        assert response.status in (200, 413)
        await answer(response)
        return
    body = await answer(response)
    assert response.status == 413 and body["error"] == "too_long"
    assert rasa.received == []


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", ""])
async def test_any_content_type_is_read_as_json_or_refused_kindly(client: Client, content_type: str) -> None:
    session = await new_session(client)
    data = json.dumps({"session": session, "text": "hello"}).encode()
    response = await client.post("/api/message", data=data, headers={"Content-Type": content_type} if content_type else {})
    await answer(response)
    response = await client.post("/api/message", data=b"session=x&text=hello", headers={"Content-Type": content_type or "a/b"})
    assert (await answer(response))["error"] == "bad_request"


# --- sessions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "session,error",
    [
        ("A" * 43, "session_ended"),
        ("-" * 16, "session_ended"),
        ("\u0410" * 43, "no_session"),  # Cyrillic look-alikes
        ("A" * 42 + "\x00", "no_session"),
        ("../../etc/passwd-AAAAAAA", "no_session"),
        ("<script>alert(1)</script>", "no_session"),
        (["A" * 43], "no_session"),
        ({"id": "A" * 43}, "no_session"),
        (10**40, "no_session"),
    ],
    ids=lambda v: repr(v)[:30],
)
async def test_unknown_and_forged_session_ids_are_refused_kindly(
    client: Client, rasa: WebStubRasa, session: Any, error: str
) -> None:
    body = await answer(await client.post("/api/message", json={"session": session, "text": "hello"}))
    assert body["error"] == error
    forget = await client.post("/api/forget", json={"session": session})
    assert (await answer(forget)) == {"forgotten": True}
    assert rasa.received == []


# --- injection is inert -------------------------------------------------------------------------

INJECTIONS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<svg/onload=alert(1)>",
    '"><iframe src="javascript:alert(1)">',
    "[click](javascript:alert(1)) **bold** _it_ `code` <b>b</b>",
    "</script><script>alert(document.domain)</script>",
    "&lt;script&gt; &#60;script&#62; \\u003cscript\\u003e",
]


@pytest.mark.parametrize("typed", INJECTIONS)
async def test_markup_echoed_by_rasa_reaches_the_widget_as_inert_json(
    echo_client: Client, echo_rasa: EchoRasa, typed: str
) -> None:
    response = await echo_client.post("/api/message", json={"session": await new_session(echo_client), "text": typed})
    body = await answer(response)  # no "<script" etc. in the raw bytes...
    assert body["replies"][0]["text"] == f"You said: {typed}"  # ...yet the words survive, as text
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert echo_rasa.messages() == [typed]


async def test_refusals_never_quote_what_was_sent(client: Client) -> None:
    session = await new_session(client)
    typed = "<script>alert(1)</script>"
    for response in (
        await client.post("/api/message", json={"session": session, "text": typed * 400}),
        await client.post("/api/message", json={"session": typed, "text": typed}),
        await client.post("/api/message", json={"session": session, "text": [typed]}),
        await client.post("/api/message", data=typed.encode()),
    ):
        body = await answer(response)
        assert "script" not in json.dumps(body)


# --- slow bodies --------------------------------------------------------------------------------


@pytest.fixture
async def slow_client(pack: ContentPack, rasa: WebStubRasa, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Client]:
    monkeypatch.setattr(web_channel, "BODY_TIMEOUT_SECONDS", 0.5)
    client = await make_client(pack, rasa.url)
    yield client
    await client.close()


async def test_a_body_that_trickles_in_is_cut_off_with_a_kind_408(slow_client: Client, rasa: WebStubRasa) -> None:
    session = await new_session(slow_client)

    async def trickle() -> AsyncIterator[bytes]:
        yield b'{"session": ' + json.dumps(session).encode() + b', "text": "'
        for _ in range(20):
            await asyncio.sleep(0.1)
            yield b"a"
        yield b'"}'

    loop = asyncio.get_running_loop()
    started = loop.time()
    response = await slow_client.post("/api/message", data=trickle(), headers={"Content-Type": "application/json"})
    body = await answer(response)
    assert response.status == 408 and body["error"] == "too_slow"
    assert loop.time() - started < 1.9
    assert rasa.received == []
    # A normal message still goes through afterwards.
    assert (await answer(await slow_client.post("/api/message", json={"session": session, "text": "hi"})))["replies"]
