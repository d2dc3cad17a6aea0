"""Small value types shared by the pose rules."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PoseHit:
    key: str  # a key of vision/poses/catalogue.toml
    confidence: float  # 0-1
    people: tuple[int, ...] = ()  # face indices: one for a person's pose, two for a pair pose
