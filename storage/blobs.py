"""Content-addressed blob storage behind one interface: local disk by default, S3-compatible object storage by URL.

Keys are `<aa>/<bb>/<sha256>` in both. Worker processes read files themselves, so `path(digest)` always gives a local
file: the disk store's own file, or the S3 store's copy in a bounded local read cache (fetched on first use, evicted
least recently used first by total size).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from obstore.exceptions import AlreadyExistsError, NotFoundError
from obstore.store import S3Store

if TYPE_CHECKING:  # typed dicts that exist only in obstore's stubs
    from obstore.store import ClientConfig
    from obstore.store import S3Config as ObstoreS3Config

HEX = frozenset("0123456789abcdef")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def blob_key(digest: str) -> str:
    if len(digest) != 64 or not set(digest) <= HEX:
        raise ValueError(f"not a sha256 hex digest: {digest!r}")
    return f"{digest[:2]}/{digest[2:4]}/{digest}"


def write_atomically(target: Path, data: bytes) -> None:
    """Temp file in the same folder, fsync, rename: a crash mid-write leaves only a temp file, never a half file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def remove_temp_files(root: Path) -> int:
    removed = 0
    for path in root.glob("??/??/.tmp-*"):
        path.unlink(missing_ok=True)
        removed += 1
    return removed


class BlobStore(ABC):
    """Blocking calls: use them from threads (`asyncio.to_thread`) or worker processes, never on the event loop."""

    def __init__(self) -> None:
        # Called with the digest of each deleted blob: copies made from it elsewhere (the Mini App's thumbnails) go too.
        self.on_delete: list[Callable[[str], None]] = []

    @abstractmethod
    def path(self, digest: str) -> Path:
        """A local file holding the blob, for worker processes (FileNotFoundError when the blob does not exist)."""

    @abstractmethod
    def put(self, data: bytes) -> str:
        """Store `data` once and return its sha256; storing the same bytes again changes nothing."""

    @abstractmethod
    def get(self, digest: str) -> bytes: ...

    @abstractmethod
    def exists(self, digest: str) -> bool: ...

    @abstractmethod
    def digests(self) -> Iterator[str]: ...

    @abstractmethod
    def remove_temp_files(self) -> int:
        """Delete temp files a crash left behind."""

    @abstractmethod
    def _remove(self, digest: str) -> None: ...

    def delete(self, digest: str) -> None:
        self._remove(digest)
        for forget_copies in self.on_delete:
            forget_copies(digest)


class LocalBlobStore(BlobStore):
    """Bytes live at <root>/<aa>/<bb>/<sha256>, written atomically."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, digest: str) -> Path:
        return self.root / blob_key(digest)

    def put(self, data: bytes) -> str:
        digest = sha256_of(data)
        target = self.path(digest)
        if not target.exists():
            write_atomically(target, data)
        return digest

    def get(self, digest: str) -> bytes:
        return self.path(digest).read_bytes()

    def exists(self, digest: str) -> bool:
        return self.path(digest).exists()

    def _remove(self, digest: str) -> None:
        self.path(digest).unlink(missing_ok=True)

    def digests(self) -> Iterator[str]:
        for path in self.root.glob("??/??/*"):
            if path.is_file() and not path.name.startswith(".tmp-"):
                yield path.name

    def remove_temp_files(self) -> int:
        return remove_temp_files(self.root)


@dataclass(frozen=True)
class S3Config:
    endpoint: str | None = None  # e.g. http://127.0.0.1:9000 for MinIO/moto; None for AWS itself
    region: str = "us-east-1"
    key_id: str | None = None
    secret: str | None = None


class ReadCache:
    """Local copies of remote blobs, at most `max_bytes` in total; the least recently used go first."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root, self.max_bytes = root, max_bytes
        root.mkdir(parents=True, exist_ok=True)
        remove_temp_files(root)
        self._lock = threading.Lock()
        self._sizes: OrderedDict[str, int] = OrderedDict()  # digest → size, least recently used first
        files = [p for p in root.glob("??/??/*") if p.is_file() and not p.name.startswith(".tmp-")]
        for file in sorted(files, key=lambda p: p.stat().st_mtime):
            self._sizes[file.name] = file.stat().st_size
        self._total = sum(self._sizes.values())

    def file(self, digest: str) -> Path:
        return self.root / blob_key(digest)

    def lookup(self, digest: str) -> Path | None:
        with self._lock:
            if digest not in self._sizes:
                return None
            self._sizes.move_to_end(digest)
        file = self.file(digest)
        return file if file.exists() else None

    def add(self, digest: str, data: bytes) -> Path:
        file = self.file(digest)
        write_atomically(file, data)
        with self._lock:
            self._total += len(data) - self._sizes.get(digest, 0)
            self._sizes[digest] = len(data)
            self._sizes.move_to_end(digest)
            # The file just added stays even when it alone is over the limit: the caller is about to read it.
            while self._total > self.max_bytes and len(self._sizes) > 1:
                oldest, size = self._sizes.popitem(last=False)
                self._total -= size
                self.file(oldest).unlink(missing_ok=True)
        return file

    def drop(self, digest: str) -> None:
        with self._lock:
            self._total -= self._sizes.pop(digest, 0)
        self.file(digest).unlink(missing_ok=True)

    def cached(self) -> set[str]:
        with self._lock:
            return set(self._sizes)


class S3BlobStore(BlobStore):
    """Objects at s3://<bucket>/<prefix>/<aa>/<bb>/<sha256>, created once (If-None-Match: *); a local read cache
    gives worker processes files."""

    def __init__(self, url: str, config: S3Config, cache_dir: Path, cache_bytes: int) -> None:
        super().__init__()
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"not an s3://bucket/prefix URL: {url!r}")
        self.bucket, self.prefix, self.config = parts.netloc, parts.path.strip("/"), config
        options: ObstoreS3Config = {"region": config.region, "conditional_put": "etag"}
        client: ClientConfig = {}
        if config.endpoint:
            options["endpoint"] = config.endpoint
            client["allow_http"] = True  # an endpoint on loopback or a private network may be plain http
        if config.key_id and config.secret:
            options["access_key_id"] = config.key_id
            options["secret_access_key"] = config.secret
        self.store = S3Store(self.bucket, prefix=self.prefix or None, config=options, client_options=client)
        self.cache = ReadCache(cache_dir, cache_bytes)

    def path(self, digest: str) -> Path:
        cached = self.cache.lookup(digest)
        if cached is not None:
            return cached
        return self.cache.add(digest, self._fetch(digest))

    def put(self, data: bytes) -> str:
        digest = sha256_of(data)
        with contextlib.suppress(AlreadyExistsError, FileExistsError):  # content-addressed: the same bytes are there
            self.store.put(blob_key(digest), data, mode="create")
        self.cache.add(digest, data)  # the analysis reads it next
        return digest

    def get(self, digest: str) -> bytes:
        cached = self.cache.lookup(digest)
        if cached is not None:
            try:
                return cached.read_bytes()
            except FileNotFoundError:
                pass  # evicted meanwhile
        data = self._fetch(digest)
        self.cache.add(digest, data)
        return data

    def exists(self, digest: str) -> bool:
        try:
            self.store.head(blob_key(digest))
        except (NotFoundError, FileNotFoundError):  # obstore raises the builtin one
            return False
        return True

    def _fetch(self, digest: str) -> bytes:
        try:
            return bytes(self.store.get(blob_key(digest)).bytes())
        except (NotFoundError, FileNotFoundError) as exc:
            raise FileNotFoundError(f"no blob {digest} in s3://{self.bucket}/{self.prefix}") from exc

    def _remove(self, digest: str) -> None:
        self.store.delete(blob_key(digest))  # deleting a missing object is not an error in S3
        self.cache.drop(digest)

    def digests(self) -> Iterator[str]:
        for batch in self.store.list():
            for meta in batch:
                name = meta["path"].rsplit("/", 1)[-1]
                if len(name) == 64 and set(name) <= HEX:
                    yield name

    def remove_temp_files(self) -> int:
        """S3 writes are all-or-nothing; only the read cache can hold a download a crash cut short."""
        return remove_temp_files(self.cache.root)


def open_blob_store(
    url: str | None, local_root: Path, *, s3: S3Config, cache_dir: Path, cache_bytes: int, name: str
) -> BlobStore:
    """`url` empty: files under `local_root`. `s3://bucket/prefix`: objects under `prefix/name` in the bucket."""
    if not url:
        return LocalBlobStore(local_root)
    if not url.startswith("s3://"):
        raise ValueError(f"BLOB_URL must be empty (local disk) or s3://bucket/prefix, not {url!r}")
    return S3BlobStore(url.rstrip("/") + "/" + name, s3, cache_dir / name, cache_bytes)
