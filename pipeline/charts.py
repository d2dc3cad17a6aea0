"""Leaderboard pictures: standings in, PNG bytes out (matplotlib, Agg backend, Hangul font when installed).

matplotlib is imported when the first chart is drawn (in a worker process), not when the bot starts: it was two of
the bot's five seconds from start to first answer (bench.cold_start_s)."""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

from vision.render import FONT_CANDIDATES

if TYPE_CHECKING:
    from matplotlib.axes import Axes

MAX_BARS = 10
DPI = 100
FACE_PX = 40  # a row's face picture, in pixels
FACE_PAD_PT = 36  # room left of the axis for it (points; 1 pt = 100/72 px here)
_GOLD, _SILVER, _BRONZE, _OTHER = "#f5b700", "#9aa5b1", "#c97b3c", "#7aa6d8"


@dataclass(frozen=True)
class Bar:
    place: int
    label: str
    points: int
    points_text: str  # the points as the chat's language writes numbers
    face: np.ndarray | None = None  # a person's face (square RGB), drawn between their name and their bar


@dataclass(frozen=True)
class ChartSpec:
    title: str
    subtitle: str
    bars: tuple[Bar, ...]
    empty_text: str
    points_label: str


@cache
def _pyplot() -> ModuleType:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    return pyplot


@cache
def _font_families() -> list[str]:
    """Register the installed Hangul-capable fonts (regular and bold); DejaVu Sans is the fallback for the rest."""
    from matplotlib import font_manager

    families: list[str] = []
    for path in FONT_CANDIDATES:
        if path.exists() and "dejavu" not in path.name.lower():
            font_manager.fontManager.addfont(str(path))
            name = font_manager.FontProperties(fname=str(path)).get_name()
            if name not in families:
                families.append(name)
    return [*families, "DejaVu Sans"]


def _colour(place: int) -> str:
    return {1: _GOLD, 2: _SILVER, 3: _BRONZE}.get(place, _OTHER)


def render_leaderboard(spec: ChartSpec) -> bytes:
    """A horizontal bar chart, best at the top; ties share a colour because they share a place."""
    bars = spec.bars[:MAX_BARS]
    plt = _pyplot()
    with warnings.catch_warnings(), plt.rc_context({"font.family": _font_families(), "font.size": 12}):
        # Names may hold emoji no installed font draws: they show as boxes, which is no reason to fill the logs.
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        height = 2.2 + 0.55 * max(len(bars), 3)
        figure, axes = plt.subplots(figsize=(8, height), dpi=DPI)
        try:
            figure.suptitle(spec.title, fontsize=17, x=0.02, ha="left")
            axes.set_title(spec.subtitle, fontsize=11, loc="left", color="#555555")
            if not bars:
                axes.text(0.5, 0.5, spec.empty_text, ha="center", va="center", fontsize=15, transform=axes.transAxes)
                axes.set_axis_off()
            else:
                _draw_bars(axes, bars, spec.points_label)
            figure.tight_layout()
            out = io.BytesIO()
            figure.savefig(out, format="png")
            return out.getvalue()
        finally:
            plt.close(figure)


def _draw_face(axes: Axes, face: np.ndarray, position: int) -> None:
    from matplotlib.offsetbox import AnnotationBbox, OffsetImage

    # OffsetImage sizes in points (1/72 inch): FACE_PX pixels are FACE_PX · 72 / DPI points.
    picture = OffsetImage(face, zoom=FACE_PX / max(face.shape[:2]) * 72 / DPI)
    box = AnnotationBbox(
        picture,
        (0, position),
        xybox=(-FACE_PAD_PT / 2, 0),
        xycoords=("axes fraction", "data"),
        boxcoords="offset points",
        frameon=False,
        annotation_clip=False,
    )
    axes.add_artist(box)


def _draw_bars(axes: Axes, bars: Sequence[Bar], points_label: str) -> None:
    positions = list(range(len(bars)))[::-1]
    values = [bar.points for bar in bars]
    axes.barh(positions, values, color=[_colour(bar.place) for bar in bars], height=0.6)
    axes.set_yticks(positions, [f"{bar.place}. {bar.label}" for bar in bars])
    if any(bar.face is not None for bar in bars):
        axes.tick_params(axis="y", pad=FACE_PAD_PT, length=0)
        for position, bar in zip(positions, bars, strict=True):
            if bar.face is not None:
                _draw_face(axes, bar.face, position)
    top = max(values) or 1
    axes.set_xlim(0, top * 1.18)
    for position, bar in zip(positions, bars, strict=True):
        axes.text(bar.points + top * 0.01, position, bar.points_text, va="center", fontsize=11)
    axes.set_xlabel(points_label)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
