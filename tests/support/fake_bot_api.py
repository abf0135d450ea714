"""Offline stand-ins for the Telegram Bot API and Rasa's REST channel, speaking real HTTP.

`FakeBotApi` answers python-telegram-bot at `http://127.0.0.1:<port>/bot<token>/<method>` in the
Bot API's JSON format and records every call. Updates queued with `message()`, `press()` etc.
are served by getUpdates (which long-polls briefly) or posted to a webhook by the test.
`StubRasa` answers `/webhooks/rest/webhook` like Rasa's REST channel and records what it got.
Neither server writes an access log.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Optional

from aiohttp import web

#: A token in the Bot API's format, for the fake server only (the log tests look for it).
FAKE_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"

JSON = dict[str, Any]

#: Fields python-telegram-bot sends as plain strings; everything else is JSON-encoded.
_STRING_FIELDS = {"text", "parse_mode", "secret_token", "url", "callback_query_id", "callback_data"}


@dataclass
class Call:
    method: str
    params: JSON
    #: What the fake answered ("result" of a successful call), None for errors.
    result: Any = None


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


@dataclass
class FakeBotApi:
    token: str
    bot_id: int = 7000001
    calls: list[Call] = field(default_factory=list)
    #: Parameters of every getUpdates (kept apart: polling never stops).
    polls: list[JSON] = field(default_factory=list)
    #: Message ids that deleteMessage(s) refuses, as Telegram does for messages it will not delete.
    refuse_delete: set[int] = field(default_factory=set)
    #: Per method, canned failures to return first: (HTTP status, Bot API error body).
    fail_next: dict[str, list[tuple[int, JSON]]] = field(default_factory=dict)
    #: sendMessage with parse_mode HTML fails like Telegram does when the markup is invalid.
    reject_html: bool = False
    url: str = ""
    _updates: list[JSON] = field(default_factory=list)
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    _callback_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _changed: Optional[asyncio.Condition] = None
    _runner: Optional[web.AppRunner] = None

    # --- server -------------------------------------------------------------------------------

    async def start(self) -> str:
        self._changed = asyncio.Condition()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._file)
        self._runner, self.url = await _serve(app)
        return self.url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _notify(self) -> None:
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()

    async def _file(self, request: web.Request) -> web.Response:
        self.calls.append(Call("FILE_DOWNLOAD", {"path": request.match_info["path"]}))
        await self._notify()
        return web.Response(body=b"")

    async def _params(self, request: web.Request) -> JSON:
        if request.content_type == "application/json":
            return dict(await request.json())
        params: JSON = {}
        for key, value in (await request.post()).items():
            if not isinstance(value, str):
                continue
            if key in _STRING_FIELDS:
                params[key] = value
                continue
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        call = Call(method, params)
        if method == "getUpdates":
            self.polls.append(params)
        else:
            self.calls.append(call)
        failures = self.fail_next.get(method)
        if failures:
            status, body = failures.pop(0)
            await self._notify()
            return web.json_response(body, status=status)
        handler = self._methods().get(method)
        if handler is None:
            await self._notify()
            return web.json_response(
                {"ok": False, "error_code": 400, "description": f"Bad Request: fake has no {method}"}, status=400
            )
        result = await handler(params)
        if isinstance(result, web.Response):
            await self._notify()
            return result
        call.result = result
        await self._notify()
        return web.json_response({"ok": True, "result": result})

    def _methods(self) -> dict[str, Callable[[JSON], Awaitable[Any]]]:
        """Bot API method name -> the fake's implementation."""
        return {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "sendMessage": self._send_message,
            "deleteMessages": self._delete_messages,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "leaveChat": self._leave_chat,
            "getFile": self._get_file,
        }

    @staticmethod
    def _error(description: str, status: int = 400) -> web.Response:
        return web.json_response({"ok": False, "error_code": status, "description": description}, status=status)

    # --- Bot API methods ----------------------------------------------------------------------

    async def _get_me(self, params: JSON) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Support Guide",
            "username": "neutral_test_bot",
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _get_updates(self, params: JSON) -> list[JSON]:
        assert self._changed is not None
        offset = int(params.get("offset") or 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates and float(params.get("timeout") or 0) > 0:
            async with self._changed:
                try:
                    await asyncio.wait_for(self._changed.wait_for(lambda: bool(self._updates)), 0.3)
                except asyncio.TimeoutError:
                    pass
        return list(self._updates)

    async def _delete_webhook(self, params: JSON) -> bool:
        return True

    async def _set_webhook(self, params: JSON) -> bool:
        return True

    async def _send_message(self, params: JSON) -> JSON | web.Response:
        if self.reject_html and params.get("parse_mode") == "HTML":
            return self._error("Bad Request: can't parse entities: unsupported start tag")
        message = self._message(int(params["chat_id"]), self.bot_id, params["text"], from_bot=True)
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _delete_messages(self, params: JSON) -> bool | web.Response:
        if self.refuse_delete.intersection(params["message_ids"]):
            return self._error("Bad Request: message can't be deleted")
        return True

    async def _delete_message(self, params: JSON) -> bool | web.Response:
        if int(params["message_id"]) in self.refuse_delete:
            return self._error("Bad Request: message can't be deleted")
        return True

    async def _answer_callback_query(self, params: JSON) -> bool:
        return True

    async def _leave_chat(self, params: JSON) -> bool:
        return True

    async def _get_file(self, params: JSON) -> JSON:
        return {"file_id": params.get("file_id"), "file_unique_id": "u", "file_path": "photos/file_1.jpg"}

    # --- updates ------------------------------------------------------------------------------

    def _message(self, chat_id: int, user_id: int, text: Optional[str], from_bot: bool = False, **chat: Any) -> JSON:
        chat_info = {"id": chat_id, "type": "private", "first_name": "Private"} | chat
        message: JSON = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat_info,
            "from": {"id": user_id, "is_bot": from_bot, "first_name": "Bot" if from_bot else "Private"},
        }
        if text is not None:
            message["text"] = text
        return message

    def push(self, update: JSON) -> JSON:
        update["update_id"] = next(self._update_ids)
        self._updates.append(update)
        if self._changed is not None:
            asyncio.get_running_loop().create_task(self._notify())
        return update

    def message_update(
        self,
        chat_id: int,
        text: Optional[str] = None,
        username: str = "someone",
        chat_type: str = "private",
        **extra: Any,
    ) -> JSON:
        """A message update (not queued); `extra` adds fields such as photo, voice or sticker."""
        message = self._message(chat_id, chat_id if chat_type == "private" else 4242, text)
        message["from"].update({"username": username, "first_name": username.title()})
        if chat_type != "private":
            message["chat"] = {"id": chat_id, "type": chat_type, "title": "A group"}
        else:
            message["chat"].update({"username": username, "first_name": username.title()})
        message.update(extra)
        return {"message": message}

    def message(self, chat_id: int, text: Optional[str] = None, **kwargs: Any) -> int:
        """Queue a message for getUpdates; returns its message id."""
        update = self.push(self.message_update(chat_id, text, **kwargs))
        return int(update["message"]["message_id"])

    def press_update(self, chat_id: int, data: str, message_id: int = 1) -> JSON:
        return {
            "callback_query": {
                "id": f"cb{next(self._callback_ids)}",
                "from": {"id": chat_id, "is_bot": False, "first_name": "Private"},
                "chat_instance": "ci",
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private", "first_name": "Private"},
                    "text": "…",
                },
            }
        }

    def press(self, chat_id: int, data: str, message_id: int = 1) -> None:
        self.push(self.press_update(chat_id, data, message_id))

    # --- what happened ------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[JSON]:
        return [call.params for call in self.calls if call.method == method]

    def sent_ids(self) -> list[int]:
        """Ids of the messages the bot sent successfully."""
        return [int(call.result["message_id"]) for call in self.calls if call.method == "sendMessage" and call.result]

    def sent_texts(self) -> list[str]:
        return [str(params["text"]) for params in self.calls_to("sendMessage")]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[JSON]:
        """Wait until `method` has been called at least `count` times; return those calls."""
        assert self._changed is not None
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: len(self.calls_to(method)) >= count), timeout)
            except asyncio.TimeoutError:
                raise AssertionError(
                    f"{method} called {len(self.calls_to(method))} times, expected {count}: {[c.method for c in self.calls]}"
                ) from None
        return self.calls_to(method)

    async def settle(self, quiet: float = 0.4) -> None:
        """Wait until no call has arrived for `quiet` seconds."""
        while True:
            before = len(self.calls)
            await asyncio.sleep(quiet)
            if len(self.calls) == before:
                return


Responder = Callable[[str, str], list[JSON]]


def default_rasa_answer(sender: str, message: str) -> list[JSON]:
    """Something like the real assistant: the menu as buttons, a stop confirmation, a topic page."""
    if message == "/stop":
        return [{"recipient_id": sender, "text": "I've stopped and cleared this conversation."}]
    if message in ("/greet", "/menu"):
        return [
            {
                "recipient_id": sender,
                "text": "**What would you like to know about?**",
                "buttons": [
                    {"title": "Reporting to the police", "payload": "/explain_criminal_route"},
                    {"title": "Helplines", "payload": "/helplines"},
                    {"title": "Other options", "payload": "/menu"},
                ],
            }
        ]
    return [
        {
            "recipient_id": sender,
            "text": "Thank you for telling me. You can contact **Samaritans**: call 116 123.",
            "buttons": [{"title": "Tell me more", "payload": "/tell_me_more"}, {"title": "Stop and clear", "payload": "/stop"}],
        }
    ]


@dataclass
class StubRasa:
    answer: Responder = default_rasa_answer
    received: list[tuple[str, str]] = field(default_factory=list)
    url: str = ""
    _runner: Optional[web.AppRunner] = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self._webhook)
        self._runner, root = await _serve(app)
        self.url = f"{root}/webhooks/rest/webhook"
        return self.url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append((body["sender"], body["message"]))
        return web.json_response(self.answer(body["sender"], body["message"]))

    def messages(self) -> list[str]:
        return [message for _, message in self.received]
