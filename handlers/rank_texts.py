"""The words and the chart spec of a ranking or a weekly post, built from plain data (HTML for Telegram)."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np

from handlers.i18n import format_number, format_week, format_won, t
from handlers.person_label import person_label
from pipeline.charts import Bar, ChartSpec
from ranking.board import Period, RankBy, RankingData, Standing, leaderboard, subject_labels
from ranking.pledges import Rule

CAPTION_LINES = 5
POST_LINES = 3
_MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}


@dataclass(frozen=True)
class RankView:
    period: Period
    by: RankBy


def standings(data: RankingData, by: RankBy, language: str) -> list[Standing]:
    def unnamed(subject_id: int) -> str:
        if by is RankBy.person:
            return person_label(data.numbers.get(subject_id, subject_id), None, language)
        return str(subject_id)

    return leaderboard(data.contributions, subject_labels(data.names, unnamed))


def _place(place: int) -> str:
    return _MEDALS.get(place, f"{place}.")


def standing_lines(board: list[Standing], language: str, limit: int) -> list[str]:
    return [
        t(
            language,
            "rank.line",
            place=_place(s.place),
            name=html.escape(s.label),
            points=t(language, "count.points_short", n=s.points),
            photos=t(language, "count.photos", n=s.photos),
        )
        for s in board[:limit]
    ]


def totals_line(data: RankingData, language: str) -> str:
    return t(
        language,
        "rank.totals",
        photos=t(language, "count.photos", n=data.photos),
        points=t(language, "count.smile_points", n=data.points),
    )


def chart_spec(
    data: RankingData, view: RankView, week: date, language: str, faces: Mapping[int, np.ndarray] | None = None
) -> ChartSpec:
    """`faces`: person id → their face thumbnail, drawn next to their bar."""
    board = standings(data, view.by, language)
    faces = faces or {}
    period = format_week(week, language) if view.period is Period.week else t(language, "rank.all_time")
    title = t(language, "rank.chart_week" if view.period is Period.week else "rank.chart_all")
    return ChartSpec(
        title=title,
        subtitle=f"{period} · {t(language, f'rank.by_{view.by}')}",
        bars=tuple(
            Bar(s.place, s.label, s.points, format_number(s.points, language), faces.get(s.subject_id)) for s in board
        ),
        empty_text=t(language, "rank.chart_empty"),
        points_label=t(language, "rank.points_axis"),
    )


def rank_caption(data: RankingData, view: RankView, week: date, language: str) -> str:
    board = standings(data, view.by, language)
    period = format_week(week, language) if view.period is Period.week else t(language, "rank.all_time")
    lines = [
        t(language, "rank.title_week" if view.period is Period.week else "rank.title_all"),
        f"{period} · {t(language, f'rank.by_{view.by}')}",
        "",
    ]
    if board:
        lines += standing_lines(board, language, CAPTION_LINES)
        if len(board) > CAPTION_LINES:
            lines.append(t(language, "rank.more", n=len(board) - CAPTION_LINES))
    else:
        key = "rank.empty_person" if view.by is RankBy.person and data.photos else f"rank.empty_{view.period}"
        lines.append(t(language, key))
    lines += ["", totals_line(data, language)]
    return "\n".join(lines)


@dataclass(frozen=True)
class WeekPledges:
    charity_name: str | None
    rule: Rule | None
    points: int
    won: int
    gross_won: int


def weekly_caption(
    people: RankingData, members: RankingData, week: date, language: str, pledges: WeekPledges | None
) -> str:
    """The Sunday post: the week so far, by person and by uploader, and what its smiles pledged."""
    lines = [t(language, "weekly.title", week=format_week(week, language)), ""]
    for by, data in ((RankBy.person, people), (RankBy.member, members)):
        board = standings(data, by, language)
        if board:
            lines += [f"<b>{t(language, f'rank.by_{by}')}</b>", *standing_lines(board, language, POST_LINES), ""]
    lines.append(totals_line(members, language))
    if pledges is not None and pledges.rule is not None:
        lines.append("")
        lines.append(
            t(
                language,
                "weekly.pledged",
                amount=format_won(pledges.won, language),
                charity=html.escape(pledges.charity_name or t(language, "donate.no_charity_short")),
            )
        )
        if pledges.won < pledges.gross_won:
            lines.append(t(language, "weekly.capped", gross=format_won(pledges.gross_won, language)))
        lines.append(t(language, "donate.pledges_only_short"))
    return "\n".join(lines)
