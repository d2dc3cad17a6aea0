"""/myface: any member sees what the bot holds about their face in this chat and withdraws it.

The member says which person is them (picked from the contact sheet; one member per person), sees that person's
faces and counts, and can stop being recognised here or everywhere (pipeline.withdrawals), or, after opting out,
be recognised again. Every button carries the member's id: only they can press it.
"""

from __future__ import annotations

import contextlib
import html
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import Application, CommandHandler

from handlers.callbacks import Action
from handlers.context import ChatContext
from handlers.i18n import t
from handlers.keyboards import pager_row
from handlers.people import SHEET_PAGE, person_button, person_faces_sheet, person_sheet
from handlers.person_label import person_html
from handlers.updates import chat_of, message_of, query_message_of, query_of, user_of
from storage.faces import PersonSummary
from storage.models import saved_id
from vision.faces import NEW_PERSON_FACES

PICK = Action("me", "p", int, int)  # member, person
PAGE = Action("me", "pg", int, int)  # member, page of the picker
NONE = Action("me", "x", int)  # member: "none of these is me"
NOT_ME = Action("me", "n", int)  # member: "that person is not me" (pick again)
STOP_ASK = Action("me", "s", int)
STOP_YES = Action("me", "sy", int)
EVERYWHERE_ASK = Action("me", "e", int)
EVERYWHERE_YES = Action("me", "ey", int)
CANCEL = Action("me", "c", int)
AGAIN = Action("me", "a", int)  # member: recognise me again (in this chat, or everywhere when that is the opt-out)


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


def _who(update: Update) -> str:
    """In groups the answer names the member it is for (everyone sees it)."""
    if chat_of(update).type == ChatType.PRIVATE:
        return ""
    return f"{html.escape(user_of(update).first_name)}, "


async def _mine(context: ChatContext, chat_id: int, user_id: int) -> PersonSummary | None:
    person = await context.services.opt_outs.claimed(chat_id, user_id)
    if person is None:
        return None
    people = await context.services.faces.people(chat_id, include_hidden=True)
    return next((p for p in people if p.id == saved_id(person.id)), None)


async def _opt_out_scope(context: ChatContext, chat_id: int, user_id: int) -> str | None:
    """'here', 'everywhere' or None: whether the member's new faces in this chat are skipped, and why."""
    scopes = {scope for scope, _ in await context.services.opt_outs.of_user(user_id)}
    if None in scopes:
        return "everywhere"
    return "here" if chat_id in scopes else None


def _card_caption(person: PersonSummary, who: str, language: str) -> str:
    return t(
        language,
        "myface.card",
        who=who,
        name=person_html(person.number, person.name, language),
        faces=t(language, "count.faces", n=person.face_count),
        photos=t(language, "count.photos", n=person.photo_count),
    )


def _card_keyboard(user_id: int, language: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(t(language, "myface.btn_stop"), STOP_ASK.data(user_id))],
            [_button(t(language, "myface.btn_everywhere"), EVERYWHERE_ASK.data(user_id))],
            [_button(t(language, "myface.btn_not_me"), NOT_ME.data(user_id))],
        ]
    )


async def _picker(
    context: ChatContext, chat_id: int, user_id: int, who: str, page: int, language: str
) -> tuple[bytes, str, InlineKeyboardMarkup] | None:
    """The contact sheet to pick oneself from, or None when the chat has no people yet."""
    people = await context.services.faces.people(chat_id, include_hidden=True)
    if not people:
        return None
    pages = -(-len(people) // SHEET_PAGE)
    page = min(max(page, 0), pages - 1)
    shown = people[page * SHEET_PAGE : (page + 1) * SHEET_PAGE]
    picture = await person_sheet(context, shown, language)
    buttons = [person_button(p, language, PICK.data(user_id, p.id)) for p in shown]
    rows = [buttons[i : i + 4] for i in range(0, len(buttons), 4)]
    if pages > 1:
        rows.append(pager_row(lambda p: PAGE.data(user_id, p), page, pages, language))
    rows.append([_button(t(language, "myface.btn_none"), NONE.data(user_id))])
    if await context.services.withdrawals.member_signature(user_id) is not None:
        rows.append([_button(t(language, "myface.btn_everywhere"), EVERYWHERE_ASK.data(user_id))])
    return picture, t(language, "myface.pick", who=who), InlineKeyboardMarkup(rows)


async def _send_view(update: Update, context: ChatContext, user_id: int) -> None:
    """What /myface shows: the opt-out in force, else the member's person, else the picker."""
    language = await context.language()
    chat_id = chat_of(update).id
    who = _who(update)
    bot = context.bot
    scope = await _opt_out_scope(context, chat_id, user_id)
    if scope is not None:
        keyboard = InlineKeyboardMarkup([[_button(t(language, f"myface.btn_again_{scope}"), AGAIN.data(user_id))]])
        await bot.send_message(chat_id, t(language, f"myface.opted_out_{scope}", who=who), reply_markup=keyboard)
        return
    person = await _mine(context, chat_id, user_id)
    if person is not None:
        picture = await person_faces_sheet(context, person.id)
        caption = _card_caption(person, who, language)
        await bot.send_photo(chat_id, picture, caption=caption, reply_markup=_card_keyboard(user_id, language))
        return
    picker = await _picker(context, chat_id, user_id, who, 0, language)
    if picker is None:
        rows = []
        if await context.services.withdrawals.member_signature(user_id) is not None:
            rows.append([_button(t(language, "myface.btn_everywhere"), EVERYWHERE_ASK.data(user_id))])
        await bot.send_message(
            chat_id,
            t(language, "myface.no_people", who=who, n=NEW_PERSON_FACES),
            reply_markup=InlineKeyboardMarkup(rows)
            if rows
            else None,  # no rows: PTB sends `{}`, which Telegram refuses
        )
        return
    picture, caption, keyboard = picker
    await bot.send_photo(chat_id, picture, caption=caption, reply_markup=keyboard)


async def myface_command(update: Update, context: ChatContext) -> None:
    user = update.effective_user
    if user is None or user.is_bot:  # an anonymous admin or a channel: no face of theirs to look up
        await message_of(update).reply_text(t(await context.language(), "myface.anonymous"))
        return
    await _send_view(update, context, user.id)


# ----- buttons ------------------------------------------------------------------------------------------------
async def _pressed_by_owner(update: Update, context: ChatContext, owner: int) -> bool:
    """Only the member the view is for may press it; anyone else is told so (the press is answered either way)."""
    if user_of(update).id != owner:
        await query_of(update).answer(t(await context.language(), "myface.not_yours"), show_alert=True)
        return False
    return True


async def _replace(update: Update, context: ChatContext, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
    """Edit the view's words (a caption under the sheet, or a text)."""
    message = query_message_of(query_of(update))
    with contextlib.suppress(BadRequest):  # "not modified": the same view pressed twice
        if message.photo:
            await message.edit_caption(text, reply_markup=keyboard)
        else:
            await message.edit_text(text, reply_markup=keyboard)


async def _finish(update: Update, context: ChatContext, text: str) -> None:
    """A result replaces the view: the sheet showed faces that may be gone now, so it is deleted, not edited."""
    message: Message = query_message_of(query_of(update))
    with contextlib.suppress(BadRequest):
        await message.delete()
    await context.bot.send_message(chat_of(update).id, text)


async def on_pick(update: Update, context: ChatContext) -> None:
    owner, person_id = PICK.parse(query_of(update).data)
    if not await _pressed_by_owner(update, context, owner):
        return
    query, language, chat_id = query_of(update), await context.language(), chat_of(update).id
    if not await context.services.opt_outs.claim(chat_id, person_id, owner):
        await query.answer(t(language, "myface.taken"), show_alert=True)
        return
    await query.answer()
    person = await _mine(context, chat_id, owner)
    if person is None:
        await _finish(update, context, t(language, "people.gone"))
        return
    picture = await person_faces_sheet(context, person.id)
    with contextlib.suppress(BadRequest):
        await query.edit_message_media(
            InputMediaPhoto(picture, caption=_card_caption(person, _who(update), language)),
            reply_markup=_card_keyboard(owner, language),
        )


async def on_page(update: Update, context: ChatContext) -> None:
    owner, page = PAGE.parse(query_of(update).data)
    if not await _pressed_by_owner(update, context, owner):
        return
    query, language = query_of(update), await context.language()
    await query.answer()
    picker = await _picker(context, chat_of(update).id, owner, _who(update), page, language)
    if picker is None:
        await _finish(update, context, t(language, "myface.no_people", who=_who(update), n=NEW_PERSON_FACES))
        return
    picture, caption, keyboard = picker
    with contextlib.suppress(BadRequest):
        await query.edit_message_media(InputMediaPhoto(picture, caption=caption), reply_markup=keyboard)


async def on_none(update: Update, context: ChatContext) -> None:
    (owner,) = NONE.parse(query_of(update).data)
    if await _pressed_by_owner(update, context, owner):
        await query_of(update).answer()
        await _replace(update, context, t(await context.language(), "myface.none_picked", who=_who(update)), None)


async def on_not_me(update: Update, context: ChatContext) -> None:
    (owner,) = NOT_ME.parse(query_of(update).data)
    if not await _pressed_by_owner(update, context, owner):
        return
    await query_of(update).answer()
    await context.services.opt_outs.unclaim(chat_of(update).id, owner)
    with contextlib.suppress(BadRequest):
        await query_message_of(query_of(update)).delete()
    await _send_view(update, context, owner)


async def on_stop_ask(update: Update, context: ChatContext) -> None:
    (owner,) = STOP_ASK.parse(query_of(update).data)
    if not await _pressed_by_owner(update, context, owner):
        return
    await query_of(update).answer()
    language = await context.language()
    person = await _mine(context, chat_of(update).id, owner)
    if person is None:
        await _finish(update, context, t(language, "people.gone"))
        return
    text = t(
        language,
        "myface.stop_confirm",
        name=person_html(person.number, person.name, language),
        faces=t(language, "count.faces", n=person.face_count),
    )
    keyboard = InlineKeyboardMarkup(
        [
            [
                _button(t(language, "myface.btn_yes"), STOP_YES.data(owner)),
                _button(t(language, "myface.btn_cancel"), CANCEL.data(owner)),
            ]
        ]
    )
    await _replace(update, context, text, keyboard)


async def on_everywhere_ask(update: Update, context: ChatContext) -> None:
    (owner,) = EVERYWHERE_ASK.parse(query_of(update).data)
    if not await _pressed_by_owner(update, context, owner):
        return
    language = await context.language()
    if await context.services.withdrawals.member_signature(owner) is None:
        await query_of(update).answer(t(language, "myface.pick_first"), show_alert=True)
        return
    await query_of(update).answer()
    keyboard = InlineKeyboardMarkup(
        [
            [
                _button(t(language, "myface.btn_yes"), EVERYWHERE_YES.data(owner)),
                _button(t(language, "myface.btn_cancel"), CANCEL.data(owner)),
            ]
        ]
    )
    await _replace(update, context, t(language, "myface.everywhere_confirm"), keyboard)


async def on_cancel(update: Update, context: ChatContext) -> None:
    (owner,) = CANCEL.parse(query_of(update).data)
    if not await _pressed_by_owner(update, context, owner):
        return
    await query_of(update).answer()
    with contextlib.suppress(BadRequest):
        await query_message_of(query_of(update)).delete()
    await _send_view(update, context, owner)


async def on_stop_yes(update: Update, context: ChatContext) -> None:
    (owner,) = STOP_YES.parse(query_of(update).data)
    if not await _pressed_by_owner(update, context, owner):
        return
    await query_of(update).answer()
    language = await context.language()
    done = await context.services.withdrawals.stop_here(chat_of(update).id, owner)
    if done is None:
        await _finish(update, context, t(language, "people.gone"))
        return
    text = t(
        language,
        "myface.stopped",
        who=_who(update),
        people=t(language, "count.people", n=done.people),
        faces=t(language, "count.faces", n=done.faces),
    )
    await _finish(update, context, text)


async def on_everywhere_yes(update: Update, context: ChatContext) -> None:
    (owner,) = EVERYWHERE_YES.parse(query_of(update).data)
    if not await _pressed_by_owner(update, context, owner):
        return
    await query_of(update).answer()
    language = await context.language()
    done = await context.services.withdrawals.forget_everywhere(owner)
    if done is None:
        await _finish(update, context, t(language, "myface.pick_first"))
        return
    text = t(
        language,
        "myface.forgotten",
        who=_who(update),
        people=t(language, "count.people", n=done.people),
        faces=t(language, "count.faces", n=done.faces),
        chats=t(language, "count.chats", n=done.chats),
    )
    await _finish(update, context, text)


async def on_again(update: Update, context: ChatContext) -> None:
    (owner,) = AGAIN.parse(query_of(update).data)
    if not await _pressed_by_owner(update, context, owner):
        return
    await query_of(update).answer()
    language, chat_id = await context.language(), chat_of(update).id
    scope = await _opt_out_scope(context, chat_id, owner)
    if scope is not None:
        await context.services.opt_outs.remove(owner, None if scope == "everywhere" else chat_id)
    await _replace(update, context, t(language, f"myface.again_{scope or 'here'}", who=_who(update)), None)


BUTTONS = (
    (PICK, on_pick),
    (PAGE, on_page),
    (NONE, on_none),
    (NOT_ME, on_not_me),
    (STOP_ASK, on_stop_ask),
    (STOP_YES, on_stop_yes),
    (EVERYWHERE_ASK, on_everywhere_ask),
    (EVERYWHERE_YES, on_everywhere_yes),
    (CANCEL, on_cancel),
    (AGAIN, on_again),
)


def register(app: Application[Any, ChatContext, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("myface", myface_command, block=False))
    for action, callback in BUTTONS:
        app.add_handler(action.handler(callback))
