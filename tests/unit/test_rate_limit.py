"""Reads of a group (admin checks) do not use up the group's 20 messages a minute; replies and 429s are counted."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from prometheus_client import REGISTRY
from telegram.error import RetryAfter

from bot.rate_limit import PostingRateLimiter


async def test_admin_checks_in_a_group_are_not_throttled_like_messages() -> None:
    limiter = PostingRateLimiter(max_retries=0)
    await limiter.initialize()
    sent: list[tuple[str, dict[str, object]]] = []

    async def request(endpoint: str, data: dict[str, object]) -> bool:
        sent.append((endpoint, data))
        return True

    data = {"chat_id": -100123, "user_id": 7}
    async with asyncio.timeout(2):  # the stock limiter waits ~3 s for each call after the 20th in a minute
        for _ in range(30):
            await limiter.process_request(request, ("getChatMember", data), {}, "getChatMember", data, None)
    assert len(sent) == 30 and all(d["chat_id"] == -100123 for _, d in sent), "the request itself is unchanged"
    await limiter.shutdown()


async def test_replies_and_429s_are_counted() -> None:
    limiter = PostingRateLimiter(max_retries=1)
    await limiter.initialize()
    answers: list[object] = [RetryAfter(timedelta(0)), True, True]

    async def request(endpoint: str, data: dict[str, object]) -> bool:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return bool(answer)

    sent_before = REGISTRY.get_sample_value("choosecheese_replies_sent_total", {"method": "sendMessage"}) or 0
    throttled_before = REGISTRY.get_sample_value("choosecheese_telegram_429_total") or 0
    data = {"chat_id": 5, "text": "hi"}
    assert await limiter.process_request(request, ("sendMessage", data), {}, "sendMessage", data, None) is True
    await limiter.process_request(request, ("getChatMember", data), {}, "getChatMember", data, None)
    sent = REGISTRY.get_sample_value("choosecheese_replies_sent_total", {"method": "sendMessage"})
    assert sent == sent_before + 1, "the retried send counts once; a read is no reply"
    assert REGISTRY.get_sample_value("choosecheese_telegram_429_total") == throttled_before + 1
    assert REGISTRY.get_sample_value("choosecheese_replies_sent_total", {"method": "getChatMember"}) is None
    await limiter.shutdown()
