"""The web channel: the widget's two files, a demo page, and a small JSON chat API in front of Rasa.

Routes (all on the gateway's port):

- ``GET /`` demo host page; ``GET /embed`` the one ``<script>`` tag a charity pastes, shown inline.
- ``GET /widget.js``, ``GET /widget.css``: the widget (no framework, no CDN, no web font).
- ``POST /api/session``: a random session id, mapped here to a random Rasa sender id; with it the
  branding, the exit URL and the static crisis content, which the page holds in memory.
- ``POST /api/message`` ``{session, text}``: forwards to Rasa, returns ``{replies, from_rasa}``, each reply
  with its ``text`` (the content's Markdown subset), its ``blocks`` (the same text as safe structure,
  bot/content/markup.py, which the widget shows without parsing anything) and its ``buttons``; a stop
  word (commands.yml) or a stop Rasa understood ends the session and returns ``forgotten`` instead.
- ``POST /api/forget`` ``{session}``: clears the conversation in Rasa and drops the session.

What is kept (in memory, or in Redis shared by every gateway when REDIS_HOST is set; bot/gateway/state/):
the session -> sender map, keyed by a hash of the session id, for ``tracker_ttl_seconds`` after the last
message; rate counters (keyed by that hash, or by a keyed hash of the client address) for one minute.
Without Redis a message still gets the static crisis content. Nothing is logged about a request: no
text, no session or sender id, no address.
No cookie is ever set. Behaviour and headers are written down in docs/web-widget.md.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import json
import logging
import re
import secrets
import string
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlsplit

from aiohttp import web

from bot.content.loader import ContentPack
from bot.content.markup import blocks_json
from bot.content.render import Reply, static_fallback
from bot.content.schema import CHANNEL_TEXTS, normalise_phone
from bot.gateway.keys import PACK, PACK_LISTENERS, RASA, SETTINGS, STATE
from bot.gateway.state.base import GatewayState, Limiter, StateUnavailableError, WebSession, or_default
from bot.gateway.state.memory import MemoryState
from bot.gateway.web.pages import page_texts
from bot.settings import Settings
from rasa_plugins.command_map import CommandMap

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
API_PREFIX = "/api/"
RATE_WINDOW_SECONDS = 60.0
#: A request body must have arrived whole within this; a trickling body (a slowloris) gets a 408.
BODY_TIMEOUT_SECONDS = 10.0

_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")
_EXIT_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?(/[^\s\"'<>\\]*)?$")

#: Every response that sets no policy of its own: nothing may load, nothing may frame it.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

# Kind words for every refusal the widget may show: the keys of their sentences in the content
# pack (channels.yml, group widget_errors), so a charity rewords them and a locale translates them.
MSG_BAD_REQUEST = "bad_request"
MSG_EMPTY = "empty"
MSG_NO_SESSION = "session_ended"
MSG_TOO_LONG = "too_long"
MSG_SLOW_DOWN = "slow_down"
MSG_ORIGIN = "origin_not_allowed"
MSG_TOO_SLOW = "too_slow"
#: Where the gateway puts the widget's words and settings in widget.js as it serves it.
WIDGET_BOOT_MARK = b"/*SG_BOOT*/null"


def safe_dumps(value: Any) -> str:
    """JSON in which `<`, `>` and `&` are escapes: the same data, but no markup even in the raw bytes."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def json_response(data: Any, status: int = 200, headers: Optional[dict[str, str]] = None) -> web.Response:
    return web.json_response(data, status=status, headers=headers, dumps=safe_dumps)


class ApiError(Exception):
    """A refusal with a status, a short code the widget acts on, and a message it can show.

    `message` is the key of the sentence in the content pack (one of the MSG_* keys above); the
    channel puts the pack's words in the answer.
    """

    def __init__(self, status: int, code: str, message: str, headers: Optional[dict[str, str]] = None) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def response(self, channel: WebChannel) -> web.Response:
        text = channel.error_text(self.message)
        body = {"error": self.code, "message": text, "blocks": channel.error_blocks[self.message]}
        return json_response(body, status=self.status, headers=self.headers)


def widget_labels(pack: ContentPack, title: str, settings: Optional[Settings] = None) -> dict[str, str]:
    """The widget's own words (channels.yml, group widget), ready to show: placeholders filled, counts chosen.

    `{count}` in the length counter is left for the widget to fill as the survivor types.
    """
    settings = settings or Settings()
    minutes, limit = str(settings.forget_after_minutes), str(settings.web_max_message_chars)
    labels = {
        key: pack.channel_text("widget", key, title=title, minutes=minutes, limit=limit)
        for key, spec in CHANNEL_TEXTS["widget"].items()
        if not spec.plural
    }
    # Quick exit by keyboard: Shift three times; after one press two are left, after two presses one.
    labels["shift_2"] = pack.channel_text("widget", "shift_presses_left", 2)
    labels["shift_1"] = pack.channel_text("widget", "shift_presses_left", 1)
    return labels


#: Widget words that may hold a phone number (999) and so are sent as blocks too, for tel: links.
RICH_LABELS = ("slow", "not_sent", "not_sent_detail")


def replies_json(replies: list[Reply]) -> list[dict[str, Any]]:
    """Replies for the web API: the text as written, the same text as blocks for the widget, and the buttons."""
    return [
        {"text": r.text, "blocks": blocks_json(r.text), "buttons": [{"title": b.title, "payload": b.payload} for b in r.buttons]}
        for r in replies
    ]


class WebChannel:
    """State of the web channel: sessions, rate limits, the widget's configuration and files."""

    def __init__(self, settings: Settings, pack: ContentPack, state: Optional[GatewayState] = None) -> None:
        self.settings = settings
        state = state or MemoryState()
        self.sessions = state.sessions(settings.tracker_ttl_seconds)
        self.session_limiter = state.limiter("web-session", settings.web_session_messages_per_minute, RATE_WINDOW_SECONDS)
        self.client_limiter = state.limiter("web-client", settings.web_client_messages_per_minute, RATE_WINDOW_SECONDS)
        # Client addresses are only ever used through this keyed hash. Unset, the key dies with the process;
        # gateways sharing Redis need one key (WEB_CLIENT_HASH_KEY) to count an address together.
        self._client_key = settings.web_client_hash_key.get_secret_value().encode("utf-8") or secrets.token_bytes(32)
        if state.kind == "redis" and not settings.web_client_hash_key.get_secret_value():
            logger.warning("WEB_CLIENT_HASH_KEY is not set: this gateway counts the per-address limit on its own")
        self.allowed_origins = _checked_origins(settings.web_allowed_origins)
        self.assets = {name: (STATIC_DIR / name).read_bytes() for name in ("widget.js", "widget.css", "demo.css")}
        if WIDGET_BOOT_MARK not in self.assets["widget.js"]:
            raise SystemExit(f"error: {STATIC_DIR / 'widget.js'} has lost its {WIDGET_BOOT_MARK.decode()} mark")
        self._widget_source = self.assets["widget.js"]
        self.templates = {
            name: string.Template((STATIC_DIR / name).read_text(encoding="utf-8")) for name in ("demo.html", "embed.html")
        }
        self.use_pack(pack)

    def use_pack(self, pack: ContentPack) -> None:
        """Build everything the channel takes from the pack: at start, and again when the gateway reloads it.

        Everything is computed first and assigned at the end, with no await in between: a request sees
        the old pack's words or the new one's, never a mix, and a pack this refuses leaves the old in place.
        """
        settings = self.settings
        branding = pack.info.branding
        exit_url = branding.exit_url or settings.web_exit_url
        if not _EXIT_URL.match(exit_url):
            raise SystemExit(f"error: WEB_EXIT_URL must be a plain http(s) address, not {exit_url!r}")
        title = branding.title or pack.info.bot_name
        commands = StopWords.from_pack(pack)
        error_texts = {
            key: pack.channel_text("widget_errors", key, limit=str(settings.web_max_message_chars))
            for key in CHANNEL_TEXTS["widget_errors"]
        }
        config: dict[str, Any] = {
            "bot_name": pack.info.bot_name,
            "branding": {
                "title": title,
                "primary": branding.colours.primary,
                "on_primary": branding.colours.on_primary,
                "avatar_url": branding.avatar_url,
                "intro": branding.intro,
            },
            "exit_url": exit_url,
            "max_chars": settings.web_max_message_chars,
            "expires_in": settings.tracker_ttl_seconds,
            "fallback": replies_json(static_fallback(pack)),
        }
        labels = widget_labels(pack, title, settings)
        boot = {
            **config,
            "locale": pack.info.locale,
            "labels": labels,
            # The few labels with a number in them, as blocks (their 999 a tel: link, as in a reply).
            "rich": {key: blocks_json(labels[key]) for key in RICH_LABELS},
            # So "stop" clears the screen even when the gateway cannot be reached (the gateway decides otherwise).
            "stop_words": commands.words_for(STOP_INTENT),
            # Service names by phone number (as in a tel: link), so a call button can say whom it calls.
            "services": {normalise_phone(h.phone): h.name for h in pack.helplines.values() if h.phone},
        }
        widget_js = self._widget_source.replace(WIDGET_BOOT_MARK, safe_dumps(boot).encode("utf-8"), 1)
        texts = page_texts(pack, title, max(1, settings.tracker_ttl_seconds // 60))
        avatar_origin = _origin_of(branding.avatar_url) if branding.avatar_url else ""
        ancestors = " ".join(("'self'", *sorted(self.allowed_origins)))

        self.exit_url, self.title, self.locale, self.commands = exit_url, title, pack.info.locale, commands
        #: Rasa's answer to "stop" (messages.yml), to recognise a stop the language model found in other words.
        #: What action_stop says (plain stop, or leaving in a hurry): Rasa has forgotten the conversation.
        self.stop_replies = {pack.message("stop").strip(), pack.message("leave_now").strip()}
        self.error_texts = error_texts
        self.error_blocks = {key: blocks_json(text) for key, text in error_texts.items()}
        #: The part of every /api/session answer that is the same for everyone.
        self.config = config
        #: widget.js carries the pack's words, its language and the crisis content from the start, so
        #: the widget needs nothing from the server to label its buttons or to show help when offline.
        self.labels = labels
        self.assets = {**self.assets, "widget.js": widget_js}
        #: The demo and embed pages' words, from the pack (channels.yml, pages), as HTML.
        self.page_texts = texts
        #: The demo pages' policy: only our own script and style, and framing only by allowed origins.
        self.page_csp = (
            "default-src 'none'; script-src 'self'; style-src 'self'; "
            f"img-src 'self'{' ' + avatar_origin if avatar_origin else ''}; connect-src 'self'; "
            f"base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}; "
            "require-trusted-types-for 'script'; trusted-types 'none'"
        )

    def error_text(self, key: str) -> str:
        """The pack's words for a refusal (channels.yml, widget_errors), such as `too_long`."""
        return self.error_texts[key]

    def client_key(self, request: web.Request) -> str:
        return hmac.new(self._client_key, (request.remote or "").encode(), hashlib.sha256).hexdigest()

    @staticmethod
    async def allow(limiter: Limiter, key: str) -> bool:
        """Count one event. Without the shared store nothing is counted: a limit never keeps a survivor from an answer."""
        return await or_default(limiter.allow(key), True)

    def degraded_answer(self) -> web.Response:
        """The static crisis and helpline content, for a message that cannot reach its session right now."""
        return json_response({"replies": self.config["fallback"], "from_rasa": False})

    def origin_allowed(self, request: web.Request) -> bool:
        """Same origin, no Origin header (not a browser), or one of WEB_ALLOWED_ORIGINS."""
        origin = request.headers.get("Origin")
        if origin is None:
            return True
        return urlsplit(origin).netloc.lower() == request.host.lower() or origin.rstrip("/").lower() in self.allowed_origins

    def cors_origin(self, request: web.Request) -> Optional[str]:
        """The Origin to echo in Access-Control-Allow-Origin: an allowed foreign origin only."""
        origin = request.headers.get("Origin")
        if origin and origin.rstrip("/").lower() in self.allowed_origins:
            return origin
        return None


WEB: web.AppKey[WebChannel] = web.AppKey("web", WebChannel)

STOP_INTENT = "stop"


class StopWords:
    """The pack's exact words for "stop" (commands.yml), which the web channel answers itself."""

    def __init__(self, commands: CommandMap) -> None:
        self.commands = commands

    @classmethod
    def from_pack(cls, pack: ContentPack) -> StopWords:
        return cls(CommandMap.from_content_dir(pack.root.parent, locale=pack.info.locale))

    def is_stop(self, text: str) -> bool:
        return self.commands.intent_for(text) == STOP_INTENT

    def words_for(self, intent: str) -> list[str]:
        """Every command meaning `intent`, in the compared form (lower case, no end punctuation)."""
        return sorted(key for key, value in self.commands.intents.items() if value == intent)


def _checked_origins(origins: tuple[str, ...]) -> frozenset[str]:
    bad = [o for o in origins if not _ORIGIN.match(o.rstrip("/"))]
    if bad:
        raise SystemExit(f"error: WEB_ALLOWED_ORIGINS must list origins such as https://charity.example, not {bad!r}")
    return frozenset(o.rstrip("/").lower() for o in origins)


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# --- Requests -----------------------------------------------------------------------------------

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def api_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every route of the chat API (its sub-app): refuse browsers on origins we were not told about,
    and turn ApiError into its JSON answer. Nothing about the request is logged.

    An unknown path or method under /api/ keeps aiohttp's own 404 or 405, as before the sub-app.
    """
    if request.match_info.http_exception is not None:
        return await handler(request)
    channel = request.config_dict[WEB]
    try:
        if not channel.origin_allowed(request):
            raise ApiError(403, "origin_not_allowed", MSG_ORIGIN)
        return await handler(request)
    except ApiError as error:
        return error.response(channel)


async def read_json(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object, whatever its content type (sendBeacon sends text/plain)."""
    try:
        raw = await asyncio.wait_for(request.read(), BODY_TIMEOUT_SECONDS)
    except web.HTTPRequestEntityTooLarge:
        raise ApiError(413, "too_long", MSG_TOO_LONG) from None
    except asyncio.TimeoutError:
        raise ApiError(408, "too_slow", MSG_TOO_SLOW, headers={"Connection": "close"}) from None
    try:
        data = json.loads(raw or b"null")
    except (ValueError, RecursionError):  # RecursionError: deeply nested arrays or objects
        raise ApiError(400, "bad_request", MSG_BAD_REQUEST) from None
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", MSG_BAD_REQUEST)
    return data


def session_ref(session_id: str) -> str:
    """What the stores see of a session id: its SHA-256. The id is a bearer secret; a dump must not hand it over."""
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


async def find_session(channel: WebChannel, data: dict[str, Any]) -> tuple[str, WebSession]:
    """(session ref, session); ApiError if malformed or ended, StateUnavailableError if the store cannot say."""
    session_id = data.get("session")
    if not isinstance(session_id, str) or not _SESSION_ID.match(session_id):
        raise ApiError(401, "no_session", MSG_NO_SESSION)
    ref = session_ref(session_id)
    session = await channel.sessions.get(ref)
    if session is None:
        raise ApiError(410, "session_ended", MSG_NO_SESSION)
    return ref, session


def slow_down() -> ApiError:
    return ApiError(429, "slow_down", MSG_SLOW_DOWN, headers={"Retry-After": str(int(RATE_WINDOW_SECONDS))})


async def new_session(request: web.Request) -> web.StreamResponse:
    channel = request.config_dict[WEB]
    if not await channel.allow(channel.client_limiter, channel.client_key(request)):
        raise slow_down()
    session_id = secrets.token_urlsafe(32)
    # Degraded: the page still gets its id and the static crisis content; messages sent with it get
    # that content until the store is back, then "session ended" and a new session.
    await or_default(channel.sessions.create(session_ref(session_id), WebSession(sender=secrets.token_hex(16))), None)
    return json_response({"session": session_id, **channel.config})


async def message(request: web.Request) -> web.StreamResponse:
    channel = request.config_dict[WEB]
    data = await read_json(request)
    found = await or_default(find_session(channel, data), None)
    if found is None:
        return channel.degraded_answer()
    ref, session = found
    text = data.get("text")
    if not isinstance(text, str):
        raise ApiError(400, "bad_request", MSG_BAD_REQUEST)
    text = text.strip()
    if not text:
        raise ApiError(400, "empty", MSG_EMPTY)
    if len(text) > channel.settings.web_max_message_chars:
        raise ApiError(413, "too_long", MSG_TOO_LONG)
    # Both counters are always counted, so a flood from one address cannot hide behind new sessions.
    session_ok = await channel.allow(channel.session_limiter, ref)
    client_ok = await channel.allow(channel.client_limiter, channel.client_key(request))
    if not (session_ok and client_ok):
        raise slow_down()
    if channel.commands.is_stop(text):
        # "stop", "Stop and clear" and the other forget-me words: forgotten here and in Rasa, and the
        # answer says so, so the widget clears the screen and words it for a website.
        return forgotten_answer(channel, await forget_session(request, ref))
    session.used = True
    # Without the store the sender is still known, so the message still goes to Rasa; only this restart of the TTL is lost.
    if not await or_default(channel.sessions.update(ref, session), True):
        raise ApiError(410, "session_ended", MSG_NO_SESSION)  # forgotten meanwhile, perhaps on another gateway
    answer = await request.config_dict[RASA].send(session.sender, text, channel="web")
    if answer.from_rasa and any(reply.text.strip() in channel.stop_replies for reply in answer.replies):
        # The model understood a stop in other words: Rasa has deleted the conversation already.
        # Without the store the session expires by itself; Rasa holds nothing for it any more.
        await or_default(channel.sessions.pop(ref), None)
        return forgotten_answer(channel, True)
    return json_response({"replies": replies_json(answer.replies), "from_rasa": answer.from_rasa})


def forgotten_answer(channel: WebChannel, confirmed: bool) -> web.Response:
    """The answer to a stop: the session is gone; `from_rasa` says whether Rasa confirmed it forgot too.

    The reply is the widget's words for it (channels.yml), for any client; the widget clears the
    screen and shows the same words itself.
    """
    text = channel.labels["cleared" if confirmed else "cleared_here_only"]
    return json_response({"replies": replies_json([Reply(text)]), "from_rasa": confirmed, "forgotten": True})


async def forget_session(request: web.Request, ref: str) -> bool:
    """Drop a session and clear its conversation in Rasa; whether both are confirmed gone."""
    try:
        session = await request.config_dict[WEB].sessions.pop(ref)
    except StateUnavailableError:
        # Degraded: the sender cannot be found to tell Rasa; both forget by themselves after the TTL.
        # (Not `or_default`: "the store cannot say" and "no such session" need different answers.)
        return False
    if session is not None and session.used:
        return await request.config_dict[RASA].forget(session.sender)
    return True


async def forget(request: web.Request) -> web.StreamResponse:
    """Clear a conversation now. Idempotent: an unknown session has nothing left to forget."""
    data = await read_json(request)
    session_id = data.get("session")
    if not isinstance(session_id, str):
        return json_response({"forgotten": True})
    return json_response({"forgotten": await forget_session(request, session_ref(session_id))})


async def preflight(request: web.Request) -> web.StreamResponse:
    # Reached only by same-origin or allowed origins (see `api_errors`); CORS headers come from on_prepare.
    return web.Response(status=204)


# --- Pages and files ----------------------------------------------------------------------------


def _page(channel: WebChannel, request: web.Request, template: str) -> web.Response:
    base = str(request.url.origin())
    snippet = f'<script src="{base}/widget.js" defer></script>'
    inline_snippet = f'<div id="support-chat"></div>\n<script src="{base}/widget.js" data-inline="#support-chat" defer></script>'
    body = channel.templates[template].substitute(
        lang=html.escape(channel.locale),
        title=html.escape(channel.title),
        snippet=html.escape(snippet),
        inline_snippet=html.escape(inline_snippet),
        **channel.page_texts,
    )
    return web.Response(
        text=body, content_type="text/html", charset="utf-8", headers={"Content-Security-Policy": channel.page_csp}
    )


async def demo_page(request: web.Request) -> web.StreamResponse:
    return _page(request.config_dict[WEB], request, "demo.html")


async def embed_page(request: web.Request) -> web.StreamResponse:
    return _page(request.config_dict[WEB], request, "embed.html")


def _asset(name: str, content_type: str) -> Handler:
    async def serve(request: web.Request) -> web.StreamResponse:
        return web.Response(
            body=request.config_dict[WEB].assets[name],
            content_type=content_type,
            charset="utf-8",
            # Charity pages on other origins load these files.
            headers={"Cross-Origin-Resource-Policy": "cross-origin"},
        )

    return serve


async def no_favicon(request: web.Request) -> web.StreamResponse:
    """Browsers ask for one on every visit; answering saves an error in the console."""
    return web.Response(status=204)


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """On every response of the gateway: strict defaults, never a cookie, CORS for allowed origins only."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", API_CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers.setdefault("Cache-Control", "no-store")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
    headers.popall("Set-Cookie", None)
    if request.path.startswith(API_PREFIX):
        origin = request.config_dict[WEB].cors_origin(request)
        if origin:
            headers["Access-Control-Allow-Origin"] = origin
            headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
            headers["Access-Control-Allow-Headers"] = "Content-Type"
            headers["Access-Control-Max-Age"] = "600"
        headers["Vary"] = "Origin"


def chat_api() -> web.Application:
    """The widget's JSON API, mounted at /api: its own sub-app, so its middleware touches nothing else."""
    api = web.Application(middlewares=[api_errors])
    api.router.add_post("/session", new_session)
    api.router.add_post("/message", message)
    api.router.add_post("/forget", forget)
    api.router.add_route("OPTIONS", "/{endpoint}", preflight)
    return api


def setup(app: web.Application) -> None:
    """Attach the web channel to the gateway (called by `create_app`)."""
    channel = WebChannel(app[SETTINGS], app[PACK], app[STATE])
    app[WEB] = channel
    app[PACK_LISTENERS].append(channel.use_pack)
    app.router.add_get("/", demo_page)
    app.router.add_get("/embed", embed_page)
    app.router.add_get("/widget.js", _asset("widget.js", "text/javascript"))
    app.router.add_get("/widget.css", _asset("widget.css", "text/css"))
    app.router.add_get("/demo.css", _asset("demo.css", "text/css"))
    app.router.add_get("/favicon.ico", no_favicon)
    app.add_subapp(API_PREFIX.rstrip("/"), chat_api())
    app.on_response_prepare.append(add_security_headers)
    logger.info("Web widget ready; %d other origin(s) may embed it", len(channel.allowed_origins))
