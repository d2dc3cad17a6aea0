"""The mood rules (moods.toml): the seven moods with their names and signal weights, the pose groups, the strip rule."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MOODS_TOML = Path(__file__).with_name("moods.toml")
# Every signal vision/moods/signals.py measures (pose groups add "pose.<group>").
PLAIN_SIGNALS = (
    "smile",
    "no_smile",
    "laugh",
    "no_laugh",
    "pucker",
    "cheek_puff",
    "still",
    "close",
    "bright",
    "dim",
    "warm_light",
    "cool_light",
    "colourful",
    "muted",
    "contrast",
)


@dataclass(frozen=True)
class Mood:
    key: str
    ko: str
    en: str
    emoji: str
    weights: tuple[tuple[str, float], ...]  # (signal, or signals joined by "|": the largest of them; weight > 0)


@dataclass(frozen=True)
class MoodRules:
    moods: tuple[Mood, ...]
    pose_groups: tuple[tuple[str, frozenset[str]], ...]
    second_share: float

    def mood(self, key: str) -> Mood | None:
        return next((mood for mood in self.moods if mood.key == key), None)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(mood.key for mood in self.moods)


def load_rules(path: Path = MOODS_TOML) -> MoodRules:
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    groups = tuple((name, frozenset(keys)) for name, keys in raw["pose_groups"].items())
    known = set(PLAIN_SIGNALS) | {f"pose.{name}" for name, _ in groups}
    moods = []
    for key, fields in raw["moods"].items():
        weights = tuple((signal, float(weight)) for signal, weight in fields["weights"].items())
        unknown = [part for signal, _ in weights for part in signal.split("|") if part not in known]
        if unknown:
            raise ValueError(f"{path}: mood {key} uses unknown signals {unknown}")
        if not weights or any(weight <= 0 for _, weight in weights):
            raise ValueError(f"{path}: mood {key} needs positive weights")
        moods.append(Mood(key, fields["ko"], fields["en"], fields.get("emoji", ""), weights))
    share = float(raw["strip"]["second_share"])
    if not 0 < share <= 1:
        raise ValueError(f"{path}: strip.second_share must lie in (0, 1]")
    return MoodRules(tuple(moods), groups, share)


@cache
def mood_rules() -> MoodRules:
    return load_rules()
