"""Work nobody waits for this instant is marked bulk (pipeline.priority): the scheduled jobs' bodies."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from handlers.context import ChatContext
from pipeline.priority import doing_bulk
from pipeline.services import Services
from scheduler.jobs import with_services


async def test_a_scheduled_jobs_requests_and_pictures_are_bulk() -> None:
    seen: list[bool] = []

    async def body(_svc: Services, _context: ChatContext) -> None:
        seen.append(doing_bulk())

    services = object()
    context = cast(Any, SimpleNamespace(bot_data=SimpleNamespace(services=services), services=services))
    await with_services(body)(context)
    assert seen == [True]
    assert not doing_bulk(), "only within the job"
