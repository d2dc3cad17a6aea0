"""Content-addressed file store: bytes live at <root>/<aa>/<bb>/<sha256>, written atomically."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        # Called with the digest of each deleted blob: copies made from it elsewhere (the Mini App's thumbnails) go too.
        self.on_delete: list[Callable[[str], None]] = []

    def path(self, digest: str) -> Path:
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"not a sha256 hex digest: {digest!r}")
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, data: bytes) -> str:
        """Store `data` and return its sha256. A crash mid-write leaves only a temp file, never a half blob."""
        digest = sha256_of(data)
        target = self.path(digest)
        if target.exists():
            return digest
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
        return digest

    def get(self, digest: str) -> bytes:
        return self.path(digest).read_bytes()

    def exists(self, digest: str) -> bool:
        return self.path(digest).exists()

    def delete(self, digest: str) -> None:
        self.path(digest).unlink(missing_ok=True)
        for forget_copies in self.on_delete:
            forget_copies(digest)

    def digests(self) -> Iterator[str]:
        for path in self.root.glob("??/??/*"):
            if path.is_file() and not path.name.startswith(".tmp-"):
                yield path.name

    def remove_temp_files(self) -> int:
        """Delete temp files a crash left behind."""
        removed = 0
        for path in self.root.glob("??/??/.tmp-*"):
            path.unlink(missing_ok=True)
            removed += 1
        return removed
