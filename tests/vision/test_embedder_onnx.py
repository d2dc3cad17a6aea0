"""The ONNX rebuild of dlib's face ResNet: the .dat reader, the conversion check, equality with dlib on real chips."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from evals.common import eval_data_dir
from vision.faces import FaceModels, detect_faces
from vision.faces import onnx_build as embedder_onnx
from vision.faces.dlib_reader import DlibFormatError, read_dlib_net
from vision.images import load_rgb
from vision.models import ModelMissing, load_manifest, model_dir, model_path

REAL_CHIPS = 60


@pytest.fixture
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty model cache holding only links to the verified model files, so the graph is built anew."""
    source = model_dir()
    for spec in load_manifest().values():
        model_path(spec.name)  # verified (or a clear ModelMissing) before linking
        (tmp_path / spec.file_name).symlink_to(source / spec.file_name)
    monkeypatch.setenv("MODEL_DIR", str(tmp_path))
    return tmp_path


def test_the_reader_finds_the_whole_resnet() -> None:
    net = read_dlib_net(model_path("dlib_face_embedder"))
    kinds = [layer.kind for layer in net.layers]
    assert net.input_size == (150, 150)
    assert np.allclose(net.channel_means, (122.782, 117.001, 104.298), atol=1e-3)
    assert kinds.count("con") == kinds.count("affine") == 29
    assert kinds.count("add_prev") == 14 and kinds.count("avg_pool") == 5 and kinds.count("max_pool") == 1
    assert kinds[0] == "con" and kinds[-1] == "fc"
    assert net.layers[0].weights["filters"].shape == (32, 3, 7, 7)
    assert net.layers[-1].weights["weights"].shape == (256, 128)
    assert net.wrappers.count(1) == 14 + 2 * 4  # a tag per residual block, a tag and a skip per down-sampling one


def test_the_reader_refuses_a_truncated_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.dat"
    broken.write_bytes(model_path("dlib_face_embedder").read_bytes()[:100_000])
    with pytest.raises(DlibFormatError, match="ends inside"):
        read_dlib_net(broken)


def test_the_graph_is_built_into_the_cache_and_matches_dlib_on_check_chips(fresh_cache: Path) -> None:
    path = embedder_onnx.ensure_onnx()
    assert path.parent == fresh_cache and path.name.endswith(".onnx")
    assert not list(fresh_cache.glob("*.part"))
    session = embedder_onnx.session(path, threads=1)
    meta = session.get_modelmeta().custom_metadata_map
    assert meta["source_sha256"] == load_manifest()["dlib_face_embedder"].sha256
    chips = embedder_onnx.check_chips()
    ours = embedder_onnx.run(session, chips)
    difference, cosine = embedder_onnx.compare(
        ours, embedder_onnx.dlib_descriptors(model_path("dlib_face_embedder"), chips)
    )
    assert ours.shape == (len(chips), 128) and difference < 1e-4 and cosine > 0.99999


def test_a_stale_or_broken_cached_graph_is_rebuilt(fresh_cache: Path) -> None:
    embedder_onnx.cached_path().write_bytes(b"not an onnx model")
    path = embedder_onnx.ensure_onnx()
    assert path.stat().st_size > 20_000_000


def test_a_conversion_that_differs_from_dlib_is_refused(fresh_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_reader = embedder_onnx.read_dlib_net

    def slightly_wrong(path: Path):
        net = real_reader(path)
        net.layers[-1].weights["weights"][0, 0] += 0.05  # one weight of the final linear map
        return net

    monkeypatch.setattr(embedder_onnx, "read_dlib_net", slightly_wrong)
    with pytest.raises(ModelMissing, match="differs from dlib"):
        embedder_onnx.ensure_onnx()
    assert not embedder_onnx.cached_path().exists()
    assert not list(fresh_cache.glob("*.part"))


def _real_chips(count: int) -> list[np.ndarray]:
    data = eval_data_dir()
    labels = data / "identity" / "labels.csv" if data else None
    if labels is None or not labels.is_file():
        pytest.skip(
            "identity set not found: set EVAL_DATA or place it at ../shared/eval (real chips are not in the repo)"
        )
    with labels.open(newline="", encoding="utf-8") as handle:
        files = [row["file"] for row in csv.DictReader(handle)]
    models = FaceModels(embedder="dlib")
    chips: list[np.ndarray] = []
    for name in files[:: max(1, len(files) // count)]:
        rgb = load_rgb((labels.parent / name).read_bytes())
        chips.extend(models.chips(rgb, detect_faces(rgb)[:1]))
        if len(chips) == count:
            break
    assert len(chips) == count, f"only {len(chips)} faces found in the identity set"
    return chips


def test_onnx_embeddings_equal_dlibs_on_real_face_chips() -> None:
    chips = _real_chips(REAL_CHIPS)
    reference = FaceModels(embedder="dlib").embed_chips(chips)
    ours = FaceModels(embedder="onnx", threads=1).embed_chips(chips)
    assert ours.shape == reference.shape == (REAL_CHIPS, 128)
    per_face = np.max(np.abs(ours - reference), axis=1)
    cosines = np.sum(ours * reference, axis=1) / (np.linalg.norm(ours, axis=1) * np.linalg.norm(reference, axis=1))
    assert per_face.max() < 1e-3, f"largest component difference {per_face.max():.2e}"
    assert cosines.min() >= 0.9999, f"smallest cosine {cosines.min():.6f}"


def test_the_embedder_choice_is_checked() -> None:
    with pytest.raises(ValueError, match="embedder"):
        FaceModels(embedder="tensorflow")


def test_the_embedder_runs_on_one_thread_unless_told_otherwise() -> None:
    # onnxruntime's default (a spinning thread per core) cost an analysis worker ~0.07 CPU-s a load strip
    assert FaceModels()._session.get_session_options().intra_op_num_threads == 1
    assert FaceModels(threads=None)._session.get_session_options().intra_op_num_threads == 0  # onnxruntime's own
