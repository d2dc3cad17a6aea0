"""Turn per-face and per-photo points into an ordered leaderboard with ties."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class RankBy(StrEnum):
    person = "person"  # faces of a person (a face cluster)
    member = "member"  # photos a chat member uploaded


class Period(StrEnum):
    week = "week"
    all = "all"


@dataclass(frozen=True)
class Contribution:
    """Points one subject earned from one photo."""

    subject_id: int
    photo_id: int
    points: int


@dataclass(frozen=True)
class Standing:
    place: int  # 1-based; tied subjects share a place and the next place is skipped (1, 2, 2, 4)
    subject_id: int
    label: str
    points: int
    photos: int


def leaderboard(contributions: Iterable[Contribution], labels: dict[int, str]) -> list[Standing]:
    """Most points first. Ties share a place and are listed by label, then id, so the order never wobbles."""
    points: dict[int, int] = {}
    photos: dict[int, set[int]] = {}
    for item in contributions:
        points[item.subject_id] = points.get(item.subject_id, 0) + item.points
        photos.setdefault(item.subject_id, set()).add(item.photo_id)
    order = sorted(points, key=lambda sid: (-points[sid], labels.get(sid, "").casefold(), sid))
    standings: list[Standing] = []
    for index, subject_id in enumerate(order):
        tied_with_previous = standings and standings[-1].points == points[subject_id]
        place = standings[-1].place if tied_with_previous else index + 1
        standings.append(
            Standing(
                place=place,
                subject_id=subject_id,
                label=labels.get(subject_id, str(subject_id)),
                points=points[subject_id],
                photos=len(photos[subject_id]),
            )
        )
    return standings
