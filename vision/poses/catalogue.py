"""The pose catalogue (catalogue.toml): names, how-to lines, people needed and how each pose is recognised."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CATALOGUE_TOML = Path(__file__).with_name("catalogue.toml")
RECOGNISERS = ("hand_shape", "body_rule", "blendshape", "pair_rule")


@dataclass(frozen=True)
class CataloguePose:
    key: str
    ko: str
    en: str
    how_ko: str
    how_en: str
    people: int
    recognised_by: str
    building_block: bool = False
    emoji: str = ""


def load_catalogue(path: Path = CATALOGUE_TOML) -> dict[str, CataloguePose]:
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    poses = {key: CataloguePose(key=key, **fields) for key, fields in raw.items()}
    for pose in poses.values():
        if pose.recognised_by not in RECOGNISERS:
            raise ValueError(f"{path}: {pose.key} has unknown recognised_by {pose.recognised_by!r}")
        if pose.people < 1:
            raise ValueError(f"{path}: {pose.key} needs at least one person")
    return poses


@cache
def catalogue() -> dict[str, CataloguePose]:
    return load_catalogue()
