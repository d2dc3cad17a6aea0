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
ANALYSIS_FAILURES = Counter("choosecheese_photo_analysis_failures", "Photo analyses that failed (retried on start)")
POOL_QUEUE_DEPTH = Gauge(
    "choosecheese_worker_pool_queue_depth", "Tasks submitted to a worker pool and not finished", ["pool"]
)
