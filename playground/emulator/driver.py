"""BotApiEmulator: start the fake Bot API, play users, inspect what the bot did."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

from aiohttp import web

from playground.emulator.faults import FAULT_KINDS, FaultPlan
from playground.emulator.server import BotApiServer
from playground.emulator.state import MEMBER_STATUSES, EmulatorState, EventCallback, MessageRecord
from playground.emulator.user_actions import UserActions, detect_entities
from playground.emulator.webhook import WebhookDelivery

T = TypeVar("T")
CHAT_TYPES = ("private", "group", "supergroup")


@dataclass(frozen=True)
class StoredPhoto:
    """A photo's sizes, made before its message is sent (BotApiEmulator.store_photo)."""

    sizes: list[dict[str, Any]]


class BotApiEmulator:
    """A strict, offline Telegram Bot API on loopback, for end-to-end tests and the playground."""

    def __init__(
        self,
        token: str = "123456:TEST",
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        bot_first_name: str = "ChooseCheese Test Bot",
        bot_username: str = "choosecheese_test_bot",
        privacy_mode: bool = True,
        callback_query_ttl: float = 15.0,
        deliver_webhook_to: str | None = None,
    ) -> None:
        """`deliver_webhook_to`: with a webhook set, POST updates there (playground.emulator.webhook)."""
        self.token = token
        self.host = host
        self.port = port
        bot_user = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.state = EmulatorState(bot_user, privacy_mode=privacy_mode, callback_query_ttl=callback_query_ttl)
        self.faults = FaultPlan()
        self._server = BotApiServer(token, self.state, self.faults)
        self._actions = UserActions(self.state)
        self._runner: web.AppRunner | None = None
        self._returned: set[tuple[int, int]] = set()
        self.webhook = WebhookDelivery(self.state, deliver_webhook_to) if deliver_webhook_to else None

    # ----- lifecycle --------------------------------------------------------------------------------------
    async def start(self) -> None:
        self._runner = web.AppRunner(self._server.application(), shutdown_timeout=0.5, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        if self.webhook is not None:
            self.webhook.start()

    async def stop(self) -> None:
        if self.webhook is not None:
            await self.webhook.stop()
        self._server.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiEmulator:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    @property
    def bot_user(self) -> dict[str, Any]:
        return dict(self.state.bot_user)

    # ----- world setup ------------------------------------------------------------------------------------
    def create_user(
        self,
        first_name: str,
        language_code: str = "en",
        username: str | None = None,
        last_name: str | None = None,
    ) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.state.new_user_id(), "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        user["language_code"] = language_code
        self.state.users[user["id"]] = user
        self.state.emit({"type": "user_created", "user": dict(user)})
        return dict(user)

    def create_chat(
        self,
        type: str = "private",
        title: str | None = None,
        user: dict[str, Any] | int | None = None,
        *,
        bot_status: str | None = "member",
        username: str | None = None,
    ) -> dict[str, Any]:
        """A private chat with ``user``, or a group created by ``user`` where the bot has ``bot_status``."""
        if type not in CHAT_TYPES:
            raise ValueError(f"chat type must be one of {CHAT_TYPES}")
        owner = self._user(user) if user is not None else None
        if type == "private":
            if owner is None:
                raise ValueError("a private chat needs the user it is with")
            chat = {"id": owner["id"], "type": "private", "first_name": owner["first_name"]}
            chat |= {key: owner[key] for key in ("last_name", "username") if key in owner}
        else:
            chat = {"id": self.state.new_group_id(type), "type": type, "title": title or f"Test {type}"}
            if username:
                chat["username"] = username
            self.state.members[chat["id"]] = {}
            if owner is not None:
                self.state.members[chat["id"]][owner["id"]] = "creator"
            if bot_status is not None:
                self.state.members[chat["id"]][self.state.bot_user["id"]] = bot_status
        self.state.chats[chat["id"]] = chat
        self.state.emit({"type": "chat_created", "chat": dict(chat)})
        return dict(chat)

    def add_member(self, chat_id: int, user_id: int, status: str = "member") -> None:
        if status not in MEMBER_STATUSES:
            raise ValueError(f"status must be one of {MEMBER_STATUSES}")
        if self.state.chats[chat_id]["type"] == "private":
            raise ValueError("private chats have no members to add")
        self._user(user_id)
        self.state.members[chat_id][user_id] = status
        self.state.emit({"type": "member", "chat_id": chat_id, "user_id": user_id, "status": status})

    def add_bot_to_chat(self, chat_id: int, by_user_id: int, status: str = "member") -> dict[str, Any]:
        return self._actions.change_bot_status(chat_id, by_user_id, status)

    def remove_bot_from_chat(self, chat_id: int, by_user_id: int) -> dict[str, Any]:
        return self._actions.change_bot_status(chat_id, by_user_id, "kicked")

    def block_bot(self, user_id: int) -> dict[str, Any]:
        """The user blocks the bot: sending to them then fails with 403."""
        return self._actions.change_bot_status(user_id, user_id, "kicked")

    def unblock_bot(self, user_id: int) -> dict[str, Any]:
        return self._actions.change_bot_status(user_id, user_id, "member")

    def upgrade_to_supergroup(self, chat_id: int, by_user_id: int, *, new_chat_first: bool = False) -> dict[str, Any]:
        """The group becomes a supergroup with a new id (both service messages are sent; `new_chat_first` sends the
        new chat's one first). Writes to the old id then fail as on Telegram; returns the new chat."""
        return self._actions.upgrade_to_supergroup(chat_id, by_user_id, new_chat_first=new_chat_first)

    def _user(self, user: dict[str, Any] | int) -> dict[str, Any]:
        user_id = user["id"] if isinstance(user, dict) else user
        if user_id not in self.state.users:
            raise ValueError(f"no user {user_id}; create it with emu.create_user()")
        return self.state.users[user_id]

    # ----- people acting ------------------------------------------------------------------------------------
    async def send_text(
        self, chat_id: int, user_id: int, text: str, reply_to_message_id: int | None = None
    ) -> dict[str, Any]:
        content: dict[str, Any] = {"text": text}
        entities = detect_entities(text)
        if entities:
            content["entities"] = entities
        return self._actions.post(chat_id, user_id, content, reply_to_message_id)

    def store_photo(self, data: bytes) -> StoredPhoto:
        """Make a photo's sizes now and send it later: Telegram's servers resize a member's photo, not the bot's
        machine, and a load run that resized 500 phone photos in its burst measured its own harness."""
        return StoredPhoto(self.state.files.add_photo(data))

    async def send_photo(
        self,
        chat_id: int,
        user_id: int,
        data: bytes | StoredPhoto,
        caption: str | None = None,
        media_group_id: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> dict[str, Any]:
        sizes = data.sizes if isinstance(data, StoredPhoto) else self.state.files.add_photo(data)
        content: dict[str, Any] = {"photo": sizes}
        content |= self._caption(caption)
        if media_group_id:
            content["media_group_id"] = media_group_id
        return self._actions.post(chat_id, user_id, content, reply_to_message_id)

    async def send_document(
        self,
        chat_id: int,
        user_id: int,
        data: bytes,
        file_name: str,
        mime_type: str | None = None,
        caption: str | None = None,
        reply_to_message_id: int | None = None,
        declare_size: bool = True,
    ) -> dict[str, Any]:
        """`declare_size=False`: the update leaves out `file_size` (optional in the Bot API): only getFile tells."""
        document = self.state.files.add_document(data, file_name, mime_type)
        if not declare_size:
            document.pop("file_size")
        content: dict[str, Any] = {"document": document}
        content |= self._caption(caption)
        return self._actions.post(chat_id, user_id, content, reply_to_message_id)

    async def send_media_group(
        self, chat_id: int, user_id: int, photos: Sequence[bytes], caption: str | None = None
    ) -> list[dict[str, Any]]:
        """An album of 2-10 photos; the caption goes on the first one, as Telegram clients do."""
        if not 2 <= len(photos) <= 10:
            raise ValueError("an album holds 2-10 photos")
        group_id = self.state.new_media_group_id()
        messages = []
        for index, data in enumerate(photos):
            messages.append(
                await self.send_photo(chat_id, user_id, data, caption if index == 0 else None, media_group_id=group_id)
            )
        return messages

    async def press_button(self, chat_id: int, user_id: int, message_id: int, callback_data: str) -> str:
        """Press an inline button of a bot message; returns the callback_query id."""
        return self._actions.press_button(chat_id, user_id, message_id, callback_data)

    async def forge_callback(self, chat_id: int, user_id: int, message_id: int, callback_data: str) -> str:
        """A callback query with data no button of the message carries, as a modified client can send; returns its
        id."""
        return self._actions.press_button(chat_id, user_id, message_id, callback_data, forged=True)

    def _caption(self, caption: str | None) -> dict[str, Any]:
        if not caption:
            return {}
        entities = detect_entities(caption)
        return {"caption": caption, **({"caption_entities": entities} if entities else {})}

    # ----- inspection --------------------------------------------------------------------------------------
    def chat_messages(self, chat_id: int, include_deleted: bool = True) -> list[MessageRecord]:
        records = list(self.state.chat_records(chat_id).values())
        return [record for record in records if include_deleted or not record.deleted]

    def bot_messages(self, chat_id: int, include_deleted: bool = True) -> list[MessageRecord]:
        return [record for record in self.chat_messages(chat_id, include_deleted) if record.from_bot]

    def message(self, chat_id: int, message_id: int) -> MessageRecord:
        return self.state.chat_records(chat_id)[message_id]

    def bot_reaction(self, chat_id: int, message_id: int) -> list[str]:
        """The emoji the bot has set on a message now (empty: none)."""
        reactions = self.message(chat_id, message_id).reactions.get(self.state.bot_user["id"], [])
        return [reaction.get("emoji") or reaction.get("custom_emoji_id", "") for reaction in reactions]

    def file_bytes(self, file_id: str) -> bytes:
        stored = self.state.files.get(file_id)
        if stored is None:
            raise KeyError(f"unknown file_id {file_id!r}")
        return stored.data

    @property
    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        return self.state.calls

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.state.calls if name.lower() == method.lower()]

    @property
    def callback_answers(self) -> list[dict[str, Any]]:
        return self.state.callback_answers

    @property
    def chat_actions(self) -> list[dict[str, Any]]:
        return self.state.chat_actions

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self.state.updates)

    def snapshot(self) -> dict[str, Any]:
        """The whole visible state as JSON-able data (for the playground)."""
        return {
            "bot": self.bot_user,
            "users": copy.deepcopy(list(self.state.users.values())),
            "chats": copy.deepcopy(list(self.state.chats.values())),
            "members": {str(chat): {str(u): s for u, s in m.items()} for chat, m in self.state.members.items()},
            "messages": {
                str(chat_id): [record.to_json() for record in records.values()]
                for chat_id, records in self.state.messages.items()
            },
            "pending_updates": len(self.state.updates),
            "callback_answers": copy.deepcopy(self.state.callback_answers),
            "chat_actions": copy.deepcopy(self.state.chat_actions),
        }

    def subscribe(self, callback: EventCallback) -> Callable[[], None]:
        """Call ``callback(event)`` (sync or async) on every change; returns an unsubscribe function."""
        return self.state.subscribe(callback)

    async def wait_for(self, predicate: Callable[[], T | None], timeout: float = 5.0) -> T:
        """Wait until ``predicate()`` is truthy (re-checked on every state change) and return its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout}s")
            await self.state.wait_for_change(min(remaining, 0.25))

    async def wait_for_bot_message(
        self,
        chat_id: int,
        timeout: float = 5.0,
        predicate: Callable[[MessageRecord], bool] | None = None,
    ) -> MessageRecord:
        """The earliest bot message in the chat that no earlier call returned (and that matches)."""

        def next_message() -> MessageRecord | None:
            for record in self.bot_messages(chat_id):
                key = (chat_id, record.message_id)
                if key not in self._returned and (predicate is None or predicate(record)):
                    self._returned.add(key)
                    return record
            return None

        try:
            return await self.wait_for(next_message, timeout)
        except TimeoutError:
            seen = [record.text or record.caption for record in self.bot_messages(chat_id)]
            raise TimeoutError(
                f"no new bot message in chat {chat_id} within {timeout}s; bot messages: {seen}"
            ) from None

    # ----- faults ---------------------------------------------------------------------------------------
    def inject_fault(
        self, method: str, kind: str = "429", count: int = 1, retry_after: int = 1, delay: float | None = None
    ) -> None:
        """Make the next ``count`` calls of ``method`` ("*" = any) fail: 429, 500, 502, timeout, drop, slow or lost
        (carried out, then its answer lost after ``delay`` s: playground.emulator.faults)."""
        self.faults.add(method, kind, count, retry_after, delay)

    def inject_random_faults(
        self,
        rate: float,
        kinds: tuple[str, ...] = FAULT_KINDS,
        seed: int = 0,
        *,
        retry_after: int = 1,
        delays: dict[str, float] | None = None,
        spared: tuple[str, ...] = (),
    ) -> None:
        """Fail each later call (methods in `spared` excepted) with probability `rate`, seeded."""
        self.faults.randomly(rate, kinds, seed, retry_after=retry_after, delays=delays, spared=spared)

    @property
    def triggered_faults(self) -> list[tuple[str, str]]:
        """(method, kind) of every fault served so far."""
        return list(self.faults.triggered)

    def clear_faults(self) -> None:
        self.faults.clear()
