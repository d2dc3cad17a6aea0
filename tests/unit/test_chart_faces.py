"""/rank's chart draws each person's face next to their bar."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from pipeline.charts import Bar, ChartSpec, render_leaderboard

MAGENTA = (255, 0, 255)


def _chart(face: np.ndarray | None) -> np.ndarray:
    spec = ChartSpec(
        title="Smile ranking",
        subtitle="this week",
        bars=(Bar(1, "Person 13", 90, "90", face), Bar(2, "Mina", 40, "40")),
        empty_text="",
        points_label="points",
    )
    return np.asarray(Image.open(io.BytesIO(render_leaderboard(spec))).convert("RGB"))


def _magenta_pixels(picture: np.ndarray) -> int:
    return int(np.all(np.abs(picture.astype(int) - MAGENTA) < 30, axis=2).sum())


def test_a_persons_face_is_drawn_left_of_their_bar() -> None:
    face = np.zeros((96, 96, 3), np.uint8)
    face[:, :] = MAGENTA
    with_face, without = _chart(face), _chart(None)
    assert _magenta_pixels(without) == 0
    drawn = _magenta_pixels(with_face)
    assert 30 * 30 <= drawn <= 48 * 48, f"about a 40-pixel square, got {drawn} pixels"
    columns = np.flatnonzero(np.all(np.abs(with_face.astype(int) - MAGENTA) < 30, axis=2).any(axis=0))
    assert columns.max() < with_face.shape[1] * 0.4, "left of the bars, next to the name"
