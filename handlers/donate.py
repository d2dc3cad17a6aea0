"""/donate: the chat's nonprofit, pledge rule, tally, contributors, CSV export and donated weeks.

Pledges only: nothing here takes or sends money. Admins (getChatMember) choose the nonprofit, set the rule and
mark weeks donated; everyone can look and export.
"""

from __future__ import annotations

import html
import math
from datetime import date
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CommandHandler,
    MessageHandler,
    filters,
)

from handlers.callbacks import Action
from handlers.common import is_chat_admin
from handlers.context import ChatContext
from handlers.i18n import charity_name, format_moment, format_week, format_won, t
from handlers.keyboards import pager_row
from handlers.reports import current_week
from handlers.updates import chat_of, message_of, query_message_of, query_of, show_text, user_of
from ranking.charities import MAX_NAME, Charity, valid_url
from ranking.ledger_csv import to_csv
from ranking.pledges import MAX_WEEKLY_CAP_WON, MAX_WON_PER_POINT, Rule
from storage.ledger import ChatDonations, CloseOutcome, Contributor

OVERVIEW = Action("don", "back")
CHARITIES = Action("don", "ch", int)  # page
PICK_CHARITY = Action("don", "pick", str)  # charity key
RULE = Action("don", "rule")
RATE = Action("don", "rate", int)  # step 1: ₩ per point (nothing saved yet)
CAP = Action("don", "cap", int, str)  # step 2: the rate chosen in step 1, and ₩ per week or "none"; saves both
CSV = Action("don", "csv")
OPEN_WEEKS = Action("don", "close")
CLOSE_WEEK = Action("don", "close", str)  # the week's Monday, YYYYMMDD
CHARITY_PAGE = 6
RATE_PRESETS = (10, 50, 100, 500)
CAP_PRESETS = (None, 10_000, 30_000, 50_000)
CONTRIBUTOR_LINES = 5
OPEN_WEEK_BUTTONS = 8
RECEIPT_GROUP = -2  # before the album's photo handlers: a receipt is not an album photo


# ----- texts ----------------------------------------------------------------------------------------------------
def _contributor_lines(contributors: tuple[Contributor, ...], language: str) -> list[str]:
    lines = []
    for index, c in enumerate(contributors[:CONTRIBUTOR_LINES]):
        name = html.escape(_shorten(c.name)) if c.name else t(language, "donate.anonymous")
        lines.append(
            t(
                language,
                "donate.contributor",
                place=index + 1,
                name=name,
                amount=format_won(c.won, language),
                n=c.points,
            )
        )
    return lines


def _shorten(name: str, limit: int = 32) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _charity_link(charity: Charity, language: str) -> str:
    return f'<a href="{html.escape(charity.url, quote=True)}">{html.escape(charity_name(charity, language))}</a>'


def overview_text(donations: ChatDonations, this_week: date, language: str, timezone: str = "UTC") -> str:
    lines = [t(language, "donate.title"), t(language, "donate.pledges_only"), ""]
    if donations.charity is None:
        lines.append(t(language, "donate.no_charity"))
    else:
        lines.append(t(language, "donate.charity", charity=_charity_link(donations.charity, language)))
    if donations.rule is None:
        lines.append(t(language, "donate.no_rule"))
    else:
        lines.append(_rule_text(donations.rule.won_per_point, donations.rule.weekly_cap_won, language))
        if donations.since is not None:  # /rank counts every photo; pledges only those filed after the rule
            since = format_moment(donations.since.astimezone(ZoneInfo(timezone)), language)
            lines.append(t(language, "donate.counts_since", since=since))
    week = donations.week(this_week)
    lines += [
        "",
        t(
            language,
            "donate.this_week",
            week=format_week(this_week, language),
            n=week.points,
            amount=format_won(week.won, language),
        ),
        t(
            language,
            "donate.totals",
            open=format_won(donations.open_won, language),
            n=len(donations.open_weeks),
            donated=format_won(donations.donated_won, language),
        ),
    ]
    if week.closed is not None:
        lines.append(t(language, "donate.week_closed"))
    if week.contributors:
        lines += ["", t(language, "donate.contributors_week"), *_contributor_lines(week.contributors, language)]
    everyone = donations.contributors()
    if everyone:
        lines += ["", t(language, "donate.contributors_all"), *_contributor_lines(everyone, language)]
    return "\n".join(lines)


def overview_keyboard(language: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t(language, "donate.btn_charity"), callback_data=CHARITIES.data(0)),
                InlineKeyboardButton(t(language, "donate.btn_rule"), callback_data=RULE.data()),
            ],
            [
                InlineKeyboardButton(t(language, "donate.btn_csv"), callback_data=CSV.data()),
                InlineKeyboardButton(t(language, "donate.btn_close"), callback_data=OPEN_WEEKS.data()),
            ],
        ]
    )


def _back(language: str) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(t(language, "donate.btn_back"), callback_data=OVERVIEW.data())]


# ----- commands -------------------------------------------------------------------------------------------------
async def donate_command(update: Update, context: ChatContext) -> None:
    args = context.args or []
    sub = args[0].lower() if args else ""
    if sub == "rule":
        await _rule_command(update, context, args[1:])
    elif sub == "add":
        await _add_command(update, context, args[1:])
    elif sub == "csv":
        await _send_csv(update, context)
    elif sub == "done":
        await _show_open_weeks(update, context, edit=False)
    elif sub:
        await message_of(update).reply_text(t(await context.language(), "donate.usage"))
    else:
        text, keyboard = await _overview(update, context)
        await message_of(update).reply_text(text, reply_markup=keyboard, disable_web_page_preview=True)


async def _overview(update: Update, context: ChatContext) -> tuple[str, InlineKeyboardMarkup]:
    svc = context.services
    chat_id = chat_of(update).id
    language = await context.language()
    donations = await svc.ledger.donations(chat_id)
    timezone = await svc.ranking.timezone(chat_id)
    return overview_text(donations, await current_week(svc, chat_id), language, timezone), overview_keyboard(language)


async def _refuse_unless_admin(update: Update, context: ChatContext) -> bool:
    """True (and a polite refusal sent) when the user may not change the chat's donations. On a button, the refusal
    is the query's one answer: callers answer only after this returned False."""
    if await is_chat_admin(update, context):
        return False
    language = await context.language()
    if update.callback_query is not None:
        await query_of(update).answer(t(language, "donate.admins_only"), show_alert=True)
    else:
        await message_of(update).reply_text(t(language, "donate.admins_only"))
    return True


def _parse_won(text: str) -> int | None:
    cleaned = text.replace(",", "").replace("₩", "").replace("원", "").strip()
    return int(cleaned) if cleaned.isdigit() else None


async def _rule_command(update: Update, context: ChatContext, args: list[str]) -> None:
    language = await context.language()
    if await _refuse_unless_admin(update, context):
        return
    rate = _parse_won(args[0]) if args else None
    cap_text = args[1].lower() if len(args) > 1 else "none"
    cap = None if cap_text in ("none", "0", "-", "없음") else _parse_won(cap_text)
    if (
        len(args) not in (1, 2)
        or rate is None
        or not 1 <= rate <= MAX_WON_PER_POINT
        or (cap_text not in ("none", "0", "-", "없음") and (cap is None or cap > MAX_WEEKLY_CAP_WON))
    ):
        await message_of(update).reply_text(
            t(
                language,
                "donate.rule_usage",
                max_rate=format_won(MAX_WON_PER_POINT, language),
                max_cap=format_won(MAX_WEEKLY_CAP_WON, language),
            )
        )
        return
    svc = context.services
    await svc.ledger.set_rule(chat_of(update).id, rate, cap, user_of(update).id, now=svc.clock())
    await message_of(update).reply_text(_rule_saved_text(rate, cap, language))


def _rule_text(rate: int, cap: int | None, language: str) -> str:
    key = "donate.rule_capped" if cap is not None else "donate.rule"
    return t(language, key, rate=format_won(rate, language), cap=format_won(cap or 0, language))


def _rule_saved_text(rate: int, cap: int | None, language: str) -> str:
    return t(language, "donate.rule_saved", rule=_rule_text(rate, cap, language))


async def _add_command(update: Update, context: ChatContext, args: list[str]) -> None:
    language = await context.language()
    if await _refuse_unless_admin(update, context):
        return
    url = args[0] if args else ""
    name = " ".join(args[1:]).strip()
    if not valid_url(url) or not name or len(name) > MAX_NAME:
        await message_of(update).reply_text(t(language, "donate.add_usage", max=MAX_NAME))
        return
    svc = context.services
    charity = await svc.ledger.add_charity(chat_of(update).id, name, url, user_of(update).id)
    await svc.ledger.set_charity(chat_of(update).id, charity.key, user_of(update).id)
    await message_of(update).reply_text(
        t(language, "donate.added", charity=_charity_link(charity, language)), disable_web_page_preview=True
    )


async def _send_csv(update: Update, context: ChatContext) -> None:
    svc = context.services
    chat_id = chat_of(update).id
    language = await context.language()
    rows = await svc.ledger.ledger_rows(chat_id, lambda charity: charity_name(charity, language))
    if not rows:
        await context.bot.send_message(chat_id, t(language, "donate.csv_empty"))
        return
    await context.bot.send_document(
        chat_id,
        to_csv(rows),
        filename=f"choosecheese-pledges-{abs(chat_id)}.csv",
        caption=t(language, "donate.csv_caption", n=len(rows)),
    )


# ----- buttons --------------------------------------------------------------------------------------------------
async def on_overview(update: Update, context: ChatContext) -> None:
    await query_of(update).answer()
    text, keyboard = await _overview(update, context)
    await show_text(query_of(update), text, reply_markup=keyboard, disable_web_page_preview=True)


async def on_charities(update: Update, context: ChatContext) -> None:
    (page,) = CHARITIES.parse(query_of(update).data)
    await query_of(update).answer()
    await _show_charities(update, context, page, await context.language())


async def on_pick_charity(update: Update, context: ChatContext) -> None:
    (key,) = PICK_CHARITY.parse(query_of(update).data)
    await _pick_charity(update, context, key, await context.language())


async def on_rule(update: Update, context: ChatContext) -> None:
    """Step 1 of 2: the amount per point. Nothing is saved until a cap is chosen in step 2."""
    language = await context.language()
    if await _refuse_unless_admin(update, context):
        return
    await query_of(update).answer()
    current = (await context.services.ledger.donations(chat_of(update).id, reconcile=False)).rule
    text = t(language, "donate.rule_step_rate")
    if current is not None:
        text += "\n" + t(
            language, "donate.rule_now", rule=_rule_text(current.won_per_point, current.weekly_cap_won, language)
        )
    await show_text(query_of(update), text, reply_markup=_rate_keyboard(language))


async def on_rate(update: Update, context: ChatContext) -> None:
    """Step 2 of 2: the weekly cap for the chosen rate (the current cap can be kept)."""
    (rate,) = RATE.parse(query_of(update).data)
    language = await context.language()
    if await _refuse_unless_admin(update, context):
        return
    if not 1 <= rate <= MAX_WON_PER_POINT:
        await query_of(update).answer(t(language, "donate.expired"), show_alert=True)
        return
    await query_of(update).answer()
    current = (await context.services.ledger.donations(chat_of(update).id, reconcile=False)).rule
    await show_text(
        query_of(update),
        t(language, "donate.rule_step_cap", rate=format_won(rate, language)),
        reply_markup=_cap_keyboard(rate, current, language),
    )


async def on_cap(update: Update, context: ChatContext) -> None:
    (rate, cap_text) = CAP.parse(query_of(update).data)
    language = await context.language()
    if await _refuse_unless_admin(update, context):
        return
    cap = None if cap_text == "none" else int(cap_text) if cap_text.isdigit() else -1
    if not 1 <= rate <= MAX_WON_PER_POINT or (cap is not None and not 0 < cap <= MAX_WEEKLY_CAP_WON):
        await query_of(update).answer(t(language, "donate.expired"), show_alert=True)
        return
    svc = context.services
    await svc.ledger.set_rule(chat_of(update).id, rate, cap, user_of(update).id, now=svc.clock())
    await query_of(update).answer(_rule_saved_text(rate, cap, language))
    text, keyboard = await _overview(update, context)
    await show_text(query_of(update), text, reply_markup=keyboard, disable_web_page_preview=True)


async def on_csv(update: Update, context: ChatContext) -> None:
    await query_of(update).answer()
    await _send_csv(update, context)


async def on_open_weeks(update: Update, context: ChatContext) -> None:
    await _show_open_weeks(update, context, edit=True)


async def on_close_week(update: Update, context: ChatContext) -> None:
    (monday,) = CLOSE_WEEK.parse(query_of(update).data)
    await _close_week(update, context, monday, await context.language())


BUTTONS = (
    (OVERVIEW, on_overview),
    (CHARITIES, on_charities),
    (PICK_CHARITY, on_pick_charity),
    (RULE, on_rule),
    (RATE, on_rate),
    (CAP, on_cap),
    (CSV, on_csv),
    (OPEN_WEEKS, on_open_weeks),
    (CLOSE_WEEK, on_close_week),
)


async def _show_charities(update: Update, context: ChatContext, page: int, language: str) -> None:
    charities = await context.services.ledger.charities(chat_of(update).id)
    pages = max(1, math.ceil(len(charities) / CHARITY_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = charities[page * CHARITY_PAGE : (page + 1) * CHARITY_PAGE]
    rows = [[InlineKeyboardButton(charity_name(c, language), callback_data=PICK_CHARITY.data(c.key))] for c in shown]
    if pages > 1:
        rows.append(pager_row(CHARITIES.data, page, pages, language))
    rows.append(_back(language))
    lines = [t(language, "donate.charity_choose"), ""]
    lines += [f"• {_charity_link(c, language)}" for c in shown]
    lines += ["", t(language, "donate.charity_add_hint", max=MAX_NAME)]
    await show_text(
        query_of(update), "\n".join(lines), reply_markup=InlineKeyboardMarkup(rows), disable_web_page_preview=True
    )


async def _pick_charity(update: Update, context: ChatContext, key: str, language: str) -> None:
    if await _refuse_unless_admin(update, context):
        return
    svc = context.services
    chat_id = chat_of(update).id
    charity = await svc.ledger.charity(chat_id, key)
    if charity is None:
        await query_of(update).answer(t(language, "donate.expired"), show_alert=True)
        return
    await svc.ledger.set_charity(chat_id, charity.key, user_of(update).id)
    await query_of(update).answer(t(language, "donate.charity_saved_short"))
    text, keyboard = await _overview(update, context)
    await show_text(query_of(update), text, reply_markup=keyboard, disable_web_page_preview=True)


def _rate_keyboard(language: str) -> InlineKeyboardMarkup:
    rates = [
        InlineKeyboardButton(t(language, "donate.btn_rate", rate=format_won(r, language)), callback_data=RATE.data(r))
        for r in RATE_PRESETS
    ]
    return InlineKeyboardMarkup([rates[:2], rates[2:], _back(language)])


def _cap_keyboard(rate: int, current: Rule | None, language: str) -> InlineKeyboardMarkup:
    """Cap presets for `rate`; when a rule exists, its cap comes first, as "keep"."""

    def cap_label(cap: int | None) -> str:
        return t(language, "donate.btn_cap", cap=format_won(cap, language)) if cap else t(language, "donate.btn_no_cap")

    rows: list[list[InlineKeyboardButton]] = []
    if current is not None:
        keep = current.weekly_cap_won
        label = t(language, "donate.btn_keep_cap", cap=cap_label(keep))
        rows.append([InlineKeyboardButton(label, callback_data=CAP.data(rate, keep or "none"))])
    caps = [
        InlineKeyboardButton(cap_label(c), callback_data=CAP.data(rate, c or "none"))
        for c in CAP_PRESETS
        if current is None or c != current.weekly_cap_won
    ]
    rows += [caps[:2], caps[2:], _back(language)]
    return InlineKeyboardMarkup([row for row in rows if row])


async def _show_open_weeks(update: Update, context: ChatContext, edit: bool) -> None:
    language = await context.language()
    if await _refuse_unless_admin(update, context):
        return
    if edit:
        await query_of(update).answer()
    donations = await context.services.ledger.donations(chat_of(update).id)
    weeks = donations.open_weeks[-OPEN_WEEK_BUTTONS:]
    rows = [
        [
            InlineKeyboardButton(
                f"{format_week(w.week, language)} · {format_won(w.won, language)}",
                callback_data=CLOSE_WEEK.data(f"{w.week:%Y%m%d}"),
            )
        ]
        for w in reversed(weeks)
    ]
    rows.append(_back(language))
    text = t(language, "donate.close_choose") if weeks else t(language, "donate.close_none")
    if edit:
        await show_text(query_of(update), text, reply_markup=InlineKeyboardMarkup(rows))
    else:
        await message_of(update).reply_text(text, reply_markup=InlineKeyboardMarkup(rows))


async def _close_week(update: Update, context: ChatContext, arg: str, language: str) -> None:
    query = query_of(update)
    if await _refuse_unless_admin(update, context):
        return
    try:
        monday = date(int(arg[:4]), int(arg[4:6]), int(arg[6:8]))
    except ValueError:
        await query.answer(t(language, "donate.expired"), show_alert=True)
        return
    svc = context.services
    chat_id = chat_of(update).id
    closing = await svc.ledger.close_week(
        chat_id, monday, user_of(update).id, lambda charity: charity_name(charity, language)
    )
    if closing.outcome is not CloseOutcome.closed or closing.week is None:
        await query.answer(t(language, f"donate.close_{closing.outcome}"), show_alert=True)
        return
    await query.answer()
    week = closing.week
    await svc.ledger.set_receipt_prompt(chat_id, monday, query_message_of(query).message_id)  # before a reply can come
    await query.edit_message_text(
        t(
            language,
            "donate.closed",
            week=format_week(monday, language),
            amount=format_won(week.total_won, language),
            charity=f'<a href="{html.escape(week.charity_url, quote=True)}">{html.escape(week.charity_name)}</a>',
        ),
        disable_web_page_preview=True,
    )


async def receipt_photo(update: Update, context: ChatContext) -> None:
    """A photo replying to a 'week donated' message is that week's receipt (admins), not an album photo."""
    message = message_of(update)
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        return
    svc = context.services
    if not await svc.ledger.is_receipt_prompt(message.chat_id, replied.message_id):
        return
    language = await context.language()
    if not await is_chat_admin(update, context):
        await message.reply_text(t(language, "donate.admins_only"))
        raise ApplicationHandlerStop
    week = await svc.ledger.attach_receipt(message.chat_id, replied.message_id, message.photo[-1].file_id)
    if week is not None:
        await message.reply_text(t(language, "donate.receipt_saved", week=format_week(week.week_start, language)))
    raise ApplicationHandlerStop


def register(app: Application) -> None:
    app.add_handler(MessageHandler(filters.PHOTO & filters.REPLY, receipt_photo), group=RECEIPT_GROUP)
    app.add_handler(CommandHandler("donate", donate_command, block=False))
    for action, callback in BUTTONS:
        app.add_handler(action.handler(callback))
