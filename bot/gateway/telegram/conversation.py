"""One Telegram update in, answers out: text to Rasa, buttons as inline keyboards, /exit, floods.

Every update from a private chat gets an answer (Rasa's, the static crisis content when Rasa is
down, or a kind sentence from `texts`); group chats get a refusal and the bot leaves.
Message ids, button ids and flood counters live in the gateway state (memory, or Redis shared by
every gateway); when Redis is unavailable the chat is still answered, with fewer extras: ids are not
recorded for /exit, buttons that need a stored id are left out, and nothing is rate limited.
Nothing here logs text, chat ids or names: only what happened, by kind.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Optional

from telegram import (
    Bot,
    CallbackQuery,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.content.loader import ContentPack
from bot.content.render import Button, Reply, static_fallback
from bot.gateway.rasa_client import FORGET_PAYLOAD, RasaClient
from bot.gateway.state.base import GatewayState, HeldMessages, Limiter, or_default
from bot.gateway.state.memory import MemoryState
from bot.gateway.telegram import texts
from bot.gateway.telegram.chats import ChatLocks, SenderIds
from bot.gateway.telegram.format import split_markdown, to_html, to_plain
from bot.settings import Settings
from rasa_plugins.command_map import CommandMap

logger = logging.getLogger(__name__)

#: Telegram commands and the message Rasa gets for each. /exit and /forget never reach Rasa as text.
COMMANDS = {"/start": "/greet", "/help": "/menu", "/menu": "/menu"}
EXIT_COMMANDS = frozenset({"/exit", "/forget"})
MENU_PAYLOAD = "/menu"
#: Fixed callback data for the two buttons that must work however old the message is.
EXIT_BUTTON = "x"
MENU_BUTTON = "m"
#: The most ids deleteMessages takes at once.
DELETE_BATCH = 100
FLOOD_WINDOW_SECONDS = 60.0

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def command_name(text: str) -> Optional[str]:
    """ "/Start@SomeBot hello" -> "/start"; None when the text is not a command."""
    if not text.startswith("/"):
        return None
    return text.split(maxsplit=1)[0].split("@", 1)[0].lower()


class Conversation:
    """Handles updates for the Telegram channel. State lives in `state` (this process's memory by default)."""

    def __init__(
        self,
        settings: Settings,
        pack: ContentPack,
        rasa: RasaClient,
        commands: Optional[CommandMap] = None,
        state: Optional[GatewayState] = None,
    ) -> None:
        self.settings = settings
        self.pack = pack
        self.rasa = rasa
        state = state or MemoryState()
        self.sender_ids = SenderIds(settings.telegram_hmac_key.get_secret_value())
        self.messages = state.message_ids()
        self.buttons = state.buttons(max(settings.tracker_ttl_seconds, 60))
        # One chat's turns in order within this gateway; across gateways Rasa's lock store orders the turns.
        self.locks = ChatLocks()
        self.limiter = state.limiter("telegram", settings.telegram_messages_per_minute, FLOOD_WINDOW_SECONDS)
        # At most one "slow down" per chat and window: a limit of 1 is "the first time in this window".
        self._warned: Limiter = state.limiter("telegram-warned", 1, FLOOD_WINDOW_SECONDS)
        self._own_commands = commands is None
        self.commands = commands or CommandMap.from_content_dir(pack.root.parent, locale=pack.info.locale)

    def use_pack(self, pack: ContentPack) -> None:
        """Speak from a reloaded pack (the gateway's watcher calls this when a pack file changed)."""
        commands = CommandMap.from_content_dir(pack.root.parent, locale=pack.info.locale) if self._own_commands else None
        self.pack = pack
        if commands is not None:
            self.commands = commands

    # --- entry points -------------------------------------------------------------------------

    async def handle_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The one handler: routes messages and button presses; anything else is ignored."""
        await self.handle(update, context.bot)

    async def handle(self, update: Update, bot: Bot) -> None:
        chat: Optional[Chat] = None
        try:
            if update.callback_query is not None:
                message = update.callback_query.message
                chat = message.chat if message is not None else None
                await self.on_button(bot, update.callback_query)
            elif update.message is not None:
                chat = update.message.chat
                await self.on_message(bot, update.message)
            elif update.edited_message is not None:
                chat = update.edited_message.chat
                await self.on_edited(bot, update.edited_message)
        except Exception as error:
            # Never silence: whatever broke, a private chat still gets the crisis numbers.
            logger.error("Telegram update failed (%s); sending static crisis content", type(error).__name__)
            if chat is not None and chat.type == ChatType.PRIVATE:
                try:
                    await self.send_replies(bot, chat.id, self.sender_ids(chat.id), static_fallback(self.pack))
                except Exception as again:
                    logger.error("Could not send the static crisis content either (%s)", type(again).__name__)

    async def on_message(self, bot: Bot, message: Message) -> None:
        chat = message.chat
        if chat.type != ChatType.PRIVATE:
            await self.refuse_group(bot, chat)
            return
        sender = self.sender_ids(chat.id)
        await self.remember(sender, message.message_id)
        text = message.text
        if text is not None and self.is_exit(text):
            # The way out skips the flood limit and waits for nothing but the chat's current turn.
            async with self.locks.hold(sender):
                await self.exit(bot, chat.id, sender)
            return
        if not await self.allow(sender):
            await self.slow_down(bot, chat.id, sender)
            return
        async with self.locks.hold(sender):
            if text is None:
                # A photo, voice note, sticker, file, location, contact...: never downloaded.
                await self.send_replies(bot, chat.id, sender, [Reply(texts.not_text(self.pack))])
            else:
                answer = await self.rasa.send(sender, self.rasa_text(text), channel="telegram")
                await self.send_replies(bot, chat.id, sender, answer.replies)
            if self.settings.telegram_delete_user_messages:
                await self.delete_one(bot, chat.id, sender, message.message_id)

    async def on_edited(self, bot: Bot, message: Message) -> None:
        """An edited message is answered only when the new text is a crisis (same patterns as Rasa's).

        Someone who rewrites a message into "I want to die" must not be met with silence; an
        ordinary correction is not a new question, so it is left alone.
        """
        if message.chat.type == ChatType.PRIVATE and message.text and self.pack.crisis_matcher.detect(message.text):
            await self.on_message(bot, message)

    async def on_button(self, bot: Bot, query: CallbackQuery) -> None:
        # Always answered first, expired or not, so the button stops spinning.
        try:
            await bot.answer_callback_query(query.id)
        except TelegramError as error:
            logger.warning("Could not answer a Telegram button press (%s)", type(error).__name__)
        message = query.message
        if message is None or message.chat.type != ChatType.PRIVATE:
            return
        chat_id = message.chat.id
        sender = self.sender_ids(chat_id)
        data = query.data or ""
        payload = MENU_PAYLOAD if data == MENU_BUTTON else await self.button_payload(sender, data)
        if data == EXIT_BUTTON or payload == FORGET_PAYLOAD:
            async with self.locks.hold(sender):
                await self.exit(bot, chat_id, sender)
            return
        if not await self.allow(sender):
            await self.slow_down(bot, chat_id, sender)
            return
        async with self.locks.hold(sender):
            if payload is None:
                logger.info("An expired Telegram button was pressed; showing the menu")
                await self.send(bot, chat_id, sender, texts.button_expired(self.pack))
                payload = MENU_PAYLOAD
            answer = await self.rasa.send(sender, payload, channel="telegram")
            await self.send_replies(bot, chat_id, sender, answer.replies)

    # --- decisions ----------------------------------------------------------------------------

    def is_exit(self, text: str) -> bool:
        """/exit, /forget, and every word the content pack says means stop ("stop", "exit", "forget me"...)."""
        return command_name(text) in EXIT_COMMANDS or self.commands.intent_for(text) == "stop"

    def rasa_text(self, text: str) -> str:
        command = command_name(text)
        return COMMANDS.get(command, text) if command else text

    async def allow(self, sender: str) -> bool:
        """Count one message; without the shared store nothing is counted, so nobody is kept from an answer."""
        return await or_default(self.limiter.allow(sender), True)

    # --- state, with the shared store possibly unavailable (it logs that itself, once) ----------------

    async def remember(self, sender: str, message_id: int) -> None:
        """Hold a message id for /exit; without the shared store it is not held (and /exit cannot delete it)."""
        await or_default(self.messages.add(sender, message_id), None)

    async def button_payload(self, sender: str, button_id: str) -> Optional[str]:
        """A pressed button's payload; None (shown as expired, then the menu) if it cannot be found."""
        return await or_default(self.buttons.payload(sender, button_id), None)

    async def first_warning(self, sender: str) -> bool:
        return await or_default(self._warned.allow(sender), True)

    # --- actions ------------------------------------------------------------------------------

    async def slow_down(self, bot: Bot, chat_id: int, sender: str) -> None:
        """Say once per window that messages are coming quickly; the rest are not read."""
        if not await self.first_warning(sender):
            return
        logger.info("A Telegram chat passed the message limit; asked it to slow down")
        await self.send(bot, chat_id, sender, texts.flood(self.pack), plain=True)

    async def refuse_group(self, bot: Bot, chat: Chat) -> None:
        logger.info("Refused a Telegram %s chat and left it", chat.type)
        try:
            await bot.send_message(chat.id, texts.private_only(self.pack), protect_content=self.settings.telegram_protect_content)
        except TelegramError as error:
            logger.warning("Could not send the private-chats-only message (%s)", type(error).__name__)
        try:
            await bot.leave_chat(chat.id)
        except TelegramError as error:
            logger.warning("Could not leave a group chat (%s)", type(error).__name__)

    async def exit(self, bot: Bot, chat_id: int, sender: str) -> None:
        """Forget the conversation in Rasa, delete every message still deletable, say what is left."""
        found = await or_default(self.messages.take(sender), None)
        known = found is not None  # without the store Rasa still forgets; the summary says the messages stay
        held = found or HeldMessages([], 0)
        # Both at once: a survivor leaving in a hurry should not wait for Rasa to delete messages.
        forgotten, refused = await asyncio.gather(self.rasa.forget(sender), self.delete(bot, chat_id, held.deletable))
        deleted = len(held.deletable) - refused
        logger.info(
            "Telegram exit: conversation %s; %d messages deleted, %d too old, %d refused",
            "forgotten" if forgotten else "not confirmed forgotten",
            deleted,
            held.too_old,
            refused,
        )
        summary = texts.exit_summary(
            self.pack, deleted, held.too_old, refused, forgotten, self.settings.tracker_ttl_seconds // 60, known
        )
        await self.send(bot, chat_id, sender, summary, plain=True, exit_button=False)

    async def delete(self, bot: Bot, chat_id: int, message_ids: Sequence[int]) -> int:
        """Delete in batches of 100; a refused batch is retried one by one. Returns how many were refused."""
        refused = 0
        for start in range(0, len(message_ids), DELETE_BATCH):
            batch = list(message_ids[start : start + DELETE_BATCH])
            try:
                await bot.delete_messages(chat_id, batch)
                continue
            except Forbidden:
                # The user blocked the bot: nothing more can be deleted from here.
                return refused + len(message_ids) - start
            except TelegramError as error:
                logger.info("A Telegram batch delete was refused (%s); deleting one by one", type(error).__name__)
            for message_id in batch:
                try:
                    await bot.delete_message(chat_id, message_id)
                except TelegramError:
                    refused += 1
        return refused

    async def delete_one(self, bot: Bot, chat_id: int, sender: str, message_id: int) -> None:
        try:
            await bot.delete_message(chat_id, message_id)
        except TelegramError as error:
            logger.info("Could not delete an answered Telegram message (%s)", type(error).__name__)
            return
        # Without the store: /exit will try it again and Telegram will refuse: counted as refused, nothing worse.
        await or_default(self.messages.discard(sender, message_id), None)

    async def send_replies(self, bot: Bot, chat_id: int, sender: str, replies: Sequence[Reply]) -> None:
        """Rasa's replies as Telegram messages; the last one always carries the way out."""
        replies = list(replies) or static_fallback(self.pack)
        for index, reply in enumerate(replies):
            last = index == len(replies) - 1
            await self.send(bot, chat_id, sender, reply.text or texts.choose(self.pack), reply.buttons, exit_button=last)

    async def send(
        self,
        bot: Bot,
        chat_id: int,
        sender: str,
        markdown: str,
        buttons: Sequence[Button] = (),
        plain: bool = False,
        exit_button: bool = False,
    ) -> bool:
        """Send one reply, cut at 4,096 characters; buttons go on the last piece. False if Telegram refused."""
        buttons = list(buttons)
        if exit_button and not any(b.payload == FORGET_PAYLOAD for b in buttons):
            buttons.append(Button(self.pack.message("button_stop"), FORGET_PAYLOAD))
        pieces = split_markdown(markdown, render=to_plain if plain else to_html)
        if not pieces:
            pieces = [texts.choose(self.pack)]
        sent = True
        for index, piece in enumerate(pieces):
            keyboard = await self.keyboard(sender, buttons) if index == len(pieces) - 1 else None
            sent = await self._send_piece(bot, chat_id, sender, piece, keyboard, plain) and sent
        return sent

    async def _send_piece(
        self, bot: Bot, chat_id: int, sender: str, piece: str, keyboard: Optional[InlineKeyboardMarkup], plain: bool
    ) -> bool:
        # HTML first; if Telegram will not parse it, the same words as plain text; if it still
        # refuses (a keyboard it dislikes), the words without buttons: never nothing.
        attempts: list[tuple[str, Optional[str], Optional[InlineKeyboardMarkup]]] = []
        if not plain:
            attempts.append((to_html(piece), ParseMode.HTML, keyboard))
        attempts += [(to_plain(piece), None, keyboard), (to_plain(piece), None, None)]
        for text, parse_mode, markup in attempts:
            try:
                message = await bot.send_message(
                    chat_id,
                    text,
                    parse_mode=parse_mode,
                    reply_markup=markup,
                    protect_content=self.settings.telegram_protect_content,
                    link_preview_options=_NO_PREVIEW,
                )
            except BadRequest as error:
                logger.warning("Telegram refused a message (%s); trying a simpler form", type(error).__name__)
                continue
            except TelegramError as error:
                logger.warning("Could not send a Telegram message (%s)", type(error).__name__)
                return False
            await self.remember(sender, message.message_id)
            return True
        return False

    async def keyboard(self, sender: str, buttons: Sequence[Button]) -> Optional[InlineKeyboardMarkup]:
        """One button per row (titles can be long on a phone); callback data is a short random id."""
        rows = []
        for button in buttons:
            data = await self.callback_data(sender, button)
            if data is not None:
                rows.append([InlineKeyboardButton(button.title, callback_data=data)])
        return InlineKeyboardMarkup(rows) if rows else None

    async def callback_data(self, sender: str, button: Button) -> Optional[str]:
        """The button's callback data; None when its id cannot be stored (the button is then left out)."""
        if button.payload == FORGET_PAYLOAD:
            return EXIT_BUTTON
        if button.payload == MENU_PAYLOAD:
            return MENU_BUTTON
        return await or_default(self.buttons.new(sender, button.payload), None)
