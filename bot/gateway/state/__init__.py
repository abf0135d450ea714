"""Where the gateway keeps its short-lived state: this process's memory, or Redis shared by several gateways.

The gateway holds four kinds of state, none of it a message's text or a Telegram chat id:

- web sessions: the SHA-256 of a widget session id -> the random sender id Rasa sees, and whether it was used;
- rate counters: events per key (a hash, never an address or a session id) in the current fixed window;
- Telegram message ids per sender hash, so /exit can delete them (48 hours at most);
- Telegram button ids -> (sender hash, the payload the button sends).

`memory.MemoryState` (the default) keeps them in this process: nothing on disk, all gone on restart, fine
for one gateway. `redis.RedisState` is used only when REDIS_HOST is set: every key under one prefix and
with an expiry, so gateways behind a load balancer share the state. `base` holds what both speak: the
interfaces, `StateUnavailableError` with `or_default`, and the 48-hour rule for Telegram message ids.

The channels see the same async interfaces either way. A Redis store that cannot answer quickly raises
`StateUnavailableError`; the channels then still answer (with the static crisis and helpline content when they
can do no better) and never fail a request or hang because of it: each call names its fallback with
`or_default`. Per-chat locks stay in each process (telegram/chats.py): they only order one chat's turns
inside one gateway.
"""

from __future__ import annotations

from bot.gateway.state.base import GatewayState
from bot.gateway.state.memory import MemoryState
from bot.settings import Settings


def open_state(settings: Settings) -> GatewayState:
    """Redis when REDIS_HOST is set (gateways then share their state), otherwise this process's memory."""
    if not settings.redis_host:
        return MemoryState()
    from bot.gateway.state.redis import RedisState  # only imported (and connected) when asked for

    return RedisState.from_settings(settings)
