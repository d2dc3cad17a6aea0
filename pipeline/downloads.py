"""Members' files fetched from Telegram, as the intake's first task step sees them: no Telegram here.

`handlers.telegram_files.BotFiles` implements `TelegramFiles` with PTB's Bot (getFile, then the file's bytes);
`bot/worker.py` gives each work-queue worker process one, the bot's own process (`make run`) uses its application's.
"""

from __future__ import annotations

from typing import Protocol

# Telegram's getFile serves files of at most 20 MiB to bots (the cloud Bot API; a local server would allow more).
TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024


class FileTooBig(Exception):
    """Over the cap: by the size the update declared, the size getFile reported, or the bytes themselves."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


class DownloadFailed(Exception):
    """Telegram would not give the file (gone, refused) or the download broke off; the member may send it again."""


class TelegramFiles(Protocol):
    async def fetch(self, file_id: str, declared_size: int | None, limit: int) -> bytes:
        """The file's bytes, never more than `limit` of them read: raises FileTooBig (checked against the declared
        size before any request, then getFile's size, then while the bytes arrive) or DownloadFailed."""
        ...

    async def close(self) -> None: ...
