"""The scale-out topology as processes (playground.stress.cluster): the emulator delivering updates as Telegram's
webhook does, a round-robin proxy, 2 bot replicas in webhook mode and 2 work-queue workers on real PostgreSQL, Redis
and S3-compatible storage (moto's server on loopback). A burst of photos, QR strips, commands and button presses,
with one worker and one replica `kill -9`ed half-way (the replica while it holds a QR strip: its QR decoding and booth
fetch are tasks, its answer a stored reply): every photo stored once, analysed, answered exactly once, every QR
strip's booth original filed once, every command and press answered. With TEST_POSTGRES_URL and TEST_REDIS_URL set
(the Makefile and .ci/run set them) it runs, and anything missing (moto, a server, a worker that cannot start) fails
it; without them it skips, unless the environment says CI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from playground.stress.cluster import ClusterPlan, run_cluster
from tests.conftest import POSTGRES_URL_ENV, REDIS_URL_ENV


def servers() -> tuple[str, str]:
    postgres, redis = os.environ.get(POSTGRES_URL_ENV), os.environ.get(REDIS_URL_ENV)
    if not postgres or not redis:
        missing = f"the cluster needs {POSTGRES_URL_ENV} and {REDIS_URL_ENV} (make test and CI set them)"
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    return postgres, redis


async def test_a_burst_survives_kill_9_of_a_replica_and_a_worker(tmp_path: Path) -> None:
    postgres, redis = servers()
    plan = ClusterPlan(
        chats=2,
        qr_chats=2,
        photos_per_chat=2,
        command_users=2,  # two private chats: their message ids overlap
        kill_replicas=1,
        kill_workers=1,
        s3=True,
        kill_in_qr=True,
        booth_delay_s=3.0,  # a slow booth: the replica is killed inside a booth fetch, its status message shown
        settle_timeout_s=150,
    )
    report = await run_cluster(plan, tmp_path, postgres, redis)
    assert report.lost == [] and report.duplicates == [], report.metrics()
    assert report.stored == report.analysed == 8
    assert report.killed_replicas == report.killed_workers == 1
    assert report.killed_mid_fetch == 1, "the replica was killed inside a QR strip's booth fetch"
    assert report.booth_originals == 4  # every QR strip's original filed once (more is a duplicate, fewer lost)
    assert report.taken_over >= 1  # the killed replica held a photo: another handled it
    assert report.presses == 8
    assert all(count > 0 for count in report.forwarded), f"both replicas took updates: {report.forwarded}"
