"""PTB's AIORateLimiter, with reads of a group kept out of that group's message budget.

AIORateLimiter counts every request that names a group's `chat_id` against the group's 20 messages a minute.
Telegram's limit is on messages posted to the group; an admin check (`getChatMember`) posts nothing, yet under the
stock limiter every button an admin check guards waited ~3 s once a group had pressed 20 of them in a minute.

Every request passes through here, so this is also where replies sent and Telegram's 429s are counted
(pipeline.metrics): the callback is wrapped, so each 429 the limiter retries counts once.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

from pipeline.metrics import REPLIES_SENT, TELEGRAM_429

READS = frozenset({"getChat", "getChatMember", "getChatAdministrators", "getChatMemberCount"})
REPLY_PREFIXES = ("send", "edit", "copy", "forward")


class PostingRateLimiter(AIORateLimiter):
    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if endpoint in READS:  # `data` only tells the limiter which budget; the request itself is in `args`
            data = {key: value for key, value in data.items() if key != "chat_id"}

        async def counted(*call_args: Any, **call_kwargs: Any) -> bool | dict[str, Any] | list[dict[str, Any]]:
            try:
                result = await callback(*call_args, **call_kwargs)
            except RetryAfter:
                TELEGRAM_429.inc()
                raise
            if endpoint.startswith(REPLY_PREFIXES):
                REPLIES_SENT.labels(method=endpoint).inc()
            return result

        return await super().process_request(counted, args, kwargs, endpoint, data, rate_limit_args)
