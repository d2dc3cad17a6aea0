"""One album photo on its own (a numbered button under an /album page): its date, booth, sender and smiles, with
buttons for the original file in full resolution (sent as a document), its making-of clips, and deleting it.

Every button carries the photo's id, and every handler checks the photo belongs to the chat the button was pressed
in: callback data can be forged, and an id from another chat finds nothing here. Deleting is for the photo's sender
and the chat's admins, and asks once more before it happens.
"""

from __future__ import annotations

import contextlib
import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest
from telegram.ext import Application

from handlers.album import OPEN_PHOTO, photo_facts, photo_input
from handlers.callbacks import Action
from handlers.common import is_chat_admin
from handlers.context import ChatContext
from handlers.digest import photo_line, sender_name
from handlers.i18n import t
from handlers.qr import TELEGRAM_UPLOAD_LIMIT
from handlers.updates import chat_of, query_message_of, query_of
from storage.models import MediaKind, Photo, saved_id

ORIGINAL = Action("album", "f", int)  # photo id
CLIPS = Action("album", "v", int)  # photo id
DELETE = Action("album", "d", int)  # photo id: asks first
DELETE_YES = Action("album", "dy", int)  # photo id
DELETE_NO = Action("album", "dn", int)  # photo id: back to the photo's view

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/heic": "heic", "video/mp4": "mp4"}


async def _photo_of_chat(update: Update, context: ChatContext, photo_id: int) -> Photo | None:
    """The photo a button names when it belongs to this chat; otherwise the press is told the photo is gone."""
    query = query_of(update)
    photo = await context.services.albums.get(photo_id)
    if photo is None or photo.chat_id != chat_of(update).id or photo.kind != MediaKind.photo:
        await query.answer(t(await context.language(), "album.photo_gone"), show_alert=True)
        return None
    return photo


async def _pressed(update: Update, context: ChatContext, action: Action) -> Photo | None:
    """The photo a press of `action` names, when this chat has it (the press is answered otherwise)."""
    (photo_id,) = action.parse(query_of(update).data)
    return await _photo_of_chat(update, context, photo_id)


async def _caption(context: ChatContext, photo: Photo, language: str) -> str:
    svc = context.services
    timezone = await svc.ranking.timezone(photo.chat_id)
    lines = [t(language, "album.photo_when", facts=photo_facts(photo, language, timezone))]
    entry = await svc.answers.digest_photo(photo.chat_id, saved_id(photo.id))
    if entry is not None:
        lines.append(t(language, "album.photo_by", sender=sender_name(entry, language)))
        lines.append(photo_line(entry, language))
    return "\n".join(lines)


async def _keyboard(context: ChatContext, photo: Photo, language: str) -> InlineKeyboardMarkup:
    photo_id = saved_id(photo.id)
    row = [InlineKeyboardButton(t(language, "album.original"), callback_data=ORIGINAL.data(photo_id))]
    if await context.services.answers.videos_of(photo_id):
        row.append(InlineKeyboardButton(t(language, "album.clip"), callback_data=CLIPS.data(photo_id)))
    delete = [InlineKeyboardButton(t(language, "album.delete"), callback_data=DELETE.data(photo_id))]
    return InlineKeyboardMarkup([row, delete])


async def on_open(update: Update, context: ChatContext) -> None:
    query = query_of(update)
    photo = await _pressed(update, context, OPEN_PHOTO)
    if photo is None:
        return
    await query.answer()
    language = await context.language()
    await context.bot.send_photo(
        photo.chat_id,
        await photo_input(context, photo),
        caption=await _caption(context, photo, language),
        reply_markup=await _keyboard(context, photo, language),
    )


def _file_name(photo: Photo) -> str:
    return f"choosecheese-{photo.id}.{EXTENSIONS.get(photo.mime, 'bin')}"


async def on_original(update: Update, context: ChatContext) -> None:
    """The file as it was filed (a booth's original or the member's upload), untouched, as a document."""
    query = query_of(update)
    photo = await _pressed(update, context, ORIGINAL)
    if photo is None:
        return
    language = await context.language()
    if photo.size_bytes > TELEGRAM_UPLOAD_LIMIT:
        await query.answer(t(language, "album.original_too_big"), show_alert=True)
        return
    await query.answer()
    svc = context.services
    facts = photo_facts(photo, language, await svc.ranking.timezone(photo.chat_id))
    await context.bot.send_chat_action(photo.chat_id, ChatAction.UPLOAD_DOCUMENT)
    await context.bot.send_document(
        photo.chat_id,
        await svc.albums.load(photo),
        filename=_file_name(photo),
        caption=t(language, "album.original_caption", facts=facts),
        disable_content_type_detection=True,
        reply_parameters=ReplyParameters(query_message_of(query).message_id, allow_sending_without_reply=True),
    )


async def on_clips(update: Update, context: ChatContext) -> None:
    """The photo's making-of clips, as replies to its view (one too big for a bot to send is named, not sent)."""
    query = query_of(update)
    photo = await _pressed(update, context, CLIPS)
    if photo is None:
        return
    language = await context.language()
    svc = context.services
    videos = await svc.answers.videos_of(saved_id(photo.id))
    if not videos:
        await query.answer(t(language, "album.no_clip"), show_alert=True)
        return
    await query.answer()
    reply = ReplyParameters(query_message_of(query).message_id, allow_sending_without_reply=True)
    for video in videos:
        if video.size_bytes > TELEGRAM_UPLOAD_LIMIT:
            size_mb = f"{video.size_bytes / 1_000_000:.1f}"
            await context.bot.send_message(
                photo.chat_id, t(language, "album.clip_too_big", size_mb=size_mb), reply_parameters=reply
            )
            continue
        await context.bot.send_chat_action(photo.chat_id, ChatAction.UPLOAD_VIDEO)
        await context.bot.send_video(
            photo.chat_id,
            await svc.albums.load(video),
            caption=t(language, "album.clip_caption"),
            supports_streaming=True,
            reply_parameters=reply,
        )


async def _may_delete(update: Update, context: ChatContext, photo: Photo) -> bool:
    """The photo's sender or an admin of the chat; anyone else is told so, privately (an alert)."""
    user = update.effective_user
    if user is not None and photo.sender_id == user.id:
        return True
    if await is_chat_admin(update, context):
        return True
    await query_of(update).answer(t(await context.language(), "album.delete_not_yours"), show_alert=True)
    return False


async def on_delete(update: Update, context: ChatContext) -> None:
    query = query_of(update)
    photo = await _pressed(update, context, DELETE)
    if photo is None or not await _may_delete(update, context, photo):
        return
    await query.answer()
    language = await context.language()
    photo_id = saved_id(photo.id)
    faces = len(await context.services.faces.faces_of_photo(photo_id))
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t(language, "album.delete_yes"), callback_data=DELETE_YES.data(photo_id)),
                InlineKeyboardButton(t(language, "album.delete_no"), callback_data=DELETE_NO.data(photo_id)),
            ]
        ]
    )
    with contextlib.suppress(BadRequest):  # the view may be gone by now
        await query.edit_message_caption(t(language, "album.delete_ask", n=faces), reply_markup=keyboard)


async def on_delete_no(update: Update, context: ChatContext) -> None:
    query = query_of(update)
    photo = await _pressed(update, context, DELETE_NO)
    if photo is None:
        return
    await query.answer()
    language = await context.language()
    with contextlib.suppress(BadRequest):
        await query.edit_message_caption(
            await _caption(context, photo, language), reply_markup=await _keyboard(context, photo, language)
        )


async def on_delete_yes(update: Update, context: ChatContext) -> None:
    query = query_of(update)
    photo = await _pressed(update, context, DELETE_YES)
    if photo is None or not await _may_delete(update, context, photo):
        return
    svc = context.services
    language = await context.language()
    async with svc.analyser.chat_lock(photo.chat_id):  # no clustering of this chat meanwhile
        removed = await svc.albums.remove_photo(photo.chat_id, saved_id(photo.id))
    if removed is None:
        await query.answer(t(language, "album.photo_gone"), show_alert=True)
        return
    await svc.ledger.reconcile(photo.chat_id)  # an open week's pledge of this photo is voided now
    await query.answer()
    who = update.effective_user
    text = t(
        language,
        "album.deleted",
        who=html.escape(who.first_name) if who else "",
        faces=t(language, "count.faces", n=removed.faces),
    )
    if removed.people_removed:
        text += " " + t(language, "album.deleted_people", n=removed.people_removed)
    shown = query_message_of(query)
    with contextlib.suppress(BadRequest):  # the view shows the photo: it goes too
        await context.bot.delete_message(shown.chat_id, shown.message_id)
    await context.bot.send_message(photo.chat_id, text)


def register(app: Application) -> None:
    app.add_handler(OPEN_PHOTO.handler(on_open))
    app.add_handler(ORIGINAL.handler(on_original))
    app.add_handler(CLIPS.handler(on_clips))
    app.add_handler(DELETE.handler(on_delete))
    app.add_handler(DELETE_NO.handler(on_delete_no))
    app.add_handler(DELETE_YES.handler(on_delete_yes))
