"""The typed context every handler and job receives: `ContextTypes(context=ChatContext, bot_data=BotData,
chat_data=ChatData)`, as in python-telegram-bot's contexttypesbot example. No string keys into bot_data elsewhere."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from booths import SafeFetcher
from handlers.error_reports import ErrorReports
from handlers.i18n import normalise_language
from handlers.inbox import UpdateInbox
from pipeline.rate_limits import Limits
from pipeline.services import Services
from pipeline.settings import Settings
from pipeline.workers import CpuPool
from storage.chat_keys import ChatKeys


@dataclass(frozen=True)
class NamePrompt:
    """A ForceReply question 'what is this person called?', waiting for a reply."""

    person_id: int
    card_message_id: int | None


NAME_PROMPT_TTL_S = 24 * 3600  # an unanswered question is forgotten after a day
VIEW_TTL_S = 48 * 3600  # a bot may delete a message for 48 hours: an older page's photos stay anyway


class NamePrompts:
    """Open name questions by (chat, question message), shared by every replica (storage.chat_keys)."""

    def __init__(self, keys: ChatKeys) -> None:
        self.keys = keys

    async def ask(self, chat_id: int, message_id: int, prompt: NamePrompt) -> None:
        value = [prompt.person_id, prompt.card_message_id]
        await self.keys.put(chat_id, f"name_prompt:{message_id}", value, NAME_PROMPT_TTL_S)

    async def take(self, chat_id: int, message_id: int) -> NamePrompt | None:
        """The question, no longer open: of two replies (on two replicas) only one gets it."""
        value = await self.keys.take(chat_id, f"name_prompt:{message_id}")
        return None if value is None else NamePrompt(int(value[0]), value[1])


class PageViews:
    """A chat's pages on screen (navigation message id → the photo messages above it), so turning a page deletes
    them; shared by every replica (storage.chat_keys)."""

    def __init__(self, keys: ChatKeys, kind: str) -> None:
        self.keys, self.kind = keys, kind

    async def remember(self, chat_id: int, nav_message_id: int, photo_message_ids: list[int]) -> None:
        await self.keys.put(chat_id, f"view:{self.kind}:{nav_message_id}", photo_message_ids, VIEW_TTL_S)

    async def take(self, chat_id: int, nav_message_id: int) -> list[int] | None:
        """The page's photo messages, forgotten; None when the page is not (or no longer) known."""
        value = await self.keys.take(chat_id, f"view:{self.kind}:{nav_message_id}")
        return None if value is None else [int(message_id) for message_id in value]


REFUSED_ALBUM_TTL_S = 10 * 60  # a Telegram album's photos arrive within seconds; its refusal is remembered this long


class RefusedAlbums:
    """Telegram albums already told they went over an upload limit: one refusal per album, its later photos refused
    with it; shared by every replica (storage.chat_keys)."""

    def __init__(self, keys: ChatKeys) -> None:
        self.keys = keys

    async def refuse(self, chat_id: int, media_group_id: str) -> bool:
        """True for the first photo of the album refused, the one that says so: the album's photos are handled at the
        same time, so they count (one atomic step) rather than look and then write."""
        return await self.keys.add(chat_id, f"refused_album:{media_group_id}", 1, REFUSED_ALBUM_TTL_S) == 1

    async def refused(self, chat_id: int, media_group_id: str) -> bool:
        return await self.keys.get(chat_id, f"refused_album:{media_group_id}") is not None


@dataclass
class ShownAction:
    """A chat action ('sending a photo…') repeated while any handler of that chat still works."""

    task: asyncio.Task[None]
    users: int = 0


class BotData:
    """The process's bot_data. PTB creates it empty; `bot.app` fills in what it was built with, post_init the
    services."""

    def __init__(self) -> None:
        self.settings: Settings | None = None
        self.shared_cpu: CpuPool | None = None  # pools shared between applications (tests, playground)
        self.shared_pictures: CpuPool | None = None
        self.booth_fetcher: SafeFetcher | None = None  # tests and the playground point booth hosts at local servers
        self.services: Services | None = None
        self.chat_actions: dict[tuple[int, str], ShownAction] = {}
        self.error_reports = ErrorReports()
        # Set by bot.app when the Mini App is served: chat id → its signed album token (miniapp.tokens).
        self.album_token: Callable[[int], str] | None = None
        self.miniapp_sdk_url: str | None = None  # the playground's stand-in for telegram-web-app.js
        self.miniapp_frames: tuple[str, ...] = ()  # extra pages allowed to frame the Mini App (the playground's)
        self.miniapp_stop: Callable[[], Awaitable[None]] | None = None  # stops its server at shutdown
        self.miniapp_in_webhook = False  # bot.webhook's server serves the Mini App (no server of its own)
        self.limits = Limits()  # replaced in post_init by the services' (shared with REDIS_URL); tests set their own
        self.inbox: UpdateInbox | None = None  # uploads kept until handled (handlers.inbox); set by bot.app


class ChatData:
    """PTB's per-chat memory, unused: what a chat's views remember is shared by replicas (ChatContext.album_views,
    person_photo_views, name_prompts), never kept in a process."""


class ChatContext(CallbackContext[ExtBot[None], dict[Any, Any], ChatData, BotData]):
    """Handlers' context: the services, and the update's language looked up once per update."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self._update: Update | None = None
        self._language: str | None = None

    @classmethod
    def from_update(cls, update: object, application: Application[Any, Any, Any, Any, Any, Any]) -> ChatContext:
        context = super().from_update(update, application)
        if isinstance(update, Update):
            context._update = update
        return context

    @property
    def services(self) -> Services:
        services = self.bot_data.services
        if services is None:
            raise RuntimeError("the bot's services are not started (post_init has not run)")
        return services

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def name_prompts(self) -> NamePrompts:
        return NamePrompts(self.services.shared.keys)

    @property
    def refused_albums(self) -> RefusedAlbums:
        return RefusedAlbums(self.services.shared.keys)

    @property
    def album_views(self) -> PageViews:
        return PageViews(self.services.shared.keys, "album")

    @property
    def person_photo_views(self) -> PageViews:
        return PageViews(self.services.shared.keys, "person")

    async def language(self) -> str:
        """The language of the update's user (or, without one, its chat): the member's choice, else Telegram's."""
        if self._language is None:
            update = self._update
            user = update.effective_user if update else None
            chat = update.effective_chat if update else None
            chosen = await self.services.albums.language(
                user_id=user.id if user else None, chat_id=chat.id if chat else None
            )
            self._language = normalise_language(chosen, self.settings.default_language)
        return self._language

    def language_changed(self, language: str) -> None:
        self._language = language


CONTEXT_TYPES = ContextTypes(context=ChatContext, bot_data=BotData, chat_data=ChatData)
