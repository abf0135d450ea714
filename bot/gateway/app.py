"""The gateway's aiohttp server: channels on one port, Rasa behind it. Run as `python -m bot.gateway`."""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiohttp import web

from bot.content.loader import ContentPack, load_pack
from bot.gateway.keys import PACK, RASA, SETTINGS, STATE
from bot.gateway.rasa_client import RasaClient
from bot.gateway.state import open_state
from bot.gateway.state.base import GatewayState
from bot.gateway.telegram import channel as telegram
from bot.gateway.web import channel as web_channel
from bot.settings import Settings

logger = logging.getLogger(__name__)

__all__ = ["PACK", "RASA", "SETTINGS", "STATE", "create_app", "default_channels", "main"]

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
) -> web.Application:
    """Build the gateway. Channels default to every channel module available; state to `open_state`."""
    settings = settings or Settings()
    pack = pack or load_pack()
    app = web.Application(client_max_size=64 * 1024)
    app[SETTINGS] = settings
    app[PACK] = pack
    app[RASA] = rasa or RasaClient(settings.rest_webhooks, pack, timeout=settings.rasa_timeout_seconds)
    app[STATE] = state or open_state(settings)
    app.router.add_get("/healthz", healthz)
    for setup in channels if channels is not None else default_channels():
        setup(app)

    async def close_clients(app: web.Application) -> None:
        await app[RASA].close()
        await app[STATE].close()

    app.on_cleanup.append(close_clients)
    return app


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
