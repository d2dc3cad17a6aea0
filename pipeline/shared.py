"""What the replicas of one bot share, chosen from the settings; each piece is a small interface with an in-process
default, so `make run` stays one process on SQLite with nothing else to run:

| piece | one process (SQLite) | PostgreSQL `DATABASE_URL` | `REDIS_URL` |
|---|---|---|---|
| per-chat lock (people change) | asyncio lock | `pg_advisory_xact_lock(chat)` | — |
| Telegram albums being answered | memory | tables `mediagroup`, `mediagroupitem` | — |
| name questions, pages on screen, counters | memory | table `chatkey` | keys with an expiry |
| rate limits (members, chats, booth links) | memory | — (per replica) | sorted sets, one Lua script |
| scheduled runs, photo analyses | table `jobclaim` | table `jobclaim` | — |
| answers owed after an analysis | table `reply` | table `reply` | — |

Redis wins over the database for what it does best (counters and keys that expire); the per-chat lock and the albums
stay in PostgreSQL, beside the rows they protect.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from redis.asyncio import Redis

from pipeline.rate_limits import Limits, RateLimit, booth_link_limit
from pipeline.settings import Settings
from storage.chat_keys import ChatKeys, DbChatKeys, MemoryChatKeys
from storage.chat_locks import ChatLocks, MemoryChatLocks, PgChatLocks
from storage.db import Database
from storage.job_claims import JobClaims
from storage.media_groups import DbMediaGroups, MediaGroupStore, MemoryMediaGroups
from storage.redis_state import RedisChatKeys, open_redis
from storage.replies import ReplyStore

log = logging.getLogger(__name__)


@dataclass
class SharedState:
    keys: ChatKeys
    locks: ChatLocks
    media_groups: MediaGroupStore
    claims: JobClaims
    replies: ReplyStore
    limits: Limits
    booth_links: RateLimit
    redis: Redis | None = None

    @classmethod
    def open(cls, settings: Settings, db: Database) -> SharedState:
        redis = open_redis(settings.redis_url.get_secret_value()) if settings.redis_url is not None else None
        prefix = settings.redis_key_prefix
        shared_db = not db.is_sqlite
        keys: ChatKeys = MemoryChatKeys()
        if redis is not None:
            keys = RedisChatKeys(redis, prefix)
        elif shared_db:
            keys = DbChatKeys(db)
        claims = JobClaims(db)
        state = cls(
            keys=keys,
            locks=PgChatLocks(db.url) if shared_db else MemoryChatLocks(),
            media_groups=DbMediaGroups(db) if shared_db else MemoryMediaGroups(),
            claims=claims,
            replies=ReplyStore(db, claims.owner, timedelta(seconds=settings.reply_lease_s)),
            limits=Limits.in_redis(redis, prefix) if redis is not None else Limits(),
            booth_links=booth_link_limit(redis, prefix),
            redis=redis,
        )
        log.info("shared state: %s", state.describe())
        return state

    def describe(self) -> str:
        return ", ".join(
            f"{name} {type(part).__name__}"
            for name, part in (("keys", self.keys), ("locks", self.locks), ("albums", self.media_groups))
        ) + (", limits in Redis" if self.redis is not None else ", limits in this process")

    async def ping(self) -> None:
        if self.redis is not None:
            await self.redis.ping()

    async def close(self) -> None:
        await self.keys.close()
        await self.locks.close()
        await self.media_groups.close()
        if self.redis is not None:
            await self.redis.aclose()
