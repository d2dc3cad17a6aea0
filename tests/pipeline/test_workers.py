"""The worker pool survives a killed worker: the task it was running and the next ones still succeed."""

from __future__ import annotations

import asyncio
import contextvars
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pipeline.priority import bulk_work
from pipeline.services import Services
from pipeline.settings import Settings
from pipeline.workers import CpuPool, WorkerCrashed
from tests.pipeline import pool_tasks


@pytest.fixture
async def pool() -> AsyncIterator[CpuPool]:
    pool = CpuPool(1, name="test")
    yield pool
    pool.shutdown()


def _taken(path: Path, limit_s: float = 60) -> int:
    """Wait for a task to announce itself, then take its note: the pid of the worker running it."""
    deadline = time.monotonic() + limit_s
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(path)
        time.sleep(0.02)
    pid = int(path.read_text())
    path.unlink()
    return pid


async def test_a_worker_killed_mid_task_is_replaced_and_the_task_retried(pool: CpuPool, tmp_path: Path) -> None:
    first_pid = await pool.run(pool_tasks.pid)
    started = tmp_path / "started"
    running = asyncio.create_task(pool.run(pool_tasks.announce_then_sleep, str(started), 0.5, "done"))
    queued = asyncio.create_task(pool.run(pool_tasks.pid))  # waits behind it in the same pool
    assert await asyncio.to_thread(_taken, started) == first_pid

    os.kill(first_pid, signal.SIGKILL)

    assert await asyncio.wait_for(running, 120) == "done", "the task the dead worker ran was run again"
    assert await asyncio.to_thread(_taken, started) != first_pid, "…by a new worker"
    assert await queued != first_pid, "the task queued behind it ran too"
    assert await pool.run(pool_tasks.pid) != first_pid, "and the next task runs in the fresh pool"
    assert pool.restarts == 1, "one dead worker, one fresh pool (not one per lost task)"


async def test_a_task_whose_worker_dies_twice_fails_clearly_and_the_pool_still_works(pool: CpuPool) -> None:
    with pytest.raises(WorkerCrashed, match="died twice"):
        await pool.run(pool_tasks.die)
    assert pool.restarts == 2
    assert await pool.run(pool_tasks.pid) > 0


def _alive(pid: int) -> bool:
    """Running (a zombie nobody reaped, in a container whose init does not, counts as gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return False
    return fields[0] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_pool_worker_dies_with_its_kill_9ed_parent() -> None:
    """A `kill -9`ed bot or work-queue worker leaves no idle pool processes behind."""
    parent = subprocess.Popen(
        [sys.executable, "-c", "from tests.pipeline import pool_tasks; pool_tasks.serve_a_pool_until_killed()"],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        text=True,
    )
    child = None
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert _alive(child)
        parent.kill()
        parent.wait(10)
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child), "the pool's worker outlived its parent"
    finally:
        parent.kill()
        if child is not None and _alive(child):
            os.kill(child, signal.SIGKILL)


async def test_heavy_workers_yield_the_cpu_and_a_fresh_pool_keeps_their_priority() -> None:
    mine = os.nice(0)
    heavy, pictures = CpuPool(1, name="heavy", niceness=10), CpuPool(1, name="pictures")
    try:
        assert await heavy.run(pool_tasks.niceness) == min(mine + 10, 19)
        assert await pictures.run(pool_tasks.niceness) == mine, "the pictures members wait for keep the bot's priority"
        with pytest.raises(WorkerCrashed):  # its worker dies, and again in the fresh pool
            await heavy.run(pool_tasks.die)
        assert await heavy.run(pool_tasks.niceness) == min(mine + 10, 19), "a restarted pool is niced too"
    finally:
        heavy.shutdown()
        pictures.shutdown()


async def test_workers_run_native_libraries_on_one_thread_unless_the_operator_says_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two workers on two cores: YuNet's OpenMP threads per worker made them spin against each other."""
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    pool = CpuPool(1, name="threads")
    try:
        assert await pool.run(pool_tasks.thread_variables) == {
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
        }
    finally:
        pool.shutdown()
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    pool = CpuPool(1, name="threads-set")
    try:
        assert (await pool.run(pool_tasks.thread_variables))["OMP_NUM_THREADS"] == "3"
    finally:
        pool.shutdown()


async def test_a_task_somebody_waits_for_runs_before_the_bulk_tasks_queued_ahead_of_it(
    pool: CpuPool, tmp_path: Path
) -> None:
    """A /rank's chart overtakes the annotated answers a burst of photos queued in the pictures' pool."""
    release = tmp_path / "release"
    finished: list[str] = []

    async def run(label: str, bulk: bool) -> None:
        if bulk:
            with bulk_work():
                await pool.run(pool_tasks.pid)
        else:
            await pool.run(pool_tasks.pid)
        finished.append(label)

    async def hold() -> None:
        with bulk_work():
            await pool.run(pool_tasks.wait_for_file, str(release), "held")
        finished.append("held")

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0)
    queued = [asyncio.create_task(run(f"answer {n}", bulk=True)) for n in range(3)]
    await asyncio.sleep(0)
    person = asyncio.create_task(run("rank chart", bulk=False))
    await asyncio.sleep(0)
    assert pool.waiting == 4
    release.touch()
    await asyncio.wait_for(asyncio.gather(holder, person, *queued), 120)
    assert finished == ["held", "rank chart", "answer 0", "answer 1", "answer 2"]
    assert pool.waiting == 0


async def test_bulk_work_that_began_earlier_runs_first(pool: CpuPool, tmp_path: Path) -> None:
    """A photo's later step (its people's clustering) overtakes the analyses of photos sent after it, also when it
    is queued after them; first come first among work of the same age."""
    release = tmp_path / "release"
    finished: list[str] = []

    async def step(label: str) -> None:
        await pool.run(pool_tasks.pid)
        finished.append(label)

    with bulk_work():
        first_photo = contextvars.copy_context()
    await asyncio.sleep(0.01)
    with bulk_work():
        holder = asyncio.create_task(pool.run(pool_tasks.wait_for_file, str(release), "held"))
        await asyncio.sleep(0)
        later = [asyncio.create_task(step(f"later photo {n}")) for n in range(3)]
        await asyncio.sleep(0)
    given_up = asyncio.create_task(step("first photo, given up"), context=first_photo.copy())
    first = [asyncio.create_task(step(f"first photo, step {n}"), context=first_photo.copy()) for n in (2, 3)]
    await asyncio.sleep(0)
    assert pool.waiting == 6
    given_up.cancel()
    release.touch()
    await asyncio.wait_for(asyncio.gather(holder, *first, *later), 120)
    assert finished == ["first photo, step 2", "first photo, step 3", "later photo 0", "later photo 1", "later photo 2"]
    assert pool.waiting == 0
    assert await asyncio.wait_for(pool.run(pool_tasks.pid), 120) > 0, "no worker was lost to the cancelled turn"


async def test_a_cancelled_task_gives_its_turn_on(pool: CpuPool, tmp_path: Path) -> None:
    release = tmp_path / "release"
    holder = asyncio.create_task(pool.run(pool_tasks.wait_for_file, str(release), "held"))
    await asyncio.sleep(0)
    given_up = asyncio.create_task(pool.run(pool_tasks.pid))
    after = asyncio.create_task(pool.run(pool_tasks.pid))
    await asyncio.sleep(0)
    given_up.cancel()
    release.touch()
    assert await asyncio.wait_for(holder, 120) == "held"
    assert await asyncio.wait_for(after, 120) > 0
    assert given_up.cancelled()
    assert await asyncio.wait_for(pool.run(pool_tasks.pid), 120) > 0, "no worker was lost to the cancelled turn"


async def test_bulk_work_leaves_one_of_two_workers_free_for_a_task_somebody_waits_for(tmp_path: Path) -> None:
    pool = CpuPool(2, name="test-two", people_reserve=1)
    release = tmp_path / "release"
    try:
        with bulk_work():
            first = asyncio.create_task(pool.run(pool_tasks.wait_for_file, str(release), "bulk 1"))
            second = asyncio.create_task(pool.run(pool_tasks.wait_for_file, str(release), "bulk 2"))
        await asyncio.sleep(0)
        assert pool.waiting == 1, "the second bulk task waits although a worker is idle"
        assert await asyncio.wait_for(pool.run(pool_tasks.pid), 120) > 0, "the idle worker takes a person's task"
        assert not second.done()
        release.touch()
        assert await asyncio.wait_for(asyncio.gather(first, second), 120) == ["bulk 1", "bulk 2"]
    finally:
        pool.shutdown()


async def test_the_bots_pools_run_niced_as_set_the_event_loop_first_then_pictures_then_analysis(tmp_path: Path) -> None:
    """The bot's event loop answering text commands never waits for the CPU behind a worker: both of the bot's pools
    run their workers at a lower priority, analysis lower than the pictures members wait for."""
    mine = os.nice(0)
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", telegram_bot_token="1:x")
    assert settings.analysis_niceness > settings.picture_niceness > 0
    services = await Services.start(settings)
    try:
        assert await services.cpu.run(pool_tasks.niceness) == min(mine + settings.analysis_niceness, 19)
        assert await services.pictures.run(pool_tasks.niceness) == min(mine + settings.picture_niceness, 19)
    finally:
        await services.close()
    custom = Settings(_env_file=None, data_dir=tmp_path / "custom", analysis_niceness=3, picture_niceness=0)
    services = await Services.start(custom)
    try:
        assert await services.cpu.run(pool_tasks.niceness) == min(mine + 3, 19)
        assert await services.pictures.run(pool_tasks.niceness) == mine
    finally:
        await services.close()
