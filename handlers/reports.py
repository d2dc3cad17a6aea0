"""Smile reports shared by /rank and the weekly post: read the stores, draw the chart in the worker pool."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from handlers.i18n import charity_name
from handlers.rank_texts import RankView, WeekPledges, chart_spec, rank_caption, standings, weekly_caption
from pipeline.charts import MAX_BARS, render_leaderboard
from pipeline.pictures import face_thumbnails
from pipeline.services import Services
from ranking.board import Period, RankBy, RankingData
from ranking.points import week_start


@dataclass(frozen=True)
class Picture:
    png: bytes
    caption: str


async def current_week(svc: Services, chat_id: int, now: datetime | None = None) -> date:
    return week_start(now or svc.clock(), ZoneInfo(await svc.ranking.timezone(chat_id)))


async def chart_faces(svc: Services, data: RankingData, by: RankBy, language: str) -> dict[int, np.ndarray]:
    """The face of each person the chart shows (their thumbnail in /people), cropped in the worker pool."""
    if by is not RankBy.person:
        return {}
    shown = [s.subject_id for s in standings(data, by, language)[:MAX_BARS]]
    covers = await svc.faces.covers(shown)
    files: dict[int, Path | None] = {}
    items: list[tuple[int, Path, tuple[int, int, int, int]]] = []
    for person_id in shown:
        face = covers.get(person_id)
        if face is None:
            continue
        if face.photo_id not in files:
            photo = await svc.albums.get(face.photo_id)
            files[face.photo_id] = await svc.albums.path_of(photo) if photo else None
        path = files[face.photo_id]
        if path is not None:
            items.append((person_id, path, face.box))
    if not items:
        return {}
    crops = await svc.pictures.run(
        face_thumbnails, [(picture, box) for _, picture, box in items], svc.settings.max_image_pixels
    )
    return {person_id: crop for (person_id, _, _), crop in zip(items, crops, strict=True)}


async def rank_picture(svc: Services, chat_id: int, view: RankView, language: str) -> Picture:
    """The ranking of this week (as the chat's clock says) or of all time, by person or by uploader."""
    week = await current_week(svc, chat_id)
    data = await svc.ranking.ranking(chat_id, view.by, week if view.period is Period.week else None)
    faces = await chart_faces(svc, data, view.by, language)
    png = await svc.pictures.run(render_leaderboard, chart_spec(data, view, week, language, faces))
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
    shown = people if by is RankBy.person else members
    faces = await chart_faces(svc, shown, by, language)
    chart = chart_spec(shown, RankView(Period.week, by), week, language, faces)
    png = await svc.pictures.run(render_leaderboard, chart)
    return Picture(png, weekly_caption(people, members, week, language, pledges))
