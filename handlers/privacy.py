"""/privacy explains what is kept where; /forget erases the chat's photos and face data after a confirm button.

The /privacy text is built from PRIVACY_SECTIONS: a heading and its bullet points, each one catalogue key. A feature
that stores or sends something new adds its sentence as a key in the right section (and both catalogues). What
/forget erases and keeps is checked against the database by tests/e2e/test_privacy.py (storage.privacy lists it).
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler

from handlers.callbacks import Action
from handlers.captions import MESSAGE_LIMIT, fits
from handlers.common import is_chat_admin
from handlers.context import ChatContext
from handlers.i18n import t
from handlers.updates import chat_of, message_of, query_of
from pipeline.settings import Settings
from storage.privacy import Holdings, chat_holdings, forget_chat

FORGET = Action("forget", "yes")
KEEP = Action("forget", "no")


@dataclass(frozen=True)
class Section:
    """A heading, its bullet points, then plain lines; every one a catalogue key."""

    heading: str
    bullets: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()


PRIVACY_SECTIONS = (
    Section(
        "privacy.stored",
        bullets=(
            "privacy.stored.photos",
            "privacy.stored.views",
            "privacy.stored.faces",
            "privacy.stored.poses",
            "privacy.stored.people",
            "privacy.stored.myface",
            "privacy.stored.opt_out",
            "privacy.stored.members",
            "privacy.stored.ledger",
        ),
    ),
    Section(
        "privacy.sent",
        bullets=("privacy.sent.telegram", "privacy.sent.booths", "privacy.sent.operators"),
        lines=("privacy.sent.nothing_more",),
    ),
    Section("privacy.gallery", bullets=("privacy.gallery.what", "privacy.gallery.withdraw")),
    Section("privacy.erase", lines=("privacy.erase.forget", "privacy.erase.photo", "privacy.erase.myface")),
)
SENT = "privacy.sent"
STORED = "privacy.stored"


def privacy_text(language: str, settings: Settings | None = None, openai_on: bool = False) -> str:
    return "\n\n".join(privacy_sections(language, settings, openai_on))


def privacy_messages(language: str, settings: Settings | None = None, openai_on: bool = False) -> list[str]:
    """The /privacy text in as few messages as Telegram's length limit allows, split between sections."""
    messages: list[str] = []
    for part in privacy_sections(language, settings, openai_on):
        if messages and fits(f"{messages[-1]}\n\n{part}", MESSAGE_LIMIT):
            messages[-1] = f"{messages[-1]}\n\n{part}"
        else:
            messages.append(part)
    return messages


def privacy_sections(language: str, settings: Settings | None = None, openai_on: bool = False) -> list[str]:
    """The /privacy text for one chat: on a server with an OpenAI key (`settings`), what the OpenAI step sends for
    this chat — nothing until its admins opt in (`openai_on`), then exactly what pipeline/openai_refine.py sends;
    and the servers besides this one that keep something (object storage, a database or Redis elsewhere)."""
    parts = [t(language, "privacy.title")]
    elsewhere = _kept_elsewhere(language, settings)
    for section in PRIVACY_SECTIONS:
        bullets = [f"• {t(language, key)}" for key in section.bullets]
        lines = [t(language, key) for key in section.lines]
        heading = t(language, section.heading)
        if section.heading == STORED and elsewhere:
            heading = t(language, "privacy.stored.listed")
        if section.heading == SENT and elsewhere:
            bullets += [f"• {sentence}" for sentence in elsewhere]
            lines = [t(language, "privacy.sent.nothing_more_listed")]
        if section.heading == SENT and settings is not None and settings.openai_configured:
            bullets.append(f"• {openai_sentence(settings, openai_on, language)}")
        parts.append("\n".join([heading, *bullets, *lines]))
    return parts


def _kept_elsewhere(language: str, settings: Settings | None) -> list[str]:
    """A sentence for each server besides this one that keeps something: the object storage (BLOB_URL), a database
    on another machine (DATABASE_URL), Redis on another machine (REDIS_URL, WORK_QUEUE_URL)."""
    if settings is None:
        return []
    sentences = []
    if settings.blob_host:
        sentences.append(t(language, "privacy.sent.object_storage", host=settings.blob_host))
    if settings.database_host:
        sentences.append(t(language, "privacy.sent.database", host=settings.database_host))
    if settings.redis_hosts:
        sentences.append(t(language, "privacy.sent.redis", host=", ".join(settings.redis_hosts)))
    return sentences


def where_photos_are(language: str, settings: Settings) -> str:
    """One sentence for /help and the group hello: this server only, or also the object storage (BLOB_URL)."""
    host = settings.blob_host
    return t(language, "storage.object", host=host) if host else t(language, "storage.local")


def openai_sentence(settings: Settings, openai_on: bool, language: str) -> str:
    if not openai_on:
        return t(language, "privacy.sent.openai_off", host=settings.openai_host)
    return t(
        language,
        "privacy.sent.openai",
        host=settings.openai_host,
        model=settings.openai_model,
        side=settings.openai_max_side,
    )


async def privacy_command(update: Update, context: ChatContext) -> None:
    svc = context.services
    opted_in = await svc.refinements.openai_on(chat_of(update).id)
    for text in privacy_messages(await context.language(), svc.settings, opted_in):
        await message_of(update).reply_text(text)


async def forget_command(update: Update, context: ChatContext) -> None:
    language = await context.language()
    if not await is_chat_admin(update, context):
        await message_of(update).reply_text(t(language, "admins_only"))
        return
    held = await chat_holdings(context.services.db, chat_of(update).id)
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t(language, "forget.yes"), callback_data=FORGET.data()),
                InlineKeyboardButton(t(language, "forget.no"), callback_data=KEEP.data()),
            ]
        ]
    )
    await message_of(update).reply_text(
        t(language, "forget.confirm", what=holdings_text(held, language)), reply_markup=keyboard
    )


async def forget_button(update: Update, context: ChatContext) -> None:
    query = query_of(update)
    language = await context.language()
    if not await is_chat_admin(update, context):
        await query.answer(t(language, "admins_only"), show_alert=True)
        return
    await query.answer()
    if query.data != FORGET.data():
        await query.edit_message_text(t(language, "forget.cancelled"))
        return
    svc = context.services
    done = await forget_chat(svc.db, svc.albums.blobs, chat_of(update).id, svc.gallery)
    done_key = "forget.done_object_storage" if svc.settings.blob_url else "forget.done"
    files = t(language, "count.files", n=done.files)
    await query.edit_message_text(t(language, done_key, what=holdings_text(done, language), files=files))


def holdings_text(held: Holdings, language: str) -> str:
    """'16 photos, 1 video, 40 faces, 5 people': the same words before /forget asks and after it erased."""
    parts = [t(language, "count.photos", n=held.photos)]
    if held.videos:
        parts.append(t(language, "count.videos", n=held.videos))
    parts += [t(language, "count.faces", n=held.faces), t(language, "count.people", n=held.people)]
    return ", ".join(parts)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("privacy", privacy_command))
    app.add_handler(CommandHandler("forget", forget_command))
    app.add_handler(FORGET.handler(forget_button))
    app.add_handler(KEEP.handler(forget_button))
