"""Every scheduled job kind, each with the rule that makes it run once across replicas next to it (scheduler.jobs:
a claim in the database): weekly posts (scheduler.weekly), quiet chats' digests (scheduler.digest), the nightly
re-cluster (scheduler.recluster), the resume of photos a restart or a dead replica interrupted (scheduler.resume),
the answers a dead replica owed (scheduler.replies).
The media-group answer is no job: handlers.uploads waits for the group to go quiet (storage.media_groups)."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from handlers.context import BotData, ChatContext
from pipeline.services import Services
from scheduler.digest import start_digests
from scheduler.recluster import start_nightly_recluster
from scheduler.replies import start_reply_sweep
from scheduler.resume import start_resume
from scheduler.weekly import start_weekly_posts


def start_jobs(app: Application[Any, ChatContext, Any, Any, BotData, Any], services: Services) -> None:
    start_resume(app, services)
    start_reply_sweep(app, services)
    start_weekly_posts(app, services.settings)
    start_nightly_recluster(app, services.settings)
    start_digests(app, services.settings)
