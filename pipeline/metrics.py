"""Prometheus metrics of one process (served at /metrics by bot.operations). Every name starts `choosecheese_`;
a scrape of each replica gives its own numbers, summed by Prometheus."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

UPDATES_RECEIVED = Counter("choosecheese_updates_received", "Updates accepted by the webhook route")
UPDATES_DUPLICATE = Counter(
    "choosecheese_updates_duplicate", "Updates dropped because a replica had already taken their update_id"
)
UPDATES_TAKEN_OVER = Counter(
    "choosecheese_updates_taken_over", "Updates handled again because the replica that took them stopped renewing"
)
REPLIES_SENT = Counter("choosecheese_replies_sent", "Bot API send*/edit* requests that succeeded", ["method"])
TELEGRAM_429 = Counter("choosecheese_telegram_429", "Bot API answers 429 Too Many Requests (RetryAfter)")
ANALYSIS_SECONDS = Histogram(
    "choosecheese_photo_analysis_seconds",
    "Wall time of one photo's analysis in the worker pool (cuts, faces, smiles, poses)",
    buckets=(0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64),
)
ANALYSIS_FAILURES = Counter(
    "choosecheese_photo_analysis_failures", "Photo analyses that failed (retried by the resume sweep, up to a cap)"
)
ANALYSIS_GIVEN_UP = Counter(
    "choosecheese_photo_analysis_given_up", "Photos whose analysis failed too often and is no longer retried"
)
POOL_QUEUE_DEPTH = Gauge(
    "choosecheese_worker_pool_queue_depth", "Tasks submitted to a worker pool and not finished", ["pool"]
)

# ----- work-queue workers (bot.worker; pipeline.queue_ops) ---------------------------------------------------------
TASKS_RECEIVED = Counter("choosecheese_tasks_received", "Work-queue tasks this worker started", ["task"])
TASK_SECONDS = Histogram(
    "choosecheese_task_seconds",
    "Wall time of one work-queue task in this worker",
    ["task"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128),
)
TASK_FAILURES = Counter("choosecheese_task_failures", "Work-queue tasks that raised or returned a failure", ["task"])
TASKS_REDELIVERED = Counter(
    "choosecheese_tasks_redelivered",
    "Tasks this worker claimed from a worker that stopped before acknowledging them (XAUTOCLAIM): retries",
)
TASKS_IN_PROGRESS = Gauge("choosecheese_tasks_in_progress", "Work-queue tasks running in this worker now")
QUEUE_LENGTH = Gauge("choosecheese_queue_stream_length", "Entries in the work queue's Redis stream (XLEN)")
QUEUE_WAITING = Gauge(
    "choosecheese_queue_waiting", "Tasks in the stream not yet delivered to any worker (the consumer group's lag)"
)
QUEUE_PENDING = Gauge(
    "choosecheese_queue_pending", "Tasks delivered to a worker and not acknowledged yet (running, or its worker died)"
)
