"""Reads of a group (admin checks) do not use up the group's 20 messages a minute."""

from __future__ import annotations

import asyncio

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
