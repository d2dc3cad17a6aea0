"""/people: the chat's person album as contact sheets with buttons — open, name, merge, remove a face, hide.

Every view is one photo message (a contact sheet) edited in place; a person's photos come as paged media
groups like /album. Each button is one `handlers.callbacks.Action` (`pp:<action>:<numbers>`) with its own handler.
"""

from __future__ import annotations

import contextlib
import html
import math
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

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
from telegram.ext import Application, ApplicationHandlerStop, CommandHandler, MessageHandler, filters

from handlers.album import photo_buttons, send_photos
from handlers.callbacks import Action
from handlers.context import BotData, ChatContext, NamePrompt
from handlers.i18n import t
from handlers.keyboards import pager_row
from handlers.person_label import person_html, person_label
from handlers.poses import pose_filter_rows, pose_name
from handlers.updates import chat_of, message_of, query_message_of, query_of
from pipeline.analysis import smile_points
from pipeline.pictures import faces_sheet
from storage.faces import PersonSummary, StoredFace
from storage.models import Person, Photo, saved_id
from vision.faces import NEW_PERSON_FACES

LIST = Action("pp", "l", int, int)  # hidden (0/1), page
OPEN = Action("pp", "o", int)  # person
PHOTOS = Action("pp", "ph", int, int)  # person, page
PHOTOS_POSE = Action("pp", "pz", int, str, int)  # person, pose key, page
NAME = Action("pp", "n", int)  # person
MERGE_PICK = Action("pp", "m", int, int)  # person, page
MERGE_WITH = Action("pp", "mw", int, int)  # person, other person
MERGE_CONFIRM = Action("pp", "mc", int, int)  # person, other person
REMOVE_PICK = Action("pp", "r", int, int)  # person, page
REMOVE_FACE = Action("pp", "rf", int, int, int)  # person, face, page
HIDE = Action("pp", "h", int)  # person
SHEET_PAGE = 8  # two rows of four
BUTTONS_PER_ROW = 4
NAME_MAX = 32
NAME_REPLY_GROUP = -1  # after the limits (-5) and receipts (-2), before the features (0)

T = TypeVar("T")


@dataclass(frozen=True)
class View:
    picture: bytes
    caption: str
    keyboard: InlineKeyboardMarkup


BUTTON_LABEL_MAX = 14


# ----- small helpers -------------------------------------------------------------------------------------
def _by(update: Update, language: str) -> str:
    """In groups, say who changed the album."""
    user = update.effective_user
    if chat_of(update).type == ChatType.PRIVATE or user is None:
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


async def _sheet(context: ChatContext, tiles: list[tuple[StoredFace, str, str]]) -> bytes:
    """A contact sheet of faces (face, badge, caption), drawn in the worker pool (each photo read and decoded once)."""
    svc = context.services
    files: dict[int, Path | None] = {}
    items = []
    for face, badge, caption in tiles:
        if face.photo_id not in files:
            photo = await svc.albums.get(face.photo_id)
            files[face.photo_id] = await svc.albums.path_of(photo) if photo else None
        path = files[face.photo_id]
        if path is not None:
            items.append((path, face.box, badge, caption))
    return await svc.pictures.run(faces_sheet, items, svc.settings.max_image_pixels)


def _person_tile(person: PersonSummary, language: str) -> tuple[StoredFace, str, str]:
    """A person's tile: their face, their number on the badge, their label under it (in brackets when hidden)."""
    label = person_label(person.number, person.name, language)
    return person.cover, str(person.number), f"({label})" if person.hidden else label


def person_button(person: PersonSummary, language: str, data: str) -> InlineKeyboardButton:
    """A button with the person's label, as their tile shows it."""
    label = person_label(person.number, person.name, language)
    short = label if len(label) <= BUTTON_LABEL_MAX else label[: BUTTON_LABEL_MAX - 1] + "…"
    return _button(short, data)


async def person_sheet(context: ChatContext, people: list[PersonSummary], language: str) -> bytes:
    """People's tiles: face, number badge, label."""
    return await _sheet(context, [_person_tile(person, language) for person in people])


async def person_faces_sheet(context: ChatContext, person_id: int) -> bytes:
    """A person's first faces, numbered, with their smile points."""
    return await _sheet(context, _face_tiles((await context.services.faces.faces_of_person(person_id))[:SHEET_PAGE]))


def _face_tiles(faces: list[StoredFace], first: int = 1) -> list[tuple[StoredFace, str, str]]:
    """Faces numbered from `first` (pages go on counting), each with its smile points under it."""
    return [(face, str(number), str(smile_points(face.smile))) for number, face in enumerate(faces, start=first)]


async def _summary(context: ChatContext, chat_id: int, person_id: int) -> PersonSummary | None:
    people = await context.services.faces.people(chat_id, include_hidden=True)
    return next((person for person in people if person.id == person_id), None)


# ----- views ---------------------------------------------------------------------------------------------
async def list_view(
    context: ChatContext, chat_id: int, language: str, page: int, hidden: bool, note: str | None = None
) -> View | None:
    everyone = await context.services.faces.people(chat_id, include_hidden=True)
    hidden_count = sum(person.hidden for person in everyone)
    if not hidden and hidden_count == len(everyone):
        hidden = True  # only hidden people: show them rather than nothing
    people = everyone if hidden else [person for person in everyone if not person.hidden]
    if not people:
        return None
    shown, page, pages = _page_of(people, page)
    picture = await person_sheet(context, shown, language)
    rows = _rows([person_button(person, language, OPEN.data(person.id)) for person in shown])
    if pages > 1:
        rows.append(pager_row(lambda p: LIST.data(int(hidden), p), page, pages, language))
    if hidden_count and hidden_count < len(everyone):
        toggle = ("people.hide_hidden", 0) if hidden else ("people.show_hidden", 1)
        rows.append([_button(t(language, toggle[0], n=hidden_count), LIST.data(toggle[1], 0))])
    key = "people.sheet_hidden" if hidden else "people.sheet"
    caption = t(language, key, count=len(people), page=page + 1, pages=pages)
    return View(picture, _with_note(caption, note), InlineKeyboardMarkup(rows))


def _card_caption(person: PersonSummary, language: str, note: str | None = None) -> str:
    caption = t(
        language,
        "people.card",
        name=person_html(person.number, person.name, language),
        hidden=t(language, "people.hidden_mark") if person.hidden else "",
        photos=t(language, "count.photos", n=person.photo_count),
        faces=t(language, "count.faces", n=person.face_count),
        smile=smile_points(person.mean_smile),
    )
    return _with_note(caption, note)


def _card_keyboard(person: PersonSummary, language: str) -> InlineKeyboardMarkup:
    pid = person.id
    hide = ("people.unhide", "people.hide")[not person.hidden]
    return InlineKeyboardMarkup(
        [
            [_button(t(language, "people.photos"), PHOTOS.data(pid, 0))],
            [
                _button(t(language, "people.name"), NAME.data(pid)),
                _button(t(language, "people.merge"), MERGE_PICK.data(pid, 0)),
            ],
            [
                _button(t(language, "people.remove"), REMOVE_PICK.data(pid, 0)),
                _button(t(language, hide), HIDE.data(pid)),
            ],
            [_button(t(language, "people.back"), LIST.data(int(person.hidden), 0))],
        ]
    )


async def card_view(
    context: ChatContext, chat_id: int, person_id: int, language: str, note: str | None = None
) -> View | None:
    person = await _summary(context, chat_id, person_id)
    if person is None:
        return None
    picture = await person_faces_sheet(context, person_id)
    return View(picture, _card_caption(person, language, note), _card_keyboard(person, language))


async def remove_view(
    context: ChatContext,
    chat_id: int,
    person_id: int,
    page: int,
    language: str,
    note: str | None = None,
) -> View | None:
    person = await _summary(context, chat_id, person_id)
    if person is None:
        return None
    faces, page, pages = _page_of(await context.services.faces.faces_of_person(person_id), page)
    first = page * SHEET_PAGE + 1
    picture = await _sheet(context, _face_tiles(faces, first))
    rows = _rows(
        [
            _button(f"✕ {number}", REMOVE_FACE.data(person_id, face.id, page))
            for number, face in enumerate(faces, start=first)
        ]
    )
    if pages > 1:
        rows.append(pager_row(lambda p: REMOVE_PICK.data(person_id, p), page, pages, language))
    rows.append([_button(t(language, "people.back_to_person"), OPEN.data(person_id))])
    name = person_html(person.number, person.name, language)
    caption = t(language, "people.remove_pick", name=name, page=page + 1, pages=pages)
    return View(picture, _with_note(caption, note), InlineKeyboardMarkup(rows))


async def merge_pick_view(context: ChatContext, chat_id: int, person_id: int, page: int, language: str) -> View | None:
    everyone = await context.services.faces.people(chat_id, include_hidden=True)
    person = next((p for p in everyone if p.id == person_id), None)
    if person is None:
        return None
    others = [p for p in everyone if p.id != person_id]
    if not others:
        return await card_view(context, chat_id, person_id, language, note=t(language, "people.merge_nobody"))
    shown, page, pages = _page_of(others, page)
    picture = await _sheet(context, [_person_tile(p, language) for p in shown])
    rows = _rows([person_button(p, language, MERGE_WITH.data(person_id, p.id)) for p in shown])
    if pages > 1:
        rows.append(pager_row(lambda p: MERGE_PICK.data(person_id, p), page, pages, language))
    rows.append([_button(t(language, "people.back_to_person"), OPEN.data(person_id))])
    name = person_html(person.number, person.name, language)
    caption = t(language, "people.merge_pick", name=name, page=page + 1, pages=pages)
    return View(picture, caption, InlineKeyboardMarkup(rows))


async def merge_confirm_view(
    context: ChatContext, chat_id: int, person_id: int, other_id: int, language: str
) -> View | None:
    everyone = {p.id: p for p in await context.services.faces.people(chat_id, include_hidden=True)}
    person, other = everyone.get(person_id), everyone.get(other_id)
    if person is None or other is None:
        return None
    picture = await _sheet(context, [_person_tile(p, language) for p in (person, other)])
    caption = t(
        language,
        "people.merge_confirm",
        name=person_html(person.number, person.name, language),
        other=person_html(other.number, other.name, language),
    )
    keyboard = InlineKeyboardMarkup(
        [
            [
                _button(t(language, "people.merge_yes"), MERGE_CONFIRM.data(person_id, other_id)),
                _button(t(language, "people.cancel"), OPEN.data(person_id)),
            ]
        ]
    )
    return View(picture, caption, keyboard)


# ----- Telegram I/O --------------------------------------------------------------------------------------
def search_key(text: str) -> str:
    """A name as searched: Unicode-normalised (Korean typed on any keyboard compares equal), case-folded, spaces
    tidied."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def find_people(people: list[PersonSummary], wanted: str, language: str) -> list[PersonSummary]:
    """People whose name (or label, "Person 13" / "사람 13", or bare number) contains `wanted`, exact matches first."""
    key = search_key(wanted)
    if not key:
        return []
    found = []
    for person in people:
        names = {search_key(person_label(person.number, person.name, language)), str(person.number)}
        if person.name:
            names.add(search_key(person.name))
        if key in names:
            found.append((0, person))
        elif not key.isdigit() and any(key in name for name in names):
            found.append((1, person))
    return [person for _, person in sorted(found, key=lambda item: item[0])]


async def matches_view(
    context: ChatContext, chat_id: int, wanted: str, language: str
) -> tuple[View | None, list[PersonSummary]]:
    """The person card when one person matches `wanted`, a sheet of the matches when several do (None: nobody)."""
    everyone = await context.services.faces.people(chat_id, include_hidden=True)
    matches = find_people(everyone, wanted, language)
    if len(matches) == 1:
        return await card_view(context, chat_id, matches[0].id, language), matches
    if not matches:
        return None, matches
    shown = matches[:SHEET_PAGE]
    picture = await person_sheet(context, shown, language)
    rows = _rows([person_button(person, language, OPEN.data(person.id)) for person in shown])
    caption = t(language, "people.search_found", text=html.escape(wanted), n=len(matches))
    return View(picture, caption, InlineKeyboardMarkup(rows)), matches


def no_match_text(everyone: list[PersonSummary], wanted: str, language: str) -> str:
    named = [html.escape(person.name) for person in everyone if person.name]
    if not named:
        return t(language, "people.search_none_named", text=html.escape(wanted))
    return t(language, "people.search_none", text=html.escape(wanted), names=", ".join(named[:20]))


async def people_command(update: Update, context: ChatContext) -> None:
    language = await context.language()
    message = message_of(update)
    wanted = " ".join(context.args or ())
    if wanted:
        found, _ = await matches_view(context, message.chat_id, wanted, language)
        if found is None:
            everyone = await context.services.faces.people(message.chat_id, include_hidden=True)
            await message.reply_text(no_match_text(everyone, wanted, language))
        else:
            await context.bot.send_photo(
                message.chat_id, found.picture, caption=found.caption, reply_markup=found.keyboard
            )
        return
    view = await list_view(context, message.chat_id, language, page=0, hidden=False)
    if view is None:
        await message.reply_text(t(language, "people.empty", n=NEW_PERSON_FACES))
        return
    await context.bot.send_photo(message.chat_id, view.picture, caption=view.caption, reply_markup=view.keyboard)


async def _show(update: Update, view: View) -> None:
    query = query_of(update)
    try:
        await query.edit_message_media(InputMediaPhoto(view.picture, caption=view.caption), reply_markup=view.keyboard)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


async def _show_or_list(
    update: Update, context: ChatContext, view: View | None, language: str, note: str | None = None
) -> None:
    """Show `view`; when its person is gone, say so and show the list (or that it is empty)."""
    chat_id = chat_of(update).id
    if view is None:
        if note is None:
            note = t(language, "people.gone")
        view = await list_view(context, chat_id, language, page=0, hidden=False, note=note)
    if view is not None:
        await _show(update, view)
        return
    with contextlib.suppress(BadRequest):
        await query_of(update).edit_message_caption(_with_note(t(language, "people.empty", n=NEW_PERSON_FACES), note))


async def on_list(update: Update, context: ChatContext) -> None:
    query = query_of(update)
    hidden, page = LIST.parse(query.data)
    await query.answer()
    language = await context.language()
    view = await list_view(context, chat_of(update).id, language, page, bool(hidden))
    await _show_or_list(update, context, view, language, note="")


async def _pressed_on(update: Update, context: ChatContext, person_id: int) -> Person | None:
    """The person a button names, after answering the press; None (and the list shown) when they are gone."""
    query = query_of(update)
    chat_id = chat_of(update).id
    person = await context.services.faces.person(person_id)
    if person is None or person.chat_id != chat_id:
        language = await context.language()
        await query.answer(t(language, "people.gone"), show_alert=True)
        await _show_or_list(update, context, None, language)
        return None
    await query.answer()
    return person


async def _show_person_view(
    update: Update, context: ChatContext, person_id: int, build: Callable[[int, str], Awaitable[View | None]]
) -> None:
    """A button that redraws the sheet with a view of one person: `build(chat_id, language)`."""
    if await _pressed_on(update, context, person_id):
        language = await context.language()
        await _show_or_list(update, context, await build(chat_of(update).id, language), language)


async def on_open(update: Update, context: ChatContext) -> None:
    (person_id,) = OPEN.parse(query_of(update).data)
    await _show_person_view(
        update, context, person_id, lambda chat, language: card_view(context, chat, person_id, language)
    )


async def on_photos(update: Update, context: ChatContext) -> None:
    person_id, page = PHOTOS.parse(query_of(update).data)
    if await _pressed_on(update, context, person_id):
        await send_person_photos(update, context, person_id, page, await context.language())


async def on_photos_pose(update: Update, context: ChatContext) -> None:
    person_id, pose, page = PHOTOS_POSE.parse(query_of(update).data)
    if await _pressed_on(update, context, person_id):
        await send_person_photos(update, context, person_id, page, await context.language(), pose)


async def on_name(update: Update, context: ChatContext) -> None:
    (person_id,) = NAME.parse(query_of(update).data)
    if await _pressed_on(update, context, person_id):
        await ask_name(update, context, person_id, await context.language())


async def on_merge_pick(update: Update, context: ChatContext) -> None:
    person_id, page = MERGE_PICK.parse(query_of(update).data)
    await _show_person_view(
        update, context, person_id, lambda chat, language: merge_pick_view(context, chat, person_id, page, language)
    )


async def on_merge_with(update: Update, context: ChatContext) -> None:
    person_id, other = MERGE_WITH.parse(query_of(update).data)
    await _show_person_view(
        update, context, person_id, lambda chat, language: merge_confirm_view(context, chat, person_id, other, language)
    )


async def on_merge_confirm(update: Update, context: ChatContext) -> None:
    person_id, other_id = MERGE_CONFIRM.parse(query_of(update).data)
    if await _pressed_on(update, context, person_id):
        language = await context.language()
        await merge_people(update, context, person_id, other_id, language, _by(update, language))


async def on_remove_pick(update: Update, context: ChatContext) -> None:
    person_id, page = REMOVE_PICK.parse(query_of(update).data)
    await _show_person_view(
        update, context, person_id, lambda chat, language: remove_view(context, chat, person_id, page, language)
    )


async def on_remove_face(update: Update, context: ChatContext) -> None:
    person_id, face_id, page = REMOVE_FACE.parse(query_of(update).data)
    if await _pressed_on(update, context, person_id):
        language = await context.language()
        await remove_face(update, context, person_id, face_id, page, language, _by(update, language))


async def on_hide(update: Update, context: ChatContext) -> None:
    (person_id,) = HIDE.parse(query_of(update).data)
    person = await _pressed_on(update, context, person_id)
    if person is None:
        return
    language = await context.language()
    await context.services.faces.set_hidden(person_id, not person.hidden)
    note = t(language, "people.shown_now" if person.hidden else "people.hidden_now", by=_by(update, language))
    view = await card_view(context, chat_of(update).id, person_id, language, note)
    await _show_or_list(update, context, view, language)


BUTTONS = (
    (LIST, on_list),
    (OPEN, on_open),
    (PHOTOS, on_photos),
    (PHOTOS_POSE, on_photos_pose),
    (NAME, on_name),
    (MERGE_PICK, on_merge_pick),
    (MERGE_WITH, on_merge_with),
    (MERGE_CONFIRM, on_merge_confirm),
    (REMOVE_PICK, on_remove_pick),
    (REMOVE_FACE, on_remove_face),
    (HIDE, on_hide),
)


async def merge_people(
    update: Update, context: ChatContext, keep_id: int, other_id: int, language: str, by: str
) -> None:
    svc = context.services
    chat_id = chat_of(update).id
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
    context: ChatContext,
    person_id: int,
    face_id: int,
    page: int,
    language: str,
    by: str,
) -> None:
    svc = context.services
    chat_id = chat_of(update).id
    if face_id in {face.id for face in await svc.faces.faces_of_person(person_id)}:
        async with svc.analyser.chat_lock(chat_id):
            await svc.faces.remove_face(face_id)
    view = await remove_view(context, chat_id, person_id, page, language, note=t(language, "people.removed", by=by))
    await _show_or_list(update, context, view, language, note=t(language, "people.removed_last", by=by))


async def ask_name(update: Update, context: ChatContext, person_id: int, language: str) -> None:
    """A question answered by replying (ForceReply). In groups it addresses the member who pressed the button; an
    @username mention makes the reply field open for them only (selective), without one it opens for everyone."""
    query = query_of(update)
    chat, user = chat_of(update), update.effective_user
    person = await context.services.faces.person(person_id)
    if person is None:
        await context.bot.send_message(chat.id, t(language, "people.gone"))
        return
    who, selective = "", False
    if chat.type != ChatType.PRIVATE and user is not None:
        selective = bool(user.username)
        who = f"@{user.username}, " if user.username else f"{html.escape(user.first_name)}, "
    prompt = await context.bot.send_message(
        chat.id,
        t(
            language,
            "people.ask_name",
            who=who,
            name=person_html(person.number, person.name, language),
            max=NAME_MAX,
        ),
        reply_markup=ForceReply(selective=selective, input_field_placeholder=t(language, "people.name_placeholder")),
    )
    await context.name_prompts.ask(
        chat.id, prompt.message_id, NamePrompt(person_id, query_message_of(query).message_id)
    )


async def on_name_reply(update: Update, context: ChatContext) -> None:
    """A text reply to one of our open name questions names the person, and no feature sees it (a name is not a
    pasted link); any other reply goes on to the features. Blocking, so that the stop holds."""
    message = message_of(update)
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        return
    prompt = await context.name_prompts.take(message.chat_id, replied.message_id)
    if prompt is None:
        return
    await _answer_name(update, context, message, replied.message_id, prompt)
    raise ApplicationHandlerStop


async def _answer_name(
    update: Update, context: ChatContext, message: Message, prompt_message_id: int, prompt: NamePrompt
) -> None:
    language = await context.language()
    svc = context.services
    reply = ReplyParameters(message.message_id, allow_sending_without_reply=True)
    name = clean_name(message.text or "")
    if name is None:  # the question stays open for a better answer
        await context.name_prompts.ask(message.chat_id, prompt_message_id, prompt)
        await message.reply_text(t(language, "people.bad_name", max=NAME_MAX), reply_parameters=reply)
        return
    person = await svc.faces.person(prompt.person_id)
    if person is None or person.chat_id != message.chat_id:
        await message.reply_text(t(language, "people.gone"), reply_parameters=reply)
        return
    async with svc.analyser.chat_lock(message.chat_id):
        await svc.faces.rename(saved_id(person.id), name)
        await svc.faces.pin_faces(saved_id(person.id))  # named = confirmed: a re-cluster keeps these faces together
    await message.reply_text(
        t(language, "people.named", name=html.escape(name), by=_by(update, language)), reply_parameters=reply
    )
    await _refresh_card(context, message.chat_id, prompt, language)


async def _refresh_card(context: ChatContext, chat_id: int, prompt: NamePrompt, language: str) -> None:
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
    update: Update, context: ChatContext, person_id: int, page: int, language: str, pose: str | None = None
) -> None:
    """A page of the person's photos (with `pose`: those where they take part in it) as a media group, with ◀ ▶ and
    the person's pose buttons in a message under it (as /album does)."""
    svc = context.services
    chat_id = chat_of(update).id
    views = context.person_photo_views
    shown = query_message_of(query_of(update)).message_id if update.callback_query else None
    old_page = await views.take(chat_id, shown) if shown is not None else None
    if shown is not None and old_page is not None:  # paging: the old page goes away
        for message_id in [*old_page, shown]:
            with contextlib.suppress(BadRequest):
                await context.bot.delete_message(chat_id, message_id)
    size = svc.settings.album_page_size

    async def photos_at(offset: int, limit: int) -> tuple[list[Photo], int]:
        if pose is None:
            return await svc.faces.photos_of(person_id, offset, limit)
        return await svc.poses.photos_with(chat_id, pose, offset, limit, person_id=person_id)

    _, total = await photos_at(0, 1)
    if total == 0:
        await context.bot.send_message(chat_id, t(language, "people.gone"))
        return
    pages = math.ceil(total / size)
    page = min(max(page, 0), pages - 1)
    photos, _ = await photos_at(page * size, size)
    sent = await send_photos(context, chat_id, photos, language)
    person = await svc.faces.person(person_id)
    name = person_html(person.number, person.name, language) if person else ""
    if pose is None:
        text = t(language, "people.photos_page", name=name, page=page + 1, pages=pages, n=total)
        pager = pager_row(lambda p: PHOTOS.data(person_id, p), page, pages, language)
    else:
        label = pose_name(pose, language)
        text = t(language, "people.photos_pose_page", name=name, pose=label, page=page + 1, pages=pages, n=total)
        pager = pager_row(lambda p: PHOTOS_POSE.data(person_id, pose, p), page, pages, language)
    filters = pose_filter_rows(
        await svc.poses.counts(chat_id, person_id),
        lambda key: PHOTOS_POSE.data(person_id, key, 0),
        language,
        pose,
        PHOTOS.data(person_id, 0),
    )
    keyboard = InlineKeyboardMarkup([photo_buttons(photos), pager, *filters])
    nav = await context.bot.send_message(chat_id, text, reply_markup=keyboard)
    await views.remember(chat_id, nav.message_id, [message.message_id for message in sent])


def register(app: Application[Any, ChatContext, Any, Any, BotData, Any]) -> None:
    app.add_handler(CommandHandler("people", people_command, block=False))
    for action, callback in BUTTONS:
        app.add_handler(action.handler(callback))
    app.add_handler(
        MessageHandler(filters.TEXT & ~filters.COMMAND & filters.REPLY, on_name_reply), group=NAME_REPLY_GROUP
    )
