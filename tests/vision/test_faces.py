"""Face detection and embedding on real photos from ../shared/eval (skipped without it) and on generated arrays."""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
import pytest

from evals.common import eval_data_dir
from vision.faces import EMBEDDING_DIM, DetectedFace, FaceModels, detect_faces, embed_faces
from vision.images import load_rgb

DATA = eval_data_dir()
GROUP_PHOTO = "photobooth/images/pexels-melike-benli-9041810.jpg"  # 5 women toasting (annotator: 5 faces)


def _eval_image(relative: str) -> np.ndarray:
    if DATA is None or not (DATA / relative).is_file():
        pytest.skip(f"evaluation data not found ({relative}): set EVAL_DATA or place it at ../shared/eval")
    return load_rgb((DATA / relative).read_bytes())


def _identity_photos(person: str, count: int) -> list[np.ndarray]:
    if DATA is None or not (DATA / "identity" / "labels.csv").is_file():
        pytest.skip("identity set not found: set EVAL_DATA or place it at ../shared/eval")
    with (DATA / "identity" / "labels.csv").open(newline="", encoding="utf-8") as handle:
        files = [row["file"] for row in csv.DictReader(handle) if row["identity"] == person][:count]
    return [load_rgb((DATA / "identity" / name).read_bytes()) for name in files]


def _central(rgb: np.ndarray, faces: list[DetectedFace]) -> DetectedFace:
    centre = np.array([rgb.shape[1] / 2, rgb.shape[0] / 2])
    return min(faces, key=lambda f: np.linalg.norm(np.array(f.box[:2]) + np.array(f.box[2:]) / 2 - centre))


def test_no_face_in_flat_or_noise_images() -> None:
    rng = np.random.default_rng(0)
    assert detect_faces(np.full((480, 640, 3), 127, np.uint8)) == []
    assert detect_faces(rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)) == []


def test_tiny_images_give_no_face_rather_than_an_error() -> None:
    assert detect_faces(np.zeros((5, 5, 3), np.uint8)) == []
    assert detect_faces(np.zeros((0, 0, 3), np.uint8)) == []


@pytest.mark.parametrize(
    ("image", "error"),
    [
        (np.zeros((64, 64, 3), np.float32), ValueError),
        (np.zeros((64, 64, 2), np.uint8), ValueError),
        (np.zeros((2, 64, 64, 3), np.uint8), ValueError),
        ([[0, 0], [0, 0]], TypeError),
    ],
)
def test_unusable_arrays_raise_a_clear_error(image: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="expected"):
        detect_faces(image)  # type: ignore[arg-type]


def test_group_photo_faces_with_landmarks_in_contract_order() -> None:
    rgb = _eval_image(GROUP_PHOTO)
    faces = detect_faces(rgb)
    assert len(faces) == 5
    assert [f.score for f in faces] == sorted((f.score for f in faces), reverse=True)
    for face in faces:
        x, y, w, h = face.box
        assert x >= 0 and y >= 0 and x + w <= rgb.shape[1] and y + h <= rgb.shape[0]
        assert 0.5 <= face.score <= 1.0
        right_eye, left_eye, nose, right_mouth, left_mouth = face.landmarks
        # the person's right eye / mouth corner is on the viewer's left, eyes above the nose above the mouth
        assert right_eye[0] < left_eye[0] and right_mouth[0] < left_mouth[0]
        assert max(right_eye[1], left_eye[1]) < nose[1] < min(right_mouth[1], left_mouth[1])
        for px, py in face.landmarks:
            assert x - w * 0.1 <= px <= x + w * 1.1 and y - h * 0.1 <= py <= y + h * 1.1


def test_greyscale_and_rgba_arrays_find_the_same_faces() -> None:
    rgb = _eval_image(GROUP_PHOTO)
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    assert len(detect_faces(grey)) == 5
    assert len(detect_faces(rgba)) == len(detect_faces(rgb))


def test_40_px_faces_in_a_large_photo_are_found() -> None:
    rgb = _eval_image(GROUP_PHOTO)
    shrunk = cv2.resize(rgb, None, fx=0.3, fy=0.3, interpolation=cv2.INTER_AREA)  # faces ~40-50 px wide
    canvas = np.full((3000, 4400, 3), 120, np.uint8)
    canvas[1200 : 1200 + shrunk.shape[0], 1800 : 1800 + shrunk.shape[1]] = shrunk
    faces = detect_faces(canvas)
    assert len(faces) == 5
    assert all(1800 <= f.box[0] < 1800 + shrunk.shape[1] and 36 <= f.box[2] <= 70 for f in faces)


def test_min_size_drops_smaller_faces() -> None:
    rgb = _eval_image(GROUP_PHOTO)
    widths = sorted(f.box[2] for f in detect_faces(rgb))
    kept = detect_faces(rgb, min_size=widths[2] + 1)
    assert len(kept) == 2 and all(f.box[2] > widths[2] for f in kept)


def test_tight_face_crop_is_found() -> None:
    if DATA is None or not (DATA / "smile" / "labels.csv").is_file():
        pytest.skip("smile crops not found: set EVAL_DATA or place it at ../shared/eval")
    with (DATA / "smile" / "labels.csv").open(newline="", encoding="utf-8") as handle:
        files = [row["file"] for row in csv.DictReader(handle)][:20]
    found = sum(bool(detect_faces(load_rgb((DATA / "smile" / name).read_bytes()))) for name in files)
    assert found >= 17  # 64×64 crops that are nearly all face (eval_faces: ~94 % over the set)


def test_embeddings_are_unit_vectors_and_tell_people_apart() -> None:
    serena = _identity_photos("Serena_Williams", 3)
    powell = _identity_photos("Colin_Powell", 2)
    vectors = []
    for rgb in serena + powell:
        faces = detect_faces(rgb)
        embedding = embed_faces(rgb, [_central(rgb, faces)])
        assert embedding.shape == (1, EMBEDDING_DIM) and embedding.dtype == np.float32
        vectors.append(embedding[0])
    matrix = np.stack(vectors)
    np.testing.assert_allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-5)
    distance = np.linalg.norm(matrix[:, None] - matrix[None], axis=2)
    same = [distance[0, 1], distance[0, 2], distance[1, 2], distance[3, 4]]
    different = distance[:3, 3:].ravel()
    assert max(same) < min(different)


def test_embed_faces_with_no_faces_and_the_models_are_shared() -> None:
    assert embed_faces(np.zeros((50, 50, 3), np.uint8), []).shape == (0, EMBEDDING_DIM)
    assert FaceModels.shared() is FaceModels.shared()


def test_embedding_of_a_greyscale_copy_stays_close() -> None:
    rgb = _identity_photos("Jackie_Chan", 1)[0]
    face = _central(rgb, detect_faces(rgb))
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    colour_vec, grey_vec = embed_faces(rgb, [face])[0], embed_faces(grey, [face])[0]
    assert float(np.linalg.norm(colour_vec - grey_vec)) < 0.3


def test_missing_model_names_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vision.models import store as model_store

    monkeypatch.setenv(model_store.MODEL_DIR_ENV, str(tmp_path))
    model_store._checked_path.cache_clear()
    try:
        with pytest.raises(model_store.ModelMissing, match="make models"):
            FaceModels()
    finally:
        model_store._checked_path.cache_clear()


def test_faces_of_a_cut_view_embed_like_a_copy() -> None:
    rgb = _eval_image(GROUP_PHOTO)
    view = rgb[100:, 200:]  # a frame of a strip is a non-contiguous view into the file's array
    faces = detect_faces(view)
    assert len(faces) == 5
    np.testing.assert_allclose(embed_faces(view, faces), embed_faces(view.copy(), faces), atol=1e-5)
