"""/settings: when the weekly post goes out (day, time, timezone, on/off) and how photos are answered (each one,
or quietly with a digest every N minutes). Changes are for admins."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Container, Coroutine
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler

from handlers.callbacks import Action
from handlers.common import is_chat_admin
from handlers.context import ChatContext
from handlers.i18n import format_moment, t, weekday_by_word, weekday_name
from handlers.keyboards import NOOP
from handlers.updates import chat_of, message_of, query_of
from pipeline.services import Services
from ranking.post_slots import next_slot
from storage.answers import DIGEST_MINUTES, AnswerPlan
from storage.models import AnswerMode
from storage.schedule import ChatPlan

DAY = Action("set", "d", int)  # 0 = Monday
HOUR = Action("set", "h", int)
MINUTE = Action("set", "m", int)
ZONE = Action("set", "tz", str)
TURN_ON = Action("set", "on")
TURN_OFF = Action("set", "off")
ANSWERS = Action("set", "ans", str)  # an AnswerMode
DIGEST_EVERY = Action("set", "dg", int)  # minutes
OPENAI_ON = Action("set", "ai1")  # the OpenAI second opinion (only offered when the server has a key)
OPENAI_OFF = Action("set", "ai0")
TIMEZONE_BUTTONS = ("Asia/Seoul", "Asia/Tokyo", "UTC", "Europe/London", "America/Los_Angeles")
_DAY_WORDS = weekday_by_word()
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def day_name(weekday: int, language: str) -> str:
    return weekday_name(weekday, language)


def settings_text(plan: ChatPlan, answers: AnswerPlan, language: str, now: datetime, openai: bool | None = None) -> str:
    """`openai`: the chat's OpenAI opt-in, None when the server has no key (then the line is left out)."""
    lines = [t(language, "settings.title")]
    if plan.enabled:
        upcoming = next_slot(now, plan.schedule).astimezone(ZoneInfo(plan.timezone))
        lines.append(
            t(
                language,
                "settings.schedule",
                day=day_name(plan.weekday, language),
                time=f"{plan.hour:02d}:{plan.minute:02d}",
                tz=plan.timezone,
                next=format_moment(upcoming, language),
            )
        )
    else:
        lines.append(t(language, "settings.off", tz=plan.timezone))
    lines.append(answers_line(answers, language))
    if openai is not None:
        lines.append(t(language, "settings.openai_on" if openai else "settings.openai_off"))
    lines += ["", t(language, "settings.help")]
    return "\n".join(lines)


def answers_line(answers: AnswerPlan, language: str) -> str:
    if answers.quiet:
        return t(language, "settings.answers_quiet", n=answers.digest_minutes)
    return t(language, "settings.answers_each")


def settings_keyboard(
    plan: ChatPlan, answers: AnswerPlan, language: str, openai: bool | None = None
) -> InlineKeyboardMarkup:
    def pick(label: str, data: str, selected: bool) -> InlineKeyboardButton:
        return InlineKeyboardButton(f"•{label}" if selected else label, callback_data=NOOP if selected else data)

    days = [pick(weekday_name(d, language, "short"), DAY.data(d), d == plan.weekday) for d in range(7)]
    hours = [
        InlineKeyboardButton("−1h", callback_data=HOUR.data((plan.hour - 1) % 24)),
        InlineKeyboardButton(f"{plan.hour:02d}:{plan.minute:02d}", callback_data=NOOP),
        InlineKeyboardButton("+1h", callback_data=HOUR.data((plan.hour + 1) % 24)),
    ]
    minutes = [pick(":00", MINUTE.data(0), plan.minute == 0), pick(":30", MINUTE.data(30), plan.minute == 30)]
    zones = [pick(z.split("/")[-1].replace("_", " "), ZONE.data(z), z == plan.timezone) for z in TIMEZONE_BUTTONS]
    toggle = InlineKeyboardButton(
        t(language, "settings.btn_off" if plan.enabled else "settings.btn_on"),
        callback_data=(TURN_OFF if plan.enabled else TURN_ON).data(),
    )
    modes = [
        pick(t(language, f"settings.btn_{mode}"), ANSWERS.data(mode.value), mode is answers.mode) for mode in AnswerMode
    ]
    # At most four short buttons a row: a 360-px phone shows them whole (tests/playground: no label cut to '…').
    rows = [days[:4], days[4:], hours, minutes, zones[:3], zones[3:], [toggle], *([mode] for mode in modes)]
    if answers.quiet:
        every = [
            pick(t(language, "settings.btn_minutes", minutes=m), DIGEST_EVERY.data(m), m == answers.digest_minutes)
            for m in DIGEST_MINUTES
        ]
        rows += [every[:2], every[2:]]
    if openai is not None:
        switch = OPENAI_OFF if openai else OPENAI_ON
        label = "settings.btn_openai_off" if openai else "settings.btn_openai_on"
        rows.append([InlineKeyboardButton(t(language, label), callback_data=switch.data())])
    return InlineKeyboardMarkup(rows)


async def openai_state(context: ChatContext, chat_id: int) -> bool | None:
    """The chat's OpenAI opt-in; None when the server has no OPENAI_API_KEY (nothing to opt into)."""
    svc = context.services
    if not svc.settings.openai_configured:
        return None
    return await svc.refinements.openai_on(chat_id)


async def settings_command(update: Update, context: ChatContext) -> None:
    svc = context.services
    chat_id = chat_of(update).id
    language = await context.language()
    args = context.args or []
    admin = await is_chat_admin(update, context)
    if args:
        if not admin:
            await message_of(update).reply_text(t(language, "settings.admins_only"))
            return
        error = await _apply_args(update, context, args)
        if error:
            await message_of(update).reply_text(t(language, error))
            return
    plan = await svc.schedules.plan(chat_id)
    answers = await svc.answers.plan(chat_id)
    openai = await openai_state(context, chat_id)
    await message_of(update).reply_text(
        settings_text(plan, answers, language, svc.clock(), openai)
        + ("" if admin else "\n" + t(language, "settings.admins_only")),
        reply_markup=settings_keyboard(plan, answers, language, openai) if admin else None,
    )


async def _apply_args(update: Update, context: ChatContext, args: list[str]) -> str | None:
    """Apply `/settings day sun`, `time 20:00`, `tz Europe/Berlin`, `on`, `off`; returns an error text key."""
    svc = context.services
    chat_id = chat_of(update).id
    what = args[0].lower()
    value = args[1] if len(args) > 1 else ""
    if what in ("on", "off") and len(args) == 1:
        await svc.schedules.set_schedule(chat_id, enabled=what == "on", now=svc.clock())
    elif what in ("day", "요일") and value.lower() in _DAY_WORDS:
        await svc.schedules.set_schedule(chat_id, weekday=_DAY_WORDS[value.lower()], now=svc.clock())
    elif what in ("time", "시간") and _TIME.match(value):
        hour, minute = (int(part) for part in value.split(":"))
        await svc.schedules.set_schedule(chat_id, hour=hour, minute=minute, now=svc.clock())
    elif what in ("tz", "timezone", "시간대") and value in available_timezones():
        await svc.schedules.set_timezone(chat_id, value, now=svc.clock())
    elif what in ("tz", "timezone", "시간대"):
        return "settings.bad_timezone"
    else:
        return "settings.usage"
    return None


async def _change(update: Update, context: ChatContext, change: Callable[[datetime], Awaitable[object]]) -> None:
    """Admins only: apply `change`, confirm with a toast, and redraw the settings message."""
    query = query_of(update)
    language = await context.language()
    if not await is_chat_admin(update, context):
        await query.answer(t(language, "settings.admins_only"), show_alert=True)
        return
    svc, chat_id = context.services, chat_of(update).id
    now = svc.clock()
    await change(now)
    plan, answers = await svc.schedules.plan(chat_id), await svc.answers.plan(chat_id)
    openai = await openai_state(context, chat_id)
    await query.answer(t(language, "settings.saved"))
    await query.edit_message_text(
        settings_text(plan, answers, language, now, openai),
        reply_markup=settings_keyboard(plan, answers, language, openai),
    )


Apply = Callable[[Services, int, Any, datetime], Awaitable[object]]


def _value_press(
    action: Action, allowed: Container[Any], apply: Apply
) -> Callable[[Update, ChatContext], Coroutine[Any, Any, None]]:
    """A press on a button that carries one value: `apply(services, chat_id, value, now)` through `_change` when the
    value is one our buttons carry; an old or forged button's value only stops the spinner."""

    async def on_press(update: Update, context: ChatContext) -> None:
        (value,) = action.parse(query_of(update).data)
        if value not in allowed:
            await query_of(update).answer()
            return
        svc, chat_id = context.services, chat_of(update).id
        await _change(update, context, lambda now: apply(svc, chat_id, value, now))

    return on_press


on_day = _value_press(
    DAY, range(7), lambda svc, chat_id, day, now: svc.schedules.set_schedule(chat_id, weekday=day, now=now)
)
on_hour = _value_press(
    HOUR, range(24), lambda svc, chat_id, hour, now: svc.schedules.set_schedule(chat_id, hour=hour, now=now)
)
on_minute = _value_press(
    MINUTE, (0, 30), lambda svc, chat_id, minute, now: svc.schedules.set_schedule(chat_id, minute=minute, now=now)
)
on_zone = _value_press(
    ZONE, TIMEZONE_BUTTONS, lambda svc, chat_id, zone, now: svc.schedules.set_timezone(chat_id, zone, now=now)
)
on_answers = _value_press(
    ANSWERS,
    {mode.value for mode in AnswerMode},
    lambda svc, chat_id, mode, now: svc.answers.set_mode(chat_id, AnswerMode(mode), now=now),
)
on_digest_every = _value_press(
    DIGEST_EVERY,
    DIGEST_MINUTES,
    lambda svc, chat_id, minutes, now: svc.answers.set_digest_minutes(chat_id, minutes, now=now),
)


async def on_turn_on(update: Update, context: ChatContext) -> None:
    schedules, chat_id = context.services.schedules, chat_of(update).id
    await _change(update, context, lambda now: schedules.set_schedule(chat_id, enabled=True, now=now))


async def on_turn_off(update: Update, context: ChatContext) -> None:
    schedules, chat_id = context.services.schedules, chat_of(update).id
    await _change(update, context, lambda now: schedules.set_schedule(chat_id, enabled=False, now=now))


async def on_openai(update: Update, context: ChatContext) -> None:
    """Admins turn the OpenAI second opinion on or off; without a server key there is nothing to turn on."""
    if not context.services.settings.openai_configured:
        await query_of(update).answer()
        return
    on = query_of(update).data == OPENAI_ON.data()
    refinements, chat_id = context.services.refinements, chat_of(update).id
    await _change(update, context, lambda now: refinements.set_openai(chat_id, on, now=now))


BUTTONS = (
    (DAY, on_day),
    (HOUR, on_hour),
    (MINUTE, on_minute),
    (ZONE, on_zone),
    (TURN_ON, on_turn_on),
    (TURN_OFF, on_turn_off),
    (ANSWERS, on_answers),
    (DIGEST_EVERY, on_digest_every),
    (OPENAI_ON, on_openai),
    (OPENAI_OFF, on_openai),
)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("settings", settings_command))
    for action, callback in BUTTONS:
        app.add_handler(action.handler(callback, block=True))
