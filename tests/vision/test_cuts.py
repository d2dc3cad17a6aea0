"""vision.cuts: synthetic prints with known frame boxes, tempting plain photos, and the real photobooth set."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from evals.common import eval_data_dir
from evals.eval_cuts import at_long_side, expected_layout
from evals.synthetic_cuts import SyntheticCut, box_iou, generated_frame, make_cut, tempting_photo
from vision.cuts import CutLayout, split_cuts
from vision.images import load_rgb

WHITE, BLACK, PINK, BLUE, RED = (255, 255, 255), (0, 0, 0), (250, 214, 222), (40, 90, 200), (200, 40, 60)


def assert_frames_match(layout: CutLayout, sample: SyntheticCut, tolerance_px: float) -> None:
    assert len(layout.frames) == len(sample.boxes)
    assert [frame.index for frame in layout.frames] == list(range(len(sample.boxes)))
    for frame, expected in zip(layout.frames, sample.boxes, strict=True):
        error = np.abs(np.array(frame.box) - np.array(expected)).max()
        assert error <= tolerance_px, f"frame {frame.index}: got {frame.box}, expected {expected}"


@pytest.mark.parametrize(
    ("layout", "background", "seed"),
    [
        ((1, 4), WHITE, 1),
        ((1, 4), BLACK, 2),
        ((1, 4), PINK, 3),
        ((4, 1), BLUE, 4),
        ((2, 2), WHITE, 5),
        ((2, 2), RED, 6),
        ((2, 3), BLACK, 7),
        ((2, 3), PINK, 8),
        ((3, 2), WHITE, 9),
    ],
)
def test_layouts_split_into_their_frames(layout: tuple[int, int], background: tuple[int, int, int], seed: int) -> None:
    sample = make_cut(np.random.default_rng(seed), layout, background=background, frame_width=280)
    result = split_cuts(sample.rgb)
    assert (result.kind, result.duplicated) == (sample.kind, False)
    assert (result.cols, result.rows) == layout
    assert_frames_match(result, sample, tolerance_px=3)


@pytest.mark.parametrize("seed", [11, 12, 13, 14])
def test_jpeg_noise_keeps_frames_within_a_few_pixels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    layout = ((1, 4), (2, 2), (2, 3), (1, 4))[seed % 4]
    sample = make_cut(rng, layout, jpeg_quality=60, frame_width=320)
    result = split_cuts(sample.rgb)
    assert result.kind == sample.kind
    assert_frames_match(result, sample, tolerance_px=4)


@pytest.mark.parametrize(("layout", "angle"), [((1, 4), 1.5), ((2, 2), -2.0), ((2, 3), 1.0), ((1, 4), -1.0)])
def test_slightly_rotated_prints_are_deskewed(layout: tuple[int, int], angle: float) -> None:
    sample = make_cut(np.random.default_rng(21), layout, rotation_deg=angle, jpeg_quality=85, frame_width=300)
    result = split_cuts(sample.rgb)
    assert result.kind == sample.kind
    # a rotated frame is returned as the upright box of the same centre and size
    assert_frames_match(result, sample, tolerance_px=6)


def test_thin_and_thick_borders() -> None:
    for seed, width in ((31, 200), (32, 420)):
        sample = make_cut(np.random.default_rng(seed), (1, 4), frame_width=width, background=WHITE)
        result = split_cuts(sample.rgb)
        assert result.kind == "1x4"
        assert min(box_iou(f.box, b) for f, b in zip(result.frames, sample.boxes, strict=True)) > 0.95


@pytest.mark.parametrize(("seed", "background"), [(41, WHITE), (42, BLACK), (43, PINK), (44, BLUE)])
def test_doubled_strip_gives_one_copy(seed: int, background: tuple[int, int, int]) -> None:
    sample = make_cut(np.random.default_rng(seed), (1, 4), duplicated=True, background=background, jpeg_quality=80)
    result = split_cuts(sample.rgb)
    assert (result.kind, result.duplicated) == ("1x4", True)
    assert_frames_match(result, sample, tolerance_px=4)
    assert all(frame.box[0] + frame.box[2] <= sample.rgb.shape[1] // 2 for frame in result.frames)


def test_two_different_strips_side_by_side_are_not_a_duplicate() -> None:
    rng = np.random.default_rng(51)
    sample = make_cut(rng, (1, 4), duplicated=True, background=WHITE, frame_width=260)
    sheet = sample.rgb.copy()
    half = sheet.shape[1] // 2
    for x, y, w, h in sample.boxes:  # the right strip gets other pictures in the same template
        sheet[y : y + h, half + x : half + x + w] = generated_frame(rng, w, h, avoid=np.array(WHITE))
    result = split_cuts(sheet)
    assert (result.kind, result.duplicated) == ("2x4", False)
    expected = [box for b in sample.boxes for box in (b, (b[0] + half, *b[1:]))]
    got = np.array([frame.box for frame in result.frames])
    assert np.abs(got - np.array(expected)).max() <= 3


def test_similar_consecutive_shots_are_not_a_duplicate() -> None:
    # a booth takes its shots seconds apart: same people, same pose, slightly moved
    rng = np.random.default_rng(56)
    sample = make_cut(rng, (2, 3), background=WHITE, frame_width=260)
    sheet = sample.rgb.copy()
    _, _, w, h = sample.boxes[0]
    base = generated_frame(rng, w + 8, h + 8, avoid=np.array(WHITE))
    for x, y, _, _ in sample.boxes:
        dx, dy = (int(v) for v in rng.integers(0, 9, 2))
        shot = base[dy : dy + h, dx : dx + w].astype(np.int16) + rng.integers(-6, 7, (h, w, 3))
        sheet[y : y + h, x : x + w] = np.clip(shot, 0, 255).astype(np.uint8)
    result = split_cuts(sheet)
    assert (result.kind, result.duplicated, len(result.frames)) == ("2x3", False, 6)


def test_doubled_2x2_sheet_is_recognised() -> None:
    sample = make_cut(np.random.default_rng(61), (2, 2), duplicated=True, background=BLACK)
    result = split_cuts(sample.rgb)
    assert (result.kind, result.duplicated) == ("2x2", True)
    assert_frames_match(result, sample, tolerance_px=3)


@pytest.mark.parametrize("seed", range(70, 82))
def test_tempting_plain_photos_stay_single(seed: int) -> None:
    photo = tempting_photo(np.random.default_rng(seed))
    result = split_cuts(photo)
    assert result.kind == "single"
    assert result.frames[0].box == (0, 0, photo.shape[1], photo.shape[0])
    assert result.duplicated is False


def test_noise_and_flat_images_stay_single() -> None:
    rng = np.random.default_rng(90)
    noise = rng.integers(0, 256, (600, 400, 3), dtype=np.uint8)
    flat = np.full((600, 400, 3), 200, dtype=np.uint8)
    assert split_cuts(noise).kind == "single"
    assert split_cuts(flat).kind == "single"


def test_tiny_image_is_single_and_bad_arrays_are_refused() -> None:
    assert split_cuts(np.zeros((10, 10, 3), dtype=np.uint8)).kind == "single"
    with pytest.raises(ValueError, match="RGB"):
        split_cuts(np.zeros((100, 100), dtype=np.uint8))


def test_layout_names_are_columns_by_rows() -> None:
    strip = split_cuts(make_cut(np.random.default_rng(95), (1, 4), background=WHITE).rgb)
    assert (strip.kind, strip.cols, strip.rows) == ("1x4", 1, 4)
    tops = [frame.box[1] for frame in strip.frames]
    assert tops == sorted(tops)  # reading order: top to bottom
    single = CutLayout(kind="single", frames=(), duplicated=False)
    assert (single.cols, single.rows) == (1, 1)


def _photobooth() -> Path:
    data = eval_data_dir()
    folder = data / "photobooth" if data is not None else None
    if folder is None or not (folder / "labels.csv").is_file():
        pytest.skip("real photobooth set absent: set EVAL_DATA or place it at ../shared/eval/photobooth")
    return folder


def _labelled(expected: str) -> list[Path]:
    folder = _photobooth()
    with (folder / "labels.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [folder / r["file"] for r in rows if expected_layout(r["source_label"], r["annotator_note"]) == expected]


def test_real_party_photos_stay_single() -> None:
    paths = _labelled("single")
    assert len(paths) >= 10
    for path in paths:
        result = split_cuts(at_long_side(load_rgb(path.read_bytes())))
        assert result.kind == "single", path.name


def test_real_collages_split_into_four() -> None:
    paths = _labelled("2x2")
    assert len(paths) >= 4
    for path in paths:
        rgb = at_long_side(load_rgb(path.read_bytes()))
        result = split_cuts(rgb)
        assert result.kind == "2x2", path.name
        assert not result.duplicated
        boxes = [frame.box for frame in result.frames]
        # four separate frames of one size that together cover most of the sheet
        assert all(box_iou(a, b) == 0 for i, a in enumerate(boxes) for b in boxes[i + 1 :])
        areas = [w * h for _, _, w, h in boxes]
        assert min(areas) > 0.8 * max(areas)
        assert sum(areas) > 0.35 * rgb.shape[0] * rgb.shape[1]


@pytest.mark.parametrize("duplicated", [False, True])
def test_full_resolution_life4cuts_sheet(duplicated: bool) -> None:
    # a 2x6-inch strip at 300 dpi is about 600 x 1800 px; the 4x6 sheet holds two of them
    sample = make_cut(np.random.default_rng(97), (1, 4), duplicated=duplicated, frame_width=540, jpeg_quality=90)
    assert sample.rgb.shape[0] > 1500
    result = split_cuts(sample.rgb)
    assert (result.kind, result.duplicated) == ("1x4", duplicated)
    assert_frames_match(result, sample, tolerance_px=4)


@pytest.mark.parametrize(
    ("layout", "options"),
    [
        ((1, 4), {"gradient": 60.0}),
        ((2, 2), {"gradient": 45.0, "background": PINK}),
        ((2, 3), {"corner_radius": 24}),
        ((1, 4), {"pattern": True, "stickers": 3}),
        ((2, 2), {"pattern": True, "background": WHITE}),
    ],
)
def test_decorated_templates(layout: tuple[int, int], options: dict) -> None:
    """Gradient backgrounds, rounded frames, leaves under and stickers over the gutters (Korean booth templates)."""
    sample = make_cut(np.random.default_rng(101), layout, frame_width=280, jpeg_quality=85, **options)
    result = split_cuts(sample.rgb)
    assert result.kind == sample.kind
    assert min(box_iou(f.box, b) for f, b in zip(result.frames, sample.boxes, strict=True)) > 0.85
