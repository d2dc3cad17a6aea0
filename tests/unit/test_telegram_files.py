"""handlers.telegram_files.BotFiles: a member's file fetched within the size cap — refused by the declared size
before any request, by getFile's size, or while the bytes arrive (never read whole); a file Telegram will not give,
or a download that breaks off, is a DownloadFailed whose text never names the file's URL (it holds the token)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from telegram import Bot

from handlers.telegram_files import BotFiles
from pipeline.downloads import TELEGRAM_DOWNLOAD_LIMIT, DownloadFailed, FileTooBig
from pipeline.settings import Settings

TOKEN = "42:secret-token"
CHUNK = 64 * 1024


@dataclass
class FakeTelegram:
    """getFile and the file download of a Bot API server, with files of any size and honesty."""

    files: dict[str, tuple[int | None, int]] = field(default_factory=dict)  # id → (size getFile tells, real size)
    requests: list[str] = field(default_factory=list)
    streamed: dict[str, int] = field(default_factory=dict)  # bytes written before the client stopped reading
    content_length: bool = False

    async def get_file(self, request: web.Request) -> web.Response:
        params = await request.json() if request.content_type == "application/json" else await request.post()
        file_id = str(params.get("file_id"))
        self.requests.append(f"getFile {file_id}")
        if file_id not in self.files:
            return web.json_response(
                {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"}, status=400
            )
        told, _real = self.files[file_id]
        result = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_path": f"documents/{file_id}.bin"}
        if told is not None:
            result["file_size"] = told
        return web.json_response({"ok": True, "result": result})

    async def download(self, request: web.Request) -> web.StreamResponse:
        file_id = request.match_info["name"].removesuffix(".bin")
        self.requests.append(f"download {file_id}")
        if file_id == "vanished":
            return web.Response(status=404)
        _told, real = self.files[file_id]
        response = web.StreamResponse()
        if self.content_length:
            response.content_length = real
        await response.prepare(request)
        self.streamed[file_id] = 0
        try:
            while self.streamed[file_id] < real:
                part = min(CHUNK, real - self.streamed[file_id])
                await response.write(b"x" * part)
                self.streamed[file_id] += part
        except (ConnectionResetError, RuntimeError):
            return response
        await response.write_eof()
        return response


@pytest.fixture
async def telegram() -> AsyncIterator[tuple[FakeTelegram, BotFiles]]:
    fake = FakeTelegram()
    app = web.Application()
    app.router.add_post("/bot{token}/getFile", fake.get_file)
    app.router.add_get("/file/bot{token}/documents/{name}", fake.download)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", base_file_url=f"http://127.0.0.1:{port}/file/bot")
    files = BotFiles(bot)
    yield fake, files
    await files.close()
    await bot.shutdown()
    await runner.cleanup()


LIMIT = 1024 * 1024


async def test_a_file_within_the_cap_is_read_whole(telegram: tuple[FakeTelegram, BotFiles]) -> None:
    fake, files = telegram
    fake.files["small"] = (300_000, 300_000)
    assert await files.fetch("small", 300_000, LIMIT) == b"x" * 300_000
    assert fake.requests == ["getFile small", "download small"]


async def test_the_declared_size_refuses_before_any_request(telegram: tuple[FakeTelegram, BotFiles]) -> None:
    fake, files = telegram
    fake.files["big"] = (5 * LIMIT, 5 * LIMIT)
    with pytest.raises(FileTooBig) as refused:
        await files.fetch("big", 5 * LIMIT, LIMIT)
    assert refused.value.size == 5 * LIMIT and fake.requests == []


async def test_getfiles_size_refuses_before_the_download(telegram: tuple[FakeTelegram, BotFiles]) -> None:
    fake, files = telegram
    fake.files["big"] = (3 * LIMIT, 3 * LIMIT)
    with pytest.raises(FileTooBig) as refused:
        await files.fetch("big", None, LIMIT)
    assert refused.value.size == 3 * LIMIT and fake.requests == ["getFile big"]


@pytest.mark.parametrize("content_length", [False, True])
async def test_bytes_over_the_cap_stop_the_download(
    telegram: tuple[FakeTelegram, BotFiles], content_length: bool
) -> None:
    """getFile says nothing of the size (or too little): the bytes are counted as they come, and the download
    stops just past the cap — the file is never read whole."""
    fake, files = telegram
    fake.content_length = content_length
    fake.files["liar"] = (None if not content_length else 1000, 20 * LIMIT)
    with pytest.raises(FileTooBig) as refused:
        await files.fetch("liar", None, LIMIT)
    assert refused.value.size > LIMIT
    assert fake.streamed.get("liar", 0) < 10 * LIMIT, "the client stopped reading long before the end"


async def test_a_file_telegram_will_not_give_fails_without_naming_the_url(
    telegram: tuple[FakeTelegram, BotFiles],
) -> None:
    fake, files = telegram
    with pytest.raises(DownloadFailed) as unknown:
        await files.fetch("nope", None, LIMIT)
    fake.files["vanished"] = (10, 10)
    with pytest.raises(DownloadFailed) as gone:
        await files.fetch("vanished", None, LIMIT)
    assert "invalid file_id" in str(unknown.value).lower() and "404" in str(gone.value)
    assert TOKEN not in str(unknown.value) + str(gone.value)


def test_the_cap_never_passes_what_getfile_serves_bots() -> None:
    """MAX_UPLOAD_MB above Telegram's 20 MiB would only turn "too big" answers into failed downloads: it counts
    as 20, in the cap and in the words of the refusal."""
    assert Settings(_env_file=None, max_upload_mb=50).max_upload_bytes == TELEGRAM_DOWNLOAD_LIMIT == 20 * 1024 * 1024
    assert Settings(_env_file=None, max_upload_mb=50).upload_limit_mb == 20
    assert Settings(_env_file=None, max_upload_mb=5).max_upload_bytes == 5 * 1024 * 1024
