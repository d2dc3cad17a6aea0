"""A member's photo or document fetched from Telegram within the size cap (pipeline.downloads.TelegramFiles): getFile
through the given Bot (its base URLs, its retries of 429s and failed reads), then the bytes streamed and counted, so
a file over the cap is never read whole. Runs wherever the intake's first task runs: a work-queue worker (its own
Bot, bot/worker.py) or the bot's process with the in-memory broker (the application's Bot)."""

from __future__ import annotations

import httpx
from telegram import Bot
from telegram.error import BadRequest, TelegramError

from pipeline.downloads import DownloadFailed, FileTooBig

CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 20.0  # between two chunks, as the bot's other requests (bot.app.READ_TIMEOUT_S)


class BotFiles:
    def __init__(self, bot: Bot, http: httpx.AsyncClient | None = None) -> None:
        self.bot = bot
        self.http = http or httpx.AsyncClient(timeout=httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S))

    async def fetch(self, file_id: str, declared_size: int | None, limit: int) -> bytes:
        if declared_size and declared_size > limit:
            raise FileTooBig(declared_size)
        try:
            telegram_file = await self.bot.get_file(file_id)
        except BadRequest as exc:
            if "too big" in exc.message.lower():
                raise FileTooBig(declared_size or limit + 1) from exc
            raise DownloadFailed(f"getFile: {exc.message}") from exc
        except TelegramError as exc:
            raise DownloadFailed(f"getFile: {type(exc).__name__}") from exc
        if telegram_file.file_size and telegram_file.file_size > limit:
            raise FileTooBig(telegram_file.file_size)
        if not telegram_file.file_path:
            raise DownloadFailed("getFile gave no file path")
        return await self._read(telegram_file.file_path, limit)

    async def _read(self, url: str, limit: int) -> bytes:
        """The file's bytes, stopped as soon as they pass `limit`. Errors never name the URL: it holds the token."""
        received = bytearray()
        try:
            async with self.http.stream("GET", url) as response:
                if response.status_code != 200:
                    raise DownloadFailed(f"the file's download answered HTTP {response.status_code}")
                length = response.headers.get("content-length", "")
                if length.isdigit() and int(length) > limit:
                    raise FileTooBig(int(length))
                async for chunk in response.aiter_bytes():
                    received += chunk
                    if len(received) > limit:
                        raise FileTooBig(len(received))
        except httpx.HTTPError as exc:
            raise DownloadFailed(f"the file's download failed: {type(exc).__name__}") from None
        return bytes(received)

    async def close(self) -> None:
        await self.http.aclose()
