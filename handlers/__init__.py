"""Telegram I/O: one module per feature, each with `register(app)`."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, TypeHandler

from handlers import album, donate, errors, membership, people, privacy, qr, rank, settings, start, uploads
from handlers.common import remember_update

# people before qr: a reply naming a person must reach people, not the booth-link text handler.
FEATURES = (start, uploads, people, qr, album, rank, donate, settings, privacy, membership)


def register_all(app: Application) -> None:
    app.add_handler(TypeHandler(Update, remember_update), group=-1)
    for feature in FEATURES:
        feature.register(app)
    errors.register(app)
