"""The signals a cut's moods are scored from (each 0–1, or None when the cut gives no way to measure it).

Inputs are what the pipeline already has: smile scores, the FaceLandmarker blendshapes the smile scorer produced,
the cut's poses (vision.poses keys with confidences), the face boxes, and the cut's pixels for colour and light.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

Box = tuple[float, float, float, float]  # x, y, w, h
# Close faces: the mean gap to the nearest neighbour (face widths) at which closeness reaches 0.
APART_AT_WIDTHS = 1.5
LIGHT_SIDE = 96  # the cut is sampled down to about this many pixels per side for the colour statistics


@dataclass(frozen=True)
class FaceCue:
    box: Box
    smile: float  # 0–100 (vision.smile)
    blendshapes: Mapping[str, float] | None = field(default=None, hash=False)  # MediaPipe names; None: not read


@dataclass(frozen=True)
class CutLight:
    """Colour and light of a cut, each on a 0–1 scale (channels divided by 255)."""

    lightness: float  # mean of (R + G + B) / 3
    warmth: float  # mean of R − B (negative: bluish)
    saturation: float  # mean HSV saturation
    contrast: float  # standard deviation of the lightness


@dataclass(frozen=True)
class CutCues:
    faces: tuple[FaceCue, ...]
    poses: Mapping[str, float] = field(default_factory=dict, hash=False)  # pose key → its best confidence in the cut
    light: CutLight | None = None


def ramp(value: float, zero: float, one: float) -> float:
    """0 at `zero`, 1 at `one`, linear between and clipped (either direction)."""
    if one == zero:
        return float(value >= one)
    return float(min(max((value - zero) / (one - zero), 0.0), 1.0))


def light_of(rgb: np.ndarray) -> CutLight:
    """Cheap colour statistics of a cut (RGB uint8), on a strided sample of about LIGHT_SIDE² pixels."""
    height, width = rgb.shape[:2]
    step = max(1, min(height, width) // LIGHT_SIDE)
    pixels = np.asarray(rgb[::step, ::step, :3], dtype=np.float32).reshape(-1, 3) / 255.0
    if pixels.size == 0:
        return CutLight(0.0, 0.0, 0.0, 0.0)
    lightness = pixels.mean(axis=1)
    top, bottom = pixels.max(axis=1), pixels.min(axis=1)
    saturation = np.where(top > 0, (top - bottom) / np.maximum(top, 1e-6), 0.0)
    return CutLight(
        lightness=float(lightness.mean()),
        warmth=float((pixels[:, 0] - pixels[:, 2]).mean()),
        saturation=float(saturation.mean()),
        contrast=float(lightness.std()),
    )


def closeness(boxes: Sequence[Box]) -> float | None:
    """1 when faces touch or overlap, 0 when they stand APART_AT_WIDTHS face widths apart; None for one face."""
    if len(boxes) < 2:
        return None
    gaps = []
    for index, (x, y, w, h) in enumerate(boxes):
        nearest = min(_gap((x, y, w, h), other) for j, other in enumerate(boxes) if j != index)
        gaps.append(nearest)
    return 1.0 - ramp(float(np.mean(gaps)), 0.0, APART_AT_WIDTHS)


def _gap(a: Box, b: Box) -> float:
    """Edge-to-edge distance of two boxes in their mean width (0 when they touch or overlap)."""
    dx = max(b[0] - (a[0] + a[2]), a[0] - (b[0] + b[2]), 0.0)
    dy = max(b[1] - (a[1] + a[3]), a[1] - (b[1] + b[3]), 0.0)
    return float(np.hypot(dx, dy)) / (max((a[2] + b[2]) / 2, 1e-6))


def _paired(shapes: Mapping[str, float], name: str) -> float:
    return (shapes.get(f"{name}Left", 0.0) + shapes.get(f"{name}Right", 0.0)) / 2


def laugh_of(shapes: Mapping[str, float]) -> float:
    """Open jaw and a smiling mouth together: a laugh, not only a smile or a yawn."""
    return ramp(shapes.get("jawOpen", 0.0), 0.15, 0.5) * ramp(_paired(shapes, "mouthSmile"), 0.3, 0.7)


def measure(cues: CutCues, pose_groups: Sequence[tuple[str, frozenset[str]]]) -> dict[str, float | None]:
    """Every signal of moods.toml for one cut (see its header for the definitions)."""
    signals: dict[str, float | None] = dict.fromkeys(
        ("smile", "no_smile", "laugh", "no_laugh", "pucker", "cheek_puff", "close")
    )
    if cues.faces:
        smile = float(np.mean([min(max(face.smile, 0.0), 100.0) for face in cues.faces])) / 100.0
        signals["smile"], signals["no_smile"] = smile, 1.0 - smile
    read = [face.blendshapes for face in cues.faces if face.blendshapes]
    if read:
        laugh = float(np.mean([laugh_of(shapes) for shapes in read]))
        signals["laugh"], signals["no_laugh"] = laugh, 1.0 - laugh
        signals["pucker"] = max(ramp(shapes.get("mouthPucker", 0.0), 0.3, 0.7) for shapes in read)
        signals["cheek_puff"] = max(ramp(shapes.get("cheekPuff", 0.0), 0.2, 0.6) for shapes in read)
    signals["close"] = closeness([face.box for face in cues.faces])
    for name, keys in pose_groups:
        signals[f"pose.{name}"] = max((c for key, c in cues.poses.items() if key in keys), default=0.0)
    busy = [*cues.poses.values(), *(signals[name] for name in ("smile", "laugh", "pucker", "cheek_puff"))]
    signals["still"] = 1.0 - max((value for value in busy if value is not None), default=0.0)
    light = cues.light
    if light is None:
        signals.update(dict.fromkeys(("bright", "dim", "warm_light", "cool_light", "colourful", "muted", "contrast")))
    else:
        bright, colourful = ramp(light.lightness, 0.35, 0.75), ramp(light.saturation, 0.15, 0.5)
        signals.update(
            bright=bright,
            dim=1.0 - bright,
            warm_light=ramp(light.warmth, 0.0, 0.15),
            cool_light=ramp(-light.warmth, 0.0, 0.1),
            colourful=colourful,
            muted=1.0 - colourful,
            contrast=ramp(light.contrast, 0.15, 0.3),
        )
    return signals
