"""Helpers shared by the send/edit methods: target chat, reply target, edit target, not-modified check."""

from __future__ import annotations

import copy
from typing import Any

from playground.emulator.errors import ApiError, bad_request
from playground.emulator.params import Params
from playground.emulator.state import EmulatorState, MessageRecord


def not_modified() -> ApiError:
    return bad_request(
        "message is not modified: specified new message content and reply markup are exactly the same as a "
        "current content and reply markup of the message"
    )


def target_chat(state: EmulatorState, params: Params) -> dict[str, Any]:
    chat = state.find_chat(params.raw("chat_id"))
    state.require_bot_can_post(chat)
    return chat


def reply_target(state: EmulatorState, chat: dict[str, Any], params: Params) -> MessageRecord | None:
    reply_id = params.int("reply_to_message_id")
    allow_missing = params.bool("allow_sending_without_reply")
    reply_parameters = params.json("reply_parameters", "can't parse reply parameters JSON object")
    if isinstance(reply_parameters, dict):
        reply_id = reply_parameters.get("message_id")
        allow_missing = bool(reply_parameters.get("allow_sending_without_reply"))
    if not reply_id:
        return None
    record = state.chat_records(chat["id"]).get(int(reply_id))
    if record is None or record.deleted:
        if allow_missing:
            return None
        raise bad_request("message to be replied not found")
    return record


def edit_target(state: EmulatorState, params: Params) -> MessageRecord:
    if params.has("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    chat = state.find_chat(params.raw("chat_id"))
    state.require_writable(chat)
    message_id = params.int("message_id", "message identifier is not specified")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    record = state.live_message(chat["id"], message_id, "message to edit not found")
    if not record.from_bot:
        raise bad_request("message can't be edited")
    return record


def message_reply(record: MessageRecord) -> dict[str, Any]:
    return copy.deepcopy(record.message)


def optional(key: str, value: Any) -> dict[str, Any]:
    """``{key: value}`` when value is meaningful; Telegram omits empty fields."""
    return {key: value} if value not in (None, "", [], False) else {}


def require_not_modified(same_content: bool, record: MessageRecord, new_inline: dict[str, Any] | None) -> None:
    if same_content and record.message.get("reply_markup") == new_inline:
        raise not_modified()
