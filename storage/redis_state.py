"""What replicas share in Redis (REDIS_URL): chat keys with an expiry (storage.chat_keys.ChatKeys) and sliding-window
rate limits (pipeline.rate_limits.RateLimit), both through redis-py's asyncio client.

Keys: `<prefix>:chat:<chat id>:<key>` (SET … EX, GETDEL, INCRBY) and `<prefix>:limit:<name>:<key>` (a sorted set of
event times per limited key, trimmed and counted in one Lua script on the server's clock, so every replica counts
against the same window whatever its own clock says).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Hashable
from typing import Any

from redis.asyncio import Redis

Json = Any

# KEYS: the limited keys. ARGV: limit, window in ms, count (1) or only look (0), a unique member for this event.
# Returns 0 when every key has room (the event then counted for each with `count`), else the ms until all have.
_WINDOW_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local wait = 0
for _, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) >= limit then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    local w = window - (now - tonumber(oldest[2]))
    if w > wait then wait = w end
  end
end
if wait > 0 or ARGV[3] == '0' then
  return wait
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, window)
end
return 0
"""


def open_redis(url: str) -> Redis:
    return Redis.from_url(url)


class RedisChatKeys:
    def __init__(self, redis: Redis, prefix: str = "choosecheese") -> None:
        self.redis, self.prefix = redis, prefix

    def name(self, chat_id: int, key: str) -> str:
        return f"{self.prefix}:chat:{chat_id}:{key}"

    async def put(self, chat_id: int, key: str, value: Json, ttl_s: float) -> None:
        await self.redis.set(self.name(chat_id, key), json.dumps(value), px=max(1, round(ttl_s * 1000)))

    async def get(self, chat_id: int, key: str) -> Json | None:
        raw = await self.redis.get(self.name(chat_id, key))
        return None if raw is None else json.loads(raw)

    async def take(self, chat_id: int, key: str) -> Json | None:
        raw = await self.redis.getdel(self.name(chat_id, key))
        return None if raw is None else json.loads(raw)

    async def add(self, chat_id: int, key: str, amount: int, ttl_s: float) -> int:
        name = self.name(chat_id, key)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incrby(name, amount)
            pipe.pexpire(name, max(1, round(ttl_s * 1000)))
            count, _ = await pipe.execute()
        return int(count)

    async def close(self) -> None:
        """The connection belongs to whoever opened it (pipeline.shared.SharedState)."""


class RedisWindowLimit:
    """At most `limit` events per `window_s` seconds for each key, counted in Redis for all replicas."""

    def __init__(self, redis: Redis, name: str, limit: int, window_s: float, prefix: str = "choosecheese") -> None:
        self.redis, self.name, self.prefix = redis, name, prefix
        self.limit, self.window_s = limit, window_s
        self._script = redis.register_script(_WINDOW_SCRIPT)

    def key(self, key: Hashable) -> str:
        part = ":".join(map(str, key)) if isinstance(key, tuple) else str(key)
        return f"{self.prefix}:limit:{self.name}:{part}"

    async def wait_seconds(self, *keys: Hashable, count: bool = True) -> int:
        wait_ms = await self.wait_ms(*keys, count=count)
        return max(1, round(wait_ms / 1000)) if wait_ms > 0 else 0

    async def wait_ms(self, *keys: Hashable, count: bool = True, room: int = 1) -> int:
        """0 when every key has room for `room` events (this one is then counted with `count`), else the milliseconds
        until all do."""
        args = [self.limit - room + 1, round(self.window_s * 1000), 1 if count else 0, uuid.uuid4().hex]
        return int(await self._script(keys=[self.key(key) for key in keys], args=args))


class RedisRequestLimit:
    """A request budget of `burst` requests per `burst / per_second` seconds per key, shared by every replica (the
    Mini App's; miniapp.limits.RateLimit is the one-process token bucket with the same two numbers)."""

    def __init__(self, redis: Redis, name: str, per_second: float, burst: int, prefix: str = "choosecheese") -> None:
        self.window = RedisWindowLimit(redis, name, burst, burst / per_second, prefix)

    async def wait_s(self, key: Hashable) -> float:
        """0 when the request may go ahead (and it is counted); else seconds until it may."""
        return await self.window.wait_ms(key) / 1000


class RedisRateBudget:
    """`limit` requests per `window_s` for the whole bot, counted in Redis by every replica (bot.rate_limit's
    OverallBudget takes it in place of its in-process limiter): `acquire` waits until the shared window has room."""

    def __init__(self, redis: Redis, name: str, limit: float, window_s: float, prefix: str = "choosecheese") -> None:
        self.window = RedisWindowLimit(redis, "budget", max(1, round(limit)), window_s, prefix)
        self.name = name

    async def acquire(self) -> None:
        while (wait_ms := await self.window.wait_ms(self.name)) > 0:  # noqa: ASYNC110 — the wait is in Redis
            await asyncio.sleep(wait_ms / 1000)

    async def has_room(self, slots: int) -> bool:
        """Whether `slots` more requests fit in the shared window now (nothing is counted)."""
        return await self.window.wait_ms(self.name, count=False, room=slots) == 0


# KEYS: the gate, the count of events held back. ARGV: the window in ms.
# Returns -1 when the gate is shut (this event is counted as held back), else how many were held back before it.
_GATE_SCRIPT = """
if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then
  local held = redis.call('GETDEL', KEYS[2])
  return tonumber(held or '0')
end
redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[1]) * 10)
return -1
"""


class RedisWindowGate:
    """Lets one event per key through each window across every replica and counts the others for the next one that
    goes through (handlers.error_reports: one report a minute per distinct error)."""

    def __init__(self, redis: Redis, name: str, prefix: str = "choosecheese") -> None:
        self.redis, self.name, self.prefix = redis, name, prefix
        self._script = redis.register_script(_GATE_SCRIPT)

    async def admit(self, key: str, window_s: float) -> int | None:
        """None: held back (counted). Else: let through, with how many were held back since the last one."""
        base = f"{self.prefix}:gate:{self.name}:{key}"
        held = int(await self._script(keys=[base, f"{base}:held"], args=[max(1, round(window_s * 1000))]))
        return None if held < 0 else held
