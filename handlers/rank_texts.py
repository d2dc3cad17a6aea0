"""The words and the chart spec of a ranking or a weekly post, built from plain data (HTML for Telegram)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, timedelta

from handlers.i18n import t
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


def won(amount: int) -> str:
    return f"₩{amount:,}"


def week_label(monday: date, language: str) -> str:
    sunday = monday + timedelta(days=6)
    if language == "ko":
        return f"{monday.month}월 {monday.day}일 – {sunday.month}월 {sunday.day}일"
    return f"{monday:%b} {monday.day} – {sunday:%b} {sunday.day}"


def standings(data: RankingData, by: RankBy, language: str) -> list[Standing]:
    unnamed = (lambda pid: t(language, "rank.person_n", n=pid)) if by is RankBy.person else str
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
            points=f"{s.points:,}",
            photos=s.photos,
        )
        for s in board[:limit]
    ]


def chart_spec(data: RankingData, view: RankView, week: date, language: str) -> ChartSpec:
    board = standings(data, view.by, language)
    period = week_label(week, language) if view.period is Period.week else t(language, "rank.all_time")
    title = t(language, "rank.chart_week" if view.period is Period.week else "rank.chart_all")
    return ChartSpec(
        title=title,
        subtitle=f"{period} · {t(language, f'rank.by_{view.by}')}",
        bars=tuple(Bar(s.place, s.label, s.points) for s in board),
        empty_text=t(language, "rank.chart_empty"),
        points_label=t(language, "rank.points_axis"),
    )


def rank_caption(data: RankingData, view: RankView, week: date, language: str) -> str:
    board = standings(data, view.by, language)
    period = week_label(week, language) if view.period is Period.week else t(language, "rank.all_time")
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
    lines += ["", t(language, "rank.totals", photos=data.photos, points=f"{data.points:,}")]
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
    lines = [t(language, "weekly.title", week=week_label(week, language)), ""]
    for by, data in ((RankBy.person, people), (RankBy.member, members)):
        board = standings(data, by, language)
        if board:
            lines += [f"<b>{t(language, f'rank.by_{by}')}</b>", *standing_lines(board, language, POST_LINES), ""]
    lines.append(t(language, "rank.totals", photos=members.photos, points=f"{members.points:,}"))
    if pledges is not None and pledges.rule is not None:
        lines.append("")
        lines.append(
            t(
                language,
                "weekly.pledged",
                amount=won(pledges.won),
                charity=html.escape(pledges.charity_name or t(language, "donate.no_charity_short")),
            )
        )
        if pledges.won < pledges.gross_won:
            lines.append(t(language, "weekly.capped", gross=won(pledges.gross_won)))
        lines.append(t(language, "donate.pledges_only_short"))
    return "\n".join(lines)
