"""In-memory world of the emulator: users, chats, members, messages, pending updates, events."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import inspect
import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from playground.emulator.errors import CHAT_NOT_FOUND, ApiError, bad_request, forbidden
from playground.emulator.media import FileStore
from playground.emulator.validation import require_buttons_allowed

EventCallback = Callable[[dict[str, Any]], Any]
DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "callback_query",
        "inline_query",
        "chosen_inline_result",
        "my_chat_member",
        "chat_join_request",
        "poll",
        "poll_answer",
        "shipping_query",
        "pre_checkout_query",
    }
)
MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
CHAT_UPGRADED = "Bad Request: group chat was upgraded to a supergroup chat"
_LOG = logging.getLogger(__name__)


@dataclass
class MessageRecord:
    """One message as the chat shows it now, plus how it got there."""

    chat_id: int
    message_id: int
    message: dict[str, Any]
    from_bot: bool
    edited: bool = False
    deleted: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)
    sent_markup: dict[str, Any] | None = None
    reactions: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # user id → their reactions

    @property
    def text(self) -> str | None:
        return self.message.get("text")

    @property
    def caption(self) -> str | None:
        return self.message.get("caption")

    @property
    def entities(self) -> list[dict[str, Any]]:
        return self.message.get("entities") or self.message.get("caption_entities") or []

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        """The markup as sent (reply keyboards included, which Message itself never echoes)."""
        return self.sent_markup

    @property
    def from_user(self) -> dict[str, Any]:
        return self.message["from"]

    @property
    def photo(self) -> list[dict[str, Any]] | None:
        return self.message.get("photo")

    @property
    def document(self) -> dict[str, Any] | None:
        return self.message.get("document")

    @property
    def video(self) -> dict[str, Any] | None:
        return self.message.get("video")

    @property
    def media_group_id(self) -> str | None:
        return self.message.get("media_group_id")

    @property
    def file_id(self) -> str | None:
        """The largest photo size, or the document/video file."""
        if self.photo:
            return self.photo[-1]["file_id"]
        media = self.document or self.video
        return media["file_id"] if media else None

    def button_callback_data(self) -> list[str]:
        markup = self.message.get("reply_markup") or {}
        return [
            button["callback_data"]
            for row in markup.get("inline_keyboard", [])
            for button in row
            if "callback_data" in button
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "from_bot": self.from_bot,
            "edited": self.edited,
            "deleted": self.deleted,
            "message": copy.deepcopy(self.message),
            "history": copy.deepcopy(self.history),
            "reply_markup": copy.deepcopy(self.sent_markup),
            "reactions": copy.deepcopy(self.reactions),
        }


@dataclass
class PendingCallback:
    query: dict[str, Any]
    created: float
    answered: bool = False


class EmulatorState:
    """Everything the Bot API methods read and change. Single event loop, no locking needed."""

    def __init__(self, bot_user: dict[str, Any], *, privacy_mode: bool, callback_query_ttl: float) -> None:
        self.bot_user = bot_user
        self.privacy_mode = privacy_mode
        self.callback_query_ttl = callback_query_ttl
        self.files = FileStore()
        self.users: dict[int, dict[str, Any]] = {bot_user["id"]: bot_user}
        self.chats: dict[int, dict[str, Any]] = {}
        self.members: dict[int, dict[int, str]] = {}
        self.blocked_by: set[int] = set()
        self.migrated_to: dict[int, int] = {}  # a group upgraded to a supergroup → the supergroup's id
        self.messages: dict[int, dict[int, MessageRecord]] = {}
        self.updates: list[dict[str, Any]] = []
        self.webhook_secret = ""
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self.webhook_url = ""
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.callback_queries: dict[str, PendingCallback] = {}
        self.callback_answers: list[dict[str, Any]] = []
        self.chat_actions: list[dict[str, Any]] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._user_ids = itertools.count(bot_user["id"] + 1000)
        self._group_ids = itertools.count(4_000_000_001)
        self._update_ids = itertools.count(700_000_001)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._media_group_ids = itertools.count(13_900_000_000_000_001)
        self._callback_ids = itertools.count(5_500_000_000_000_000_001)
        self._subscribers: list[EventCallback] = []
        self._changed = asyncio.Event()
        self._updates_arrived = asyncio.Event()
        self._background: set[asyncio.Task[Any]] = set()

    # ----- change notification -------------------------------------------------------------------------
    def subscribe(self, callback: EventCallback) -> Callable[[], None]:
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

    def emit(self, event: dict[str, Any]) -> None:
        for callback in list(self._subscribers):
            try:
                outcome = callback(event)
                if inspect.isawaitable(outcome):
                    task = asyncio.ensure_future(outcome)
                    self._background.add(task)
                    task.add_done_callback(self._background.discard)
            except Exception:
                _LOG.exception("emulator event subscriber failed")
        self.touch()

    def touch(self) -> None:
        """Wake everyone waiting for a change of state."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for_change(self, seconds: float) -> None:
        changed = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), seconds)

    # ----- users and chats ------------------------------------------------------------------------------
    def new_user_id(self) -> int:
        return next(self._user_ids)

    def new_group_id(self, chat_type: str) -> int:
        number = next(self._group_ids)
        if chat_type == "group":
            return -(number % 1_000_000_000)
        return -(1_000_000_000_000 + number)

    def user(self, user_id: int) -> dict[str, Any]:
        try:
            return self.users[user_id]
        except KeyError:
            raise bad_request("user not found") from None

    def find_chat(self, chat_ref: Any) -> dict[str, Any]:
        """Resolve a chat_id parameter (integer or @username) or raise ``chat not found``."""
        if chat_ref is None or chat_ref == "":
            raise bad_request("chat_id is empty")
        reference = str(chat_ref).strip()
        if reference.startswith("@"):
            for chat in self.chats.values():
                if chat.get("username") and chat["username"].lower() == reference[1:].lower():
                    return chat
            raise bad_request(CHAT_NOT_FOUND)
        try:
            chat_id = int(reference)
        except ValueError:
            raise bad_request(CHAT_NOT_FOUND) from None
        found = self.chats.get(chat_id)
        if found is None:
            raise bad_request(CHAT_NOT_FOUND)
        return found

    def status(self, chat_id: int, user_id: int) -> str:
        chat = self.chats[chat_id]
        if chat["type"] == "private":
            return "member" if user_id in (chat_id, self.bot_user["id"]) else "left"
        return self.members.get(chat_id, {}).get(user_id, "left")

    def bot_status(self, chat_id: int) -> str:
        return self.status(chat_id, self.bot_user["id"])

    def require_writable(self, chat: dict[str, Any]) -> None:
        """A group upgraded to a supergroup is read-only: every write names the new id, as Telegram does."""
        new_id = self.migrated_to.get(chat["id"])
        if new_id is not None:
            raise ApiError(400, CHAT_UPGRADED, {"migrate_to_chat_id": new_id})

    def require_bot_can_post(self, chat: dict[str, Any]) -> None:
        self.require_writable(chat)
        if chat["type"] == "private":
            if chat["id"] in self.blocked_by:
                raise forbidden("bot was blocked by the user")
            return
        status = self.bot_status(chat["id"])
        if status == "kicked":
            raise forbidden(f"bot was kicked from the {chat['type']} chat")
        if status == "left":
            raise forbidden(f"bot is not a member of the {chat['type']} chat")

    # ----- messages --------------------------------------------------------------------------------------
    def chat_records(self, chat_id: int) -> dict[int, MessageRecord]:
        return self.messages.setdefault(chat_id, {})

    def live_message(self, chat_id: int, message_id: int | None, missing: str) -> MessageRecord:
        record = self.chat_records(chat_id).get(message_id or 0)
        if record is None or record.deleted:
            raise bad_request(missing)
        return record

    def add_message(
        self,
        chat: dict[str, Any],
        sender: dict[str, Any],
        content: dict[str, Any],
        *,
        markup: dict[str, Any] | None = None,
        reply_to: MessageRecord | None = None,
    ) -> MessageRecord:
        require_buttons_allowed(chat["type"], markup)
        counter = self._message_ids.setdefault(chat["id"], itertools.count(1))
        message_id = next(counter)
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": sender,
            "chat": chat,
            "date": int(time.time()),
            **content,
        }
        if reply_to is not None:
            message["reply_to_message"] = _without_reply(reply_to.message)
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        record = MessageRecord(
            chat_id=chat["id"],
            message_id=message_id,
            message=message,
            from_bot=sender["id"] == self.bot_user["id"],
            sent_markup=markup,
        )
        self.chat_records(chat["id"])[message_id] = record
        kind = "bot_message" if record.from_bot else "user_message"
        event = {"type": kind, "chat_id": chat["id"], "message_id": message_id, "message": copy.deepcopy(message)}
        if markup is not None and "inline_keyboard" not in markup:  # ForceReply or a reply keyboard: clients act on it
            event["sent_markup"] = copy.deepcopy(markup)
        self.emit(event)
        return record

    def edit_message(self, record: MessageRecord, changes: dict[str, Any], drop: tuple[str, ...] = ()) -> None:
        require_buttons_allowed(record.message["chat"]["type"], changes.get("reply_markup"))
        record.history.append(copy.deepcopy(record.message))
        for key in drop:
            record.message.pop(key, None)
        record.message.update(changes)
        record.message["edit_date"] = int(time.time())
        record.edited = True
        self.emit(
            {
                "type": "edit",
                "chat_id": record.chat_id,
                "message_id": record.message_id,
                "message": copy.deepcopy(record.message),
            }
        )

    def set_bot_reaction(self, record: MessageRecord, reactions: list[dict[str, Any]], big: bool = False) -> None:
        if reactions:
            record.reactions[self.bot_user["id"]] = reactions
        else:
            record.reactions.pop(self.bot_user["id"], None)
        self.emit(
            {
                "type": "reaction",
                "chat_id": record.chat_id,
                "message_id": record.message_id,
                "reactions": copy.deepcopy(reactions),
                "is_big": big,
            }
        )

    def delete_message(self, record: MessageRecord) -> None:
        record.deleted = True
        self.emit({"type": "delete", "chat_id": record.chat_id, "message_id": record.message_id})

    def new_media_group_id(self) -> str:
        return str(next(self._media_group_ids))

    def new_callback_id(self) -> str:
        return str(next(self._callback_ids))

    # ----- updates ----------------------------------------------------------------------------------------
    def enqueue_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), kind: payload}
        self.updates.append(update)
        self._updates_arrived.set()
        self._updates_arrived = asyncio.Event()
        self.emit({"type": "update", "update_type": kind, "update_id": update["update_id"]})
        return update

    def confirm_updates(self, offset: int | None) -> None:
        if offset is None or offset == 0:
            return
        if offset > 0:
            self.updates = [update for update in self.updates if update["update_id"] >= offset]
        else:
            self.updates = self.updates[offset:]

    def deliverable_updates(self, limit: int) -> list[dict[str, Any]]:
        """Forget updates of types the bot did not ask for, return the first ``limit`` of the rest."""
        self.updates = [update for update in self.updates if _update_type(update) in self.allowed_updates]
        return copy.deepcopy(self.updates[:limit])

    async def wait_for_updates(self, seconds: float) -> None:
        arrived = self._updates_arrived
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(arrived.wait(), seconds)

    def wake_pollers(self) -> None:
        self._updates_arrived.set()
        self._updates_arrived = asyncio.Event()


def _update_type(update: dict[str, Any]) -> str:
    return next(key for key in update if key != "update_id")


def _without_reply(message: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in message.items() if key != "reply_to_message"}
