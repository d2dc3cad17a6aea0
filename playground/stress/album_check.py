"""What a bot process left on disk, read from outside it: its SQLite album and its blob folder. The checks a crash
or a load run must pass: every row has its whole file, every file has its row, every photo is analysed."""

from __future__ import annotations

import hashlib
import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

DATABASE_FILE = "choosecheese.sqlite3"  # pipeline.settings: the SQLite file under DATA_DIR
BLOB_FOLDER = "blobs"


@dataclass(frozen=True)
class AlbumState:
    photos_per_chat: Counter[int]
    unanalysed: int
    rows_without_blob: list[str]  # sha256 of rows whose file is missing or does not hash to its name
    blobs_without_row: list[str]
    temp_files: int

    @property
    def problems(self) -> list[str]:
        found = [f"row without its whole blob: {digest[:12]}" for digest in self.rows_without_blob]
        found += [f"orphan blob: {digest[:12]}" for digest in self.blobs_without_row]
        return found


def read_album(data_dir: Path, *, verify_hashes: bool = True) -> AlbumState:
    database = data_dir / DATABASE_FILE
    if not database.exists():
        return AlbumState(Counter(), 0, [], _blob_names(data_dir), 0)
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as connection:
        rows = connection.execute("SELECT chat_id, sha256, kind, analysed_at FROM photo").fetchall()
    photos = Counter(chat for chat, _, kind, _ in rows if kind == "photo")
    unanalysed = sum(1 for _, _, kind, analysed in rows if kind == "photo" and analysed is None)
    referenced = {digest for _, digest, _, _ in rows}
    blob_root = data_dir / BLOB_FOLDER
    missing = [d for d in sorted(referenced) if not _whole(blob_root / d[:2] / d[2:4] / d, d, verify_hashes)]
    names = _blob_names(data_dir)
    temp_files = sum(1 for path in blob_root.rglob(".tmp-*")) if blob_root.exists() else 0
    return AlbumState(
        photos,
        unanalysed,
        missing,
        [name for name in names if name not in referenced],
        temp_files,
    )


def _blob_names(data_dir: Path) -> list[str]:
    root = data_dir / BLOB_FOLDER
    if not root.exists():
        return []
    return sorted(path.name for path in root.glob("??/??/*") if path.is_file() and not path.name.startswith(".tmp-"))


def _whole(path: Path, digest: str, verify: bool) -> bool:
    if not path.is_file():
        return False
    return not verify or hashlib.sha256(path.read_bytes()).hexdigest() == digest
