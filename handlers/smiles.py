"""The smile reply: after a photo is filed, the picture comes back with a box and points on every face."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from telegram import InputMediaPhoto, Message, ReplyParameters
from telegram.error import TelegramError

from handlers.context import ChatContext, ShownAction
from handlers.i18n import t
from handlers.poses import pose_lines
from pipeline.analysis import FiledAnalysis
from pipeline.pictures import smiles_picture

CHAT_ACTION_EVERY_S = 4.5  # Telegram shows a chat action for about five seconds


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
            entry.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await entry.task


def points_line(filed: FiledAnalysis, language: str) -> str:
    faces = filed.faces
    if len(faces) == 1:
        return t(language, "smile.total_one", points=filed.points)
    parts = " + ".join(str(face.points) for face in faces)
    return t(language, "smile.total", points=filed.points, n=len(faces), parts=parts)


def outcome_line(filed: FiledAnalysis | None, language: str) -> str:
    if filed is None:
        return t(language, "smile.failed")
    if not filed.faces:
        return t(language, "smile.no_faces")
    return points_line(filed, language)


def _joined(*lines: str | None) -> str:
    return "\n".join(line for line in lines if line)


async def annotated_picture(context: ChatContext, filed: FiledAnalysis) -> bytes | None:
    svc = context.services
    photo = await svc.albums.get(filed.photo_id)
    if photo is None:  # erased meanwhile (/forget)
        return None
    marks = [(face.box, face.points) for face in filed.faces]
    return await svc.cpu.run(smiles_picture, svc.albums.read(photo), svc.settings.max_image_pixels, marks)


async def reply_with_smiles(
    context: ChatContext,
    message: Message,
    filed: FiledAnalysis | None,
    language: str,
    header: str | None = None,
    add_to_status: Callable[[str], Awaitable[None]] | None = None,
) -> None:
    """One reply for one filed photo: the annotated picture with `header` and the points in its caption, or,
    without faces (or when the analysis failed), `header` and a friendly line as text (or that line added to a
    status message)."""
    reply = ReplyParameters(message.message_id, allow_sending_without_reply=True)
    picture = await annotated_picture(context, filed) if filed and filed.faces else None
    if picture is None or filed is None:  # a picture is only made of a filed photo with faces
        if add_to_status is not None:
            await add_to_status(outcome_line(filed, language))
        else:
            await message.reply_text(_joined(header, outcome_line(filed, language)), reply_parameters=reply)
        return
    await context.bot.send_photo(
        message.chat_id,
        picture,
        caption=_joined(header, points_line(filed, language), pose_lines(filed, language), t(language, "smile.how")),
        reply_parameters=reply,
    )


async def send_smiles_of_many(
    context: ChatContext,
    chat_id: int,
    reply_to: int,
    analyses: Sequence[FiledAnalysis | None],
    language: str,
    header: str,
) -> None:
    """A Telegram album answered once: its annotated pictures as one media group, the summary as its caption."""
    reply = ReplyParameters(reply_to, allow_sending_without_reply=True)
    with_faces = [filed for filed in analyses if filed is not None and filed.faces]
    lines = [header]
    for number, filed in enumerate(analyses, start=1):
        if filed is None or filed.fresh:  # None: the analysis failed (it is retried on the next start)
            lines.append(t(language, "smile.photo_line", number=number, line=outcome_line(filed, language)))
            lines.append(pose_lines(filed, language) or "")
    if with_faces:
        best = max(with_faces, key=lambda filed: filed.points)
        lines.append(t(language, "smile.best", number=analyses.index(best) + 1, n=best.points))
    pictures = [picture for filed in with_faces if (picture := await annotated_picture(context, filed))]
    caption = "\n".join(line for line in lines if line)
    if not pictures:
        await context.bot.send_message(chat_id, caption, reply_parameters=reply)
    elif len(pictures) == 1:
        await context.bot.send_photo(chat_id, pictures[0], caption=caption, reply_parameters=reply)
    else:
        media = [InputMediaPhoto(picture, caption=caption if i == 0 else None) for i, picture in enumerate(pictures)]
        await context.bot.send_media_group(chat_id, media, reply_parameters=reply)
