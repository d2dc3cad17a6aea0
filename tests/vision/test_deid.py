"""De-identified pose examples (vision.deid): stylisers, face covering, the embedder check that refuses examples.

Real faces come from ../shared/eval/identity (skipped without it), pasted into constructed scenes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import vision.deid.example as example_module
from tests.e2e.face_photos import identity_photos
from vision.deid import (
    DEID_THRESHOLD,
    AnimeGan,
    CartoonFilter,
    CoverStyle,
    RefusedReason,
    StyleNet,
    load_stylizer,
    make_example,
)
from vision.deid.cover import cover_faces, finger_mask, unstyled_hands
from vision.deid.verify import nearest_distance, protected_matrix
from vision.faces import detect_faces, embed_faces


def _scene(face_photo: Path, size: tuple[int, int] = (480, 400)) -> np.ndarray:
    """A constructed picture: a pale wall, the face photo (LFW, 150 px) enlarged in the upper middle, a shirt."""
    width = size[0]
    canvas = Image.new("RGB", size, (226, 232, 238))
    face = Image.open(face_photo).convert("RGB").resize((220, 220), Image.Resampling.LANCZOS)
    canvas.paste(face, ((width - 220) // 2, 30))
    rgb = np.asarray(canvas).copy()
    rgb[250:, 120 : width - 120] = (70, 110, 180)
    return rgb


def _keep_everything(rgb: np.ndarray, faces: object, keep: object = None, *, style: object = None) -> np.ndarray:
    return rgb.copy()


class _Unchanged:
    name = "unchanged"

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        return rgb.copy()


def test_a_face_in_the_picture_is_covered_and_the_example_passes_the_check() -> None:
    [[photo]] = identity_photos(1, 1)
    scene = _scene(photo)
    [face] = detect_faces(scene)
    example = make_example(scene, stylizer=CartoonFilter())
    assert example.rgb is not None and example.refused_reason is None
    assert example.faces_replaced == 1
    assert example.min_distance > DEID_THRESHOLD
    x, y, w, h = face.box
    before = scene[y : y + h, x : x + w].astype(int)
    after = example.rgb[y : y + h, x : x + w].astype(int)
    assert np.abs(before - after).mean() > 20, "the face region must be replaced, not just restyled"
    assert detect_faces(example.rgb, min_size=16) == [], "no face is left for the detector to find"


def test_the_check_refuses_an_example_that_still_shows_the_original_face(monkeypatch: pytest.MonkeyPatch) -> None:
    [[photo]] = identity_photos(1, 1)
    monkeypatch.setattr(example_module, "cover_faces", _keep_everything)
    example = make_example(_scene(photo), stylizer=_Unchanged())
    assert example.rgb is None
    assert example.refused_reason is RefusedReason.IDENTIFIABLE
    assert example.min_distance < 0.05, "the face left in is the original face itself"


def test_the_check_refuses_a_face_of_the_source_chat_even_from_another_photo() -> None:
    """The chat's people are protected, not only the photo's own faces: another photo of the same person is caught."""
    [[first, second]] = identity_photos(1, 2)
    one, other = _scene(first), _scene(second)
    chat = embed_faces(one, detect_faces(one))
    distance, found = nearest_distance(other, protected_matrix(list(chat)))
    assert found == 1 and distance <= DEID_THRESHOLD
    [[stranger]] = identity_photos(2, 1)[1:]
    distance, _ = nearest_distance(_scene(stranger), protected_matrix(chat))
    assert distance > DEID_THRESHOLD


def test_a_picture_without_faces_passes_with_nothing_to_compare() -> None:
    rgb = np.full((240, 320, 3), 200, np.uint8)
    rgb[100:200, 60:260] = (30, 160, 90)
    example = make_example(rgb, [np.ones(128, np.float32)], stylizer=CartoonFilter())
    assert example.rgb is not None and example.rgb.shape == rgb.shape
    assert example.faces_replaced == 0 and example.min_distance == float("inf")


def test_protected_embeddings_are_normalised_and_may_be_empty() -> None:
    assert protected_matrix([]).shape == (0, 128)
    rows = protected_matrix([np.full(128, 3.0, np.float32), np.arange(128, dtype=np.float32)])
    assert rows.shape == (2, 128)
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0)


@pytest.mark.parametrize("stylizer", [CartoonFilter(), StyleNet()], ids=["opencv", "multistyle26"])
def test_stylisers_keep_the_size_and_change_the_look(stylizer: CartoonFilter | StyleNet) -> None:
    rng = np.random.default_rng(3)
    rgb = cv_gradient(203, 301) // 2 + rng.integers(0, 100, (203, 301, 3), dtype=np.uint8)
    out = stylizer(rgb)
    assert out.shape == rgb.shape and out.dtype == np.uint8
    assert np.abs(out.astype(int) - rgb.astype(int)).mean() > 5


def cv_gradient(height: int, width: int) -> np.ndarray:
    ys, xs = np.mgrid[0:height, 0:width]
    return np.stack([xs * 255 // width, ys * 255 // height, (xs + ys) * 255 // (height + width)], axis=2).astype(
        np.uint8
    )


def _tiny_animegan(path: Path) -> None:
    """An ONNX model with AnimeGANv3's contract (NHWC float RGB in [-1, 1]) that negates the picture. It only runs on
    sides that are multiples of 8: SpaceToDepth(8) rejects anything else, as AnimeGAN's strided convolutions do."""
    onnx = pytest.importorskip("onnx")
    helper, tensor = onnx.helper, onnx.TensorProto
    nodes = [
        helper.make_node("Transpose", ["image"], ["nchw"], perm=[0, 3, 1, 2]),
        helper.make_node("SpaceToDepth", ["nchw"], ["blocks"], blocksize=8),
        helper.make_node("DepthToSpace", ["blocks"], ["back"], blocksize=8, mode="DCR"),
        helper.make_node("Neg", ["back"], ["negated"]),
        helper.make_node("Transpose", ["negated"], ["styled"], perm=[0, 2, 3, 1]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny_animegan",
        [helper.make_tensor_value_info("image", tensor.FLOAT, [1, None, None, 3])],
        [helper.make_tensor_value_info("styled", tensor.FLOAT, [1, None, None, 3])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.write_bytes(model.SerializeToString())


def test_animegan_loader_feeds_nhwc_minus_one_to_one_at_multiples_of_8(tmp_path: Path) -> None:
    model = tmp_path / "tiny.onnx"
    _tiny_animegan(model)
    stylizer = load_stylizer(model)
    assert isinstance(stylizer, AnimeGan)
    rgb = cv_gradient(203, 301)  # neither side a multiple of 8, both under the 256 minimum
    out = stylizer(rgb)
    assert out.shape == rgb.shape
    # negation in [-1, 1] is 255 - v in [0, 255]: proves the scaling both ways and the layout (channels last)
    assert np.abs(out.astype(int) - (255 - rgb.astype(int))).max() <= 1


def test_animegan_needs_an_existing_file_and_an_image_input(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="ANIMEGAN_MODEL"):
        AnimeGan(tmp_path / "missing.onnx")


def test_without_animegan_the_shipped_style_is_used() -> None:
    assert isinstance(load_stylizer(None), StyleNet)
    assert isinstance(load_stylizer(""), StyleNet)


def test_a_flat_face_is_tried_when_the_mosaic_still_looks_like_the_person(monkeypatch: pytest.MonkeyPatch) -> None:
    [[photo]] = identity_photos(1, 1)
    seen: list[np.ndarray] = []

    def mosaic_fails(rgb: np.ndarray, protected: np.ndarray) -> tuple[float, int]:
        seen.append(rgb)
        return (0.3, 1) if len(seen) == 1 else (float("inf"), 0)

    monkeypatch.setattr(example_module, "nearest_distance", mosaic_fails)
    example = make_example(_scene(photo), stylizer=_Unchanged())
    assert example.cover is CoverStyle.SOLID and example.rgb is seen[1]
    monkeypatch.setattr(example_module, "nearest_distance", lambda rgb, protected: (0.3, 1))
    refused = make_example(_scene(photo), stylizer=_Unchanged())
    assert refused.rgb is None and refused.cover is None and refused.min_distance == 0.3


def test_covers_leave_no_face_detail() -> None:
    [[photo]] = identity_photos(1, 1)
    scene = _scene(photo)
    [face] = detect_faces(scene)
    x, y, w, h = face.box
    inner = (slice(y + h // 4, y + 3 * h // 4), slice(x + w // 4, x + 3 * w // 4))
    solid = cover_faces(scene, [face], style=CoverStyle.SOLID)[inner]
    assert solid.reshape(-1, 3).std(axis=0).max() < 1.0, "one flat colour over the face"
    mosaic = cover_faces(scene, [face], style=CoverStyle.MOSAIC)[inner]
    assert len(np.unique(mosaic.reshape(-1, 3), axis=0)) <= 16, "a few coarse cells (0.29 face widths), no detail"
    assert detect_faces(cover_faces(scene, [face]), min_size=16) == []


def test_fingers_in_front_of_a_face_stay_and_the_face_between_them_is_covered() -> None:
    [[photo]] = identity_photos(1, 1)
    scene = _scene(photo)
    [face] = detect_faces(scene)
    x, y, w, h = face.box

    # a V-sign held up across the face: palm under the chin, index and middle finger spread up over the eyes,
    # thumb, ring and little finger folded by the palm
    def chain(start: tuple[float, float], end: tuple[float, float]) -> list[tuple[float, float]]:
        (x0, y0), (x1, y1) = start, end
        return [(x + w * (x0 + (x1 - x0) * k / 3), y + h * (y0 + (y1 - y0) * k / 3)) for k in range(4)]

    points = np.array(
        [
            (x + w * 0.5, y + h * 1.4),  # wrist
            *chain((0.3, 1.3), (0.4, 1.05)),  # thumb
            *chain((0.35, 1.0), (0.15, 0.1)),  # index
            *chain((0.6, 1.0), (0.85, 0.1)),  # middle
            *chain((0.7, 1.05), (0.65, 0.95)),  # ring
            *chain((0.8, 1.1), (0.75, 1.0)),  # little
        ]
    )
    mask = finger_mask(scene.shape, [points])
    covered = cover_faces(scene, [face], mask)
    assert np.array_equal(covered[mask], scene[mask]), "the fingers are the photo's own pixels"
    assert mask[round(points[7, 1]), round(points[7, 0])], "a finger in front of the face is kept"
    gap = (y + round(h * 0.3), x + w // 2)  # between the V's fingers, on the face
    assert not mask[gap]
    assert np.abs(covered[gap].astype(int) - scene[gap].astype(int)).sum() > 0, "the face between them is covered"


def test_hands_are_left_out_of_the_style_and_the_rest_keeps_it() -> None:
    photo = np.full((300, 400, 3), 240, np.uint8)
    styled = np.full_like(photo, 20)
    wrist, knuckle = np.array([100.0, 250.0]), np.array([100.0, 190.0])
    points = np.array(
        [wrist + (knuckle - wrist) * t + np.array([dx, 0]) for t in np.linspace(0, 2, 7) for dx in (-15, 0, 15)]
    )
    points[0], points[9] = wrist, knuckle
    out = unstyled_hands(styled, photo, [points])
    assert out[220, 100].tolist() == [240, 240, 240], "the hand is the photo"
    assert out[50, 350].tolist() == [20, 20, 20], "away from the hand the style stays"
    row = out[220, 100:, 0].astype(int)
    assert ((row > 20) & (row < 240)).any(), "a feathered edge, no hard seam"
