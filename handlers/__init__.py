"""Telegram I/O: one module per feature, each with `register(app)`."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, TypeHandler

from handlers import (
    album,
    album_photo,
    album_search,
    callbacks,
    digest,
    donate,
    errors,
    limits,
    membership,
    migration,
    myface,
    people,
    pose_ideas,
    privacy,
    qr,
    rank,
    settings,
    share,
    start,
    uploads,
)
from handlers.common import remember_update

REMEMBER_GROUP = -10
# people before qr: a reply naming a person must reach people, not the booth-link text handler.
FEATURES = (
    migration,
    start,
    uploads,
    people,
    qr,
    album,
    album_photo,
    album_search,
    rank,
    donate,
    settings,
    privacy,
    myface,
    membership,
    digest,
    pose_ideas,
    share,
)


def register_all(app: Application) -> None:
    # First of all groups, so every feature (the receipt photos in group -2 too) sees a current chat and member.
    app.add_handler(TypeHandler(Update, remember_update), group=REMEMBER_GROUP)
    limits.register(app)
    for feature in FEATURES:
        feature.register(app)
    callbacks.register_fallback(app)
    errors.register(app)
