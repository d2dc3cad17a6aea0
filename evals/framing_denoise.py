"""Scratch harness of README "Framing" → "Eighth attempt": the small face denoised (at its own pixels, before it is
brought to the 48-px reading view) for faces whose detector box is under SMALL px, the same at fit time (GENKI
printed and half-size copies) and when the pairs are read. Re-reads only the items the filter touches; every other
item is copied from `.cache/framing5` (evals.framing_pixels collect). Then scores the shipped recipe on the arrays.

    .venv/bin/python -m evals.framing_denoise collect FILTER [SMALL]   # .cache/framing8/FILTER-SMALL
    .venv/bin/python -m evals.framing_denoise report FILTER [SMALL]
    .venv/bin/python -m evals.framing_denoise tta s11,s22 [SMALL]      # views averaged ("base" + the caches named)

FILTER "s11" / "s22" is no filter: the crop moved by 1 / 2 native px, the test-time views of `tta`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import cv2
import numpy as np

from evals import framing_pixels as fp
from evals.common import eval_data_dir
from vision.smile import scorer as smile_scorer
from vision.smile.scorer import SmileScorer

OLD = fp.CACHE


def _bilateral(rgb: np.ndarray) -> np.ndarray:
    return cv2.bilateralFilter(rgb, 5, 25, 3)


def _nlm(h: float) -> Callable[[np.ndarray], np.ndarray]:
    def run(rgb: np.ndarray) -> np.ndarray:
        return cv2.fastNlMeansDenoisingColored(np.ascontiguousarray(rgb), None, h, h, 5, 11)

    return run


def _gauss(sigma: float) -> Callable[[np.ndarray], np.ndarray]:
    def run(rgb: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(rgb, (0, 0), sigma)

    return run


FILTERS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "none": lambda rgb: rgb,
    "bil": _bilateral,
    "nlm3": _nlm(3.0),
    "nlm5": _nlm(5.0),
    "g04": _gauss(0.4),
    "g06": _gauss(0.6),
    # not filters: the crop moved by 1 / 2 native px (test-time views of `tta`: JPEG's 8x8 grid falls elsewhere)
    "s11": lambda rgb: rgb[1:, 1:],
    "s22": lambda rgb: rgb[2:, 2:],
}


def install(name: str, small: float) -> None:
    """reading_views of the harness with the filter on the crop of faces under `small` px."""
    denoise = FILTERS.get(name, FILTERS["none"])
    original = smile_scorer.reading_views

    def reading_views(crop: np.ndarray, face_side: float) -> list[np.ndarray]:
        if crop.size and 0 < face_side < small:
            crop = denoise(np.ascontiguousarray(crop))
        return original(crop, face_side)

    fp.reading_views = reading_views
    fp.CACHE = OLD if name == "base" else OLD.parent / "framing8" / f"{name}-{small:.0f}"


def collect(name: str, small: float) -> None:
    install(name, small)
    data = eval_data_dir()
    assert data is not None
    scorer = SmileScorer()
    fp.CACHE.mkdir(parents=True, exist_ok=True)
    need = []
    for variant in fp.GENKI_VARIANTS:
        old = dict(np.load(OLD / f"genki-{variant}.npz"))
        if (old["side"] >= small).all():
            np.savez_compressed(fp.CACHE / f"genki-{variant}.npz", **old)
        else:
            need.append(variant)
    fp.collect_genki(data, scorer, need)
    real_add = fp.add_item
    for which in ("pibooth", "pairs"):
        fp.add_item = _replaying(dict(np.load(OLD / f"{which}.npz")), small, real_add)
        {"pibooth": fp.collect_pibooth, "pairs": fp.collect_pairs}[which](data, scorer)
        fp.add_item = real_add


def _replaying(old: dict[str, np.ndarray], small: float, real_add: Callable[..., None]) -> Callable[..., None]:
    """add_item that re-reads only faces under `small` px and copies every other item, in order, from `old`."""
    counter = [0]

    def add_item(items: fp.Items, sc: SmileScorer, crop: np.ndarray, side: float, *, gate: bool = True) -> None:
        i = counter[0]
        counter[0] += 1
        assert abs(float(old["side"][i]) - float(side)) < 1e-6, (i, side)
        if side < small:
            real_add(items, sc, crop, side, gate=gate)
            return
        for key in ("meas", "meas_m", "view", "pts", "pts_m"):
            getattr(items, key).append(old[key][i])
        items.side.append(float(old["side"][i]))
        items.gate.append(bool(old["gate"][i]))

    return add_item


def report(name: str, small: float) -> None:
    from evals import framing_size as fs

    install(name, small)
    fs_setup = fp.setup()
    r, b = fs.evaluate(fs_setup, fp.Pixels(), 0.3, fs.Stack("plain"))
    print(
        f"{name}<{small:.0f} acc {r['colour_acc']:.4f} ({r['found']}) p1 {r['print1_acc']:.3f} p2 {r['print2_acc']:.3f}"
        f" half {r['half_acc']:.3f} ECE {r['ece']:.3f} med {r['med0']:.0f}/{r['med1']:.0f} | pairs "
        f"{r['pairs_p90']:.2f}; {r['pairs_strip_p90']:.2f} / {r['pairs_collage_p90']:.2f} (n {r['pairs_n']}) | pibooth "
        f"{r['pibooth_p90']:.1f} / {r['pibooth_max']:.1f} | b {np.round(b, 3)}",
        flush=True,
    )


def tta(names: list[str], small: float) -> None:
    """The shipped recipe with every face under `small` px read from several views (the caches `names`, "base" the
    shipped one), their measurements and pixel descriptors averaged (= the logits averaged: every part of the score
    is linear in them but the small-face blend and the mirror rule), the same at fit time."""
    from evals import framing_size as fs

    install("base", small)
    s = fp.setup()
    others = []
    for name in names:
        install(name, small)
        others.append({key: fp._load(key) for key in [f"genki-{v}" for v in fp.GENKI_VARIANTS] + ["pairs", "pibooth"]})
    install("base", small)
    real_describe = fp.describe_all

    def items_sets(items: dict[str, np.ndarray]) -> list[dict[str, np.ndarray]]:
        return [items, *items.get("_tta", [])]

    def describe_all(items: dict[str, np.ndarray], pixels: fp.Pixels) -> np.ndarray:
        tables = [real_describe(one, pixels) for one in items_sets(items)]
        return np.nanmean(tables, axis=0)

    def merge(items: dict[str, np.ndarray], alternatives: list[dict[str, np.ndarray]]) -> None:
        small_rows = items["side"] < small
        for alt in alternatives:
            assert np.allclose(alt["side"], items["side"])
        items["_tta"] = alternatives  # type: ignore[assignment]
        for key in ("meas", "meas_m"):
            stacked = np.nanmean([items[key], *[alt[key] for alt in alternatives]], axis=0)
            items[key] = np.where(small_rows[:, None], stacked, items[key])

    for variant in fp.GENKI_VARIANTS:
        merge(s.genki[variant], [other[f"genki-{variant}"] for other in others])
        s.views[variant] = fp._averaged(s.genki[variant])
    merge(s.pairs["pairs"], [other["pairs"] for other in others])
    merge(s.pibooth, [other["pibooth"] for other in others])
    s.recipes = [fp.Recipe(s.views, s.labels, train) for train, _ in s.folds]
    s.whole = fp.Recipe(s.views, s.labels, np.arange(len(s.labels)))
    fp.describe_all = describe_all
    fs.describe_all = describe_all
    r, b = fs.evaluate(s, fp.Pixels(), 0.3, fs.Stack("plain"))
    print(
        f"tta base+{'+'.join(names)}<{small:.0f} acc {r['colour_acc']:.4f} ({r['found']}) p1 {r['print1_acc']:.3f} "
        f"p2 {r['print2_acc']:.3f} half {r['half_acc']:.3f} ECE {r['ece']:.3f} med {r['med0']:.0f}/{r['med1']:.0f} | "
        f"pairs {r['pairs_p90']:.2f}; {r['pairs_strip_p90']:.2f} / {r['pairs_collage_p90']:.2f} (n {r['pairs_n']}) | "
        f"pibooth {r['pibooth_p90']:.1f} / {r['pibooth_max']:.1f} | b {np.round(b, 3)}",
        flush=True,
    )


def main(argv: list[str]) -> int:
    if argv[0] == "tta":
        tta(argv[1].split(","), float(argv[2]) if len(argv) > 2 else 64.0)
        return 0
    name, small = argv[1], float(argv[2]) if len(argv) > 2 else 64.0
    {"collect": collect, "report": report}[argv[0]](name, small)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
