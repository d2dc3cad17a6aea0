"""/album: the chat's photos as pages of media groups, paged with ◀ ▶ under them; `/album <pose>` or a pose button
under the page shows only the photos with that pose (paged the same way). Each photo's caption gives its number on
the page, its date and its booth; a numbered button under the page opens that photo (handlers.album_photo)."""

from __future__ import annotations

import contextlib
import math
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Message, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler

from booths import UNKNOWN_BRAND
from handlers.album_app import open_album_button
from handlers.callbacks import Action
from handlers.context import ChatContext
from handlers.i18n import brand_name, format_moment, t
from handlers.keyboards import NOOP, pager_row
from handlers.poses import pose_filter_rows, pose_name
from handlers.updates import chat_of, query_message_of, query_of
from pipeline.pictures import album_preview
from ranking.points import as_utc
from storage.models import Photo, PhotoSource, saved_id

PAGE = Action("album", "p", int)
POSE_PAGE = Action("album", "pose", str, int)  # pose key, page
OPEN_PHOTO = Action("album", "o", int)  # photo id: its own view (handlers.album_photo)


async def _replace_page(update: Update, context: ChatContext) -> None:
    """A page button: the page it sits under (its photos and its own message) goes away."""
    query = query_of(update)
    await query.answer()
    shown = query_message_of(query)
    for message_id in [*(await context.album_views.take(shown.chat_id, shown.message_id) or []), shown.message_id]:
        with contextlib.suppress(BadRequest):  # already gone (deleted by a user, or too old to delete)
            await context.bot.delete_message(shown.chat_id, message_id)


async def album_button(update: Update, context: ChatContext) -> None:
    (page,) = PAGE.parse(query_of(update).data)
    await _replace_page(update, context)
    await send_album_page(update, context, page=page)


async def album_pose_button(update: Update, context: ChatContext) -> None:
    pose, page = POSE_PAGE.parse(query_of(update).data)
    await _replace_page(update, context)
    await send_album_page(update, context, page=page, pose=pose)


async def noop_button(update: Update, _context: ChatContext) -> None:
    await query_of(update).answer()


async def send_album_page(update: Update, context: ChatContext, page: int, pose: str | None = None) -> None:
    svc = context.services
    chat_id = chat_of(update).id
    language = await context.language()
    size = svc.settings.album_page_size
    if pose is None:
        count = await svc.albums.count(chat_id)
    else:
        _, count = await svc.poses.photos_with(chat_id, pose, 0, 1)
    if count == 0:
        empty = t(language, "album.empty") if pose is None else t(language, "pose.none", pose=pose_name(pose, language))
        await context.bot.send_message(chat_id, empty)
        return
    pages = math.ceil(count / size)
    page = min(max(page, 0), pages - 1)
    if pose is None:
        photos = await svc.albums.page(chat_id, page * size, size)
        text = t(language, "album.page", page=page + 1, pages=pages, n=count)
        pager = pager_row(PAGE.data, page, pages, language)
    else:
        photos, _ = await svc.poses.photos_with(chat_id, pose, page * size, size)
        text = t(language, "album.pose_page", pose=pose_name(pose, language), page=page + 1, pages=pages, n=count)
        pager = pager_row(lambda p: POSE_PAGE.data(pose, p), page, pages, language)
    filters = pose_filter_rows(
        await svc.poses.counts(chat_id), lambda key: POSE_PAGE.data(key, 0), language, pose, PAGE.data(0)
    )
    opener = open_album_button(context, chat_of(update), language)
    rows = [[opener]] if opener is not None else []
    sent = await send_photos(context, chat_id, photos, language)
    keyboard = InlineKeyboardMarkup([*rows, photo_buttons(photos), pager, *filters])
    nav = await context.bot.send_message(chat_id, text, reply_markup=keyboard)
    await context.album_views.remember(chat_id, nav.message_id, [m.message_id for m in sent])


def photo_buttons(photos: list[Photo]) -> list[InlineKeyboardButton]:
    """One button per photo of a page, numbered as their captions are: it opens the photo's own view."""
    return [
        InlineKeyboardButton(f"🔍 {number}", callback_data=OPEN_PHOTO.data(saved_id(photo.id)))
        for number, photo in enumerate(photos, start=1)
    ]


def booth_of(photo: Photo, language: str) -> str | None:
    """The booth a photo came from, by name; None for a member's own picture or a booth we cannot name."""
    if photo.source != PhotoSource.qr or not photo.brand or photo.brand == UNKNOWN_BRAND.id:
        return None
    try:
        return brand_name(photo.brand, language)
    except KeyError:
        return None


def photo_facts(photo: Photo, language: str, timezone: str) -> str:
    """When the photo was filed, in the chat's timezone, and its booth when known: '12월 6일 (일) 20:00 · 인생네컷'."""
    moment = format_moment(as_utc(photo.created_at).astimezone(ZoneInfo(timezone)), language)
    booth = booth_of(photo, language)
    return t(language, "album.facts_booth", moment=moment, booth=booth) if booth else moment


async def send_photos(
    context: ChatContext, chat_id: int, photos: list[Photo], language: str | None = None
) -> tuple[Message, ...]:
    """One page of album photos as a media group (or one photo), each captioned with its number on the page, date
    and booth; file ids Telegram assigns are kept for resending."""
    language = language or await context.language()
    timezone = await context.services.ranking.timezone(chat_id)
    media = [
        InputMediaPhoto(
            await photo_input(context, photo),
            caption=t(language, "album.item", number=number, facts=photo_facts(photo, language, timezone)),
        )
        for number, photo in enumerate(photos, start=1)
    ]
    if len(media) == 1:
        sent: tuple[Message, ...] = (await context.bot.send_photo(chat_id, media[0].media, caption=media[0].caption),)
    else:
        sent = await context.bot.send_media_group(chat_id, media)
    for photo, message in zip(photos, sent, strict=True):
        if photo.telegram_file_id is None and message.photo:
            await context.services.albums.remember_file_id(saved_id(photo.id), message.photo[-1].file_id)
    return sent


async def photo_input(context: ChatContext, photo: Photo) -> str | bytes:
    if photo.telegram_file_id:
        return photo.telegram_file_id
    svc = context.services
    path = await svc.albums.path_of(photo)
    return await svc.pictures.run(album_preview, path, 1280, 88, svc.settings.max_image_pixels)


def register(app: Application) -> None:
    app.add_handler(PAGE.handler(album_button))
    app.add_handler(POSE_PAGE.handler(album_pose_button))
    app.add_handler(CallbackQueryHandler(noop_button, pattern=f"^{NOOP}$"))
