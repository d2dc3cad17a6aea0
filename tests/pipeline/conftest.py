"""Fixtures of the pipeline tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.pipeline.fake_openai import FakeOpenAI


@pytest.fixture
async def fake_openai() -> AsyncIterator[FakeOpenAI]:
    """A local fake of the OpenAI API on a free loopback port (tests/pipeline/fake_openai.py)."""
    fake = FakeOpenAI()
    await fake.start()
    yield fake
    await fake.stop()
