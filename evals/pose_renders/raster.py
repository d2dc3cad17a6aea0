"""A tiny depth-buffered rasteriser of shaded capsules and ellipsoids (orthographic, numpy only).

Image axes: x right, y down (pixels); z is depth away from the camera (smaller = nearer). A capsule's silhouette
under orthographic projection is exactly the stadium around its projected axis, so it is drawn from 2D distances
with the depth and normal of the swept sphere; ellipsoids are ray-cast exactly. Each primitive is Lambert-shaded
(one key light from the upper front, ambient, a faint highlight) and written where it is nearer than what is there:
hands in front of a face hide it, an arm behind a head is hidden by it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

LIGHT = np.array([-0.35, -0.55, -0.76])
LIGHT = LIGHT / np.linalg.norm(LIGHT)
AMBIENT, DIFFUSE, SPECULAR, SHININESS = 0.42, 0.62, 0.10, 12.0


@dataclass
class Canvas:
    """Colour, depth and primitive-id buffers of one picture (float RGB 0-255)."""

    width: int
    height: int
    colour: np.ndarray = field(init=False)
    depth: np.ndarray = field(init=False)
    ids: np.ndarray = field(init=False)
    next_id: int = field(init=False, default=1)

    def __post_init__(self) -> None:
        self.colour = np.zeros((self.height, self.width, 3), np.float32)
        self.depth = np.full((self.height, self.width), np.inf, np.float32)
        self.ids = np.zeros((self.height, self.width), np.int32)

    def _window(self, low: np.ndarray, high: np.ndarray) -> tuple[slice, slice, np.ndarray, np.ndarray] | None:
        x0, y0 = max(0, int(np.floor(low[0]))), max(0, int(np.floor(low[1])))
        x1, y1 = min(self.width, int(np.ceil(high[0])) + 1), min(self.height, int(np.ceil(high[1])) + 1)
        if x0 >= x1 or y0 >= y1:
            return None
        ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        return slice(y0, y1), slice(x0, x1), xs + 0.5, ys + 0.5

    def _write(
        self,
        window: tuple[slice, slice],
        inside: np.ndarray,
        z: np.ndarray,
        normal: np.ndarray,
        albedo: tuple[float, float, float],
        gloss: float,
    ) -> int:
        rows, cols = window
        depth = self.depth[rows, cols]
        nearer = inside & (z < depth)
        if not nearer.any():
            return 0
        shade = shade_normals(normal[nearer], gloss)
        colour = self.colour[rows, cols]
        colour[nearer] = np.asarray(albedo, np.float32) * shade[:, :1] + 255.0 * shade[:, 1:]
        depth[nearer] = z[nearer]
        ident = self.next_id
        self.ids[rows, cols][nearer] = ident
        self.next_id += 1
        return ident

    def capsule(
        self,
        a: np.ndarray,
        b: np.ndarray,
        radius_a: float,
        radius_b: float,
        albedo: tuple[float, float, float],
        gloss: float = 0.3,
    ) -> int:
        """A tapered capsule from 3D point `a` to `b`; returns its id (0 when nothing of it is visible)."""
        a, b = np.asarray(a, np.float32), np.asarray(b, np.float32)
        reach = max(radius_a, radius_b)
        found = self._window(np.minimum(a[:2], b[:2]) - reach, np.maximum(a[:2], b[:2]) + reach)
        if found is None:
            return 0
        rows, cols, xs, ys = found
        axis = b[:2] - a[:2]
        length2 = float(axis @ axis)
        if length2 < 1e-6:
            s = np.zeros_like(xs)
        else:
            s = np.clip(((xs - a[0]) * axis[0] + (ys - a[1]) * axis[1]) / length2, 0.0, 1.0)
        dx, dy = xs - (a[0] + s * axis[0]), ys - (a[1] + s * axis[1])
        radius = radius_a + s * (radius_b - radius_a)
        d2 = dx * dx + dy * dy
        inside = d2 < radius * radius
        height = np.sqrt(np.maximum(radius * radius - d2, 0.0))
        z = a[2] + s * (b[2] - a[2]) - height
        normal = np.stack([dx, dy, -height], axis=-1) / np.maximum(radius, 1e-3)[..., None]
        return self._write((rows, cols), inside, z, normal, albedo, gloss)

    def ellipsoid(
        self,
        centre: np.ndarray,
        axes: np.ndarray,
        radii: tuple[float, float, float],
        albedo: tuple[float, float, float],
        gloss: float = 0.2,
    ) -> int:
        """An ellipsoid: `axes` (3, 3) has its unit axes as columns, `radii` the semi-axis lengths."""
        centre = np.asarray(centre, np.float32)
        axes = np.asarray(axes, np.float32)
        scaled = axes * np.asarray(radii, np.float32)  # columns: semi-axis vectors
        extent = np.sqrt((scaled[:2] ** 2).sum(axis=1))
        found = self._window(centre[:2] - extent, centre[:2] + extent)
        if found is None:
            return 0
        rows, cols, xs, ys = found
        to_local = (axes / np.asarray(radii, np.float32)).T  # world offset → unit-sphere coordinates
        start = np.stack([xs - centre[0], ys - centre[1], np.full_like(xs, -centre[2])], axis=-1) @ to_local.T
        step = to_local @ np.array([0.0, 0.0, 1.0], np.float32)
        half_b = start @ step
        c = (start * start).sum(axis=-1) - 1.0
        a2 = float(step @ step)
        disc = half_b * half_b - a2 * c
        inside = disc > 0
        t = (-half_b - np.sqrt(np.maximum(disc, 0.0))) / a2
        local = start + t[..., None] * step
        normal = (local / np.asarray(radii, np.float32)) @ axes.T
        normal /= np.maximum(np.linalg.norm(normal, axis=-1, keepdims=True), 1e-6)
        return self._write((rows, cols), inside, t, normal, albedo, gloss)


def shade_normals(normal: np.ndarray, gloss: float) -> np.ndarray:
    """(n, 2): the albedo factor (ambient + Lambert) and an additive white highlight, per unit normal."""
    lambert = np.clip(normal @ LIGHT, 0.0, 1.0)
    half = LIGHT + np.array([0.0, 0.0, -1.0])
    half = half / np.linalg.norm(half)
    highlight = gloss * SPECULAR * np.clip(normal @ half, 0.0, 1.0) ** SHININESS
    return np.stack([AMBIENT + DIFFUSE * lambert, highlight], axis=-1).astype(np.float32)
