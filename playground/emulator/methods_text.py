"""sendMessage, editMessageText, editMessageReplyMarkup, deleteMessage."""

from __future__ import annotations

from typing import Any

from playground.emulator.errors import bad_request
from playground.emulator.params import Params
from playground.emulator.sending import (
    edit_target,
    message_reply,
    not_modified,
    optional,
    reply_target,
    require_not_modified,
    target_chat,
)
from playground.emulator.state import EmulatorState
from playground.emulator.validation import inline_keyboard_only, reply_markup, text_content


def send_message(state: EmulatorState, params: Params) -> dict[str, Any]:
    chat = target_chat(state, params)
    text, entities = text_content(params)
    markup = reply_markup(params)
    reply_to = reply_target(state, chat, params)
    content = {"text": text, **optional("entities", entities)}
    record = state.add_message(chat, state.bot_user, content, markup=markup, reply_to=reply_to)
    return message_reply(record)


def edit_message_text(state: EmulatorState, params: Params) -> dict[str, Any]:
    text, entities = text_content(params)
    markup = inline_keyboard_only(reply_markup(params))
    record = edit_target(state, params)
    if "text" not in record.message:
        raise bad_request("there is no text in the message to edit")
    same = record.message["text"] == text and record.message.get("entities", []) == entities
    require_not_modified(same, record, markup)
    changes = {"text": text, **optional("entities", entities), **optional("reply_markup", markup)}
    state.edit_message(record, changes, drop=("entities", "reply_markup"))
    record.sent_markup = markup
    return message_reply(record)


def edit_message_reply_markup(state: EmulatorState, params: Params) -> dict[str, Any]:
    markup = inline_keyboard_only(reply_markup(params))
    record = edit_target(state, params)
    if record.message.get("reply_markup") == markup:
        raise not_modified()
    state.edit_message(record, optional("reply_markup", markup), drop=("reply_markup",))
    record.sent_markup = markup
    return message_reply(record)


def delete_message(state: EmulatorState, params: Params) -> bool:
    chat = state.find_chat(params.raw("chat_id"))
    state.require_writable(chat)
    message_id = params.int("message_id", "message identifier is not specified")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    record = state.live_message(chat["id"], message_id, "message to delete not found")
    bot_is_admin = chat["type"] != "private" and state.bot_status(chat["id"]) in ("administrator", "creator")
    if not record.from_bot and chat["type"] != "private" and not bot_is_admin:
        raise bad_request("message can't be deleted")
    state.delete_message(record)
    return True


METHODS = {
    "sendMessage": send_message,
    "editMessageText": edit_message_text,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
}
