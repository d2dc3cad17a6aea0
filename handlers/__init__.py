"""Telegram I/O: one module per feature, each with `register(app)`."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, TypeHandler

from handlers import (
    album,
    digest,
    donate,
    errors,
    limits,
    membership,
    migration,
    myface,
    people,
    privacy,
    qr,
    rank,
    settings,
    start,
    uploads,
)
from handlers.common import remember_update

REMEMBER_GROUP = -10
# people before qr: a reply naming a person must reach people, not the booth-link text handler.
FEATURES = (migration, start, uploads, people, qr, album, rank, donate, settings, privacy, myface, membership, digest)


def register_all(app: Application) -> None:
    # First of all groups, so every feature (the receipt photos in group -2 too) sees a current chat and member.
    app.add_handler(TypeHandler(Update, remember_update), group=REMEMBER_GROUP)
    limits.register(app)
    for feature in FEATURES:
        feature.register(app)
    errors.register(app)
