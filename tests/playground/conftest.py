"""A running playground (emulator, seeded world, web page, the real bot) on free ports, in a temp data folder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.playground import Playground, running_playground
from pipeline.settings import Settings
from pipeline.workers import CpuPool


@pytest.fixture
async def playground(tmp_path: Path, cpu_pool: CpuPool) -> AsyncIterator[Playground]:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", media_group_wait_s=0.3)
    async with running_playground(settings, port=0, cpu=cpu_pool) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session
