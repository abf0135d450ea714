"""What the gateway's app holds for its channels: the settings, the content pack, the Rasa client and the state.

Its own module so that the channels (web/, telegram/) and the app that mounts them (app.py) both import
it, and neither imports the other round a cycle.
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from bot.content.loader import ContentPack
from bot.gateway.rasa_client import RasaClient
from bot.gateway.state.base import GatewayState
from bot.settings import Settings

#: The pack the gateway started with; a changed pack reaches the channels through PACK_LISTENERS.
PACK: web.AppKey[ContentPack] = web.AppKey("pack", ContentPack)
#: What each part built from the pack calls to use a reloaded one (the web channel, Telegram, the Rasa client).
PACK_LISTENERS: web.AppKey[list[Callable[[ContentPack], None]]] = web.AppKey("pack_listeners")
RASA: web.AppKey[RasaClient] = web.AppKey("rasa", RasaClient)
SETTINGS: web.AppKey[Settings] = web.AppKey("settings", Settings)
#: Sessions, counters, Telegram ids: in memory, or in Redis shared with other gateways (bot/gateway/state/).
STATE: web.AppKey[GatewayState] = web.AppKey("state")
