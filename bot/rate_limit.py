"""PTB's AIORateLimiter, with reads of a group kept out of that group's message budget, and with requests that
failed on the way (a 5xx, a dropped connection, a timeout) sent again a few times.

AIORateLimiter counts every request that names a group's `chat_id` against the group's 20 messages a minute (chat
actions are kept out of it too: see CHAT_ACTIONS).
Telegram's limit is on messages posted to the group; an admin check (`getChatMember`) posts nothing, yet under the
stock limiter every button an admin check guards waited ~3 s once a group had pressed 20 of them in a minute.

AIORateLimiter retries only 429s. A 502 from Telegram's front end or a connection that could not be opened lost the
photo's answer (the member was told "Telegram is busy" although the photo was filed). Such a request is sent again
after a short pause. A request that timed out waiting for its answer is different: Telegram may have done it, so
one that posts a message is not sent again (the load benchmark saw a slow server answer the same photo five times);
reads, edits, deletions and reactions are (evals/bench_load.py counts both lost and doubled answers). A post sent
`at_most_once` (the weekly post, digests) is not sent again after a cut connection either: handlers.delivery.

The bot's overall budget (30 requests a second naming a chat) serves a person's request before bulk ones
(handlers.send_priority: a photo's chat actions, status edits and answers). With one first-come queue a burst of 60
photos filled the budget for 12 s, and a /help asked then waited 1–2 s for its turn (the load benchmark's
`load.cmd_p95_ms`). Bulk requests get every slot nobody else wants but a few (PEOPLE_RESERVE).

Every request passes through here, so this is also where replies sent and Telegram's 429s are counted
(pipeline.metrics): the callback is wrapped, so each 429 the limiter retries counts once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from aiolimiter import AsyncLimiter
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import AIORateLimiter

from handlers.delivery import sent_again_risks_a_double
from handlers.send_priority import sending_bulk
from pipeline.metrics import REPLIES_SENT, TELEGRAM_429

READS = frozenset({"getChat", "getChatMember", "getChatAdministrators", "getChatMemberCount"})
# Not messages either, but sent to the chat: counted in the bot's overall budget only. "sending a photo…" repeated
# every 4.5 s while a group's photos are analysed took 13 of the group's 20 messages a minute, and the answers
# themselves waited (the load benchmark's photos in 50 groups).
CHAT_ACTIONS = frozenset({"sendChatAction"})
OVERALL_BUDGET_ONLY: dict[str, Any] = {"chat_id": 0}  # a chat, but not a group (AIORateLimiter: group = id < 0)
TRANSIENT_RETRY_PAUSES_S = (0.5, 1.0, 2.0, 4.0)
# Slots of the overall budget bulk requests leave free: with bulk using every free slot, a person's request during a
# burst waited for the next slot to drain (33 ms) plus whatever the busy event loop added.
PEOPLE_RESERVE = 3

log = logging.getLogger(__name__)


POSTING_PREFIXES = ("send", "forward", "copy")


def is_transient(error: Exception, endpoint: str) -> bool:
    """A failure on the way (5xx, a refused or cut connection, a timeout) that is safe to send again: not Telegram
    refusing the request (BadRequest is a NetworkError subclass in PTB), and not a post whose resend could double it
    (handlers.delivery)."""
    if not isinstance(error, NetworkError) or isinstance(error, BadRequest):
        return False
    return not (posts_a_message(endpoint) and sent_again_risks_a_double(error))


def posts_a_message(endpoint: str) -> bool:
    return endpoint.startswith(POSTING_PREFIXES) and endpoint != "sendChatAction"


REPLY_PREFIXES = ("send", "edit", "copy", "forward")


class Slots(Protocol):
    async def acquire(self) -> None: ...

    async def has_room(self, slots: int) -> bool:
        """Whether `slots` more requests would fit in the window now (nothing is taken)."""
        ...


class LocalSlots(AsyncLimiter):
    """This process's window (aiolimiter's leaky bucket)."""

    async def has_room(self, slots: int) -> bool:
        return self.has_capacity(slots)


class OverallBudget:
    """Requests a second for the whole bot, people first: bulk requests wait in line, and the first of them asks the
    limiter for a slot only while no other request waits for one and `people_reserve` slots of the budget would
    still be free after it. Bulk alone never fills the budget, so a person's request finds a free slot at once
    unless other people's requests took them all.

    The slots come from this process's limiter, or — with REDIS_URL, set by bot.app — from one window in Redis that
    every replica counts against (storage.redis_state.RedisRateBudget): Telegram's limit is per bot, not per
    replica. The people-first order stays per replica."""

    def __init__(self, max_rate: float, time_period: float, people_reserve: int = PEOPLE_RESERVE) -> None:
        self.max_rate, self.time_period = max_rate, time_period
        self.local: Slots = LocalSlots(max_rate, time_period)
        self.limiter: Slots = self.local
        self.people_reserve = min(people_reserve, max(int(max_rate) - 1, 0))  # bulk keeps at least one slot
        self._bulk_line = asyncio.Lock()
        self._people_waiting = 0
        self._nobody_waiting = asyncio.Event()
        self._nobody_waiting.set()

    async def acquire(self, bulk: bool) -> None:
        if bulk:
            slot_s = self.time_period / self.max_rate
            async with self._bulk_line:
                await self._nobody_waiting.wait()
                while not await self.limiter.has_room(1 + self.people_reserve):
                    await asyncio.sleep(slot_s)  # one slot drains from the budget meanwhile
                    await self._nobody_waiting.wait()
                await self.limiter.acquire()
            return
        self._people_waiting += 1
        self._nobody_waiting.clear()
        try:
            await self.limiter.acquire()
        finally:
            self._people_waiting -= 1
            if not self._people_waiting:
                self._nobody_waiting.set()


class PostingRateLimiter(AIORateLimiter):
    def __init__(
        self,
        *,
        transient_pauses: tuple[float, ...] = TRANSIENT_RETRY_PAUSES_S,
        overall_max_rate: float = 30,
        overall_time_period: float = 1,
        **kwargs: Any,
    ):
        # PTB's own overall limiter is one first-come queue: this class keeps that budget itself (OverallBudget).
        super().__init__(overall_max_rate=0, **kwargs)
        self.transient_pauses = transient_pauses
        self.overall = OverallBudget(overall_max_rate, overall_time_period) if overall_max_rate else None

    def group_has_room(self, chat_id: int, slots: int) -> bool:
        """Whether `slots` more messages fit in the group's minute now (nothing is taken); True outside groups.
        A group's status edits wait while its budget is short (handlers.answers.StatusMessage)."""
        if chat_id >= 0 or not self._group_max_rate:
            return True
        return self._get_group_limiter(chat_id).has_capacity(slots)

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
        elif endpoint in CHAT_ACTIONS:
            data = OVERALL_BUDGET_ONLY

        async def counted(*call_args: Any, **call_kwargs: Any) -> bool | dict[str, Any] | list[dict[str, Any]]:
            try:
                result = await callback(*call_args, **call_kwargs)
            except RetryAfter:
                TELEGRAM_429.inc()
                raise
            if endpoint.startswith(REPLY_PREFIXES):
                REPLIES_SENT.labels(method=endpoint).inc()
            return result

        for pause in (*self.transient_pauses, None):
            if self.overall is not None and data.get("chat_id") is not None:  # PTB's rule for the overall budget
                await self.overall.acquire(bulk=sending_bulk())
            try:
                return await super().process_request(counted, args, kwargs, endpoint, data, rate_limit_args)
            except NetworkError as error:
                if pause is None or not is_transient(error, endpoint):
                    raise
                log.warning("%s failed on the way (%s); sending it again in %.1f s", endpoint, error, pause)
                await asyncio.sleep(pause)
        raise AssertionError("unreachable: the last attempt returns or raises")
