"""Checks Telegram applies to message content: text, captions, entities and reply markup."""

from __future__ import annotations

import re
from typing import Any

from playground.emulator.errors import bad_request
from playground.emulator.html_entities import parse_html, utf16_len
from playground.emulator.links import link_problem
from playground.emulator.params import Params

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
INLINE_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_BAD_MARKUP = "can't parse reply keyboard markup JSON object"
_WHITESPACE = " \t\n\r\f\v\u00a0\u2028\u2029"


def formatted_text(
    params: Params, text_field: str, entities_field: str, *, max_length: int, too_long: str, empty: str | None
) -> tuple[str, list[dict[str, Any]]]:
    """Parse ``text``/``caption`` with its ``parse_mode`` or explicit entities, trim and length-check it.

    ``empty`` is the error for empty results (captions may be empty: pass None).
    """
    source = params.str(text_field) or ""
    parse_mode = (params.str("parse_mode") or "").strip().lower()
    if parse_mode == "html":
        text, entities = parse_html(source)
    elif parse_mode in ("markdownv2", "markdown"):
        from playground.emulator.markdown_entities import parse_markdown

        text, entities = parse_markdown(source, version=2 if parse_mode == "markdownv2" else 1)
    elif parse_mode:
        raise bad_request("unsupported parse_mode")
    else:
        text = source
        entities = _explicit_entities(params.json(entities_field, "can't parse entities JSON object"))
    text, entities = _trim(text, entities)
    if not text and empty is not None:
        raise bad_request(empty)
    if len(text) > max_length:
        raise bad_request(too_long)
    return text, entities


def _explicit_entities(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise bad_request("can't parse entities JSON object")
    for entity in value:
        if not isinstance(entity.get("type"), str) or not isinstance(entity.get("offset"), int):
            raise bad_request('can\'t parse MessageEntity: Field "type" must be of type String')
        if not isinstance(entity.get("length"), int) or entity["length"] < 0 or entity["offset"] < 0:
            raise bad_request('can\'t parse MessageEntity: Field "length" must be of type Integer')
    # Like Telegram, a text_link whose URL it does not accept is dropped, not refused.
    return [
        dict(entity)
        for entity in value
        if entity["length"] > 0 and not (entity["type"] == "text_link" and link_problem(str(entity.get("url"))))
    ]


def _trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Telegram strips surrounding whitespace and shifts/clips entities accordingly."""
    stripped_start = text.lstrip(_WHITESPACE)
    shift = utf16_len(text) - utf16_len(stripped_start)
    trimmed = stripped_start.rstrip(_WHITESPACE)
    limit = utf16_len(trimmed)
    result = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, limit)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return trimmed, result


def text_content(params: Params) -> tuple[str, list[dict[str, Any]]]:
    return formatted_text(
        params,
        "text",
        "entities",
        max_length=MAX_TEXT_LENGTH,
        too_long="message is too long",
        empty="message text is empty",
    )


def caption_content(params: Params, prefix: str = "") -> tuple[str, list[dict[str, Any]]]:
    return formatted_text(
        params,
        prefix + "caption",
        prefix + "caption_entities",
        max_length=MAX_CAPTION_LENGTH,
        too_long="message caption is too long",
        empty=None,
    )


def reply_markup(params: Params) -> dict[str, Any] | None:
    """Validated reply_markup or None; raises the Telegram error for malformed keyboards."""
    if not params.has("reply_markup") or params.raw("reply_markup") == "":
        return None
    markup = params.json("reply_markup", _BAD_MARKUP)
    return validate_reply_markup(markup)


def validate_reply_markup(markup: Any) -> dict[str, Any]:
    if not isinstance(markup, dict):
        raise bad_request(_BAD_MARKUP)
    if "inline_keyboard" in markup:
        return {"inline_keyboard": _inline_keyboard(markup["inline_keyboard"])}
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not _is_array_of_arrays(rows):
            raise bad_request('field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays')
        for row in rows:
            for button in row:
                if not isinstance(button, str) and not (
                    isinstance(button, dict) and isinstance(button.get("text"), str)
                ):
                    raise bad_request('can\'t parse keyboard button: Field "text" must be of type String')
        return dict(markup)
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return dict(markup)
    raise bad_request(_BAD_MARKUP)


def _is_array_of_arrays(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(row, list) for row in value)


def _inline_keyboard(rows: Any) -> list[list[dict[str, Any]]]:
    if not _is_array_of_arrays(rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays')
    return [[_inline_button(button) for button in row] for row in rows]


def _inline_button(button: Any) -> dict[str, Any]:
    if not isinstance(button, dict):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    if not isinstance(button.get("text"), str):
        raise bad_request('can\'t parse inline keyboard button: Field "text" must be of type String')
    if not button["text"].strip(_WHITESPACE):
        raise bad_request("BUTTON_TEXT_INVALID")
    actions = [name for name in INLINE_BUTTON_ACTIONS if button.get(name) not in (None, "")]
    if not actions:
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise bad_request(
            "can't parse inline keyboard button: exactly one of the optional fields must be used, "
            f"found {', '.join(actions)}"
        )
    if "callback_data" in actions:
        data = button["callback_data"]
        if not isinstance(data, str) or len(data.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in actions:
        _check_button_url(button["url"])
    return {key: value for key, value in button.items() if value is not None}


def _check_button_url(url: Any) -> None:
    if not isinstance(url, str):
        raise bad_request('can\'t parse inline keyboard button: Field "url" must be of type String')
    problem = link_problem(url)
    if problem is not None:
        raise bad_request(f"inline keyboard button URL '{url}' is invalid: {problem}")


def inline_keyboard_only(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """Messages echo back only inline keyboards; reply keyboards are not part of Message."""
    if markup is not None and "inline_keyboard" in markup:
        return markup
    return None


def chat_action(params: Params) -> str:
    action = params.str("action") or ""
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return action


def bot_commands(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list):
        raise bad_request("can't parse commands JSON object")
    if len(value) > 100:
        raise bad_request("too many commands specified")
    commands = []
    for item in value:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand: BotCommand must be an Object")
        command = str(item.get("command", "")).removeprefix("/")
        description = str(item.get("description", "")).strip()
        if not _COMMAND_NAME.fullmatch(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not (1 <= len(description) <= 256):
            raise bad_request("command description must be non-empty")
        commands.append({"command": command, "description": description})
    return commands


def require_buttons_allowed(chat_type: str, markup: dict[str, Any] | None) -> None:
    """Telegram allows `web_app` buttons (inline or reply keyboard) only in private chats; groups open a Mini App by
    its direct link (t.me/<bot>/<app>?startapp=...)."""
    if chat_type == "private" or not markup:
        return
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    if any(isinstance(button, dict) and button.get("web_app") for row in rows for button in row):
        raise bad_request("BUTTON_TYPE_INVALID")
