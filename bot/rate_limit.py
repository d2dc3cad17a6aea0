"""PTB's AIORateLimiter, with reads of a group kept out of that group's message budget, and with requests that
failed on the way (a 5xx, a dropped connection, a timeout) sent again a few times.

AIORateLimiter counts every request that names a group's `chat_id` against the group's 20 messages a minute.
Telegram's limit is on messages posted to the group; an admin check (`getChatMember`) posts nothing, yet under the
stock limiter every button an admin check guards waited ~3 s once a group had pressed 20 of them in a minute.

AIORateLimiter retries only 429s. A 502 from Telegram's front end or a connection cut before the answer lost the
photo's answer (the member was told "Telegram is busy" although the photo was filed). Such a request is sent again
after a short pause. A timed-out send may, on the real Telegram, have arrived: sending it again can show a message
twice, which is better than an answer never sent (the load benchmark counts both: evals/bench_load.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError
from telegram.ext import AIORateLimiter

READS = frozenset({"getChat", "getChatMember", "getChatAdministrators", "getChatMemberCount"})
TRANSIENT_RETRY_PAUSES_S = (0.5, 1.0, 2.0, 4.0)

log = logging.getLogger(__name__)


def is_transient(error: Exception) -> bool:
    """A failure on the way (5xx, connection, timeout), not Telegram refusing the request (BadRequest is a
    NetworkError subclass in PTB)."""
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


class PostingRateLimiter(AIORateLimiter):
    def __init__(self, *args: Any, transient_pauses: tuple[float, ...] = TRANSIENT_RETRY_PAUSES_S, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.transient_pauses = transient_pauses

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
        for pause in (*self.transient_pauses, None):
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except NetworkError as error:
                if pause is None or not is_transient(error):
                    raise
                log.warning("%s failed on the way (%s); sending it again in %.1f s", endpoint, error, pause)
                await asyncio.sleep(pause)
        raise AssertionError("unreachable: the last attempt returns or raises")
