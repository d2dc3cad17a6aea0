"""setMessageReaction, as the Bot API documents it: at most one reaction from a bot (bots are not premium users),
emoji from Telegram's fixed list, custom emoji only when already on the message, never paid reactions; a message of
a media group takes the reaction on its first message that is not deleted."""

from __future__ import annotations

from typing import Any

from playground.emulator.errors import bad_request
from playground.emulator.params import Params
from playground.emulator.state import EmulatorState, MessageRecord

# ReactionTypeEmoji.emoji: "Currently, it can be one of" these (Bot API, ReactionTypeEmoji).
REACTION_EMOJI = frozenset(
    [
        "❤",
        "👍",
        "👎",
        "🔥",
        "🥰",
        "👏",
        "😁",
        "🤔",
        "🤯",
        "😱",
        "🤬",
        "😢",
        "🎉",
        "🤩",
        "🤮",
        "💩",
        "🙏",
        "👌",
        "🕊",
        "🤡",
        "🥱",
        "🥴",
        "😍",
        "🐳",
        "❤\u200d🔥",
        "🌚",
        "🌭",
        "💯",
        "🤣",
        "⚡",
        "🍌",
        "🏆",
        "💔",
        "🤨",
        "😐",
        "🍓",
        "🍾",
        "💋",
        "🖕",
        "😈",
        "😴",
        "😭",
        "🤓",
        "👻",
        "👨\u200d💻",
        "👀",
        "🎃",
        "🙈",
        "😇",
        "😨",
        "🤝",
        "✍",
        "🤗",
        "🫡",
        "🎅",
        "🎄",
        "☃",
        "💅",
        "🤪",
        "🗿",
        "🆒",
        "💘",
        "🙉",
        "🦄",
        "😘",
        "💊",
        "🙊",
        "😎",
        "👾",
        "🤷\u200d♂",
        "🤷",
        "🤷\u200d♀",
        "😡",
    ]
)
MAX_BOT_REACTIONS = 1


def set_message_reaction(state: EmulatorState, params: Params) -> bool:
    chat = state.find_chat(params.raw("chat_id"))
    state.require_bot_can_post(chat)
    message_id = params.int("message_id", "message identifier is not specified")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    record = _reaction_target(state, state.live_message(chat["id"], message_id, "message to react not found"))
    reactions = params.json("reaction", "can't parse reaction types JSON object")
    if reactions is None:
        reactions = []
    if not isinstance(reactions, list):
        raise bad_request("can't parse reaction types JSON object")
    if len(reactions) > MAX_BOT_REACTIONS:
        raise bad_request("REACTIONS_TOO_MANY")
    chosen = [_checked(item, record) for item in reactions]
    state.set_bot_reaction(record, chosen, big=params.bool("is_big"))
    return True


def _reaction_target(state: EmulatorState, record: MessageRecord) -> MessageRecord:
    if not record.media_group_id:
        return record
    album = [
        other
        for other in state.chat_records(record.chat_id).values()
        if other.media_group_id == record.media_group_id and not other.deleted
    ]
    return min(album, key=lambda other: other.message_id)


def _checked(item: Any, record: MessageRecord) -> dict[str, Any]:
    if not isinstance(item, dict) or not isinstance(item.get("type"), str):
        raise bad_request("can't parse reaction types JSON object")
    kind = item["type"]
    if kind == "emoji" and item.get("emoji") in REACTION_EMOJI:
        return {"type": "emoji", "emoji": item["emoji"]}
    present = [reaction for reactions in record.reactions.values() for reaction in reactions]
    if kind == "custom_emoji" and any(
        reaction.get("custom_emoji_id") == item.get("custom_emoji_id") for reaction in present
    ):
        return {"type": "custom_emoji", "custom_emoji_id": item["custom_emoji_id"]}
    raise bad_request("REACTION_INVALID")


METHODS = {"setMessageReaction": set_message_reaction}
