"""Callback data, one small typed codec per button action: `<feature>:<action>[:<field>…]`.

Each feature declares its actions once (`PEOPLE_OPEN = Action("pp", "o", int)`); keyboards build data with
`.data(…)`, which refuses values Telegram or the parser would not take back, and each action gets its own handler,
registered with the action's exact pattern, which reads its typed fields with `.parse(…)`. No handler splits
strings by hand, and a button from an older keyboard with other fields simply matches no handler.

Callback data is user input: a modified client can send any data with a press on any of the bot's messages
(Telegram does not check it against the buttons). Every action's handler therefore first checks that the data is
on a button of the message pressed — the keyboards the bot drew are the only data it acts on — and answers
anything else as an out-of-date button. The handlers still check that the ids they get belong to the chat.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import CallbackQuery, Message, Update
from telegram.ext import Application, CallbackQueryHandler

from handlers.i18n import t

MAX_BYTES = 64  # Telegram's limit for callback_data
TOKEN = r"[A-Za-z0-9_/+\-]{1,40}"  # charity keys, time zones, dates
Field = type[int] | type[str]


@dataclass(frozen=True)
class Action:
    feature: str
    name: str
    fields: tuple[Field, ...] = ()

    def __init__(self, feature: str, name: str, *fields: Field) -> None:
        object.__setattr__(self, "feature", feature)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "fields", fields)

    @property
    def pattern(self) -> re.Pattern[str]:
        parts = [re.escape(f"{self.feature}:{self.name}")]
        parts += [r"-?\d{1,18}" if field is int else TOKEN for field in self.fields]
        return re.compile("^" + ":".join(parts) + r"\Z")

    def data(self, *values: int | str) -> str:
        if len(values) != len(self.fields):
            raise ValueError(f"{self.feature}:{self.name} takes {len(self.fields)} values, got {len(values)}")
        text = ":".join([self.feature, self.name, *(str(value) for value in values)])
        if len(text.encode()) > MAX_BYTES or not self.pattern.match(text):
            raise ValueError(f"not valid callback data for {self.feature}:{self.name}: {text!r}")
        return text

    def parse(self, data: str | None) -> tuple[Any, ...]:
        """The typed fields of `data` (ValueError when it is not this action's data)."""
        if data is None or not self.pattern.match(data):
            raise ValueError(f"not {self.feature}:{self.name} data: {data!r}")
        values = data.split(":")[2:]
        return tuple(field(value) for field, value in zip(self.fields, values, strict=True))

    def handler(
        self, callback: Callable[[Update, Any], Coroutine[Any, Any, None]], *, block: bool = False
    ) -> CallbackQueryHandler[Any, None]:
        return CallbackQueryHandler(guarded(callback), pattern=self.pattern, block=block)


def on_its_message(query: CallbackQuery) -> bool:
    """The pressed data is on a button of the message it came with (as it is now)."""
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return False
    return any(button.callback_data == query.data for row in message.reply_markup.inline_keyboard for button in row)


Callback = Callable[[Update, Any], Coroutine[Any, Any, None]]


def guarded(callback: Callback) -> Callback:
    """`callback`, run only for data the bot put on the message's buttons; anything else is answered as stale."""

    @functools.wraps(callback)
    async def checked(update: Update, context: Any) -> None:
        query = update.callback_query
        if query is not None and not on_its_message(query):
            await query.answer(t(await context.language(), "button.stale"), show_alert=True)
            return
        await callback(update, context)

    return checked


async def answer_unknown(update: Update, context: Any) -> None:
    """Data no action takes (forged, or a button of a much older version): answered as an out-of-date button, so
    the member's client stops waiting."""
    query = update.callback_query
    if query is not None:
        await query.answer(t(await context.language(), "button.stale"), show_alert=True)


def register_fallback(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """After every feature, in the same group: only presses no feature's pattern matched reach it."""
    app.add_handler(CallbackQueryHandler(answer_unknown))
