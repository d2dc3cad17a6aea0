"""/people: the chat's person album as contact sheets with buttons — open, name, merge, remove a face, hide.

Every view is one photo message (a contact sheet) edited in place; a person's photos come as paged media
groups like /album. Callback data: `pp:<action>[:<number>…]`, well under Telegram's 64 bytes.
"""

from __future__ import annotations

import contextlib
import html
import math
import unicodedata
from dataclasses import dataclass
from datetime import time as dtime
from typing import TypeVar

from telegram import (
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.config import Settings
from bot.i18n import t
from handlers.album import send_photos
from handlers.common import language_of, services
from handlers.keyboards import pager_row
from pipeline.analysis import smile_points
from pipeline.pictures import faces_sheet
from storage.faces import PersonSummary, StoredFace
from vision.faces import MIN_FACES

PREFIX = "pp:"
CALLBACK_PATTERN = rf"^{PREFIX}[a-z]+(:\d+)*$"
SHEET_PAGE = 8  # two rows of four
BUTTONS_PER_ROW = 4
NAME_MAX = 32
NAME_PROMPTS_KEY = "people_name_prompts"
PHOTO_VIEWS_KEY = "people_photo_views"
RECLUSTER_AT = dtime(4, 30)

T = TypeVar("T")


@dataclass(frozen=True)
class NamePrompt:
    """A ForceReply question 'what is this person called?', waiting for a reply."""

    person_id: int
    card_message_id: int | None


NamePrompts = dict[tuple[int, int], NamePrompt]  # (chat id, prompt message id) → prompt


@dataclass(frozen=True)
class View:
    picture: bytes
    caption: str
    keyboard: InlineKeyboardMarkup


# ----- small helpers -------------------------------------------------------------------------------------
def display_name(person_id: int, name: str | None, language: str) -> str:
    """HTML-safe: a member's name, or 'Person 12'."""
    return html.escape(name) if name else t(language, "people.unnamed", id=person_id)


def _by(update: Update, language: str) -> str:
    """In groups, say who changed the album."""
    user = update.effective_user
    if update.effective_chat.type == ChatType.PRIVATE or user is None:
        return ""
    return t(language, "people.by", who=html.escape(user.first_name))


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


def _rows(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + BUTTONS_PER_ROW] for i in range(0, len(buttons), BUTTONS_PER_ROW)]


def _page_of(items: list[T], page: int, size: int = SHEET_PAGE) -> tuple[list[T], int, int]:
    pages = max(1, math.ceil(len(items) / size))
    page = min(max(page, 0), pages - 1)
    return items[page * size : (page + 1) * size], page, pages


def _with_note(text: str, note: str | None) -> str:
    return f"{note}\n\n{text}" if note else text


def clean_name(text: str) -> str | None:
    """A person's name as typed, with spaces tidied; None when it is empty, too long or has control characters."""
    name = " ".join(text.split())
    if not 1 <= len(name) <= NAME_MAX or any(unicodedata.category(c).startswith("C") for c in name):
        return None
    return name


async def _sheet(context: ContextTypes.DEFAULT_TYPE, tiles: list[tuple[StoredFace, str]]) -> bytes:
    """A numbered contact sheet of faces, drawn in the worker pool (each photo read and decoded once)."""
    svc = services(context)
    files: dict[int, bytes] = {}
    items = []
    for face, caption in tiles:
        if face.photo_id not in files:
            photo = await svc.albums.get(face.photo_id)
            files[face.photo_id] = svc.albums.read(photo) if photo else b""
        items.append((files[face.photo_id], face.box, caption))
    items = [item for item in items if item[0]]
    return await svc.cpu.run(faces_sheet, items, svc.settings.max_image_pixels)


def _tile_caption(person: PersonSummary, language: str) -> str:
    caption = person.name or t(language, "people.tile_photos", n=person.photo_count)
    return f"({caption})" if person.hidden else caption


async def _summary(context: ContextTypes.DEFAULT_TYPE, chat_id: int, person_id: int) -> PersonSummary | None:
    people = await services(context).faces.people(chat_id, include_hidden=True)
    return next((person for person in people if person.id == person_id), None)


# ----- views ---------------------------------------------------------------------------------------------
async def list_view(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, language: str, page: int, hidden: bool, note: str | None = None
) -> View | None:
    everyone = await services(context).faces.people(chat_id, include_hidden=True)
    hidden_count = sum(person.hidden for person in everyone)
    if not hidden and hidden_count == len(everyone):
        hidden = True  # only hidden people: show them rather than nothing
    people = everyone if hidden else [person for person in everyone if not person.hidden]
    if not people:
        return None
    shown, page, pages = _page_of(people, page)
    picture = await _sheet(context, [(person.cover, _tile_caption(person, language)) for person in shown])
    numbers = [
        _button(f"{i}. {person.name[:12]}" if person.name else str(i), f"{PREFIX}o:{person.id}")
        for i, person in enumerate(shown, start=1)
    ]
    rows = _rows(numbers)
    if pages > 1:
        rows.append(pager_row(f"{PREFIX}l:{int(hidden)}:", page, pages, language))
    if hidden_count and hidden_count < len(everyone):
        toggle = ("people.hide_hidden", 0) if hidden else ("people.show_hidden", 1)
        rows.append([_button(t(language, toggle[0], n=hidden_count), f"{PREFIX}l:{toggle[1]}:0")])
    key = "people.sheet_hidden" if hidden else "people.sheet"
    caption = t(language, key, count=len(people), page=page + 1, pages=pages)
    return View(picture, _with_note(caption, note), InlineKeyboardMarkup(rows))


def _card_caption(person: PersonSummary, language: str, note: str | None = None) -> str:
    caption = t(
        language,
        "people.card",
        name=display_name(person.id, person.name, language),
        hidden=t(language, "people.hidden_mark") if person.hidden else "",
        photos=person.photo_count,
        faces=person.face_count,
        smile=smile_points(person.mean_smile),
    )
    return _with_note(caption, note)


def _card_keyboard(person: PersonSummary, language: str) -> InlineKeyboardMarkup:
    pid = person.id
    hide = ("people.unhide", "people.hide")[not person.hidden]
    return InlineKeyboardMarkup(
        [
            [_button(t(language, "people.photos"), f"{PREFIX}ph:{pid}:0")],
            [
                _button(t(language, "people.name"), f"{PREFIX}n:{pid}"),
                _button(t(language, "people.merge"), f"{PREFIX}m:{pid}:0"),
            ],
            [
                _button(t(language, "people.remove"), f"{PREFIX}r:{pid}:0"),
                _button(t(language, hide), f"{PREFIX}h:{pid}"),
            ],
            [_button(t(language, "people.back"), f"{PREFIX}l:{int(person.hidden)}:0")],
        ]
    )


async def card_view(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, person_id: int, language: str, note: str | None = None
) -> View | None:
    person = await _summary(context, chat_id, person_id)
    if person is None:
        return None
    faces = (await services(context).faces.faces_of_person(person_id))[:SHEET_PAGE]
    picture = await _sheet(context, [(face, str(smile_points(face.smile))) for face in faces])
    return View(picture, _card_caption(person, language, note), _card_keyboard(person, language))


async def remove_view(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    person_id: int,
    page: int,
    language: str,
    note: str | None = None,
) -> View | None:
    person = await _summary(context, chat_id, person_id)
    if person is None:
        return None
    faces, page, pages = _page_of(await services(context).faces.faces_of_person(person_id), page)
    picture = await _sheet(context, [(face, str(smile_points(face.smile))) for face in faces])
    rows = _rows(
        [_button(f"✕ {i}", f"{PREFIX}rf:{person_id}:{face.id}:{page}") for i, face in enumerate(faces, start=1)]
    )
    if pages > 1:
        rows.append(pager_row(f"{PREFIX}r:{person_id}:", page, pages, language))
    rows.append([_button(t(language, "people.back_to_person"), f"{PREFIX}o:{person_id}")])
    name = display_name(person.id, person.name, language)
    caption = t(language, "people.remove_pick", name=name, page=page + 1, pages=pages)
    return View(picture, _with_note(caption, note), InlineKeyboardMarkup(rows))


async def merge_pick_view(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, person_id: int, page: int, language: str
) -> View | None:
    everyone = await services(context).faces.people(chat_id, include_hidden=True)
    person = next((p for p in everyone if p.id == person_id), None)
    if person is None:
        return None
    others = [p for p in everyone if p.id != person_id]
    if not others:
        return await card_view(context, chat_id, person_id, language, note=t(language, "people.merge_nobody"))
    shown, page, pages = _page_of(others, page)
    picture = await _sheet(context, [(p.cover, _tile_caption(p, language)) for p in shown])
    rows = _rows([_button(str(i), f"{PREFIX}mw:{person_id}:{p.id}") for i, p in enumerate(shown, start=1)])
    if pages > 1:
        rows.append(pager_row(f"{PREFIX}m:{person_id}:", page, pages, language))
    rows.append([_button(t(language, "people.back_to_person"), f"{PREFIX}o:{person_id}")])
    name = display_name(person.id, person.name, language)
    caption = t(language, "people.merge_pick", name=name, page=page + 1, pages=pages)
    return View(picture, caption, InlineKeyboardMarkup(rows))


async def merge_confirm_view(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, person_id: int, other_id: int, language: str
) -> View | None:
    everyone = {p.id: p for p in await services(context).faces.people(chat_id, include_hidden=True)}
    person, other = everyone.get(person_id), everyone.get(other_id)
    if person is None or other is None:
        return None
    picture = await _sheet(context, [(p.cover, _tile_caption(p, language)) for p in (person, other)])
    caption = t(
        language,
        "people.merge_confirm",
        name=display_name(person.id, person.name, language),
        other=display_name(other.id, other.name, language),
    )
    keyboard = InlineKeyboardMarkup(
        [
            [
                _button(t(language, "people.merge_yes"), f"{PREFIX}mc:{person_id}:{other_id}"),
                _button(t(language, "people.cancel"), f"{PREFIX}o:{person_id}"),
            ]
        ]
    )
    return View(picture, caption, keyboard)


# ----- Telegram I/O --------------------------------------------------------------------------------------
async def people_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    language = await language_of(update, context)
    message = update.effective_message
    view = await list_view(context, message.chat_id, language, page=0, hidden=False)
    if view is None:
        await message.reply_text(t(language, "people.empty", n=MIN_FACES))
        return
    await context.bot.send_photo(message.chat_id, view.picture, caption=view.caption, reply_markup=view.keyboard)


async def _show(update: Update, view: View) -> None:
    query = update.callback_query
    try:
        await query.edit_message_media(InputMediaPhoto(view.picture, caption=view.caption), reply_markup=view.keyboard)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


async def _show_or_list(
    update: Update, context: ContextTypes.DEFAULT_TYPE, view: View | None, language: str, note: str | None = None
) -> None:
    """Show `view`; when its person is gone, say so and show the list (or that it is empty)."""
    chat_id = update.effective_chat.id
    if view is None:
        if note is None:
            note = t(language, "people.gone")
        view = await list_view(context, chat_id, language, page=0, hidden=False, note=note)
    if view is not None:
        await _show(update, view)
        return
    with contextlib.suppress(BadRequest):
        await update.callback_query.edit_message_caption(_with_note(t(language, "people.empty", n=MIN_FACES), note))


async def people_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    action, *numbers = query.data.removeprefix(PREFIX).split(":")
    args = [int(n) for n in numbers]
    language = await language_of(update, context)
    chat_id = update.effective_chat.id
    svc = services(context)
    if action == "l" and len(args) == 2:
        await query.answer()
        view = await list_view(context, chat_id, language, args[1], bool(args[0]))
        await _show_or_list(update, context, view, language, note="")
        return
    if not args:
        await query.answer()
        return
    person = await svc.faces.person(args[0])
    if person is None or person.chat_id != chat_id:
        await query.answer(t(language, "people.gone"), show_alert=True)
        await _show_or_list(update, context, None, language)
        return
    await query.answer()
    pid = person.id
    by = _by(update, language)
    if action == "o":
        await _show_or_list(update, context, await card_view(context, chat_id, pid, language), language)
    elif action == "ph" and len(args) == 2:
        await send_person_photos(update, context, pid, args[1], language)
    elif action == "n":
        await ask_name(update, context, pid, language)
    elif action == "m" and len(args) == 2:
        await _show_or_list(update, context, await merge_pick_view(context, chat_id, pid, args[1], language), language)
    elif action == "mw" and len(args) == 2:
        view = await merge_confirm_view(context, chat_id, pid, args[1], language)
        await _show_or_list(update, context, view, language)
    elif action == "mc" and len(args) == 2:
        await merge_people(update, context, pid, args[1], language, by)
    elif action == "r" and len(args) == 2:
        await _show_or_list(update, context, await remove_view(context, chat_id, pid, args[1], language), language)
    elif action == "rf" and len(args) == 3:
        await remove_face(update, context, pid, args[1], args[2], language, by)
    elif action == "h":
        await svc.faces.set_hidden(pid, not person.hidden)
        note = t(language, "people.shown_now" if person.hidden else "people.hidden_now", by=by)
        await _show_or_list(update, context, await card_view(context, chat_id, pid, language, note), language)


async def merge_people(
    update: Update, context: ContextTypes.DEFAULT_TYPE, keep_id: int, other_id: int, language: str, by: str
) -> None:
    svc = services(context)
    chat_id = update.effective_chat.id
    other = await svc.faces.person(other_id)
    if other is None or other.chat_id != chat_id:
        await _show_or_list(update, context, await card_view(context, chat_id, keep_id, language), language)
        return
    async with svc.analyser.chat_lock(chat_id):
        await svc.faces.merge(keep_id, other_id)
    note = t(language, "people.merged", by=by)
    await _show_or_list(update, context, await card_view(context, chat_id, keep_id, language, note), language)


async def remove_face(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    person_id: int,
    face_id: int,
    page: int,
    language: str,
    by: str,
) -> None:
    svc = services(context)
    chat_id = update.effective_chat.id
    if face_id in {face.id for face in await svc.faces.faces_of_person(person_id)}:
        async with svc.analyser.chat_lock(chat_id):
            await svc.faces.remove_face(face_id)
    view = await remove_view(context, chat_id, person_id, page, language, note=t(language, "people.removed", by=by))
    await _show_or_list(update, context, view, language, note=t(language, "people.removed_last", by=by))


async def ask_name(update: Update, context: ContextTypes.DEFAULT_TYPE, person_id: int, language: str) -> None:
    """A question answered by replying (ForceReply). In groups it addresses the member who pressed the button; an
    @username mention makes the reply field open for them only (selective), without one it opens for everyone."""
    query = update.callback_query
    chat, user = update.effective_chat, update.effective_user
    person = await services(context).faces.person(person_id)
    who, selective = "", False
    if chat.type != ChatType.PRIVATE and user is not None:
        selective = bool(user.username)
        who = f"@{user.username}, " if user.username else f"{html.escape(user.first_name)}, "
    prompt = await context.bot.send_message(
        chat.id,
        t(language, "people.ask_name", who=who, name=display_name(person_id, person.name, language), max=NAME_MAX),
        reply_markup=ForceReply(selective=selective, input_field_placeholder=t(language, "people.name_placeholder")),
    )
    prompts: NamePrompts = context.bot_data.setdefault(NAME_PROMPTS_KEY, {})
    prompts[(chat.id, prompt.message_id)] = NamePrompt(person_id, query.message.message_id if query else None)


async def on_name_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    language = await language_of(update, context)
    prompts: NamePrompts = context.bot_data.setdefault(NAME_PROMPTS_KEY, {})
    key = (message.chat_id, message.reply_to_message.message_id)
    prompt = prompts.get(key)
    if prompt is None:
        return
    svc = services(context)
    reply = ReplyParameters(message.message_id, allow_sending_without_reply=True)
    name = clean_name(message.text or "")
    if name is None:
        await message.reply_text(t(language, "people.bad_name", max=NAME_MAX), reply_parameters=reply)
        return
    person = await svc.faces.person(prompt.person_id)
    prompts.pop(key, None)
    if person is None or person.chat_id != message.chat_id:
        await message.reply_text(t(language, "people.gone"), reply_parameters=reply)
        return
    async with svc.analyser.chat_lock(message.chat_id):
        await svc.faces.rename(person.id, name)
        await svc.faces.pin_faces(person.id)  # named = confirmed: a re-cluster keeps these faces together
    await message.reply_text(
        t(language, "people.named", name=html.escape(name), by=_by(update, language)), reply_parameters=reply
    )
    await _refresh_card(context, message.chat_id, prompt, language)


async def _refresh_card(context: ContextTypes.DEFAULT_TYPE, chat_id: int, prompt: NamePrompt, language: str) -> None:
    if prompt.card_message_id is None:
        return
    person = await _summary(context, chat_id, prompt.person_id)
    if person is None:
        return
    with contextlib.suppress(BadRequest):  # the card may be gone or show something else by now
        await context.bot.edit_message_caption(
            chat_id,
            prompt.card_message_id,
            caption=_card_caption(person, language),
            reply_markup=_card_keyboard(person, language),
        )


async def send_person_photos(
    update: Update, context: ContextTypes.DEFAULT_TYPE, person_id: int, page: int, language: str
) -> None:
    """A page of the person's photos as a media group, with ◀ ▶ in a message under it (as /album does)."""
    svc = services(context)
    chat_id = update.effective_chat.id
    query = update.callback_query
    views: dict[int, list[int]] = context.chat_data.setdefault(PHOTO_VIEWS_KEY, {})
    if query is not None and query.message.message_id in views:  # paging: the old page goes away
        for message_id in [*views.pop(query.message.message_id), query.message.message_id]:
            with contextlib.suppress(BadRequest):
                await context.bot.delete_message(chat_id, message_id)
    size = svc.settings.album_page_size
    _, total = await svc.faces.photos_of(person_id, 0, 1)
    if total == 0:
        await context.bot.send_message(chat_id, t(language, "people.gone"))
        return
    pages = math.ceil(total / size)
    page = min(max(page, 0), pages - 1)
    photos, _ = await svc.faces.photos_of(person_id, page * size, size)
    sent = await send_photos(context, chat_id, photos)
    person = await svc.faces.person(person_id)
    name = display_name(person_id, person.name if person else None, language)
    nav = await context.bot.send_message(
        chat_id,
        t(language, "people.photos_page", name=name, page=page + 1, pages=pages, count=total),
        reply_markup=InlineKeyboardMarkup([pager_row(f"{PREFIX}ph:{person_id}:", page, pages, language)]),
    )
    views[nav.message_id] = [message.message_id for message in sent]


class ReplyToNamePrompt(filters.MessageFilter):
    """Messages that answer one of our open 'what is their name?' questions."""

    def __init__(self, prompts: NamePrompts) -> None:
        super().__init__(name="ReplyToNamePrompt")
        self.prompts = prompts

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        return replied is not None and (message.chat_id, replied.message_id) in self.prompts


async def recluster_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await services(context).analyser.recluster_all()


def register(app: Application) -> None:
    prompts: NamePrompts = app.bot_data.setdefault(NAME_PROMPTS_KEY, {})
    app.add_handler(CommandHandler("people", people_command, block=False))
    app.add_handler(CallbackQueryHandler(people_button, pattern=CALLBACK_PATTERN, block=False))
    # Before the booth-link text handler (same group): a reply to our question is a name, not a link.
    app.add_handler(
        MessageHandler(filters.TEXT & ~filters.COMMAND & ReplyToNamePrompt(prompts), on_name_reply, block=False)
    )
    settings: Settings | None = app.bot_data.get("settings")
    if app.job_queue is not None and settings is not None:
        app.job_queue.run_daily(recluster_job, time=RECLUSTER_AT.replace(tzinfo=settings.tz), name="people:recluster")
