"""Property tests over the web API's message path: whatever text arrives (surrogates, control
characters, markup, any length), the answer is never a 5xx, always JSON with a reply or a kind
refusal, and never holds raw markup. Bounded: a fixed number of examples, no deadline games."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.web_clients import Client, EchoRasa

#: Every code point, lone surrogates and control characters included.
ANY_CHAR = st.characters(codec=None, categories=None)
MARKUP = st.sampled_from(
    ["<script>", "</script>", "<img src=x onerror=alert(1)>", "<svg/onload=x>", "&", "<", ">", "**", "[a](javascript:x)"]
)
TEXT = st.one_of(
    st.text(ANY_CHAR, max_size=300),
    st.lists(st.one_of(MARKUP, st.text(ANY_CHAR, max_size=5)), max_size=30).map("".join),
    st.text(ANY_CHAR, min_size=1990, max_size=2010),  # around the length limit
)
PROPERTY_SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def check(status: int, raw: str) -> dict[str, Any]:
    assert status < 500
    lowered = raw.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<svg" not in lowered
    body = json.loads(raw)
    if status == 200:
        assert body["replies"] and all(isinstance(r["text"], str) and r["text"] for r in body["replies"])
    else:
        assert body["error"] in {"empty", "too_long", "bad_request"} and body["message"]
    return dict(body)


@PROPERTY_SETTINGS
@given(text=TEXT)
async def test_any_text_gets_a_reply_or_a_kind_refusal(echo_client: Client, echo_rasa: EchoRasa, text: str) -> None:
    session = (await (await echo_client.post("/api/session")).json())["session"]
    # Sent as escaped JSON (ensure_ascii), the way a browser's JSON.stringify would send a lone surrogate.
    response = await echo_client.post("/api/message", data=json.dumps({"session": session, "text": text}).encode())
    body = check(response.status, await response.text())
    if response.status == 200:
        assert body["replies"][0]["text"] == f"You said: {text.strip()}"  # the words come back intact, as data


@PROPERTY_SETTINGS
@given(raw=st.binary(max_size=400))
async def test_any_bytes_in_the_text_field_are_never_a_5xx(echo_client: Client, raw: bytes) -> None:
    session = (await (await echo_client.post("/api/session")).json())["session"]
    data = b'{"session": "' + session.encode() + b'", "text": "' + raw + b'"}'
    response = await echo_client.post("/api/message", data=data, headers={"Content-Type": "application/json"})
    check(response.status, await response.text())


@PROPERTY_SETTINGS
@given(
    body=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(ANY_CHAR, max_size=20),
        lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
        max_leaves=30,
    )
)
async def test_any_json_body_is_never_a_5xx(echo_client: Client, body: Any) -> None:
    for path in ("/api/message", "/api/forget"):
        response = await echo_client.post(path, data=json.dumps(body).encode())
        raw = await response.text()
        assert response.status < 500
        assert "<script" not in raw.lower()
        json.loads(raw)
