"""runtime.tasks.cancel_and_wait: background tasks stopped, their cancellation kept quiet and nothing else."""

from __future__ import annotations

import asyncio

import pytest

from runtime.tasks import cancel_and_wait


async def test_tasks_are_cancelled_and_awaited_and_none_is_skipped() -> None:
    cleaned: list[str] = []

    async def forever(name: str) -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            await asyncio.sleep(0)  # its clean-up runs before cancel_and_wait returns
            cleaned.append(name)

    first, second = asyncio.create_task(forever("a")), asyncio.create_task(forever("b"))
    await asyncio.sleep(0)
    await cancel_and_wait(first, None, second)
    assert first.cancelled() and second.cancelled() and sorted(cleaned) == ["a", "b"]
    await cancel_and_wait(first)  # already ended: nothing to do
    await cancel_and_wait()


async def test_a_task_that_failed_on_its_own_raises_its_error() -> None:
    async def broken() -> None:
        raise LookupError("the sampler's own failure")

    task = asyncio.create_task(broken())
    await asyncio.sleep(0)
    with pytest.raises(LookupError):
        await cancel_and_wait(task)


async def test_the_callers_own_cancellation_is_not_swallowed() -> None:
    """Awaiting a cancelled task under suppress(CancelledError) also ate the caller's cancellation."""

    async def stubborn() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            await asyncio.sleep(3600)  # slow to stop: the caller is cancelled while it waits

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    caller = asyncio.create_task(cancel_and_wait(task))
    await asyncio.sleep(0.01)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
