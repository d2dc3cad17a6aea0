"""The blob store's behaviour, the same on local disk and on a real S3-compatible server (moto) on loopback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.settings import Settings
from storage.blobs import BlobStore, LocalBlobStore, S3BlobStore, S3Config, blob_key, open_blob_store, sha256_of
from tests.conftest import BlobStoreFactory, S3Stores


def _write_raw(store: BlobStore, digest: str, data: bytes) -> None:
    """Put bytes at a blob's place behind the store's back (to see whether a put rewrites it)."""
    if isinstance(store, S3BlobStore):
        store.store.put(blob_key(digest), data)
    else:
        store.path(digest).write_bytes(data)


def _read_raw(store: BlobStore, digest: str) -> bytes:
    if isinstance(store, S3BlobStore):
        return bytes(store.store.get(blob_key(digest)).bytes())
    return store.path(digest).read_bytes()


def test_put_get_exists_path_and_listing(blob_stores: BlobStoreFactory) -> None:
    store = blob_stores("blobs")
    digest = store.put(b"hello")
    assert digest == sha256_of(b"hello")
    assert store.exists(digest) and not store.exists(sha256_of(b"other"))
    assert store.get(digest) == b"hello"
    assert store.path(digest).read_bytes() == b"hello", "workers read a local file"
    assert list(store.digests()) == [digest]
    assert _read_raw(store, digest) == b"hello"


def test_a_second_put_of_the_same_content_is_fine_and_rewrites_nothing(blob_stores: BlobStoreFactory) -> None:
    store = blob_stores("blobs")
    digest = store.put(b"photo")
    _write_raw(store, digest, b"marker")  # were the key written again, the marker would be gone
    assert store.put(b"photo") == digest
    assert _read_raw(store, digest) == b"marker"
    assert list(store.digests()) == [digest]


def test_delete_removes_the_blob_and_runs_the_hooks(blob_stores: BlobStoreFactory) -> None:
    store = blob_stores("blobs")
    deleted: list[str] = []
    store.on_delete.append(deleted.append)
    kept, gone = store.put(b"kept"), store.put(b"gone")
    local_copy = store.path(gone)
    store.delete(gone)
    assert deleted == [gone]
    assert not store.exists(gone) and not local_copy.exists()
    assert list(store.digests()) == [kept]
    with pytest.raises(FileNotFoundError):
        store.get(gone)
    store.delete(gone)  # again: nothing there, no error
    assert store.get(kept) == b"kept"


def test_stores_of_different_names_do_not_see_each_other(blob_stores: BlobStoreFactory) -> None:
    albums, gallery = blob_stores("blobs"), blob_stores("gallery")
    digest = albums.put(b"a chat's photo")
    assert not gallery.exists(digest) and list(gallery.digests()) == []


def test_rejects_names_that_are_not_digests(blob_stores: BlobStoreFactory) -> None:
    store = blob_stores("blobs")
    for bad in ("../../etc/passwd", "A" * 64, "ab"):
        with pytest.raises(ValueError):
            store.path(bad)
        with pytest.raises(ValueError):
            store.get(bad)


def test_a_crash_while_writing_leaves_no_partial_blob(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalBlobStore(tmp_path)

    def crash(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        store.put(b"photo bytes")
    assert not store.exists(sha256_of(b"photo bytes"))
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_local_layout_is_unchanged(tmp_path: Path) -> None:
    digest = LocalBlobStore(tmp_path).put(b"hello")
    assert (tmp_path / digest[:2] / digest[2:4] / digest).read_bytes() == b"hello"


def test_s3_read_cache_fetches_on_first_use_and_evicts_the_least_recent(s3_stores: S3Stores) -> None:
    store = s3_stores("blobs")
    store.cache.max_bytes = 250
    first, second, third = (store.put(bytes([n]) * 100) for n in range(3))
    assert store.cache.cached() == {second, third}, "over 250 bytes: the oldest copy went"
    assert not store.cache.file(first).exists()
    assert store.path(first).read_bytes() == bytes([0]) * 100, "fetched again from S3"
    assert store.cache.cached() == {third, first}
    store.path(third)  # used: now the most recent
    store.get(second)
    assert store.cache.cached() == {third, second}


def test_s3_store_in_another_process_fetches_what_one_wrote(s3_stores: S3Stores, tmp_path: Path) -> None:
    writer = s3_stores("blobs")
    digest = writer.put(b"from replica one")
    reader = S3BlobStore(f"s3://{writer.bucket}/{writer.prefix}", writer.config, tmp_path / "other-cache", 1 << 20)
    assert reader.cache.cached() == set()
    assert reader.path(digest).read_bytes() == b"from replica one"
    assert reader.path(digest).parent.parent.parent == tmp_path / "other-cache"


def test_s3_cache_survives_a_restart_and_drops_half_downloads(s3_stores: S3Stores) -> None:
    store = s3_stores("blobs")
    digest = store.put(b"cached")
    half = store.cache.file(digest).parent / ".tmp-cut-short"
    half.write_bytes(b"cach")
    again = S3BlobStore(f"s3://{store.bucket}/{store.prefix}", store.config, store.cache.root, 1 << 20)
    assert again.cache.cached() == {digest}
    assert not half.exists()


def test_blob_url_picks_the_backend(tmp_path: Path) -> None:
    assert isinstance(Settings(data_dir=tmp_path).blob_store("blobs", tmp_path / "blobs"), LocalBlobStore)
    settings = Settings(
        data_dir=tmp_path,
        blob_url="s3://photos/cheese/",
        blob_s3_endpoint="http://127.0.0.1:9",
        blob_s3_key_id="id",
        blob_s3_secret="secret",
    )
    store = settings.blob_store("gallery", tmp_path / "gallery")
    assert isinstance(store, S3BlobStore)
    assert (store.bucket, store.prefix) == ("photos", "cheese/gallery")
    assert store.cache.root == tmp_path / "blob-cache" / "gallery"
    with pytest.raises(ValueError, match="s3://"):
        open_blob_store("ftp://x", tmp_path, s3=S3Config(), cache_dir=tmp_path, cache_bytes=1, name="blobs")
