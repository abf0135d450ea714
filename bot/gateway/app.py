"""The gateway's aiohttp server: channels on one port, Rasa behind it. Run as `python -m bot.gateway`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from bot.content.loader import ContentPack
from bot.content.reload import RELOAD_CHECK_SECONDS, PackHolder
from bot.gateway.keys import PACK, PACK_LISTENERS, RASA, SETTINGS, STATE
from bot.gateway.rasa_client import RasaClient
from bot.gateway.state import open_state
from bot.gateway.state.base import GatewayState
from bot.gateway.telegram import channel as telegram
from bot.gateway.web import channel as web_channel
from bot.settings import Settings

logger = logging.getLogger(__name__)

__all__ = ["PACK", "PACK_LISTENERS", "RASA", "SETTINGS", "STATE", "create_app", "default_channels", "main"]

#: Each channel module offers `setup(app) -> None`; they are attached in this order.
ChannelSetup = Callable[[web.Application], None]


async def healthz(request: web.Request) -> web.Response:
    """Liveness for the supervisor and container probes. Says nothing about conversations.

    With Redis down the gateway is degraded, not dead: it still answers every survivor (at least with
    the static crisis content), so the answer stays 200 and a probe never takes every gateway away.
    """
    if await request.app[STATE].healthy():
        return web.json_response({"status": "ok"})
    return web.json_response({"status": "degraded", "reason": "state store (Redis) unavailable"})


def create_app(
    settings: Settings | None = None,
    pack: ContentPack | None = None,
    rasa: RasaClient | None = None,
    channels: list[ChannelSetup] | None = None,
    state: GatewayState | None = None,
    packs: PackHolder | None = None,
) -> web.Application:
    """Build the gateway. Channels default to every channel module available; state to `open_state`.

    Without a `pack` the gateway loads its own (data/content plus any CONTENT_DIR overlay) through
    `packs` (a PackHolder) and follows it: a changed pack file (the content studio's publish, an
    edit by hand) reaches the web widget, Telegram and the crisis check within seconds, as it
    reaches the action server. A `pack` given (tests) is used as it is.
    """
    settings = settings or Settings()
    if pack is None:
        packs = packs or PackHolder()
        pack = packs.get()
    app = web.Application(client_max_size=64 * 1024)
    app[SETTINGS] = settings
    app[PACK] = pack
    app[RASA] = rasa or RasaClient(settings.rest_webhooks, pack, timeout=settings.rasa_timeout_seconds)
    app[STATE] = state or open_state(settings)
    listeners: list[Callable[[ContentPack], None]] = [app[RASA].use_pack]
    app[PACK_LISTENERS] = listeners
    app.router.add_get("/healthz", healthz)
    for setup in channels if channels is not None else default_channels():
        setup(app)
    if packs is not None:
        app.cleanup_ctx.append(_following(packs))

    async def close_clients(app: web.Application) -> None:
        await app[RASA].close()
        await app[STATE].close()

    app.on_cleanup.append(close_clients)
    return app


def _following(packs: PackHolder, interval: float = RELOAD_CHECK_SECONDS) -> Callable[[web.Application], AsyncIterator[None]]:
    """While the gateway runs, a task that looks at the pack's files and hands a changed pack to every listener."""

    async def follow(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(follow_pack(app, packs, interval))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return follow


async def follow_pack(app: web.Application, packs: PackHolder, interval: float = RELOAD_CHECK_SECONDS) -> None:
    """Every `interval` seconds, reload the pack if a file changed (in a thread: loading takes a CPU second or
    two, and survivors' requests must not wait for it) and give a new one to each of app[PACK_LISTENERS].

    A listener that can't use the new pack keeps its previous one; the log names the listener, never any text.
    """
    current = app[PACK]
    while True:
        await asyncio.sleep(interval)
        try:
            pack = await asyncio.to_thread(packs.get)
        except Exception as error:  # the watcher outlives any surprise: the previous pack keeps serving
            logger.error("content pack check failed (%s); still serving the previous one", type(error).__name__)
            continue
        if pack is current:
            continue
        current = pack
        for listener in app[PACK_LISTENERS]:
            try:
                listener(pack)
            except (Exception, SystemExit) as error:  # SystemExit: a setting the new pack breaks (the exit URL)
                logger.error("%s could not use the reloaded content pack (%s)", _name(listener), type(error).__name__)
        logger.info("gateway now speaks from the reloaded content pack")


def _name(listener: Callable[[ContentPack], None]) -> str:
    owner = getattr(listener, "__self__", None)
    return type(owner).__name__ if owner is not None else getattr(listener, "__qualname__", "a listener")


def default_channels() -> list[ChannelSetup]:
    """Every channel, in order: the web widget, then Telegram (which stays off without a token)."""
    return [web_channel.setup, telegram.setup]


def main() -> None:
    from bot.privacy import install_log_redaction

    settings = Settings()
    install_log_redaction(settings.log_level)
    app = create_app(settings)
    where = "in Redis, shared by every gateway" if app[STATE].kind == "redis" else "in this process's memory"
    logger.info("Gateway listening on http://%s:%s; sessions and ids kept %s", settings.host, settings.gateway_port, where)
    # access_log=None: no client addresses or paths in any log.
    web.run_app(app, host=settings.host, port=settings.gateway_port, access_log=None, print=None)
