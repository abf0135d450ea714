"""The Telegram channel: python-telegram-bot inside the gateway's event loop, polling or webhook.

`setup(app)` attaches it to the gateway. Without TELEGRAM_BOT_TOKEN it logs one line and does
nothing. With TELEGRAM_WEBHOOK_URL it registers POST /telegram/webhook (checked against
TELEGRAM_WEBHOOK_SECRET) instead of polling. Only `message` and `callback_query` updates are
asked for. Start-up failures (Telegram unreachable) are retried in the background so the rest of
the gateway keeps serving; conversation handling lives in `conversation`.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any, Optional

from aiohttp import web
from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import AIORateLimiter, Application, ContextTypes, TypeHandler

from bot.content.loader import ContentPack
from bot.gateway.keys import PACK, PACK_LISTENERS, RASA, SETTINGS, STATE
from bot.gateway.rasa_client import RasaClient
from bot.gateway.state.base import GatewayState
from bot.gateway.telegram.conversation import Conversation
from bot.privacy import NOISY_LOGGERS
from bot.settings import Settings

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
#: An update's body must have arrived whole within this (Telegram sends small bodies at once).
WEBHOOK_BODY_TIMEOUT_SECONDS = 10.0
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name, not a secret)
#: Nothing else is delivered: no edits, no channel posts, no member changes, no inline queries.
#: Edited messages too: a crisis typed as an edit must be answered like any other message.
ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]
#: Updates handled at once across all chats; one chat's messages still go one at a time.
CONCURRENT_UPDATES = 64
#: What Telegram accepts as a webhook secret.
_SECRET_FORMAT = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

TelegramApplication = Application[Any, Any, Any, Any, Any, Any]


def api_urls(api_url: str) -> tuple[str, str]:
    """TELEGRAM_API_URL (a self-hosted Bot API server's root) -> python-telegram-bot's base_url and base_file_url.

    python-telegram-bot appends the token to each (".../bot" + token + "/sendMessage").
    """
    root = api_url.rstrip("/")
    if root.endswith("/bot"):
        root = root[: -len("/bot")]
    return f"{root}/bot", f"{root}/file/bot"


def check_shared_state_settings(settings: Settings) -> None:
    """Refuse shared state (REDIS_HOST) without TELEGRAM_HMAC_KEY.

    Every gateway must hash a chat id the same way, or a chat's turns, message ids and buttons would
    scatter over as many conversations as there are gateways.
    """
    if settings.redis_host and not settings.telegram_hmac_key.get_secret_value():
        raise SystemExit(
            "error: REDIS_HOST is set (gateways share their state) but TELEGRAM_HMAC_KEY is not; "
            "set the same secret TELEGRAM_HMAC_KEY on every gateway"
        )


def check_webhook_settings(settings: Settings) -> None:
    """Refuse to start webhook mode without a usable secret: anyone could post fake updates."""
    if not settings.telegram_webhook_url:
        return
    if not settings.telegram_webhook_secret.get_secret_value():
        raise SystemExit("error: TELEGRAM_WEBHOOK_URL is set but TELEGRAM_WEBHOOK_SECRET is not; a webhook needs a secret")
    if not _SECRET_FORMAT.match(settings.telegram_webhook_secret.get_secret_value()):
        raise SystemExit("error: TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
    if not settings.telegram_webhook_url.startswith("https://"):
        raise SystemExit("error: TELEGRAM_WEBHOOK_URL must be an https:// address (Telegram only calls HTTPS webhooks)")


class TelegramChannel:
    """Owns the python-telegram-bot Application for the life of the gateway."""

    def __init__(
        self,
        settings: Settings,
        pack: ContentPack,
        rasa: RasaClient,
        poll_timeout: float = 10.0,
        retry_delay: float = 5.0,
        state: Optional[GatewayState] = None,
    ) -> None:
        self.settings = settings
        self.conversation = Conversation(settings, pack, rasa, state=state)
        self.poll_timeout = poll_timeout
        self.retry_delay = retry_delay
        self.application: Optional[TelegramApplication] = None
        self.ready = asyncio.Event()
        self._starting: Optional[asyncio.Task[None]] = None

    @property
    def webhook_mode(self) -> bool:
        return bool(self.settings.telegram_webhook_url)

    def build(self) -> TelegramApplication:
        builder = (
            Application.builder()
            .token(self.settings.telegram_bot_token.get_secret_value())
            # Outgoing flood control; one retry after Telegram's RetryAfter.
            .rate_limiter(AIORateLimiter(max_retries=1))
            .concurrent_updates(CONCURRENT_UPDATES)
            .job_queue(None)
        )
        if self.settings.telegram_api_url:
            base_url, base_file_url = api_urls(self.settings.telegram_api_url)
            builder = builder.base_url(base_url).base_file_url(base_file_url)
        if self.webhook_mode:
            builder = builder.updater(None)
        application: TelegramApplication = builder.build()
        application.add_handler(TypeHandler(Update, self.conversation.handle_update))
        application.add_error_handler(self._on_error)
        return application

    @staticmethod
    async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # The error's class only: its text or the update could hold a message or a chat id.
        logger.error("Telegram handler error (%s)", type(context.error).__name__)

    async def start(self, application: TelegramApplication) -> None:
        await application.initialize()  # getMe: checks the token
        if self.webhook_mode:
            await application.bot.set_webhook(
                self.settings.telegram_webhook_url,
                secret_token=self.settings.telegram_webhook_secret.get_secret_value(),
                allowed_updates=ALLOWED_UPDATES,
            )
        else:
            assert application.updater is not None
            # Not dropping pending updates: a message sent while we were down still gets an answer.
            await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES, timeout=timedelta(seconds=self.poll_timeout))
        await application.start()

    async def start_with_retries(self) -> None:
        """Start, retrying with back-off while Telegram is unreachable; give up only on a bad token."""
        application = self.application = self.build()
        delay = self.retry_delay
        while True:
            try:
                await self.start(application)
            except InvalidToken:
                # Its message quotes the token: the class name only, as everywhere.
                logger.error("Telegram refused TELEGRAM_BOT_TOKEN; Telegram is off until it is fixed")
                await self.stop_application(application)
                self.application = None
                return
            except (TelegramError, OSError) as error:
                logger.warning("Telegram could not start (%s); trying again in %.0f s", type(error).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 300.0)
                continue
            self.ready.set()
            logger.info("Telegram is on (%s)", "webhook" if self.webhook_mode else "polling")
            return

    @staticmethod
    async def stop_application(application: TelegramApplication) -> None:
        try:
            if application.updater is not None and application.updater.running:
                await application.updater.stop()
            if application.running:
                await application.stop()  # waits for updates being handled
            await application.shutdown()
            await application.bot.shutdown()  # closes the HTTP clients even if start-up never finished
        except (TelegramError, OSError, RuntimeError) as error:
            logger.warning("Telegram did not stop cleanly (%s)", type(error).__name__)

    async def stop(self) -> None:
        self.ready.clear()
        if self._starting is not None and not self._starting.done():
            self._starting.cancel()
            try:
                await self._starting
            except asyncio.CancelledError:
                pass
        if self.application is not None:
            # The webhook stays registered: Telegram keeps updates for us until we are back.
            await self.stop_application(self.application)
            self.application = None

    async def lifetime(self, app: web.Application) -> AsyncIterator[None]:
        """aiohttp cleanup context: start with the gateway, stop before the Rasa client closes."""
        for name in NOISY_LOGGERS:
            # Their INFO and DEBUG lines carry request URLs (with the token) and whole updates.
            logging.getLogger(name).setLevel(logging.WARNING)
        self._starting = asyncio.create_task(self.start_with_retries(), name="telegram-start")
        yield
        await self.stop()

    async def webhook(self, request: web.Request) -> web.Response:
        """POST /telegram/webhook: only Telegram knows the secret; the update is queued and answered 200 at once."""
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(
            given.encode("utf-8"), self.settings.telegram_webhook_secret.get_secret_value().encode("utf-8")
        ):
            return web.Response(status=403)
        application = self.application
        if application is None or not self.ready.is_set():
            return web.Response(status=503)  # Telegram retries later
        try:
            raw = await asyncio.wait_for(request.read(), WEBHOOK_BODY_TIMEOUT_SECONDS)
        except asyncio.TimeoutError:
            return web.Response(status=408, headers={"Connection": "close"})  # a trickling body holds nothing up
        try:
            data = json.loads(raw or b"null")
            if not isinstance(data, dict):
                raise ValueError("not an object")
            update = Update.de_json(data, application.bot)
        except (ValueError, KeyError, TypeError, AttributeError, OverflowError, RecursionError):
            # Not an update python-telegram-bot can read (a field of the wrong type, a date out of
            # range, nesting too deep): refused, never a 500.
            return web.Response(status=400)
        await application.update_queue.put(update)
        return web.Response(status=200)


TELEGRAM: web.AppKey[TelegramChannel] = web.AppKey("telegram", TelegramChannel)


def setup(
    app: web.Application,
    *,
    poll_timeout: float = 10.0,
    retry_delay: float = 5.0,
) -> None:
    """Attach the Telegram channel to the gateway (or log that it is off)."""
    settings = app[SETTINGS]
    if not settings.telegram_bot_token.get_secret_value():
        logger.info("Telegram is off (TELEGRAM_BOT_TOKEN not set)")
        return
    check_webhook_settings(settings)
    check_shared_state_settings(settings)
    channel = TelegramChannel(settings, app[PACK], app[RASA], poll_timeout, retry_delay, state=app[STATE])
    app[TELEGRAM] = channel
    app[PACK_LISTENERS].append(channel.conversation.use_pack)
    if channel.webhook_mode:
        app.router.add_post(WEBHOOK_PATH, channel.webhook)
    app.cleanup_ctx.append(channel.lifetime)
