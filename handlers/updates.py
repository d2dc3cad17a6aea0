"""The parts of an update a handler was registered for, typed as present.

PTB types `update.effective_*` and `callback_query` as optional because some kinds of update lack them. A
CommandHandler only sees messages, which always have a chat and a message; a CallbackQueryHandler always has its
query, and our buttons sit on messages in a chat. These accessors narrow the type for such handlers and fail
loudly if one is ever registered for a kind of update without that part. Handlers that can see updates without a
sender (channel posts) test `update.effective_user` themselves.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from telegram import Bot, CallbackQuery, Chat, Message, Update, User

from handlers.context import ChatContext, ChatData

T = TypeVar("T")


class MissingPart(LookupError):
    """A handler got an update without a part its registration promised."""


def _present(part: T | None, missing: str) -> T:
    if part is None:
        raise MissingPart(missing)
    return part


def chat_of(update: Update) -> Chat:
    return _present(update.effective_chat, "update without a chat")


def message_of(update: Update) -> Message:
    return _present(update.effective_message, "update without a message")


def user_of(update: Update) -> User:
    return _present(update.effective_user, "update without a sender")


def query_of(update: Update) -> CallbackQuery:
    return _present(update.callback_query, "update without a callback query")


def query_message_of(query: CallbackQuery) -> Message:
    """The message a pressed button sits on; our buttons are never on inline or too old (inaccessible) messages."""
    if not isinstance(query.message, Message):
        raise MissingPart("button press without an accessible message")
    return query.message


def chat_data_of(context: ChatContext) -> ChatData:
    return _present(context.chat_data, "context without chat data (update without a chat)")


async def show_text(query: CallbackQuery, text: str, **kwargs: Any) -> None:
    """The pressed message becomes `text`. A picture's message has a caption, not a text, and cannot become a text
    (Telegram: "there is no text in the message to edit"): the text then follows it as a new message."""
    message = query_message_of(query)
    if message.text is None:
        await message.reply_text(text, **kwargs)
    else:
        await query.edit_message_text(text, **kwargs)


MAX_UPDATE_ID = 2**63  # a database integer; Telegram's are far smaller


def parse_update(body: bytes, bot: Bot) -> Update:
    """The update a webhook request carries, or ValueError for a body that is not one (forged or broken)."""
    return parse_update_payload(body, bot)[1]


def parse_update_payload(body: bytes, bot: Bot) -> tuple[dict[str, Any], Update]:
    """The webhook body as JSON and as the update it carries (ValueError: not an update)."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as exc:  # RecursionError: "[[[[…" nested deeper than the parser goes
        raise ValueError("the body is not JSON") from exc
    update_id = payload.get("update_id") if isinstance(payload, dict) else None
    if not isinstance(update_id, int) or isinstance(update_id, bool) or not 0 <= update_id < MAX_UPDATE_ID:
        raise ValueError("the body is not an update (no update_id)")
    try:
        return payload, Update.de_json(payload, bot)
    except Exception as exc:  # PTB raises whatever a malformed nested object makes it raise
        raise ValueError(f"the body is not an update: {type(exc).__name__}") from exc
