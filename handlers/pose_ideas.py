"""/pose: a pose this chat has not tried yet, with its how-to line and a picture (a de-identified example from the
community gallery, or the pose card), and ◀ ▶ / "another one" buttons that edit the same message."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Message, Update
from telegram.error import BadRequest
from telegram.ext import Application, CommandHandler

from handlers.callbacks import Action
from handlers.context import ChatContext
from handlers.i18n import t
from handlers.keyboards import NOOP
from handlers.poses import mood_name, pose_name
from handlers.updates import chat_of, query_message_of, query_of
from pipeline.pose_suggestions import PoseSuggestion

SHOW = Action("pose", "go", str)  # ◀ and ▶: the pose key to show
ANOTHER = Action("pose", "new", str)  # "another one" instead of the pose shown (its key)


def caption(suggestion: PoseSuggestion, language: str) -> str:
    pose, plan = suggestion.pose, suggestion.plan
    lines = [t(language, "pose_idea.title", pose=pose_name(pose.key, language))]
    lines.append(t(language, "pose_idea.how", how=pose.how_ko if language == "ko" else pose.how_en))
    if plan.tried_everything:
        lines.append(t(language, "pose_idea.tried_everything", n=suggestion.times_seen))
    elif suggestion.times_seen:
        lines.append(t(language, "pose_idea.seen", n=suggestion.times_seen))
    else:
        lines.append(t(language, "pose_idea.untried"))
    if pose.people > 1:
        lines.append(t(language, "pose_idea.people", n=pose.people))
    if suggestion.mood is not None:
        lines.append(t(language, "pose_idea.mood", mood=mood_name(suggestion.mood, language)))
    lines.append(t(language, "pose_idea.example" if suggestion.picture.community else "pose_idea.card"))
    return "\n".join(lines)


def keyboard(suggestion: PoseSuggestion, language: str) -> InlineKeyboardMarkup:
    key = suggestion.pose.key
    previous, following = suggestion.plan.neighbours(key)
    position = suggestion.plan.position(key)
    middle = f"{position}/{len(suggestion.plan.order)}" if position is not None else "·"
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t(language, "album.prev"), callback_data=SHOW.data(previous)),
                InlineKeyboardButton(middle, callback_data=NOOP),
                InlineKeyboardButton(t(language, "album.next"), callback_data=SHOW.data(following)),
            ],
            [InlineKeyboardButton(t(language, "pose_idea.another"), callback_data=ANOTHER.data(key))],
        ]
    )


async def _remember_file(context: ChatContext, suggestion: PoseSuggestion, message: Message | bool) -> None:
    if isinstance(message, Message) and message.photo and suggestion.picture.file_id is None:
        await context.services.pose_examples.remember_file_id(suggestion.picture, message.photo[-1].file_id)


def _media(suggestion: PoseSuggestion) -> str | bytes:
    picture = suggestion.picture
    if picture.file_id is not None:
        return picture.file_id
    if picture.data is None:
        raise ValueError(f"the picture of {picture.key} has neither a file id nor data")
    return picture.data


async def pose_command(update: Update, context: ChatContext) -> None:
    chat_id = chat_of(update).id
    language = await context.language()
    suggestion = await context.services.pose_suggester.suggest(chat_id)
    sent = await context.bot.send_photo(
        chat_id,
        _media(suggestion),
        caption=caption(suggestion, language),
        reply_markup=keyboard(suggestion, language),
    )
    await _remember_file(context, suggestion, sent)


async def _show(update: Update, context: ChatContext, key: str | None, instead_of: str | None) -> None:
    query = query_of(update)
    await query.answer()
    shown = query_message_of(query)
    language = await context.language()
    suggestion = await context.services.pose_suggester.suggest(shown.chat_id, key, instead_of)
    try:
        edited = await query.edit_message_media(
            InputMediaPhoto(_media(suggestion), caption=caption(suggestion, language)),
            reply_markup=keyboard(suggestion, language),
        )
    except BadRequest as exc:  # the same pose again (a list of one): nothing to change
        if "not modified" not in exc.message.lower():
            raise
        return
    await _remember_file(context, suggestion, edited)


async def show_button(update: Update, context: ChatContext) -> None:
    (key,) = SHOW.parse(query_of(update).data)
    await _show(update, context, key, None)


async def another_button(update: Update, context: ChatContext) -> None:
    (current,) = ANOTHER.parse(query_of(update).data)
    await _show(update, context, None, current)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("pose", pose_command, block=False))
    app.add_handler(SHOW.handler(show_button))
    app.add_handler(ANOTHER.handler(another_button))
