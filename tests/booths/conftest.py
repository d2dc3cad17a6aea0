from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from booths.fetch import SafeFetcher
from tests.booths.fixture_server import FixtureServer


class BoothEnv:
    """The fixture server plus fetchers that route its hosts to it (closed at teardown)."""

    def __init__(self, server: FixtureServer) -> None:
        self.server = server
        self._fetchers: list[SafeFetcher] = []

    def fetcher(self, **overrides: Any) -> SafeFetcher:
        fetcher = self.server.fetcher(**overrides)
        self._fetchers.append(fetcher)
        return fetcher

    async def close(self) -> None:
        for fetcher in self._fetchers:
            await fetcher.close()


@pytest.fixture
async def env() -> AsyncIterator[BoothEnv]:
    server = FixtureServer()
    await server.start()
    booth_env = BoothEnv(server)
    try:
        yield booth_env
    finally:
        await booth_env.close()
        await server.stop()
