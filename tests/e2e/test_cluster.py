"""The scale-out topology as processes (playground.stress.cluster): the emulator delivering updates as Telegram's
webhook does, a round-robin proxy, 2 bot replicas in webhook mode and 2 work-queue workers on real PostgreSQL and
Redis; a burst of photos and commands is answered exactly once each, every photo stored once and analysed.
(Not yet here: kill -9 of a replica and a worker mid-burst; see README "Scale-out".)"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from playground.stress.cluster import ClusterPlan, run_cluster
from tests.conftest import POSTGRES_URL_ENV, REDIS_URL_ENV


async def test_two_replicas_and_two_workers_answer_a_burst_once(tmp_path: Path) -> None:
    postgres, redis = os.environ.get(POSTGRES_URL_ENV), os.environ.get(REDIS_URL_ENV)
    if not postgres or not redis:
        pytest.skip(f"the cluster needs {POSTGRES_URL_ENV} and {REDIS_URL_ENV} (make test and CI set them)")
    plan = ClusterPlan(chats=3, photos_per_chat=2, command_users=1, settle_timeout_s=240)
    report = await run_cluster(plan, tmp_path, postgres, redis)
    assert report.lost == [] and report.duplicates == []
    assert report.stored == report.analysed == 6
    assert all(count > 0 for count in report.forwarded), f"both replicas took updates: {report.forwarded}"
