"""The intake's tasks (pipeline.queue: `scan_upload`, `file_booth_link`) through the in-process broker `make run`
uses: a QR strip's photo is scanned and its link filed by the same task functions the Redis workers run; a booth
task run again (redelivered after its worker died) files nothing twice and completes what the first run left."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlmodel import col, delete, select

from booths import SafeFetcher
from pipeline.booth_intake import outcome_of
from pipeline.intake import IncomingFile, SilentReport
from pipeline.queue import BOOTH_TASK, SCAN_TASK
from pipeline.services import Services
from pipeline.settings import Settings
from pipeline.workers import CpuPool
from storage.models import MediaKind, Photo, PhotoSource
from tests.booths.fixture_server import FixtureServer, mp4
from tests.e2e.harness import qr_photo
from tests.e2e.test_qr_flow import SHORT

CHAT = -5151


@pytest.fixture
async def services(tmp_path: Path, cpu_pool: CpuPool, photoism_booth: FixtureServer) -> AsyncIterator[Services]:
    settings = Settings(_env_file=None, data_dir=tmp_path, telegram_bot_token="1:x")
    fetcher: SafeFetcher = photoism_booth.fetcher(connect_timeout=5.0, read_timeout=2.0, deadline=5.0)
    files = FilesAtHand({"qr-strip": qr_photo(SHORT, seed=3)})
    services = await Services.start(settings, cpu=cpu_pool, fetcher=fetcher, files=files)
    await services.albums.remember(chat_id=CHAT, chat_type="group", chat_title="G", user_id=1, first_name="A")
    yield services
    await services.close()


class FilesAtHand:
    """Telegram's files as a dict (pipeline.downloads.TelegramFiles): what the intake's first task downloads."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files, self.fetched = files, list[str]()

    async def fetch(self, file_id: str, declared_size: int | None, limit: int) -> bytes:
        self.fetched.append(file_id)
        return self.files[file_id]

    async def close(self) -> None:
        return None


async def _photos(services: Services) -> list[Photo]:
    async with services.db.session() as session:
        return list((await session.exec(select(Photo).where(col(Photo.chat_id) == CHAT))).all())


async def test_a_qr_strip_goes_through_the_scan_and_booth_tasks_in_process(services: Services) -> None:
    assert services.queue.in_process
    kicked: list[str] = []
    broker = services.queue.broker
    original = broker.kick

    async def counted(message: Any) -> None:
        kicked.append(message.task_name)
        await original(message)

    broker.kick = counted  # type: ignore[method-assign]
    incoming = IncomingFile(chat_id=CHAT, sender_id=1, message_id=77, file_id="qr-strip")
    result = await services.intake.take_file(incoming, SilentReport())
    assert kicked[:2] == [SCAN_TASK, BOOTH_TASK], "the QR decoding and the booth fetch ran as tasks"
    (link,) = result.links
    assert link.outcome.ok and link.outcome.created and len(link.outcome.videos) == 1
    assert result.upload is None, "the strip's own photo is not kept when its link worked"
    photos = await _photos(services)
    assert sorted((p.kind, p.source) for p in photos) == [
        (MediaKind.photo, PhotoSource.qr),
        (MediaKind.video, PhotoSource.qr),
    ]
    assert services.files is not None and services.files.fetched == ["qr-strip"], "downloaded by the task"  # type: ignore[attr-defined]
    assert list(services.intake.incoming.digests()) == [], "the member's picture left the incoming blobs once read"


async def test_a_rerun_booth_task_files_nothing_twice_and_completes_what_a_killed_run_left(services: Services) -> None:
    work = services.queue.broker.state.intake
    first = await work.file_link_locally(CHAT, 1, SHORT)
    (photo,) = [p for p in await _photos(services) if p.kind == MediaKind.photo]
    async with services.db.session() as session:  # killed after the photo, before its video was filed
        await session.exec(delete(Photo).where(col(Photo.kind) == MediaKind.video))
    again = await work.file_link_locally(CHAT, 1, SHORT)
    assert again["photo_id"] == first["photo_id"] == photo.id
    photos = await _photos(services)
    assert sorted(p.kind for p in photos) == [MediaKind.photo, MediaKind.video], "the video filed by the rerun"
    outcome = await outcome_of(again, services.albums)
    assert outcome.created and len(outcome.videos) == 1, "for the request that sent it, the strip is new"
    assert outcome.videos[0][1] == mp4(7)


class HeldFiles(FilesAtHand):
    """Downloads that wait until the test lets them finish, so the intake's files in flight can be counted."""

    def __init__(self, files: dict[str, bytes]) -> None:
        super().__init__(files)
        self.release = asyncio.Event()

    async def fetch(self, file_id: str, declared_size: int | None, limit: int) -> bytes:
        self.fetched.append(file_id)
        await self.release.wait()
        return self.files[file_id]


async def test_a_burst_of_files_is_taken_in_a_few_at_a_time_first_come_first(
    tmp_path: Path, cpu_pool: CpuPool, photoism_booth: FixtureServer
) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, telegram_bot_token="1:x", intake_concurrency=2)
    files = HeldFiles({f"plain-{n}": plain_jpeg(n) for n in range(5)})
    services = await Services.start(settings, cpu=cpu_pool, fetcher=photoism_booth.fetcher(), files=files)
    try:
        await services.albums.remember(chat_id=CHAT, chat_type="group", chat_title="G", user_id=1, first_name="A")
        taking = [
            asyncio.create_task(
                services.intake.take_file(
                    IncomingFile(chat_id=CHAT, sender_id=1, message_id=100 + n, file_id=f"plain-{n}"), SilentReport()
                )
            )
            for n in range(5)
        ]
        for _ in range(200):
            await asyncio.sleep(0.01)
        assert files.fetched == ["plain-0", "plain-1"], "only two files are taken in at once"
        files.release.set()
        results = await asyncio.wait_for(asyncio.gather(*taking), 120)
        assert files.fetched == [f"plain-{n}" for n in range(5)], "the others in the order they came"
        assert all(result.upload is not None and result.upload.created for result in results)
    finally:
        await services.close()


def plain_jpeg(seed: int) -> bytes:
    image = Image.new("RGB", (64, 48), (40 * seed % 255, 90, 160))
    out = io.BytesIO()
    image.save(out, format="JPEG")
    return out.getvalue()
