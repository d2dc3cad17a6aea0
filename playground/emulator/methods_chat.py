"""getMe, chats and members, chat actions, callback answers, commands, webhook switches."""

from __future__ import annotations

import time
from typing import Any

from playground.emulator.errors import bad_request
from playground.emulator.params import Params
from playground.emulator.state import EmulatorState
from playground.emulator.validation import MAX_CALLBACK_ANSWER_LENGTH, bot_commands, chat_action

_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
)


def get_me(state: EmulatorState, params: Params) -> dict[str, Any]:
    return {
        **state.bot_user,
        "can_join_groups": True,
        "can_read_all_group_messages": not state.privacy_mode,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def chat_member(state: EmulatorState, chat_id: int, user: dict[str, Any]) -> dict[str, Any]:
    status = state.status(chat_id, user["id"])
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member |= {"can_be_edited": False, "is_anonymous": False} | dict.fromkeys(_ADMIN_RIGHTS, True)
    elif status == "kicked":
        member["until_date"] = 0
    return member


def get_chat(state: EmulatorState, params: Params) -> dict[str, Any]:
    chat = state.find_chat(params.raw("chat_id"))
    gift_types = (
        "unlimited_gifts",
        "limited_gifts",
        "unique_gifts",
        "premium_subscription",
        "gifts_from_channels",
    )
    return {
        **chat,
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": dict.fromkeys(gift_types, True),
    }


def get_chat_member(state: EmulatorState, params: Params) -> dict[str, Any]:
    chat = state.find_chat(params.raw("chat_id"))
    user_id = params.int("user_id", "user not found")
    if user_id is None or user_id not in state.users:
        raise bad_request("user not found")
    return chat_member(state, chat["id"], state.users[user_id])


def get_chat_administrators(state: EmulatorState, params: Params) -> list[dict[str, Any]]:
    chat = state.find_chat(params.raw("chat_id"))
    if chat["type"] == "private":
        raise bad_request("there are no administrators in the private chat")
    admins = [
        user_id
        for user_id, status in state.members.get(chat["id"], {}).items()
        if status in ("creator", "administrator")
    ]
    return [chat_member(state, chat["id"], state.users[user_id]) for user_id in admins]


def get_chat_member_count(state: EmulatorState, params: Params) -> int:
    chat = state.find_chat(params.raw("chat_id"))
    if chat["type"] == "private":
        return 2
    present = ("creator", "administrator", "member", "restricted")
    return sum(status in present for status in state.members.get(chat["id"], {}).values())


def send_chat_action(state: EmulatorState, params: Params) -> bool:
    chat = state.find_chat(params.raw("chat_id"))
    action = chat_action(params)
    state.require_bot_can_post(chat)
    entry = {"chat_id": chat["id"], "action": action, "date": time.time()}
    state.chat_actions.append(entry)
    state.emit({"type": "chat_action", "chat_id": chat["id"], "action": action})
    return True


def answer_callback_query(state: EmulatorState, params: Params) -> bool:
    query_id = params.str("callback_query_id") or ""
    pending = state.callback_queries.get(query_id)
    expired = pending is None or time.monotonic() - pending.created > state.callback_query_ttl
    if pending is None or pending.answered or expired:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    if len(params.str("text") or "") > MAX_CALLBACK_ANSWER_LENGTH:
        raise bad_request("MESSAGE_TOO_LONG")
    pending.answered = True
    answer = {
        "callback_query_id": query_id,
        "text": params.str("text"),
        "show_alert": params.bool("show_alert"),
        "url": params.str("url"),
        "cache_time": params.int("cache_time") or 0,
        "chat_id": pending.query.get("message", {}).get("chat", {}).get("id"),
        "message_id": pending.query.get("message", {}).get("message_id"),
        "data": pending.query.get("data"),
    }
    state.callback_answers.append(answer)
    state.emit({"type": "callback_answer", **answer})
    return True


def _command_scope_key(params: Params) -> tuple[str, str]:
    scope = params.json("scope", "can't parse BotCommandScope JSON object") or {"type": "default"}
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope JSON object")
    scope_key = str(scope["type"]) + "".join(f":{scope[key]}" for key in ("chat_id", "user_id") if key in scope)
    return scope_key, params.str("language_code") or ""


def set_my_commands(state: EmulatorState, params: Params) -> bool:
    commands = bot_commands(params.json("commands", "can't parse commands JSON object"))
    state.commands[_command_scope_key(params)] = commands
    state.emit({"type": "commands", "commands": commands})
    return True


def get_my_commands(state: EmulatorState, params: Params) -> list[dict[str, str]]:
    return list(state.commands.get(_command_scope_key(params), []))


def delete_my_commands(state: EmulatorState, params: Params) -> bool:
    state.commands.pop(_command_scope_key(params), None)
    return True


def set_webhook(state: EmulatorState, params: Params) -> bool:
    url = (params.str("url") or "").strip()
    if url and not url.lower().startswith("https://"):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    state.webhook_url = url
    state.webhook_secret = params.str("secret_token") or ""
    if params.bool("drop_pending_updates"):
        state.updates.clear()
    state.wake_pollers()
    return True


def delete_webhook(state: EmulatorState, params: Params) -> bool:
    state.webhook_url = ""
    if params.bool("drop_pending_updates"):
        state.updates.clear()
    return True


def get_webhook_info(state: EmulatorState, params: Params) -> dict[str, Any]:
    return {
        "url": state.webhook_url,
        "has_custom_certificate": False,
        "pending_update_count": len(state.updates),
    }


METHODS = {
    "getMe": get_me,
    "getChat": get_chat,
    "getChatMember": get_chat_member,
    "getChatAdministrators": get_chat_administrators,
    "getChatMemberCount": get_chat_member_count,
    "sendChatAction": send_chat_action,
    "answerCallbackQuery": answer_callback_query,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
}
