"""Stand-ins for the de-identification seam of pipeline.pose_examples (module level: the worker process imports
them by name). The real vision.deid is measured by its own tests and evals; these make the gallery's flow
deterministic: one that mosaics the whole cut, one that refuses everything, a flat card per pose, and a pose stage
where everyone makes a finger heart."""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence

import numpy as np

from vision.poses import PersonReading, PoseHit, PoseReading

MOSAIC_CELL = 16


def mosaic(cut: np.ndarray, protected: np.ndarray) -> np.ndarray:
    """The cut as coarse blocks (every block one colour). Refuses when nothing is protected: the real check always
    has at least the photo's own faces, and a caller that forgot them must fail."""
    if protected.ndim != 2 or protected.shape[1] != 128 or len(protected) == 0:
        raise ValueError(f"no faces to protect were passed: {protected.shape}")
    height, width = cut.shape[:2]
    out = cut.copy()
    for y in range(0, height, MOSAIC_CELL):
        for x in range(0, width, MOSAIC_CELL):
            block = out[y : y + MOSAIC_CELL, x : x + MOSAIC_CELL]
            block[...] = block.reshape(-1, 3).mean(axis=0).astype(np.uint8)
    return out


def refuse_everything(cut: np.ndarray, protected: np.ndarray) -> np.ndarray | None:
    return None


def flat_card(key: str) -> np.ndarray:
    """A 240 x 320 card of one colour derived from the pose key."""
    shade = zlib.crc32(key.encode()) % 200 + 30
    return np.full((320, 240, 3), (shade, 255 - shade, 128), dtype=np.uint8)


def finger_hearts(
    rgb: np.ndarray,
    boxes: Sequence[tuple[float, float, float, float]],
    blendshapes: Sequence[Mapping[str, float] | None],
) -> PoseReading:
    """A pose stand-in for the analysis seam: everyone in every cut makes a finger heart."""
    return PoseReading(
        tuple(
            PersonReading(index, (PoseHit("finger_heart", 0.85, (index,)),), (), False) for index in range(len(boxes))
        ),
        (),
    )
