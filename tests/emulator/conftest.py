from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from PIL import Image

from playground.emulator import BotApiEmulator

Api = Callable[..., Awaitable[tuple[int, dict[str, Any]]]]


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as emulator:
        yield emulator


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def api(emu: BotApiEmulator, http: aiohttp.ClientSession) -> Api:
    """Call a Bot API method with a JSON body (``as_form=True``: urlencoded, nested values JSON-encoded)."""

    async def call(method: str, *, as_form: bool = False, token: str | None = None, **params: Any):
        url = f"{emu.base_url}{token or emu.token}/{method}"
        if as_form:
            form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
            response = await http.post(url, data=form)
        else:
            response = await http.post(url, json=params)
        async with response:
            return response.status, await response.json()

    return call


def make_image(width: int, height: int, color: tuple[int, int, int] = (200, 30, 60), fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format=fmt)
    return buffer.getvalue()
