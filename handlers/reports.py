"""Smile reports shared by /rank and the weekly post: read the stores, draw the chart in the worker pool."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from handlers.i18n import charity_name
from handlers.rank_texts import RankView, WeekPledges, chart_spec, rank_caption, weekly_caption
from pipeline.charts import render_leaderboard
from pipeline.services import Services
from ranking.board import Period, RankBy
from ranking.points import week_start


@dataclass(frozen=True)
class Picture:
    png: bytes
    caption: str


async def current_week(svc: Services, chat_id: int, now: datetime | None = None) -> date:
    return week_start(now or svc.clock(), ZoneInfo(await svc.ranking.timezone(chat_id)))


async def rank_picture(svc: Services, chat_id: int, view: RankView, language: str) -> Picture:
    """The ranking of this week (as the chat's clock says) or of all time, by person or by uploader."""
    week = await current_week(svc, chat_id)
    data = await svc.ranking.ranking(chat_id, view.by, week if view.period is Period.week else None)
    png = await svc.cpu.run(render_leaderboard, chart_spec(data, view, week, language))
    return Picture(png, rank_caption(data, view, week, language))


async def weekly_picture(svc: Services, chat_id: int, week: date, language: str) -> Picture | None:
    """The weekly post for `week` (the week so far), or None when the week has no photos and no pledges."""
    people = await svc.ranking.ranking(chat_id, RankBy.person, week)
    members = await svc.ranking.ranking(chat_id, RankBy.member, week)
    donations = await svc.ledger.donations(chat_id)
    tally = donations.week(week)
    if members.photos == 0 and tally.pledges == 0:
        return None
    pledges = None
    if donations.rule is not None:
        charity = charity_name(donations.charity, language) if donations.charity else None
        pledges = WeekPledges(charity, donations.rule, tally.points, tally.won, tally.gross_won)
    by = RankBy.person if people.contributions else RankBy.member
    chart = chart_spec(people if by is RankBy.person else members, RankView(Period.week, by), week, language)
    png = await svc.cpu.run(render_leaderboard, chart)
    return Picture(png, weekly_caption(people, members, week, language, pledges))
