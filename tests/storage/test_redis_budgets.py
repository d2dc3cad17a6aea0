"""Budgets that every replica counts together once REDIS_URL is set, on a real Redis (per-test key prefix): the
bot's overall Telegram budget (bot.rate_limit.OverallBudget over RedisRateBudget), the Mini App's request budgets
(RedisRequestLimit) and the operators' error-report minute (ErrorReports over RedisWindowGate). Each is checked with
two "replicas" (two objects, one Redis): in-process, each would allow the whole budget on its own."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.app import build_application, share_budgets
from bot.rate_limit import OverallBudget, PostingRateLimiter
from handlers.error_reports import ErrorReports
from miniapp.limits import RateLimit
from miniapp.server import make_miniapp
from pipeline.services import Services
from pipeline.settings import Settings
from pipeline.workers import CpuPool
from storage.redis_state import RedisRateBudget, RedisRequestLimit, RedisWindowGate


async def test_two_replicas_share_one_overall_telegram_budget(redis_prefix: tuple[str, str]) -> None:
    url, prefix = redis_prefix
    redis = Redis.from_url(url)
    try:
        replicas = [OverallBudget(5, 0.5) for _ in range(2)]
        for budget in replicas:
            budget.limiter = RedisRateBudget(redis, "telegram_overall", budget.max_rate, budget.time_period, prefix)
        started = time.monotonic()
        await asyncio.gather(*(budget.acquire(bulk=False) for budget in replicas for _ in range(10)))
        elapsed = time.monotonic() - started
    finally:
        await redis.aclose()
    # 20 requests at 5 per half second for the whole bot: the last ones wait three windows. Each replica alone
    # (its own limiter) would send its 10 in about half a second.
    assert elapsed >= 1.4, f"20 requests went out in {elapsed:.2f} s: the replicas did not share the budget"


async def test_bulk_leaves_the_people_reserve_of_the_shared_budget_free(redis_prefix: tuple[str, str]) -> None:
    url, prefix = redis_prefix
    redis = Redis.from_url(url)
    try:
        shared = RedisRateBudget(redis, "telegram_overall", 10, 60, prefix)
        assert await shared.has_room(10)
        for _ in range(7):
            await shared.acquire()
        assert await shared.has_room(3) and not await shared.has_room(4), "7 of 10 taken: room for exactly 3"
        budget = OverallBudget(10, 60, people_reserve=3)
        budget.limiter = shared
        with pytest.raises(TimeoutError):  # a bulk request would leave fewer than 3 slots: it waits
            async with asyncio.timeout(0.5):
                await budget.acquire(bulk=True)
        async with asyncio.timeout(2):  # a person's request takes a reserved slot at once
            await budget.acquire(bulk=False)
    finally:
        await redis.aclose()


async def test_the_mini_app_budget_is_one_for_all_replicas(redis_prefix: tuple[str, str]) -> None:
    url, prefix = redis_prefix
    redis = Redis.from_url(url)
    try:
        one, two = (RedisRequestLimit(redis, "miniapp_api_limit", 0.5, 10, prefix) for _ in range(2))
        waits = [await (one if i % 2 else two).wait_s(42) for i in range(10)]
        assert waits == [0.0] * 10, "the burst itself is allowed"
        refused = await one.wait_s(42)
        assert 0 < refused <= 20, "the 11th request, on either replica, waits for the shared window"
        assert await two.wait_s(7) == 0, "another member has a budget of their own"
    finally:
        await redis.aclose()
    local = RateLimit(0.5, 10)
    assert [local.retry_after(42) for _ in range(11)][-1] > 0, "the one-process bucket counts the same numbers"


async def test_an_error_is_reported_once_a_minute_for_the_whole_bot(redis_prefix: tuple[str, str]) -> None:
    url, prefix = redis_prefix
    redis = Redis.from_url(url)
    try:
        replicas = [ErrorReports(every_s=60, gate=RedisWindowGate(redis, "error_reports", prefix)) for _ in range(2)]
        assert await replicas[0].admitted("KeyError@x.py:1") == 0
        assert await replicas[1].admitted("KeyError@x.py:1") is None, "the other replica holds it back"
        assert await replicas[1].admitted("KeyError@x.py:1") is None
        assert await replicas[1].admitted("ValueError@y.py:2") == 0, "another error is reported at once"
        short = ErrorReports(every_s=0.2, gate=RedisWindowGate(redis, "error_reports_short", prefix))
        assert await short.admitted("E") == 0
        assert await short.admitted("E") is None and await short.admitted("E") is None
        await asyncio.sleep(0.3)
        assert await short.admitted("E") == 2, "the next report says how many were held back, on any replica"
        keys = [key async for key in redis.scan_iter(match=f"{prefix}:gate:*")]
        ttls = [await redis.pttl(key) for key in keys]
        assert keys and all(ttl > 0 for ttl in ttls), "every key expires"
    finally:
        await redis.aclose()


async def test_with_redis_url_the_bot_and_the_mini_app_use_the_shared_budgets(
    redis_prefix: tuple[str, str], tmp_path: Path, cpu_pool: CpuPool, picture_pool: CpuPool
) -> None:
    url, prefix = redis_prefix
    settings = Settings(
        _env_file=None,
        telegram_bot_token="1:x",
        data_dir=tmp_path,
        redis_url=url,
        redis_key_prefix=prefix,
        miniapp_url="https://album.example/app",
    )
    app = build_application(settings, cpu=cpu_pool, pictures=picture_pool)
    services = await Services.start(settings, cpu=cpu_pool, pictures=picture_pool)
    try:
        limiter = app.bot.rate_limiter
        assert isinstance(limiter, PostingRateLimiter) and limiter.overall is not None
        assert not isinstance(limiter.overall.limiter, RedisRateBudget), "in-process until the services start"
        share_budgets(app, services.shared.redis, prefix)
        assert isinstance(limiter.overall.limiter, RedisRateBudget)
        assert isinstance(app.bot_data.error_reports.gate, RedisWindowGate)
        miniapp = make_miniapp(services)
        assert all(
            isinstance(limit, RedisRequestLimit)
            for limit in (miniapp.api_limit, miniapp.media_limit, miniapp.signin_limit)
        )
        share_budgets(app, None, "")  # after shutdown: back in the process
        assert limiter.overall.limiter is limiter.overall.local and app.bot_data.error_reports.gate is None
    finally:
        await services.close()
