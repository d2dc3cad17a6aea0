"""/album [pose | name]: the whole album, the photos with a pose (`/album v-sign`), or a person's photos found by
name, case-insensitive in any of our languages (`/album 민지`); /people <name> finds the person's card the same way."""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import Application, CommandHandler

from handlers.album import send_album_page
from handlers.context import ChatContext
from handlers.i18n import t
from handlers.people import matches_view, no_match_text, send_person_photos
from handlers.poses import find_pose, known_pose_names
from handlers.updates import chat_of


async def album_command(update: Update, context: ChatContext) -> None:
    wanted = " ".join(context.args or ())
    if not wanted:
        await send_album_page(update, context, page=0)
        return
    pose = find_pose(wanted)
    if pose is not None:
        await send_album_page(update, context, page=0, pose=pose)
        return
    chat_id = chat_of(update).id
    language = await context.language()
    view, matches = await matches_view(context, chat_id, wanted, language)
    if len(matches) == 1:
        await send_person_photos(update, context, matches[0].id, 0, language)
    elif view is not None:
        await context.bot.send_photo(chat_id, view.picture, caption=view.caption, reply_markup=view.keyboard)
    else:
        everyone = await context.services.faces.people(chat_id, include_hidden=True)
        text = "\n\n".join(
            [
                t(language, "pose.unknown", text=html.escape(wanted), poses=known_pose_names(language)),
                no_match_text(everyone, wanted, language),
            ]
        )
        await context.bot.send_message(chat_id, text)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("album", album_command, block=False))
