"""The smile reply's parts: the picture with a box and points on every face, and the lines that word them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from telegram.error import TelegramError

from handlers.context import ChatContext, ShownAction
from handlers.i18n import t
from pipeline.analysis import FiledAnalysis
from pipeline.pictures import smiles_picture
from pipeline.services import Services
from runtime.tasks import cancel_and_wait

CHAT_ACTION_EVERY_S = 4.5  # Telegram shows a chat action for about five seconds
MAX_LISTED_FACES = 12  # a crowd's points line lists this many faces' points, then "…"


@contextlib.asynccontextmanager
async def showing_action(context: ChatContext, chat_id: int, action: str) -> AsyncIterator[None]:
    """Keep `action` ("sending a photo…") visible in the chat while the block runs. Twenty photos analysed at once
    share one repeating action per chat: chat actions count against Telegram's per-chat rate limits too."""
    shown = context.bot_data.chat_actions
    key = (chat_id, action)

    async def repeat() -> None:
        while True:
            with contextlib.suppress(TelegramError):
                await context.bot.send_chat_action(chat_id, action)
            await asyncio.sleep(CHAT_ACTION_EVERY_S)

    entry = shown.get(key)
    if entry is None:
        entry = shown[key] = ShownAction(asyncio.create_task(repeat()))
    entry.users += 1
    try:
        yield
    finally:
        entry.users -= 1
        if entry.users == 0 and shown.get(key) is entry:
            del shown[key]
            await cancel_and_wait(entry.task)


def points_line(filed: FiledAnalysis, language: str) -> str:
    """The total and each face's points (the first MAX_LISTED_FACES of a crowd, then "…")."""
    faces = filed.faces
    if len(faces) == 1:
        return t(language, "smile.total_one", points=filed.points)
    parts = " + ".join(str(face.points) for face in faces[:MAX_LISTED_FACES])
    if len(faces) > MAX_LISTED_FACES:
        parts += " + …"
    return t(language, "smile.total", points=filed.points, n=len(faces), parts=parts)


def short_points_line(filed: FiledAnalysis, language: str) -> str:
    """The total and the number of faces, without each face's points (where room is short)."""
    if not filed.faces:
        return t(language, "smile.no_faces")
    if len(filed.faces) == 1:
        return t(language, "smile.total_one", points=filed.points)
    return t(language, "smile.total_short", points=filed.points, n=len(filed.faces))


def outcome_line(filed: FiledAnalysis | None, language: str) -> str:
    if filed is None:
        return t(language, "smile.failed")
    if not filed.faces:
        return t(language, "smile.no_faces")
    return points_line(filed, language)


async def annotated_picture(context: ChatContext, filed: FiledAnalysis, badge: str | None = None) -> bytes | None:
    return await picture_of(context.services, filed, badge)


async def picture_of(svc: Services, filed: FiledAnalysis, badge: str | None = None) -> bytes | None:
    """The photo with each face's points drawn on it; None when the photo was erased meanwhile."""
    photo = await svc.albums.get(filed.photo_id)
    if photo is None:  # erased meanwhile (/forget)
        return None
    marks = [(face.box, face.points) for face in filed.faces]
    path = await svc.albums.path_of(photo)
    return await svc.pictures.run(smiles_picture, path, svc.settings.max_image_pixels, marks, badge)
