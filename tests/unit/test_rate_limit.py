"""Reads of a group (admin checks) do not use up the group's 20 messages a minute; requests that failed on the
way are sent again; replies and 429s are counted."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from prometheus_client import REGISTRY
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.rate_limit import PostingRateLimiter
from handlers.delivery import at_most_once
from handlers.send_priority import bulk_requests


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


async def test_chat_actions_in_a_group_leave_its_messages_budget_to_the_answers() -> None:
    limiter = PostingRateLimiter(max_retries=0)
    await limiter.initialize()
    sent: list[str] = []

    async def request(endpoint: str, data: dict[str, object]) -> bool:
        sent.append(endpoint)
        return True

    action = {"chat_id": -100123, "action": "upload_photo"}
    message = {"chat_id": -100123, "text": "x"}
    async with asyncio.timeout(2):  # counted against the group, the 21st request would wait ~3 s
        for _ in range(15):
            await limiter.process_request(request, ("sendChatAction", action), {}, "sendChatAction", action, None)
        for _ in range(19):
            await limiter.process_request(request, ("sendMessage", message), {}, "sendMessage", message, None)
    assert sent.count("sendChatAction") == 15 and sent.count("sendMessage") == 19
    await limiter.shutdown()


async def test_requests_that_failed_on_the_way_are_sent_again_and_refusals_are_not() -> None:
    limiter = PostingRateLimiter(max_retries=0, transient_pauses=(0.0, 0.0))
    await limiter.initialize()
    unopened = TimedOut()  # the connection did not open in time: the request never left
    unopened.__cause__ = httpx.ConnectTimeout("no connection in time")
    failures = [NetworkError("Bad Gateway"), unopened]
    calls: list[str] = []

    async def flaky(endpoint: str, data: dict[str, object]) -> bool:
        calls.append(endpoint)
        if failures:
            raise failures.pop(0)
        return True

    data = {"chat_id": 5, "text": "hi"}
    assert await limiter.process_request(flaky, ("sendMessage", data), {}, "sendMessage", data, None) is True
    assert calls == ["sendMessage"] * 3

    async def refused(endpoint: str, data: dict[str, object]) -> bool:
        calls.append(endpoint)
        raise BadRequest("Message is too long")

    calls.clear()
    with pytest.raises(BadRequest):
        await limiter.process_request(refused, ("sendMessage", data), {}, "sendMessage", data, None)
    assert calls == ["sendMessage"], "Telegram's refusal is final"

    async def down(endpoint: str, data: dict[str, object]) -> bool:
        calls.append(endpoint)
        raise NetworkError("Internal Server Error (500)")

    calls.clear()
    with pytest.raises(NetworkError):
        await limiter.process_request(down, ("sendMessage", data), {}, "sendMessage", data, None)
    assert calls == ["sendMessage"] * 3, "the first try and one per pause, then the error"
    await limiter.shutdown()


def _timed_out() -> NetworkError:
    error = TimedOut()
    error.__cause__ = httpx.ReadTimeout("no answer in time")
    return error


def _cut() -> NetworkError:
    gone = httpx.RemoteProtocolError("Server disconnected without sending a response.")
    error = NetworkError(f"httpx.RemoteProtocolError: {gone}")
    error.__cause__ = gone
    return error


@pytest.mark.parametrize(
    ("lost", "strict"), [(_timed_out, False), (_cut, True)], ids=["timed out", "cut while waiting, at most once"]
)
async def test_a_post_whose_answer_was_lost_is_not_sent_again_but_an_edit_is(
    lost: Callable[[], NetworkError], strict: bool
) -> None:
    limiter = PostingRateLimiter(max_retries=0, transient_pauses=(0.0, 0.0))
    await limiter.initialize()
    calls: list[str] = []

    async def unanswered(endpoint: str, data: dict[str, object]) -> bool:
        calls.append(endpoint)
        if len(calls) == 1:
            raise lost()
        return True

    data = {"chat_id": 5, "text": "hi"}
    with pytest.raises(NetworkError), at_most_once() if strict else contextlib.nullcontext():
        await limiter.process_request(unanswered, ("sendPhoto", data), {}, "sendPhoto", data, None)
    assert calls == ["sendPhoto"], "Telegram may have posted it: sending again could show it twice"
    calls.clear()
    assert await limiter.process_request(unanswered, ("editMessageText", data), {}, "editMessageText", data, None)
    assert calls == ["editMessageText"] * 2


async def test_a_members_answer_whose_connection_was_cut_is_sent_again() -> None:
    """Not sent at most once: a member would rather see an answer twice than never (handlers.delivery)."""
    limiter = PostingRateLimiter(max_retries=0, transient_pauses=(0.0, 0.0))
    await limiter.initialize()
    failures = [_cut()]

    async def flaky(endpoint: str, data: dict[str, object]) -> bool:
        if failures:
            raise failures.pop()
        return True

    data = {"chat_id": 5, "text": "hi"}
    assert await limiter.process_request(flaky, ("sendMessage", data), {}, "sendMessage", data, None) is True
    assert not failures


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


async def test_a_persons_request_overtakes_a_photo_burst_in_the_overall_budget() -> None:
    # 1 request per 50 ms: the first fills the budget, then a burst of bulk requests queues before a person asks.
    limiter = PostingRateLimiter(max_retries=0, overall_max_rate=1, overall_time_period=0.05)
    await limiter.initialize()
    sent: list[str] = []

    async def request(endpoint: str, data: dict[str, object]) -> bool:
        sent.append(str(data["text"]))
        return True

    async def send(text: str, bulk: bool) -> None:
        data = {"chat_id": -100 if bulk else 7, "text": text}
        if bulk:
            with bulk_requests():
                await limiter.process_request(request, ("sendMessage", data), {}, "sendMessage", data, None)
        else:
            await limiter.process_request(request, ("sendMessage", data), {}, "sendMessage", data, None)

    await send("first", bulk=True)
    burst = [asyncio.create_task(send(f"status {n}", bulk=True)) for n in range(6)]
    await asyncio.sleep(0)
    async with asyncio.timeout(5):
        await send("/help answer", bulk=False)
        await asyncio.gather(*burst)
    assert sent.index("/help answer") <= 2, f"the person waits for at most one bulk slot: {sent}"
    assert len(sent) == 8, "bulk requests still get every slot"
    await limiter.shutdown()


async def test_bulk_requests_leave_slots_of_the_overall_budget_to_people() -> None:
    # 5 requests per 1000 s: a slot used is gone for the test. A burst of bulk requests takes what it may, and the
    # people who ask afterwards still find slots free at once (without the reserve the burst takes all 5).
    limiter = PostingRateLimiter(max_retries=0, overall_max_rate=5, overall_time_period=1000)
    assert limiter.overall is not None
    await limiter.initialize()
    sent: list[str] = []

    async def request(endpoint: str, data: dict[str, object]) -> bool:
        sent.append(str(data["text"]))
        return True

    async def send(text: str, chat_id: int) -> None:
        data = {"chat_id": chat_id, "text": text}
        await limiter.process_request(request, ("sendMessage", data), {}, "sendMessage", data, None)

    async def send_bulk(text: str) -> None:
        with bulk_requests():
            await send(text, -100)

    burst = [asyncio.create_task(send_bulk(f"status {n}")) for n in range(10)]
    for _ in range(20):
        await asyncio.sleep(0)
    assert sent == ["status 0", "status 1"], "bulk stops while people_reserve slots are left"
    async with asyncio.timeout(5):
        for person in range(limiter.overall.people_reserve):
            await send(f"/help {person}", 7 + person)
    assert sent[2:] == ["/help 0", "/help 1", "/help 2"]
    for task in burst:
        task.cancel()
    await asyncio.gather(*burst, return_exceptions=True)
    await limiter.shutdown()
