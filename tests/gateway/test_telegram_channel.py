"""The Telegram channel end to end, offline: the real gateway and python-telegram-bot, talking HTTP
to a fake Bot API server and a stub Rasa on loopback (see fake_bot_api.py)."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import pytest

from bot.content.loader import ContentPack
from bot.gateway.app import create_app
from bot.gateway.rasa_client import RasaClient
from bot.gateway.telegram import channel as telegram
from bot.gateway.telegram import texts as telegram_texts
from bot.gateway.telegram.channel import TELEGRAM
from bot.gateway.telegram.conversation import EXIT_BUTTON
from bot.settings import Settings
from tests.support.clock import FakeClock
from tests.support.fake_bot_api import FakeBotApi, StubRasa
from tests.support.telegram import CHAT, HMAC_KEY, HOURS, SECRET, START, TOKEN, gateway, keyboard, sender_for, settings_for

# --- a conversation -----------------------------------------------------------------------------


async def test_text_goes_to_rasa_under_a_keyed_hash_and_comes_back_with_an_inline_keyboard(
    api: FakeBotApi, rasa: StubRasa, pack: ContentPack
) -> None:
    async with gateway(settings_for(api), pack, rasa.url):
        api.message(CHAT, "something doesn't feel right at work")
        [sent] = await api.wait_for("sendMessage")
    assert rasa.received == [(sender_for(CHAT), "something doesn't feel right at work")]
    assert str(CHAT) not in rasa.received[0][0]
    assert sent["chat_id"] == CHAT
    assert sent["parse_mode"] == "HTML" and "<b>Samaritans</b>" in sent["text"] and "116 123" in sent["text"]
    assert sent["protect_content"] is True
    assert sent["link_preview_options"] == {"is_disabled": True}
    buttons = keyboard(sent)
    assert [title for title, _ in buttons] == ["Tell me more", "Stop and clear"]
    assert all(0 < len(data.encode()) <= 64 for _, data in buttons)
    assert dict(buttons)["Stop and clear"] == EXIT_BUTTON
    assert "/tell_me_more" not in str(buttons)  # payloads stay on our side
    assert api.polls and all(poll.get("allowed_updates") == ["message", "edited_message", "callback_query"] for poll in api.polls)


async def test_every_answer_offers_the_exit_button(api: FakeBotApi, rasa: StubRasa, pack: ContentPack) -> None:
    async with gateway(settings_for(api), pack, rasa.url):
        api.message(CHAT, "/start")
        [sent] = await api.wait_for("sendMessage")
    assert rasa.messages() == ["/greet"]
    assert [title for title, _ in keyboard(sent)] == ["Reporting to the police", "Helplines", "Other options", "Stop and clear"]


@pytest.mark.parametrize(
    "command,forwarded",
    [("/start", "/greet"), ("/start deep-link", "/greet"), ("/help", "/menu"), ("/menu@neutral_test_bot", "/menu")],
)
async def test_commands_map_to_rasa_messages(
    api: FakeBotApi, rasa: StubRasa, pack: ContentPack, command: str, forwarded: str
) -> None:
    async with gateway(settings_for(api), pack, rasa.url):
        api.message(CHAT, command)
        await api.wait_for("sendMessage")
    assert rasa.messages() == [forwarded]


async def test_button_press_is_answered_and_sends_its_payload(api: FakeBotApi, rasa: StubRasa, pack: ContentPack) -> None:
    async with gateway(settings_for(api), pack, rasa.url):
        api.message(CHAT, "hello")
        [first] = await api.wait_for("sendMessage")
        data = dict(keyboard(first))["Tell me more"]
        api.press(CHAT, data, api.sent_ids()[0])
        await api.wait_for("sendMessage", 2)
        answered = await api.wait_for("answerCallbackQuery")
    assert len(answered) == 1
    assert rasa.messages() == ["hello", "/tell_me_more"]


async def test_other_options_button_never_expires(api: FakeBotApi, rasa: StubRasa, pack: ContentPack) -> None:
    clock = FakeClock(START)
    async with gateway(settings_for(api), pack, rasa.url, clock):
        api.message(CHAT, "/menu")
        [first] = await api.wait_for("sendMessage")
        clock.now += 10 * HOURS
        api.press(CHAT, dict(keyboard(first))["Other options"])
        await api.wait_for("sendMessage", 2)
    assert rasa.messages() == ["/menu", "/menu"]
    assert telegram_texts.button_expired(pack) not in api.sent_texts()


@pytest.mark.parametrize("how", ["unknown id", "older than the conversation", "pressed in another chat"])
async def test_expired_buttons_are_answered_and_show_the_menu(
    api: FakeBotApi, rasa: StubRasa, pack: ContentPack, how: str
) -> None:
    clock = FakeClock(START)
    async with gateway(settings_for(api), pack, rasa.url, clock):
        api.message(CHAT, "hello")
        [first] = await api.wait_for("sendMessage")
        data = dict(keyboard(first))["Tell me more"]
        chat = CHAT
        if how == "unknown id":
            data = "AAAAAAAAAAAAAAAA"
        elif how == "older than the conversation":
            clock.now += 1801
        else:
            chat = CHAT + 1
        api.press(chat, data)
        await api.wait_for("sendMessage", 3)
        await api.wait_for("answerCallbackQuery")
    assert api.sent_texts()[1] == telegram_texts.button_expired(pack)
    assert rasa.messages()[-1] == "/menu" and "/tell_me_more" not in rasa.messages()


# --- the way out --------------------------------------------------------------------------------


async def test_exit_deletes_recent_messages_in_batches_but_not_those_older_than_48_hours(
    api: FakeBotApi, rasa: StubRasa, pack: ContentPack
) -> None:
    clock = FakeClock(START)
    async with gateway(settings_for(api), pack, rasa.url, clock):
        old = [api.message(CHAT, f"early {i}") for i in range(3)]
        await api.wait_for("sendMessage", 3)
        await api.settle()  # the bot has stamped its replies before time moves on
        old += api.sent_ids()
        clock.now += 47 * HOURS
        recent = [api.message(CHAT, "still here")]
        await api.wait_for("sendMessage", 4)
        await api.settle()
        clock.now += 2 * HOURS
        recent += [api.message(CHAT, f"later {i}") for i in range(54)]
        await api.wait_for("sendMessage", 58)
        recent += api.sent_ids()[3:]
        recent.append(api.message(CHAT, "/exit"))
        await api.wait_for("sendMessage", 59)
        batches = [call["message_ids"] for call in api.calls_to("deleteMessages")]
    assert len(recent) == 111
    assert all(1 <= len(batch) <= 100 for batch in batches) and len(batches) == 2
    attempted = [message_id for batch in batches for message_id in batch]
    assert sorted(attempted) == sorted(recent)
    assert not set(attempted) & set(old)
    assert rasa.messages()[-1] == "/stop"  # the conversation is forgotten in Rasa
    summary = api.calls_to("sendMessage")[-1]
    assert "I couldn't delete 6 messages that are older than 48 hours" in summary["text"]
    assert "Delete chat" in summary["text"]
    assert "parse_mode" not in summary and "reply_markup" not in summary and summary["protect_content"] is True


@pytest.mark.parametrize("trigger", ["/exit", "/forget", "stop", "forget me", "button", "stop button from Rasa"])
async def test_every_way_out_forgets_and_deletes(api: FakeBotApi, rasa: StubRasa, pack: ContentPack, trigger: str) -> None:
    async with gateway(settings_for(api), pack, rasa.url):
        expected = [api.message(CHAT, "hello")]
        await api.wait_for("sendMessage")
        if trigger == "button":
            api.press(CHAT, EXIT_BUTTON)
        elif trigger == "stop button from Rasa":
            rasa.answer = lambda sender, message: [{"text": "A page", "buttons": [{"title": "Stop", "payload": "/stop"}]}]
            expected.append(api.message(CHAT, "more"))
            await api.wait_for("sendMessage", 2)
            [(title, data)] = keyboard(api.calls_to("sendMessage")[-1])
            assert (title, data) == ("Stop", EXIT_BUTTON)  # Rasa's own stop button is the exit too
            api.press(CHAT, data)
        else:
            expected.append(api.message(CHAT, trigger))
        sent = api.sent_ids()  # no await since the trigger was queued: the exit has not run yet
        expected += sent
        [deleted] = await api.wait_for("deleteMessages")
        await api.wait_for("sendMessage", len(sent) + 1)
    assert sorted(deleted["message_ids"]) == sorted(expected)
    assert rasa.messages()[-1] == "/stop"
    assert api.sent_texts()[-1].startswith("I've stopped and cleared this conversation.")


async def test_exit_says_which_messages_telegram_refused(api: FakeBotApi, rasa: StubRasa, pack: ContentPack) -> None:
    async with gateway(settings_for(api), pack, rasa.url):
        first = api.message(CHAT, "hello")
        await api.wait_for("sendMessage")
        api.refuse_delete.add(first)
        api.message(CHAT, "/exit")
        await api.wait_for("sendMessage", 2)
    assert len(api.calls_to("deleteMessages")) == 1
    assert len(api.calls_to("deleteMessage")) == 3  # one by one after the batch was refused
    assert "Telegram wouldn't let me delete 1 message." in api.sent_texts()[-1]


async def test_exit_works_when_rasa_is_down_and_says_the_conversation_will_expire(api: FakeBotApi, pack: ContentPack) -> None:
    async with gateway(settings_for(api), pack, "http://127.0.0.1:9/webhooks/rest/webhook"):
        api.message(CHAT, "/exit")
        await api.wait_for("deleteMessages")
        await api.wait_for("sendMessage")
    assert "after 30 minutes of silence" in api.sent_texts()[-1]


async def test_answered_messages_are_deleted_at_once_when_configured(api: FakeBotApi, rasa: StubRasa, pack: ContentPack) -> None:
    async with gateway(settings_for(api, telegram_delete_user_messages=True), pack, rasa.url):
        first = api.message(CHAT, "hello")
        [deleted] = await api.wait_for("deleteMessage")
        api.message(CHAT, "/exit")
        [batch] = await api.wait_for("deleteMessages")
    assert deleted["message_id"] == first
    assert first not in batch["message_ids"]


# --- webhook ------------------------------------------------------------------------------------


async def test_webhook_checks_the_secret_and_processes_updates(api: FakeBotApi, rasa: StubRasa, pack: ContentPack) -> None:
    settings = settings_for(api, telegram_webhook_url="https://bot.example.org/telegram/webhook", telegram_webhook_secret=SECRET)
    async with gateway(settings, pack, rasa.url) as (client, _):
        [registered] = api.calls_to("setWebhook")
        update = api.message_update(CHAT, "hello")
        update["update_id"] = 1
        missing = await client.post("/telegram/webhook", json=update)
        wrong = await client.post("/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
        await asyncio.sleep(0.2)
        assert (missing.status, wrong.status) == (403, 403)
        assert not api.calls_to("sendMessage") and not rasa.received
        right = await client.post("/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert right.status == 200
        await api.wait_for("sendMessage")
        junk = await client.post("/telegram/webhook", data=b"[", headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert junk.status == 400
    assert registered["url"] == "https://bot.example.org/telegram/webhook"
    assert registered["secret_token"] == SECRET
    assert registered["allowed_updates"] == ["message", "edited_message", "callback_query"]
    assert not api.polls  # no getUpdates in webhook mode
    assert rasa.received == [(sender_for(CHAT), "hello")]


@pytest.mark.parametrize(
    "url,secret",
    [("https://bot.example.org/telegram/webhook", ""), ("https://x/telegram/webhook", "bad secret!"), ("http://x/hook", SECRET)],
)
def test_webhook_mode_refuses_to_start_without_a_usable_secret(pack: ContentPack, url: str, secret: str) -> None:
    settings = Settings(telegram_bot_token=TOKEN, telegram_webhook_url=url, telegram_webhook_secret=secret)
    with pytest.raises(SystemExit):
        create_app(settings, pack, RasaClient("http://127.0.0.1:9", pack), channels=[telegram.setup])


def test_without_a_token_telegram_is_off(pack: ContentPack, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    settings = Settings(telegram_bot_token="", telegram_webhook_url="https://x/telegram/webhook")
    app = create_app(settings, pack, RasaClient("http://127.0.0.1:9", pack), channels=[telegram.setup])
    assert TELEGRAM not in app
    assert not [r for r in app.router.routes() if "telegram" in str(r.resource)]
    assert [r.getMessage() for r in caplog.records] == ["Telegram is off (TELEGRAM_BOT_TOKEN not set)"]


def test_self_hosted_bot_api_url_becomes_base_urls() -> None:
    assert telegram.api_urls("http://127.0.0.1:8081") == ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot")
    assert telegram.api_urls("https://tg.example.org/bot/") == ("https://tg.example.org/bot", "https://tg.example.org/file/bot")


async def test_start_up_is_retried_while_the_bot_api_is_unreachable(api: FakeBotApi, rasa: StubRasa, pack: ContentPack) -> None:
    api.fail_next["getMe"] = [(502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})]
    async with gateway(settings_for(api), pack, rasa.url):
        api.message(CHAT, "hello")
        await api.wait_for("sendMessage")
    assert len(api.calls_to("getMe")) == 2


# --- never silent -------------------------------------------------------------------------------


async def test_rasa_down_sends_the_static_crisis_content(api: FakeBotApi, pack: ContentPack) -> None:
    async with gateway(settings_for(api), pack, "http://127.0.0.1:9/webhooks/rest/webhook"):
        api.message(CHAT, "please help")
        await api.wait_for("sendMessage")
        await api.settle()
    text = "\n".join(api.sent_texts())
    assert "999" in text and "116 123" in text


async def test_rasa_down_answers_a_high_risk_message_with_its_graded_reply(api: FakeBotApi, pack: ContentPack) -> None:
    async with gateway(settings_for(api), pack, "http://127.0.0.1:9/webhooks/rest/webhook"):
        api.message(CHAT, "he had his hands round my neck last night and he's asleep upstairs")
        await api.wait_for("sendMessage")
        await api.settle()
    text = "\n".join(api.sent_texts())
    assert "signs of serious risk" in text and "999" in text and "0808 2000 247" in text


async def test_a_message_edited_into_a_crisis_is_answered_and_an_ordinary_edit_is_not(
    api: FakeBotApi, rasa: StubRasa, pack: ContentPack
) -> None:
    async with gateway(settings_for(api), pack, rasa.url):
        edited = api.message_update(CHAT, "i want to die")
        api.push({"edited_message": {**edited["message"], "edit_date": 1}})
        await api.wait_for("sendMessage")
        ordinary = api.message_update(CHAT, "what is a SARC?")
        api.push({"edited_message": {**ordinary["message"], "edit_date": 1}})
        await api.settle()
    assert rasa.received == [(sender_for(CHAT), "i want to die")]


async def test_html_telegram_rejects_is_sent_again_as_plain_text(api: FakeBotApi, rasa: StubRasa, pack: ContentPack) -> None:
    api.reject_html = True
    async with gateway(settings_for(api), pack, rasa.url):
        api.message(CHAT, "hello")
        await api.wait_for("sendMessage", 2)
    [html, plain] = api.calls_to("sendMessage")
    assert html["parse_mode"] == "HTML" and "parse_mode" not in plain
    assert "Samaritans" in plain["text"] and "**" not in plain["text"] and keyboard(plain)


async def test_telegram_flood_control_is_retried_once(api: FakeBotApi, rasa: StubRasa, pack: ContentPack) -> None:
    flood = {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1", "parameters": {"retry_after": 1}}
    api.fail_next["sendMessage"] = [(429, flood)]
    async with gateway(settings_for(api), pack, rasa.url):
        api.message(CHAT, "hello")
        await api.wait_for("sendMessage", 2)
        await api.settle()
    [refused, retried] = api.calls_to("sendMessage")
    assert refused == retried and len(api.sent_ids()) == 1  # the same message, sent again once


@pytest.mark.parametrize(
    "kind,content",
    [
        ("photo", [{"file_id": "f1", "file_unique_id": "u1", "width": 10, "height": 10}]),
        ("voice", {"file_id": "f2", "file_unique_id": "u2", "duration": 3}),
        (
            "sticker",
            {
                "file_id": "f3",
                "file_unique_id": "u3",
                "type": "regular",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
            },
        ),
        ("document", {"file_id": "f4", "file_unique_id": "u4", "file_name": "statement.pdf"}),
        ("location", {"latitude": 51.5, "longitude": -0.12}),
        ("contact", {"phone_number": "07700900123", "first_name": "Someone"}),
        ("video", {"file_id": "f5", "file_unique_id": "u5", "width": 1, "height": 1, "duration": 1}),
    ],
)
async def test_anything_but_text_gets_a_kind_reply_and_is_never_downloaded(
    api: FakeBotApi, rasa: StubRasa, pack: ContentPack, kind: str, content: Any
) -> None:
    async with gateway(settings_for(api), pack, rasa.url):
        api.push(
            api.message_update(CHAT, None, **{kind: content, "caption": "a caption"} if kind == "photo" else {kind: content})
        )
        [sent] = await api.wait_for("sendMessage")
        await api.settle()
    assert sent["text"] == telegram_texts.not_text(pack)
    assert [title for title, _ in keyboard(sent)] == ["Stop and clear"]
    assert not api.calls_to("getFile") and not api.calls_to("FILE_DOWNLOAD")
    assert not rasa.received


@pytest.mark.parametrize("chat_type", ["group", "supergroup"])
async def test_group_chats_are_refused_and_left(api: FakeBotApi, rasa: StubRasa, pack: ContentPack, chat_type: str) -> None:
    async with gateway(settings_for(api), pack, rasa.url):
        api.message(-100123, "hello everyone", chat_type=chat_type)
        [left] = await api.wait_for("leaveChat")
    assert api.sent_texts() == [telegram_texts.private_only(pack)]
    assert left["chat_id"] == -100123
    assert not rasa.received


async def test_an_inbound_flood_is_answered_kindly_once_and_exit_still_works(
    api: FakeBotApi, rasa: StubRasa, pack: ContentPack
) -> None:
    async with gateway(settings_for(api, telegram_messages_per_minute=2), pack, rasa.url):
        for i in range(5):
            api.message(CHAT, f"message {i}")
        await api.wait_for("sendMessage", 3)
        await api.settle()
        assert len(rasa.received) == 2
        assert api.sent_texts().count(telegram_texts.flood(pack)) == 1
        assert "999" in telegram_texts.flood(pack)
        api.message(CHAT, "/exit")
        [deleted] = await api.wait_for("deleteMessages")
    assert len(deleted["message_ids"]) == 5 + 1 + 3  # every message held, the flooded ones too


async def test_a_long_reply_is_split_at_paragraphs_under_4096_characters(
    api: FakeBotApi, rasa: StubRasa, pack: ContentPack
) -> None:
    paragraphs = [f"Paragraph {n}: " + " ".join(f"word{n}x{i}" for i in range(350)) for n in range(4)]
    rasa.answer = lambda sender, message: [{"text": "\n\n".join(paragraphs), "buttons": [{"title": "More", "payload": "/more"}]}]
    async with gateway(settings_for(api), pack, rasa.url):
        api.message(CHAT, "tell me everything")
        await api.wait_for("sendMessage", 2)
        await api.settle()
    sent = api.calls_to("sendMessage")
    assert len(sent) > 1 and all(len(call["text"]) <= 4096 for call in sent)
    assert all(call["text"].startswith("Paragraph") for call in sent)  # cut at paragraph boundaries
    assert " ".join(call["text"] for call in sent).split() == "\n\n".join(paragraphs).split()
    assert [bool(keyboard(call)) for call in sent] == [False] * (len(sent) - 1) + [True]


async def test_user_influenced_text_is_escaped_not_read_as_markup(api: FakeBotApi, rasa: StubRasa, pack: ContentPack) -> None:
    rasa.answer = lambda sender, message: [{"text": f"You said: {message}. See [Samaritans](https://www.samaritans.org)"}]
    typed = '<b>hi</b> & <a href="tg://user?id=1">me</a> [x](javascript:alert(1)) [y](tg://resolve)'
    async with gateway(settings_for(api), pack, rasa.url):
        api.message(CHAT, typed)
        [sent] = await api.wait_for("sendMessage")
    text = sent["text"]
    assert "&lt;b&gt;hi&lt;/b&gt; &amp; &lt;a href=&quot;tg://user?id=1&quot;&gt;" in text
    assert re.findall(r"<[^>]*>", text) == ['<a href="https://www.samaritans.org">', "</a>"]
    assert "y (tg://resolve)" in text


# --- privacy in logs ----------------------------------------------------------------------------


async def test_logs_never_hold_text_chat_ids_names_or_the_token(
    api: FakeBotApi, rasa: StubRasa, pack: ContentPack, caplog: pytest.LogCaptureFixture
) -> None:
    canary = "canary-7f3e purple giraffe at the station"
    username = "canary_username_zq"
    caplog.set_level(logging.DEBUG)
    async with gateway(settings_for(api, telegram_messages_per_minute=5), pack, rasa.url):
        api.message(CHAT, "/start", username=username)
        api.message(CHAT, canary, username=username)
        await api.wait_for("sendMessage", 2)
        more = [data for call in api.calls_to("sendMessage") for title, data in keyboard(call) if title == "Tell me more"]
        api.press(CHAT, more[0])
        await api.wait_for("sendMessage", 3)
        api.press(CHAT, "expired-button-id")
        await api.wait_for("sendMessage", 5)
        photo = [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]
        api.push(api.message_update(CHAT, None, username=username, photo=photo))
        await api.wait_for("sendMessage", 6)
        api.message(CHAT, canary, username=username)  # over the limit
        await api.wait_for("sendMessage", 7)
        assert api.sent_texts()[-1] == telegram_texts.flood(pack)
        api.message(CHAT, "/exit", username=username)
        await api.wait_for("deleteMessages")
        await api.settle()
    assert caplog.records, "the conversation should have logged something"
    forbidden = [canary, "purple giraffe", str(CHAT), username, TOKEN, TOKEN.split(":")[1], sender_for(CHAT), HMAC_KEY]
    for record in caplog.records:
        rendered = logging.Formatter("%(name)s %(message)s").format(record) + repr(record.args)
        for secret in forbidden:
            assert secret not in rendered, f"{record.name} logged something private"
    for name in ("httpx", "httpcore", "telegram", "telegram.ext"):
        assert logging.getLogger(name).level == logging.WARNING
