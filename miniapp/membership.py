"""Who may open a chat's album in the Mini App.

A member is someone with a member row for the chat (handlers.common.remember_update writes one whenever the user
writes or presses something there) in a chat the bot is still in; in a private chat, only its own user. The row
alone would keep someone who left a group in, so for groups Telegram is asked too (getChatMember: creator,
administrator, member, or restricted but still in), through the small `TelegramMembers` interface so tests answer
from the emulator. Telegram's answer is remembered for a few minutes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol

from telegram import Bot
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError

from storage.album_access import KnownChat, MemberStore

log = logging.getLogger(__name__)
CONFIRMED_FOR_S = 300.0


class TelegramMembers(Protocol):
    async def is_member(self, chat_id: int, user_id: int) -> bool: ...


class BotMembers:
    """getChatMember through the bot (real Telegram, or the emulator in tests and the playground)."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def is_member(self, chat_id: int, user_id: int) -> bool:
        member = await self.bot.get_chat_member(chat_id, user_id)
        if member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER):
            return True
        return member.status == ChatMemberStatus.RESTRICTED and bool(getattr(member, "is_member", False))


class Membership:
    def __init__(
        self,
        members: MemberStore,
        telegram: TelegramMembers | None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.members = members
        self.telegram = telegram
        self.clock = clock
        self._confirmed: dict[tuple[int, int], tuple[float, bool]] = {}

    async def chat_for(self, chat_id: int, user_id: int) -> KnownChat | None:
        """The chat when `user_id` may see its album, else None. Called on every API request and picture."""
        known = await self.members.known_member(chat_id, user_id)
        if known is None:
            return None
        if known.type == "private":
            return known if chat_id == user_id else None
        if self.telegram is None:
            return known
        return known if await self._telegram_says(chat_id, user_id) else None

    async def _telegram_says(self, chat_id: int, user_id: int) -> bool:
        key = (chat_id, user_id)
        cached = self._confirmed.get(key)
        now = self.clock()
        if cached is not None and now - cached[0] < CONFIRMED_FOR_S:
            return cached[1]
        try:
            answer = await self.telegram.is_member(chat_id, user_id) if self.telegram else True
        except TelegramError as exc:
            log.warning("getChatMember failed (%s): the album stays closed", type(exc).__name__)
            return False  # not remembered: the next request asks again
        if len(self._confirmed) > 10_000:
            self._confirmed.clear()
        self._confirmed[key] = (now, answer)
        return answer
