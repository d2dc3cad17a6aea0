from __future__ import annotations

import os
from pathlib import Path

import pytest

from storage.blobs import LocalBlobStore, sha256_of


def test_put_is_content_addressed(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    digest = store.put(b"hello")
    assert digest == sha256_of(b"hello")
    assert store.path(digest) == tmp_path / digest[:2] / digest[2:4] / digest
    assert store.get(digest) == b"hello"
    assert store.put(b"hello") == digest


def test_a_crash_while_writing_leaves_no_partial_blob(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalBlobStore(tmp_path)

    def crash(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        store.put(b"photo bytes")
    assert not store.exists(sha256_of(b"photo bytes"))
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_rejects_paths_that_are_not_digests(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        LocalBlobStore(tmp_path).path("../../etc/passwd")
