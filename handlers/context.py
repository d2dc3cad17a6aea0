"""The typed context every handler and job receives: `ContextTypes(context=ChatContext, bot_data=BotData,
chat_data=ChatData)`, as in python-telegram-bot's contexttypesbot example. No string keys into bot_data elsewhere."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from booths import SafeFetcher
from handlers.bounded import ExpiringMap, RecentViews
from handlers.error_reports import ErrorReports
from handlers.i18n import normalise_language
from handlers.inbox import UpdateInbox
from pipeline.analysis import FiledAnalysis
from pipeline.rate_limits import Limits
from pipeline.services import Services
from pipeline.settings import Settings
from pipeline.workers import CpuPool


@dataclass(frozen=True)
class NamePrompt:
    """A ForceReply question 'what is this person called?', waiting for a reply."""

    person_id: int
    card_message_id: int | None


NAME_PROMPT_TTL_S = 24 * 3600  # an unanswered question is forgotten after a day …
NAME_PROMPTS_PER_CHAT = 20  # … or when a chat has this many newer ones
VIEWS_PER_CHAT = 20  # album and person pages whose photo messages a page turn deletes


REFUSED_ALBUM_TTL_S = 10 * 60  # a Telegram album's photos arrive within seconds; its refusal is remembered this long
REFUSED_ALBUMS_PER_CHAT = 20


class RefusedAlbums(ExpiringMap[tuple[int, str], bool]):
    """(chat id, media group id) of albums already told they went over an upload limit: one refusal per album,
    and the rest of its photos refused with it."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(lambda key: key[0], ttl_s=REFUSED_ALBUM_TTL_S, per_group=REFUSED_ALBUMS_PER_CHAT, clock=clock)


class NamePrompts(ExpiringMap[tuple[int, int], NamePrompt]):
    """(chat id, prompt message id) → prompt, bounded per chat and in time."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(lambda key: key[0], ttl_s=NAME_PROMPT_TTL_S, per_group=NAME_PROMPTS_PER_CHAT, clock=clock)


@dataclass
class ShownAction:
    """A chat action ('sending a photo…') repeated while any handler of that chat still works."""

    task: asyncio.Task[None]
    users: int = 0


@dataclass
class AlbumItem:
    """What became of one photo of a Telegram album."""

    problem: str | None = None  # why it was not taken
    saved: bool = False  # something new was filed from it
    duplicate: bool = False  # it was in the album already
    analysis: FiledAnalysis | None = None  # its faces, when it was filed just now
    own_answer: bool = False  # it held a booth QR: answered on its own, like a single strip


@dataclass
class MediaGroupTally:
    """Items of one Telegram album (they arrive as separate updates): answered once, after the last."""

    chat_id: int
    language: str
    sender: str
    quiet: bool  # the chat's answers are quiet: a reaction (and words only for problems)
    pending: int = 0
    items: dict[int, AlbumItem] = field(default_factory=dict)  # message id → what became of it
    quiet_since: float = 0.0  # event-loop time of the last finished item
    created_at: float = 0.0  # set by MediaGroups


MEDIA_GROUP_IDLE_S = 10 * 60  # an album nobody will answer (its items failed) is forgotten after this …
MEDIA_GROUP_MAX_AGE_S = 60 * 60  # … and one still waiting for an item after this (a handler that never returned)


class MediaGroups:
    """The albums being answered, by "chat id:media group id". Each is normally removed by the item that answers
    it; one whose items all ended without an answer (an error in each) would otherwise stay for good."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tallies: dict[str, MediaGroupTally] = {}

    def get(self, key: str) -> MediaGroupTally | None:
        self._drop_abandoned()
        return self._tallies.get(key)

    def __setitem__(self, key: str, tally: MediaGroupTally) -> None:
        self._drop_abandoned()
        tally.created_at = self._clock()
        self._tallies[key] = tally

    def __delitem__(self, key: str) -> None:
        del self._tallies[key]

    def __len__(self) -> int:
        self._drop_abandoned()
        return len(self._tallies)

    def _drop_abandoned(self) -> None:
        now = self._clock()
        for key, tally in list(self._tallies.items()):
            idle = now - max(tally.created_at, tally.quiet_since)
            if (tally.pending <= 0 and idle > MEDIA_GROUP_IDLE_S) or now - tally.created_at > MEDIA_GROUP_MAX_AGE_S:
                del self._tallies[key]


class BotData:
    """The process's bot_data. PTB creates it empty; `bot.app` fills in what it was built with, post_init the
    services."""

    def __init__(self) -> None:
        self.settings: Settings | None = None
        self.shared_cpu: CpuPool | None = None  # pools shared between applications (tests, playground)
        self.shared_pictures: CpuPool | None = None
        self.booth_fetcher: SafeFetcher | None = None  # tests and the playground point booth hosts at local servers
        self.services: Services | None = None
        self.name_prompts = NamePrompts()
        self.media_groups = MediaGroups()
        self.chat_actions: dict[tuple[int, str], ShownAction] = {}
        self.error_reports = ErrorReports()
        # Set by bot.app when the Mini App is served: chat id → its signed album token (miniapp.tokens).
        self.album_token: Callable[[int], str] | None = None
        self.miniapp_sdk_url: str | None = None  # the playground's stand-in for telegram-web-app.js
        self.miniapp_frames: tuple[str, ...] = ()  # extra pages allowed to frame the Mini App (the playground's)
        self.miniapp_stop: Callable[[], Awaitable[None]] | None = None  # stops its server at shutdown
        self.miniapp_in_webhook = False  # bot.webhook's server serves the Mini App (no server of its own)
        self.limits = Limits()
        self.refused_albums = RefusedAlbums()
        self.inbox: UpdateInbox | None = None  # uploads kept until handled (handlers.inbox); set by bot.app


class ChatData:
    """What one chat's views remember: which photo messages an album or person page sent (to delete them when
    the page turns)."""

    def __init__(self) -> None:
        self.album_views = RecentViews(VIEWS_PER_CHAT)
        self.person_photo_views = RecentViews(VIEWS_PER_CHAT)


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
