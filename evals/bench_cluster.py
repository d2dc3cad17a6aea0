"""The scale-out topology (playground.stress.cluster, what `make cluster` runs) with 1 and then 2 work-queue workers
on the same burst: how far the photos' work spreads over workers.

METRIC cluster.photos_per_s.workers_1 / cluster.photos_per_s.workers_2   photos answered per second over the burst
                                (first photo sent → last answer), 2 replicas, ANALYSIS_WORKERS=1 per worker
METRIC cluster.workers_speedup  their ratio (at most 2 with 2 workers; on a machine with fewer free cores than
                                processes it stays lower)
METRIC cluster.worker_task_share_min.workers_N   the smallest share of the analysis tasks one worker ran (from
                                each worker's /metrics; 0.5 with 2 workers = evenly spread)
METRIC cluster.lost.workers_N / cluster.duplicates.workers_N   (goal 0)

Leases of 120 s (the kill test's 15 s would hand a slow task to the other worker on a busy machine and count its
work twice). Sizes: BENCH_CLUSTER_CHATS (6) group chats × BENCH_CLUSTER_PHOTOS (4) strips with real faces, no
kills, blobs in a shared folder. Needs PostgreSQL and Redis on loopback (`make bench` starts them:
scripts/start-services.sh); skipped without TEST_POSTGRES_URL / TEST_REDIS_URL. Each run prints the load average it
ran under and the CPU seconds its processes used (the machine may be shared).
"""

from __future__ import annotations

import asyncio
import os
import resource
import tempfile
from pathlib import Path

from evals.common import metric, skip
from playground.stress import describe_machine
from playground.stress.cluster import ClusterPlan, run_cluster


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(_data: Path | None) -> None:
    postgres, redis = os.environ.get("TEST_POSTGRES_URL"), os.environ.get("TEST_REDIS_URL")
    if not postgres or not redis:
        skip("cluster bench: set TEST_POSTGRES_URL and TEST_REDIS_URL (make bench starts the servers)")
        return
    chats, photos = int(os.environ.get("BENCH_CLUSTER_CHATS", 6)), int(os.environ.get("BENCH_CLUSTER_PHOTOS", 4))
    rates: dict[int, float] = {}
    for workers in (1, 2):
        # No kills, so the leases are long: a task is not handed to another worker while a busy one still runs it.
        plan = ClusterPlan(
            replicas=2, workers=workers, chats=chats, photos_per_chat=photos, command_users=1, lease_s=120
        )
        before, cpu_before = describe_machine()["load_average"], _children_cpu_s()
        with tempfile.TemporaryDirectory(prefix="bench-cluster-") as scratch:
            report = asyncio.run(run_cluster(plan, Path(scratch), postgres, redis))
        figures = report.metrics()
        after = describe_machine()["load_average"]
        print(
            f"# {workers} worker(s): {figures['photos']:.0f} photos in {report.burst_s:.1f} s; load average before "
            f"{before}, after {after}; CPU seconds of all processes {_children_cpu_s() - cpu_before:.0f}",
            flush=True,
        )
        rates[workers] = figures["photos_per_s"]
        metric(f"cluster.photos_per_s.workers_{workers}", figures["photos_per_s"])
        metric(f"cluster.photo_p50_s.workers_{workers}", figures["photo_p50_s"])
        metric(f"cluster.worker_task_share_min.workers_{workers}", figures["worker_task_share_min"])
        print(f"# analysis tasks per worker: {report.tasks_per_worker}", flush=True)
        metric(f"cluster.lost.workers_{workers}", int(figures["lost"]))
        metric(f"cluster.duplicates.workers_{workers}", int(figures["duplicates"]))
        for problem in [*report.lost, *report.duplicates][:10]:
            print(f"PROBLEM {problem}", flush=True)
    if rates[1]:
        metric("cluster.workers_speedup", rates[2] / rates[1])
