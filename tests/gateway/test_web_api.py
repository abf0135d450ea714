"""The web channel's HTTP side: sessions, messages, forget, refusals, headers, CORS and logs."""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import ValidationError

from bot.content.loader import ContentPack, load_pack
from bot.content.markup import blocks_json
from bot.content.schema import BrandColours, Branding
from bot.gateway.state.memory import MemorySessions
from bot.gateway.web.channel import STATIC_DIR, WEB
from tests.support.web_stub import GREETING_BUTTONS, OPTIONS, STOPPED, WebStubRasa, web_gateway

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = "https://charity.example"
REFUSED = "https://elsewhere.example"

Client = TestClient[Any, Any]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def rasa() -> AsyncIterator[WebStubRasa]:
    stub = await WebStubRasa().start()
    yield stub
    await stub.stop()


async def make_client(pack: ContentPack, rasa_url: str, **overrides: Any) -> Client:
    overrides.setdefault("web_allowed_origins", (ALLOWED,))
    server = TestServer(web_gateway(pack, rasa_url, **overrides))
    # access_log=None as in bot.gateway.app.main: no client addresses or paths in any log.
    await server.start_server(access_log=None)
    client: Client = TestClient(server)
    return client


@pytest.fixture
async def client(pack: ContentPack, rasa: WebStubRasa) -> AsyncIterator[Client]:
    client = await make_client(pack, rasa.url)
    yield client
    await client.close()


async def start(client: Client) -> str:
    response = await client.post("/api/session")
    assert response.status == 200
    return str((await response.json())["session"])


async def send(client: Client, session: str, text: str, **kwargs: Any) -> Any:
    return await client.post("/api/message", json={"session": session, "text": text}, **kwargs)


# --- Sessions and messages ----------------------------------------------------------------------


async def test_session_is_random_and_carries_what_the_page_must_hold(client: Client, pack: ContentPack) -> None:
    first = await (await client.post("/api/session")).json()
    second = await (await client.post("/api/session")).json()
    assert first["session"] != second["session"] and len(first["session"]) >= 40
    assert first["bot_name"] == pack.info.bot_name
    assert first["branding"]["title"] == pack.info.branding.title
    assert first["branding"]["primary"] == pack.info.branding.colours.primary
    assert first["exit_url"] == "https://www.bbc.co.uk/weather"
    assert first["max_chars"] == 2000
    fallback = "\n".join(r["text"] for r in first["fallback"])
    assert "999" in fallback and "116 123" in fallback


async def test_message_round_trip_uses_a_random_sender_not_the_session(client: Client, rasa: WebStubRasa) -> None:
    session = await start(client)
    response = await send(client, session, "hello")
    assert response.status == 200
    body = await response.json()
    assert body["from_rasa"] is True
    assert "automated assistant" in body["replies"][0]["text"]
    assert body["replies"][0]["buttons"] == GREETING_BUTTONS
    sender, message = rasa.received[0]
    assert message == "hello" and sender != session and session not in sender


async def test_each_reply_carries_its_text_and_the_same_text_as_blocks_the_widget_shows(
    client: Client, rasa: WebStubRasa
) -> None:
    session = await start(client)
    body = await (await send(client, session, "/options")).json()
    [reply] = body["replies"]
    assert reply["text"] == OPTIONS and reply["blocks"] == blocks_json(OPTIONS)
    assert [b["type"] for b in reply["blocks"]] == ["heading", "list", "paragraph"]
    tels = [n for line in reply["blocks"][1]["lines"] for n in line if n["type"] == "tel"]
    assert [(n["text"], n["href"]) for n in tels] == [
        ("101", "tel:101"),
        ("999", "tel:999"),
        ("116 123", "tel:116123"),
        ("0808 500 2222", "tel:+448085002222"),
    ]


async def test_a_refusal_and_the_labels_with_999_in_them_come_as_blocks_too(client: Client) -> None:
    session = await start(client)
    body = await (await send(client, session, "x" * 2001)).json()
    assert body["blocks"] == blocks_json(body["message"])
    script = await (await client.get("/widget.js")).text()
    boot = json.loads(re.search(r"var BOOT = (\{.*?\});\n", script).group(1))  # type: ignore[union-attr]
    assert set(boot["rich"]) == {"slow", "not_sent", "not_sent_detail"}
    assert {"type": "tel", "href": "tel:999", "text": "999"} in boot["rich"]["not_sent"][0]["lines"][0]
    assert boot["services"]["116123"] == "Samaritans"
    assert all(r["blocks"] == blocks_json(r["text"]) for r in boot["fallback"])


async def test_button_payload_is_forwarded_as_sent(client: Client, rasa: WebStubRasa) -> None:
    session = await start(client)
    body = await (await send(client, session, "/options")).json()
    assert rasa.messages() == ["/options"]
    assert "**Your options**" in body["replies"][0]["text"]
    assert body["replies"][0]["buttons"] == [{"title": "Other options", "payload": "/menu"}]


async def test_each_session_keeps_its_own_sender(client: Client, rasa: WebStubRasa) -> None:
    one, two = await start(client), await start(client)
    for session in (one, two, one):
        await send(client, session, "hi")
    senders = [s for s, _ in rasa.received]
    assert senders[0] == senders[2] != senders[1]


# --- Refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'"text"', b"", b'{"session": "x", "text": 5}'])
async def test_malformed_body_is_a_400_with_a_kind_message(client: Client, rasa: WebStubRasa, body: bytes) -> None:
    session = await start(client)
    if b"session" in body:
        body = body.replace(b'"x"', json.dumps(session).encode())
    response = await client.post("/api/message", data=body, headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert (await response.json())["error"] == "bad_request"
    assert rasa.received == []


async def test_empty_message_is_refused(client: Client, rasa: WebStubRasa) -> None:
    response = await send(client, await start(client), "   \n ")
    assert response.status == 400 and (await response.json())["error"] == "empty"
    assert rasa.received == []


async def test_message_over_the_limit_is_a_413_that_says_what_to_do(client: Client, rasa: WebStubRasa) -> None:
    session = await start(client)
    assert (await send(client, session, "x" * 2000)).status == 200
    response = await send(client, session, "x" * 2001)
    assert response.status == 413
    body = await response.json()
    assert body["error"] == "too_long" and "2000 characters" in body["message"] and "shorter parts" in body["message"]
    assert len(rasa.received) == 1


async def test_body_over_the_server_limit_is_a_json_413(client: Client) -> None:
    response = await client.post("/api/message", data=b'{"text": "' + b"x" * 70_000 + b'"}')
    assert response.status == 413
    assert (await response.json())["error"] == "too_long"


@pytest.mark.parametrize("session", [None, 5, "", "short", "has spaces in it and is long enough", "x" * 65])
async def test_missing_or_malformed_session_is_a_401(client: Client, session: Any) -> None:
    response = await client.post("/api/message", json={"session": session, "text": "hello"})
    assert response.status == 401
    assert (await response.json())["error"] == "no_session"


async def test_unknown_session_is_a_410(client: Client, rasa: WebStubRasa) -> None:
    response = await send(client, "A" * 43, "hello")
    assert response.status == 410
    body = await response.json()
    assert body["error"] == "session_ended" and body["message"]
    assert rasa.received == []


async def test_session_expires_after_the_tracker_ttl_of_silence(client: Client) -> None:
    clock = Clock()
    channel = client.app[WEB]  # type: ignore[index]
    channel.sessions = MemorySessions(channel.settings.tracker_ttl_seconds, clock=clock)
    session = await start(client)
    clock.now = 1799
    assert (await send(client, session, "hello")).status == 200
    clock.now = 1799 + 1799  # each message restarts the clock, as in Rasa's tracker store
    assert (await send(client, session, "hello")).status == 200
    clock.now += 1800
    assert (await send(client, session, "hello")).status == 410


async def test_rate_limit_per_session_is_a_429_with_a_kind_message(pack: ContentPack, rasa: WebStubRasa) -> None:
    client = await make_client(pack, rasa.url, web_session_messages_per_minute=2)
    try:
        session = await start(client)
        assert (await send(client, session, "one")).status == 200
        assert (await send(client, session, "two")).status == 200
        response = await send(client, session, "three")
        assert response.status == 429
        assert response.headers["Retry-After"] == "60"
        message = (await response.json())["message"]
        assert "wait" in message and "999" in message
        assert (await send(client, await start(client), "other session")).status == 200
        assert rasa.messages() == ["one", "two", "other session"]
    finally:
        await client.close()


async def test_rate_limit_per_client_covers_new_sessions_too(pack: ContentPack, rasa: WebStubRasa) -> None:
    client = await make_client(pack, rasa.url, web_client_messages_per_minute=4)
    try:
        sessions = [await start(client), await start(client)]  # two of the four
        assert (await send(client, sessions[0], "a")).status == 200
        assert (await send(client, sessions[1], "b")).status == 200
        assert (await send(client, sessions[0], "c")).status == 429
        assert (await client.post("/api/session")).status == 429
    finally:
        await client.close()


# --- Forget and fallback ------------------------------------------------------------------------


async def test_forget_clears_rasa_and_drops_the_session(client: Client, rasa: WebStubRasa) -> None:
    session = await start(client)
    await send(client, session, "hello")
    # As navigator.sendBeacon sends it: text/plain.
    response = await client.post("/api/forget", data=json.dumps({"session": session}), headers={"Content-Type": "text/plain"})
    assert response.status == 200 and (await response.json()) == {"forgotten": True}
    sender = rasa.received[0][0]
    assert rasa.received[-1] == (sender, "/stop")
    assert (await send(client, session, "hello")).status == 410


async def test_forget_of_an_unused_or_unknown_session_does_not_reach_rasa(client: Client, rasa: WebStubRasa) -> None:
    session = await start(client)
    for value in (session, session, "A" * 43, None):
        response = await client.post("/api/forget", json={"session": value})
        assert response.status == 200 and (await response.json()) == {"forgotten": True}
    assert rasa.received == []
    assert (await client.post("/api/forget", data=b"junk")).status == 400


@pytest.mark.parametrize("word", ["/stop", "Stop", "forget me!"])
async def test_a_stop_word_forgets_the_conversation_and_says_so_instead_of_the_apps_reply(
    client: Client, rasa: WebStubRasa, pack: ContentPack, word: str
) -> None:
    session = await start(client)
    await send(client, session, "hello")
    body = await (await send(client, session, word)).json()
    cleared = pack.channel_text("widget", "cleared")
    assert body == {
        "replies": [{"text": cleared, "blocks": blocks_json(cleared), "buttons": []}],
        "from_rasa": True,
        "forgotten": True,
    }
    sender = rasa.received[0][0]
    assert rasa.messages(sender) == ["hello", "/stop"], "Rasa deletes its copy; the stop word itself is never sent as text"
    assert STOPPED not in json.dumps(body)
    assert (await send(client, session, "hello")).status == 410


@pytest.mark.parametrize("said", ["stop", "leave_now"])
async def test_a_stop_the_model_understood_in_other_words_ends_the_session_too(
    client: Client, rasa: WebStubRasa, pack: ContentPack, said: str
) -> None:
    # "please wipe all of this" (stop) and "someone's coming" (leave_now) both end in action_stop.
    rasa.stop_text = pack.message(said)
    session = await start(client)
    body = await (await send(client, session, "please wipe all of this")).json()
    assert body["forgotten"] is True and body["from_rasa"] is True
    cleared = pack.channel_text("widget", "cleared")
    assert body["replies"] == [{"text": cleared, "blocks": blocks_json(cleared), "buttons": []}]
    assert (await send(client, session, "hello")).status == 410


async def test_a_stop_rasa_could_not_confirm_still_ends_the_session_and_says_so(
    client: Client, rasa: WebStubRasa, pack: ContentPack
) -> None:
    session = await start(client)
    await send(client, session, "hello")
    rasa.down = True
    body = await (await send(client, session, "stop")).json()
    assert body["forgotten"] is True and body["from_rasa"] is False
    assert body["replies"][0]["text"] == pack.channel_text("widget", "cleared_here_only", minutes="30")
    assert (await send(client, session, "hello")).status == 410


async def test_the_widget_knows_the_stop_words_and_the_forget_time(client: Client, pack: ContentPack) -> None:
    script = await (await client.get("/widget.js")).text()
    boot = json.loads(re.search(r"var BOOT = (\{.*?\});\n", script).group(1))  # type: ignore[union-attr]
    assert {"stop", "/stop", "forget me", "exit"} <= set(boot["stop_words"])
    assert boot["expires_in"] == 1800
    assert "30 minutes" in boot["labels"]["cleared_here_only"]
    assert boot["labels"]["counter"] == "{count} of 2000 characters"


async def test_rasa_down_answers_with_static_helplines(pack: ContentPack) -> None:
    client = await make_client(pack, "http://127.0.0.1:9/webhooks/rest/webhook")
    try:
        response = await send(client, await start(client), "hello")
        assert response.status == 200
        body = await response.json()
        assert body["from_rasa"] is False
        text = "\n".join(r["text"] for r in body["replies"])
        assert "999" in text and "116 123" in text
    finally:
        await client.close()


async def test_rasa_error_answers_with_static_helplines(client: Client, rasa: WebStubRasa) -> None:
    rasa.down = True
    body = await (await send(client, await start(client), "hello")).json()
    assert body["from_rasa"] is False and "116 123" in body["replies"][0]["text"]


# --- Headers, CORS, cookies ---------------------------------------------------------------------


async def test_security_headers_on_every_response(client: Client) -> None:
    session = await start(client)
    responses = [
        await client.get("/"),
        await client.get("/embed"),
        await client.get("/widget.js"),
        await client.get("/widget.css"),
        await client.get("/healthz"),
        await client.get("/no-such-page"),
        await client.post("/api/session"),
        await send(client, session, "hello"),
        await send(client, session, "x" * 5000),
        await client.post("/api/message", data=b"junk"),
        await client.post("/api/forget", json={"session": session}),
    ]
    for response in responses:
        headers = response.headers
        where = f"{response.method} {response.url.path} ({response.status})"
        assert "Set-Cookie" not in headers, where
        assert headers["X-Content-Type-Options"] == "nosniff", where
        assert headers["Referrer-Policy"] == "no-referrer", where
        assert "Content-Security-Policy" in headers, where
        assert "unsafe-inline" not in headers["Content-Security-Policy"], where
        assert "no-store" in headers["Cache-Control"], where
    assert not any(c for r in responses for c in r.cookies.values())


async def test_demo_page_policy_allows_only_our_files_and_allowed_framers(client: Client) -> None:
    for path in ("/", "/embed"):
        csp = (await client.get(path)).headers["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if " " in d.strip())
        assert directives["default-src"] == "'none'"
        assert directives["script-src"] == "'self'"
        assert directives["style-src"] == "'self'"
        assert directives["connect-src"] == "'self'"
        assert directives["frame-ancestors"] == f"'self' {ALLOWED}"
        assert directives["require-trusted-types-for"] == "'script'"
    api_csp = (await client.post("/api/session")).headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in api_csp and "default-src 'none'" in api_csp


async def test_widget_files_may_be_loaded_by_other_sites(client: Client) -> None:
    script = await client.get("/widget.js")
    assert script.content_type == "text/javascript"
    assert script.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    style = await client.get("/widget.css")
    assert style.content_type == "text/css"


async def test_cors_for_an_allowed_origin(client: Client) -> None:
    preflight = await client.options(
        "/api/message",
        headers={"Origin": ALLOWED, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"},
    )
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Headers"].lower() == "content-type"
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    response = await client.post("/api/session", headers={"Origin": ALLOWED})
    assert response.status == 200 and response.headers["Access-Control-Allow-Origin"] == ALLOWED
    refusal = await send(client, "A" * 43, "hello", headers={"Origin": ALLOWED})
    assert refusal.status == 410 and refusal.headers["Access-Control-Allow-Origin"] == ALLOWED


async def test_cors_refused_for_any_other_origin(client: Client, rasa: WebStubRasa) -> None:
    session = await start(client)
    preflight = await client.options("/api/message", headers={"Origin": REFUSED, "Access-Control-Request-Method": "POST"})
    assert preflight.status == 403 and "Access-Control-Allow-Origin" not in preflight.headers
    for origin in (REFUSED, "null", ALLOWED + ".evil.example"):
        response = await send(client, session, "hello", headers={"Origin": origin})
        assert response.status == 403, origin
        assert "Access-Control-Allow-Origin" not in response.headers
    forget = await client.post("/api/forget", json={"session": session}, headers={"Origin": REFUSED})
    assert forget.status == 403
    assert rasa.received == []


async def test_same_origin_needs_no_listing(client: Client) -> None:
    origin = str(client.make_url("/").origin())
    response = await client.post("/api/session", headers={"Origin": origin})
    assert response.status == 200 and "Access-Control-Allow-Origin" not in response.headers


# --- Privacy in logs ----------------------------------------------------------------------------


async def test_no_text_session_sender_or_address_reaches_the_logs(
    client: Client, rasa: WebStubRasa, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    canary = "CANARY-my-sergeant-did-this-0790"
    session = await start(client)
    await send(client, session, canary)
    await send(client, session, canary * 100)  # refused as too long
    await client.post("/api/message", data=canary.encode())  # malformed
    await send(client, "B" * 43, canary)  # unknown session
    rasa.down = True
    await send(client, session, canary)  # fallback path logs a warning
    await client.post("/api/forget", json={"session": session})
    sender = rasa.received[0][0]
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    for secret in (canary, session, sender, "127.0.0.1"):
        assert secret not in logged


# --- Branding and settings ----------------------------------------------------------------------


def branded_pack(tmp_path: Path, branding: dict[str, Any]) -> ContentPack:
    shutil.copytree(ROOT / "data" / "content", tmp_path / "content")
    pack_file = tmp_path / "content" / "en" / "pack.yml"
    data = yaml.safe_load(pack_file.read_text())
    data["branding"] = branding
    pack_file.write_text(yaml.safe_dump(data))
    return load_pack(tmp_path / "content", "en")


async def test_branding_from_the_pack_reaches_page_and_session(tmp_path: Path, rasa: WebStubRasa) -> None:
    pack = branded_pack(
        tmp_path,
        {
            "title": "Help & <Support>",
            "colours": {"primary": "#4b0f52", "on_primary": "#ffffff"},
            "avatar_url": "https://cdn.charity.example/avatar.png",
            "intro": "Hello from the charity.",
            "exit_url": "https://www.gov.uk/",
        },
    )
    client = await make_client(pack, rasa.url)
    try:
        config = await (await client.post("/api/session")).json()
        assert config["branding"] == {
            "title": "Help & <Support>",
            "primary": "#4b0f52",
            "on_primary": "#ffffff",
            "avatar_url": "https://cdn.charity.example/avatar.png",
            "intro": "Hello from the charity.",
        }
        assert config["exit_url"] == "https://www.gov.uk/"  # the pack's exit_url wins over WEB_EXIT_URL
        page = await client.get("/")
        html = await page.text()
        assert "Help &amp; &lt;Support&gt;" in html and "<Support>" not in html
        assert "img-src 'self' https://cdn.charity.example;" in page.headers["Content-Security-Policy"]
    finally:
        await client.close()


def test_branding_is_optional_with_safe_defaults(pack: ContentPack) -> None:
    default = Branding()
    assert default.title is None and default.exit_url is None and default.avatar_url is None
    assert pack.info.branding.exit_url is None, "the default pack leaves quick exit to WEB_EXIT_URL"


@pytest.mark.parametrize(
    "branding,problem",
    [
        ({"colours": {"primary": "#7f8c8d", "on_primary": "#ffffff"}}, "contrast"),
        ({"colours": {"primary": "blue"}}, "pattern"),
        ({"avatar_url": "http://insecure.example/a.png"}, "https"),
        ({"exit_url": "javascript:alert(1)"}, "https"),
        ({"tagline": "unknown field"}, "Extra inputs"),
    ],
)
def test_unsafe_branding_is_refused(branding: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        Branding.model_validate(branding)


def test_contrast_rule_matches_wcag() -> None:
    BrandColours(primary="#0b0c0c", on_primary="#ffffff")
    BrandColours(primary="#ffdd00", on_primary="#0b0c0c")
    with pytest.raises(ValidationError, match=r"4\.5:1"):
        BrandColours(primary="#ffffff", on_primary="#ffdd00")


@pytest.mark.parametrize(
    "overrides",
    [
        {"web_allowed_origins": ("*",)},
        {"web_allowed_origins": ("https://charity.example/path",)},
        {"web_exit_url": "javascript:alert(1)"},
        {"web_exit_url": 'https://example.org/"><script>'},
    ],
)
def test_unsafe_settings_stop_the_gateway(pack: ContentPack, overrides: dict[str, Any]) -> None:
    with pytest.raises(SystemExit):
        web_gateway(pack, "http://127.0.0.1:9/webhooks/rest/webhook", **overrides)


# --- The widget's own files ---------------------------------------------------------------------


def test_widget_never_parses_html_or_stores_anything() -> None:
    source = (STATIC_DIR / "widget.js").read_text()
    code = re.sub(r"/\*.*?\*/", "", source, flags=re.S)  # comments may name what is avoided
    for forbidden in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        "localStorage",
        "sessionStorage",
        "document.cookie",
        "indexedDB",
        "setAttribute('style'",
    ):
        assert forbidden not in code, forbidden
    # Replies come parsed as blocks (bot/content/markup.py): no Markdown or phone-number patterns here.
    for pattern in (r"\*\*", r"(?:\+44", "PHONE =", "EMAIL ="):
        assert pattern not in code, pattern
    # The exit address comes from the gateway (WEB_EXIT_URL) in the boot data, never from the file itself.
    assert not re.search(r"https?://", code), "no external addresses in the widget's code"


def test_pages_and_styles_load_nothing_from_elsewhere() -> None:
    for name in ("demo.html", "embed.html"):
        page = (STATIC_DIR / name).read_text()
        assert "<style" not in page and " style=" not in page
        assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", page)), "no inline script"
        assert "http" not in page
    for name in ("widget.css", "demo.css"):
        css = (STATIC_DIR / name).read_text()
        assert "@import" not in css and "url(" not in css and "@font-face" not in css


async def test_healthz_still_answers(client: Client) -> None:
    response = await client.get("/healthz")
    assert response.status == 200 and (await response.json()) == {"status": "ok"}


async def test_web_channel_attaches_through_default_channels(pack: ContentPack, rasa: WebStubRasa) -> None:
    from bot.gateway.app import default_channels

    assert any(getattr(setup, "__module__", "") == "bot.gateway.web.channel" for setup in default_channels())
    app: web.Application = web_gateway(pack, rasa.url)
    assert WEB in app
