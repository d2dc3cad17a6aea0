from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from booths.fetch import SafeFetcher
from tests.booths.fixture_server import FakeDns, FixtureServer


class BoothEnv:
    """The fixture server plus fetchers that route its hosts to it (closed at teardown)."""

    def __init__(self, server: FixtureServer) -> None:
        self.server = server
        self._fetchers: list[SafeFetcher] = []

    def fetcher(self, **overrides: Any) -> SafeFetcher:
        options: dict[str, Any] = {
            "allow_loopback": True,
            "host_map": self.server.host_map(),
            "connect_timeout": 1.0,
            "read_timeout": 1.0,
            "deadline": 3.0,
            "dns_resolver": FakeDns(),  # hosts outside the host map never reach a real DNS server
        }
        options.update(overrides)
        fetcher = SafeFetcher(**options)
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
