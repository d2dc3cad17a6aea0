"""The sweep of lapsed replies: answers a dead process owed (handlers.replies) are sent by another replica.

Once across replicas without a run claim: every replica sweeps every half lease, and each lapsed reply is taken over
by exactly one of them (storage.replies, a conditional UPDATE); a reply already marked sent is only closed.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from handlers.album_answer import ALBUM_ANSWER, deliver_lapsed_album
from handlers.context import BotData, ChatContext
from handlers.qr import LINK_ANSWER, VIDEO_ANSWER, deliver_lapsed_link, deliver_lapsed_video
from handlers.replies import PHOTO_ANSWER, Redeliver, deliver_all_lapsed, deliver_lapsed
from pipeline.services import Services
from scheduler.jobs import run_every, with_services

JOB_NAME = "replies:lapsed"
# Every kind of stored reply and how a replica that took one over produces it.
REDELIVER: dict[str, Redeliver] = {
    PHOTO_ANSWER: deliver_lapsed,
    LINK_ANSWER: deliver_lapsed_link,
    VIDEO_ANSWER: deliver_lapsed_video,
    ALBUM_ANSWER: deliver_lapsed_album,
}


async def _sweep(svc: Services, context: ChatContext) -> None:
    await deliver_all_lapsed(context.bot, svc, REDELIVER)


def start_reply_sweep(app: Application[Any, ChatContext, Any, Any, BotData, Any], services: Services) -> None:
    interval = services.settings.reply_lease_s / 2
    run_every(app, with_services(_sweep), interval, first=interval, name=JOB_NAME)
