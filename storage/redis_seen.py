"""Update claims in Redis (REDIS_URL): one `SET key 1 NX EX <ttl>` per update, the same interface as
storage.seen_updates.SeenUpdates. Keys: `<prefix>:update:<bot id>:<update_id>`, expiring after a day."""

from __future__ import annotations

from datetime import timedelta

from redis.asyncio import Redis

from storage.seen_updates import KEEP


class RedisSeenUpdates:
    def __init__(self, url: str, prefix: str = "choosecheese", keep: timedelta = KEEP) -> None:
        self.redis: Redis = Redis.from_url(url)
        self.prefix, self.keep = prefix, keep

    def key(self, bot_id: int, update_id: int) -> str:
        return f"{self.prefix}:update:{bot_id}:{update_id}"

    async def claim(self, bot_id: int, update_id: int) -> bool:
        return bool(await self.redis.set(self.key(bot_id, update_id), b"1", nx=True, ex=self.keep))

    async def ping(self) -> None:
        await self.redis.ping()

    async def close(self) -> None:
        await self.redis.aclose()
