"""A stand-in for Rasa's REST channel for the web widget's tests, and a gateway built around it.

`WebStubRasa` answers `/webhooks/rest/webhook` on loopback like the real assistant's first turns
(a greeting with quick replies, a page of options with a link and phone numbers) and records
what it was sent. `web_gateway` builds the gateway with only the web channel attached.
"""

from __future__ import annotations

import asyncio
from typing import Any, Optional

from aiohttp import web

from bot.content.loader import ContentPack
from bot.gateway.app import create_app
from bot.gateway.rasa_client import RasaClient
from bot.gateway.web import channel as web_channel
from bot.settings import Settings

GREETING = (
    "Hello. I'm Support Guide, an automated assistant. I'm not a person and I'm not the police.\n"
    "You can tell me what's happening in your own words, or pick an option below."
)
GREETING_BUTTONS = [
    {"title": "What are my options?", "payload": "/options"},
    {"title": "Who can I talk to?", "payload": "/helplines"},
]
OPTIONS = (
    "**Your options**\n\n"
    "- Report to the police: 101, or 999 in an emergency\n"
    "- Talk to Samaritans, day or night, on 116 123\n"
    "- Rape Crisis: 0808 500 2222\n\n"
    "More on the [Rape Crisis website](https://rapecrisis.org.uk/)."
)
#: Markup a hostile or broken reply might carry: it must show as text, never as HTML or a script link.
HOSTILE = (
    '<img src=x id="injected"> <script>window.injected = 1</script> '
    "[click me](javascript:window.injected=1) [data](data:text/html,hi) **bold <b>tag</b>**"
)
STOPPED = "I've stopped and cleared this conversation. Nothing is kept."
#: A long answer in three messages, as the helplines topic sends one per region: headings and service cards.
HELPLINES = [
    "**Who can help**\n\nYou can contact:\n\n"
    "**Samaritans**: call 116 123, e-mail jo@samaritans.org\n24 hours a day, every day\n"
    "Anyone who is struggling, about anything.\nhttps://www.samaritans.org/\n\n"
    "**Rape Crisis 24/7 Support Line**: call 0808 500 2222\n24 hours a day, every day\n"
    "Anyone aged 16 or over in England and Wales affected by sexual violence.\nhttps://247sexualabusesupport.org.uk/",
    "**In Scotland**\n\n**Rape Crisis Scotland helpline**: call 08088 01 03 02\nEvery day, 5pm to midnight\n"
    "Anyone in Scotland affected by sexual violence.\nhttps://www.rapecrisisscotland.org.uk/",
    "**In Northern Ireland**\n\n**Domestic and Sexual Abuse Helpline**: call 0808 802 1414\n24 hours a day\n"
    "Anyone in Northern Ireland affected by domestic or sexual abuse.\nhttps://www.nexusni.org/",
]
HELPLINES_BUTTONS = [
    {"title": "Tell me more", "payload": "/tell_me_more"},
    {"title": "Stop and clear", "payload": "/stop"},
]


class WebStubRasa:
    """Rasa's REST webhook on 127.0.0.1; `received` holds (sender, message) in order."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []
        self.down = False
        self.delay = 0.0
        #: Set to the pack's stop reply to answer "please wipe all of this" as Rasa's stop action would.
        self.stop_text: Optional[str] = None
        #: Message -> the REST messages to answer it with (the pack's real replies, for layout tests).
        self.scripted: dict[str, list[dict[str, Any]]] = {}
        self.app = web.Application()
        self.app.router.add_post("/webhooks/rest/webhook", self.webhook)
        self._runner: Optional[web.AppRunner] = None
        self.url = ""

    async def start(self) -> WebStubRasa:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def messages(self, sender: Optional[str] = None) -> list[str]:
        return [m for s, m in self.received if sender is None or s == sender]

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        sender, message = body["sender"], body["message"]
        self.received.append((sender, message))
        if self.down:
            return web.Response(status=503, text="down")
        if self.delay:
            await asyncio.sleep(self.delay)
        answer: list[dict[str, Any]]
        if message in self.scripted:
            answer = self.scripted[message]
        elif message == "/stop":
            answer = [{"text": STOPPED}]
        elif message == "/options":
            answer = [{"text": OPTIONS, "buttons": [{"title": "Other options", "payload": "/menu"}]}]
        elif message == "/helplines":
            answer = [{"text": text} for text in HELPLINES]
            answer[-1]["buttons"] = HELPLINES_BUTTONS
        elif message == "please wipe all of this" and self.stop_text:
            answer = [{"text": self.stop_text}]
        elif message == "show me markup":
            answer = [{"text": HOSTILE}]
        else:
            answer = [{"text": GREETING, "buttons": GREETING_BUTTONS}]
        return web.json_response([{"recipient_id": sender, **item} for item in answer])


def web_gateway(pack: ContentPack, rasa_url: str, **overrides: Any) -> web.Application:
    """The gateway with the web channel only, talking to `rasa_url`."""
    settings = Settings(**overrides)
    rasa = RasaClient(rasa_url, pack, timeout=3)
    return create_app(settings=settings, pack=pack, rasa=rasa, channels=[web_channel.setup])
