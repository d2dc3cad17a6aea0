"""Uploads survive a crash: a photo or document update is written to disk (fsync) before Telegram is told it was
received, and its file removed once the upload was handled. Telegram forgets an update as soon as the next
getUpdates confirms it, while the photo is still being downloaded and filed; a bot killed in that window lost the
photo without a word. At start the bot handles again what its inbox still holds (bot.app)."""

from __future__ import annotations

import json
import os
import tempfile
from collections import deque
from pathlib import Path
from typing import Any

REMEMBERED_IDS = 10_000


def is_upload(update: dict[str, Any]) -> bool:
    message = update.get("message") or {}
    return bool(message.get("photo") or message.get("document"))


class UpdateInbox:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self._seen: set[int] = set()
        self._order: deque[int] = deque()

    def keep(self, update: dict[str, Any]) -> bool:
        """Write an upload update down (atomically, synced); False when it is already known (handled again by a
        restart's replay, or sent again by Telegram): the caller then drops it."""
        update_id = int(update["update_id"])
        if update_id in self._seen or self._path(update_id).exists():
            return False
        self._remember(update_id)
        fd, temp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(update, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, self._path(update_id))
        return True

    def done(self, update_id: int) -> None:
        self._path(update_id).unlink(missing_ok=True)

    def pending(self) -> list[dict[str, Any]]:
        """What a crash left unhandled, oldest first (temp files of an unfinished write are removed: Telegram still
        has those updates, as they were never confirmed)."""
        for temp in self.folder.glob(".tmp-*"):
            temp.unlink(missing_ok=True)
        updates = []
        for path in sorted(self.folder.glob("*.json"), key=lambda p: int(p.stem)):
            try:
                updates.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                path.unlink(missing_ok=True)
                continue
            self._remember(int(path.stem))
        return updates

    def _remember(self, update_id: int) -> None:
        self._seen.add(update_id)
        self._order.append(update_id)
        if len(self._order) > REMEMBERED_IDS:
            self._seen.discard(self._order.popleft())

    def _path(self, update_id: int) -> Path:
        return self.folder / f"{update_id}.json"
