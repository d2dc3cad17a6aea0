"""Turn per-face and per-photo points into an ordered leaderboard with ties."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
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
class RankingData:
    """What the ranking of one period is computed from."""

    contributions: tuple[Contribution, ...]
    names: dict[int, str | None]  # subject id → person name / member first name (None = unnamed person)
    photos: int  # photos in the period
    points: int  # smile points of every face in the period, named or not
    numbers: dict[int, int] = field(default_factory=dict)  # person id → the chat's number for them (people only)


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


def subject_labels(names: dict[int, str | None], unnamed: Callable[[int], str], max_length: int = 24) -> dict[int, str]:
    """Display names: the stored name (shortened), or `unnamed(id)` for a person nobody named yet."""
    labels = {}
    for subject_id, name in names.items():
        label = (name or "").strip() or unnamed(subject_id)
        labels[subject_id] = label if len(label) <= max_length else label[: max_length - 1] + "…"
    return labels
