"""The loop crash.py and weekly_crash.py share: seeded runs against one local booth site, each a fresh bot process
on its own data folder where a member sends strips to a group, then SIGKILL of the bot and its workers at a seeded
moment and a restart on the same folder."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from playground.stress.booth import LoadBoothSite
from playground.stress.load import SentPhoto
from playground.stress.session import BotRun, bot_on_emulator

OneRun = Callable[[int, random.Random, LoadBoothSite], Awaitable[None]]


async def seeded_runs(booth_photos: Mapping[str, bytes], runs: int, seed: int, one_run: OneRun) -> None:
    """`one_run(number, rng, booth)` for each run, in order, with one random stream and one booth site for all."""
    rng = random.Random(seed)
    booth = LoadBoothSite(photos=dict(booth_photos))
    await booth.start()
    try:
        for number in range(runs):
            await one_run(number, rng, booth)
    finally:
        await booth.stop()


@dataclass
class GroupRun:
    run: BotRun
    chat_id: int
    sent: list[SentPhoto]

    async def kill_and_restart(self, delay_s: float, at_kill: Callable[[], None] | None = None) -> float:
        """SIGKILL after `delay_s`; `at_kill` looks at what the dead bot left; returns the restart's start-up time."""
        await asyncio.sleep(delay_s)
        await self.run.process.kill()
        if at_kill is not None:
            at_kill()
        return await self.run.start()


@asynccontextmanager
async def group_sending(
    workdir: Path, booth: LoadBoothSite, photos: list[bytes], *, title: str, env: Mapping[str, str] | None = None
) -> AsyncIterator[GroupRun]:
    """A started bot whose group has just been sent `photos` by its one member."""
    async with bot_on_emulator(workdir, extra_env={"LOOPBACK_BOOTH": booth.route, **(env or {})}) as run:
        emu = run.emu
        owner = emu.create_user("Member", language_code="en")
        chat_id = emu.create_chat("group", title=title, user=owner)["id"]
        await run.start()
        sent = []
        for photo in photos:
            message = await emu.send_photo(chat_id, owner["id"], photo)
            sent.append(SentPhoto(chat_id, message["message_id"], time.monotonic()))
        yield GroupRun(run, chat_id, sent)
