"""/rank: the chat's smile ranking as a chart with a short summary, switched in place with inline buttons."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.ext import Application, CommandHandler

from handlers.callbacks import Action
from handlers.context import ChatContext
from handlers.i18n import t
from handlers.keyboards import NOOP
from handlers.rank_texts import RankView
from handlers.reports import rank_picture
from handlers.updates import chat_of, message_of, query_of
from ranking.board import Period, RankBy

VIEW = Action("rank", "v", str, str)  # period, by
_DEFAULT_VIEW = RankView(Period.week, RankBy.person)


def rank_keyboard(view: RankView, language: str) -> InlineKeyboardMarkup:
    """Week / all time and person / uploader; the current choice is marked and does nothing when pressed."""

    def button(label_key: str, target: RankView, selected: bool) -> InlineKeyboardButton:
        label = t(language, label_key)
        if selected:
            return InlineKeyboardButton(f"• {label}", callback_data=NOOP)
        return InlineKeyboardButton(label, callback_data=VIEW.data(target.period, target.by))

    return InlineKeyboardMarkup(
        [
            [
                button(f"rank.btn_{period}", RankView(period, view.by), period is view.period)
                for period in (Period.week, Period.all)
            ],
            [
                button(f"rank.btn_{by}", RankView(view.period, by), by is view.by)
                for by in (RankBy.person, RankBy.member)
            ],
        ]
    )


def parse_view(data: str) -> RankView | None:
    try:
        period, by = VIEW.parse(data)
        return RankView(Period(period), RankBy(by))
    except ValueError:
        return None


async def rank_command(update: Update, context: ChatContext) -> None:
    language = await context.language()
    picture = await rank_picture(context.services, chat_of(update).id, _DEFAULT_VIEW, language)
    await message_of(update).reply_photo(
        picture.png, caption=picture.caption, reply_markup=rank_keyboard(_DEFAULT_VIEW, language)
    )


async def rank_button(update: Update, context: ChatContext) -> None:
    query = query_of(update)
    view = parse_view(query.data or "")
    await query.answer()
    if view is None:
        return
    language = await context.language()
    picture = await rank_picture(context.services, chat_of(update).id, view, language)
    await query.edit_message_media(
        InputMediaPhoto(picture.png, caption=picture.caption), reply_markup=rank_keyboard(view, language)
    )


def register(app: Application) -> None:
    app.add_handler(CommandHandler("rank", rank_command, block=False))
    app.add_handler(VIEW.handler(rank_button))
