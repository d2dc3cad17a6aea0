"""What emulated people do: write, upload, press buttons, add the bot. Each action enqueues an update."""

from __future__ import annotations

import copy
import re
import time
from typing import Any

from playground.emulator.html_entities import utf16_len
from playground.emulator.methods_chat import chat_member
from playground.emulator.state import EmulatorState, MessageRecord, PendingCallback

_AUTO_ENTITIES = (
    ("bot_command", re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}\b")),
    ("url", re.compile(r"\bhttps?://[^\s<>\"]+", re.IGNORECASE)),
)


def detect_entities(text: str) -> list[dict[str, Any]]:
    """The entities Telegram clients attach to plain user text: commands, mentions, links."""
    entities: list[dict[str, Any]] = []
    for kind, pattern in _AUTO_ENTITIES:
        for match in pattern.finditer(text):
            offset = utf16_len(text[: match.start()])
            entities.append({"type": kind, "offset": offset, "length": utf16_len(match.group())})
    entities.sort(key=lambda entity: entity["offset"])
    return entities


class UserActions:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def _sender_and_chat(self, chat_id: int, user_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
        chat = self.state.chats.get(chat_id)
        if chat is None:
            raise ValueError(f"no chat {chat_id}; create it with emu.create_chat()")
        user = self.state.users.get(user_id)
        if user is None:
            raise ValueError(f"no user {user_id}; create it with emu.create_user()")
        if self.state.status(chat_id, user_id) in ("left", "kicked"):
            raise ValueError(f"user {user_id} is not a member of chat {chat_id}")
        if chat_id in self.state.migrated_to:
            raise ValueError(f"chat {chat_id} was upgraded to supergroup {self.state.migrated_to[chat_id]}")
        return user, chat

    def post(
        self,
        chat_id: int,
        user_id: int,
        content: dict[str, Any],
        reply_to_message_id: int | None = None,
    ) -> dict[str, Any]:
        user, chat = self._sender_and_chat(chat_id, user_id)
        reply_to = None
        if reply_to_message_id is not None:
            reply_to = self.state.live_message(chat_id, reply_to_message_id, "message to be replied not found")
        record = self.state.add_message(chat, user, content, reply_to=reply_to)
        if self.bot_sees(chat, record):
            self.state.enqueue_update("message", copy.deepcopy(record.message))
        return copy.deepcopy(record.message)

    def bot_sees(self, chat: dict[str, Any], record: MessageRecord) -> bool:
        """Telegram's delivery rules, privacy mode included, for a message written by a person."""
        if chat["type"] == "private":
            return chat["id"] not in self.state.blocked_by
        status = self.state.bot_status(chat["id"])
        if status in ("left", "kicked"):
            return False
        if not self.state.privacy_mode or status in ("administrator", "creator"):
            return True
        message = record.message
        text = message.get("text") or message.get("caption") or ""
        username = self.state.bot_user["username"].lower()
        for entity in message.get("entities") or message.get("caption_entities") or []:
            fragment = _utf16_slice(text, entity["offset"], entity["length"]).lower()
            if entity["type"] == "bot_command" and ("@" not in fragment or fragment.endswith("@" + username)):
                return True
            if entity["type"] == "mention" and fragment == "@" + username:
                return True
        replied = message.get("reply_to_message")
        return bool(replied and replied["from"]["id"] == self.state.bot_user["id"])

    def press_button(
        self, chat_id: int, user_id: int, message_id: int, callback_data: str, *, forged: bool = False
    ) -> str:
        """A press of one of the message's buttons; `forged`: any data at all, as a modified client can send
        (Telegram only checks that the message exists and the data is 1-64 bytes)."""
        user, _chat = self._sender_and_chat(chat_id, user_id)
        record = self.state.chat_records(chat_id).get(message_id)
        if record is None or record.deleted:
            raise ValueError(f"message {message_id} in chat {chat_id} does not exist (or was deleted)")
        if forged and not 1 <= len(callback_data.encode()) <= 64:
            raise ValueError("callback data is 1-64 bytes")
        if not forged and callback_data not in record.button_callback_data():
            raise ValueError(
                f"message {message_id} has no button with callback_data {callback_data!r}; "
                f"it has {record.button_callback_data()}"
            )
        return self._callback_query(chat_id, user, record, message_id, callback_data)

    def _callback_query(
        self, chat_id: int, user: dict[str, Any], record: MessageRecord, message_id: int, callback_data: str
    ) -> str:
        query_id = self.state.new_callback_id()
        query = {
            "id": query_id,
            "from": user,
            "message": copy.deepcopy(record.message),
            "chat_instance": str(abs(hash((chat_id, self.state.bot_user["id"])))),
            "data": callback_data,
        }
        self.state.callback_queries[query_id] = PendingCallback(query=query, created=time.monotonic())
        self.state.enqueue_update("callback_query", copy.deepcopy(query))
        self.state.emit({"type": "callback_query", "chat_id": chat_id, "message_id": message_id, "data": callback_data})
        return query_id

    def change_bot_status(self, chat_id: int, by_user_id: int, status: str) -> dict[str, Any]:
        """Add, promote or remove the bot; sends ``my_chat_member`` (and the service message on joining)."""
        chat = self.state.chats[chat_id]
        actor = self.state.users[by_user_id]
        bot = self.state.bot_user
        old = chat_member(self.state, chat_id, bot)
        if chat["type"] == "private":
            if status == "kicked":
                self.state.blocked_by.add(chat_id)
            else:
                self.state.blocked_by.discard(chat_id)
        else:
            self.state.members.setdefault(chat_id, {})[bot["id"]] = status
        new = chat_member(self.state, chat_id, bot)
        update = {
            "chat": chat,
            "from": actor,
            "date": int(time.time()),
            "old_chat_member": old,
            "new_chat_member": new,
        }
        self.state.enqueue_update("my_chat_member", update)
        joined = old["status"] in ("left", "kicked") and status in ("member", "administrator")
        if chat["type"] != "private" and joined:
            record = self.state.add_message(chat, actor, {"new_chat_members": [bot]})
            self.state.enqueue_update("message", copy.deepcopy(record.message))
        return update

    def upgrade_to_supergroup(self, chat_id: int, by_user_id: int, *, new_chat_first: bool = False) -> dict[str, Any]:
        """A group becomes a supergroup, as Telegram does it: a new chat id with the same members, a service
        message in each chat (`migrate_to_chat_id` in the old one, `migrate_from_chat_id` in the new one), and the
        old id refusing every write from then on. Returns the new chat."""
        old = self.state.chats.get(chat_id)
        if old is None or old["type"] != "group":
            raise ValueError(f"only a basic group can be upgraded; {chat_id} is not one")
        actor, _ = self._sender_and_chat(chat_id, by_user_id)
        new = {key: value for key, value in old.items() if key not in ("id", "type")}
        new |= {"id": self.state.new_group_id("supergroup"), "type": "supergroup"}
        self.state.chats[new["id"]] = new
        self.state.members[new["id"]] = dict(self.state.members.get(chat_id, {}))
        self.state.emit({"type": "chat_created", "chat": dict(new)})
        bot_inside = self.state.bot_status(chat_id) not in ("left", "kicked")
        services = [(old, {"migrate_to_chat_id": new["id"]}), (new, {"migrate_from_chat_id": chat_id})]
        for chat, content in reversed(services) if new_chat_first else services:
            record = self.state.add_message(chat, actor, content)
            if bot_inside:
                self.state.enqueue_update("message", copy.deepcopy(record.message))
        self.state.migrated_to[chat_id] = new["id"]
        return copy.deepcopy(new)


def _utf16_slice(text: str, offset: int, length: int) -> str:
    encoded = text.encode("utf-16-le")
    return encoded[2 * offset : 2 * (offset + length)].decode("utf-16-le", errors="replace")
