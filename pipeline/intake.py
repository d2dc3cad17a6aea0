"""The one way an incoming picture or booth link becomes album photos: store → QR → booth → analysis → people → hooks.

Handlers translate Telegram into `Incoming…` values, call `Intake`, and word what it reports and returns; the order
of the work is decided here and nowhere else. Progress reaches the caller through an `IntakeReport` (status message
edits, chat actions); the result is one value per call. No Telegram here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Protocol

from booths import Brand, SafeFetcher, find_urls
from pipeline.analysis import FiledAnalysis, PhotoAnalyser
from pipeline.booth_intake import BoothOutcome, Stage, file_booth_link
from pipeline.rate_limits import RateLimit, booth_link_limit
from pipeline.settings import Settings
from pipeline.tasks import UploadScan, scan_upload
from pipeline.workers import CpuPool
from storage.albums import AlbumStore, NewMedia
from storage.models import PhotoSource
from vision.images import ImageRejected


@dataclass(frozen=True)
class IncomingFile:
    """A picture a member sent: its bytes (already downloaded within the size limit) and where it came from."""

    chat_id: int
    sender_id: int | None
    data: bytes
    telegram_file_id: str | None = None  # kept for photos, so album pages can resend them without uploading
    media_group_id: str | None = None


@dataclass(frozen=True)
class SavedUpload:
    photo_id: int
    created: bool  # False: the same bytes were already in this chat's album


@dataclass
class LinkResult:
    outcome: BoothOutcome
    analysis: FiledAnalysis | None = None  # the booth photo's faces, when it was filed just now


@dataclass
class IntakeResult:
    """What became of one incoming file or text."""

    rejected: ImageRejected | None = None  # not a picture we can take (the reason says why)
    upload: SavedUpload | None = None  # the member's own picture, stored (also when its QR links all failed)
    links: list[LinkResult] = field(default_factory=list)  # booth links found in it, in order
    rate_limited_s: int = 0  # booth links were left out: the chat may fetch again after this many seconds
    analysis: FiledAnalysis | None = None  # faces of `upload` when it was filed just now

    @property
    def had_links(self) -> bool:
        return bool(self.links) or self.rate_limited_s > 0


class IntakeReport(Protocol):
    """How the caller follows the work (a chat's status message). Every method may be a no-op."""

    async def link_stage(self, index: int, stage: Stage, brand: Brand) -> None: ...

    async def link_rate_limited(self, index: int, seconds: int) -> None: ...

    async def link_filed(self, index: int, outcome: BoothOutcome, kept: SavedUpload | None) -> None:
        """A link's files are stored (or it failed); `kept` is the member's own picture, stored because none of
        the links worked."""

    async def link_done(self, index: int, link: LinkResult) -> None:
        """The link's work is over: its booth photo analysed when it was filed just now (`link.analysis`)."""

    async def upload_kept(self, kept: SavedUpload) -> None:
        """The member's picture was stored after the links stopped early (rate limit) with nothing filed."""

    async def photo_stored(self, upload: SavedUpload) -> None:
        """The member's picture (it had no links) is stored and about to be analysed."""

    def analysing(self, chat_id: int) -> AbstractAsyncContextManager[None]:
        """Held while faces are worked out (the chat shows 'sending a photo…')."""
        ...


class SilentReport:
    """An `IntakeReport` that reports nothing (resumes, tests, the work queue's own retries)."""

    async def link_stage(self, index: int, stage: Stage, brand: Brand) -> None:
        return None

    async def link_rate_limited(self, index: int, seconds: int) -> None:
        return None

    async def link_filed(self, index: int, outcome: BoothOutcome, kept: SavedUpload | None) -> None:
        return None

    async def link_done(self, index: int, link: LinkResult) -> None:
        return None

    async def upload_kept(self, kept: SavedUpload) -> None:
        return None

    async def photo_stored(self, upload: SavedUpload) -> None:
        return None

    @asynccontextmanager
    async def analysing(self, chat_id: int) -> AsyncIterator[None]:
        yield


class Intake:
    """One per process: the sequence every incoming picture and link goes through."""

    def __init__(
        self,
        settings: Settings,
        albums: AlbumStore,
        analyser: PhotoAnalyser,
        cpu: CpuPool,
        fetcher: SafeFetcher,
        rate_limit: RateLimit | None = None,
    ) -> None:
        self.settings, self.albums, self.analyser, self.cpu, self.fetcher = settings, albums, analyser, cpu, fetcher
        self.rate_limit = rate_limit or booth_link_limit()

    async def take_file(self, incoming: IncomingFile, report: IntakeReport) -> IntakeResult:
        """Check the picture, read its QR codes, file their booth originals (or, when none works, the picture
        itself), analyse what was filed: the picture's faces in `result.analysis`, a link's in its `LinkResult`."""
        try:
            scan: UploadScan = await self.cpu.run(scan_upload, incoming.data, self.settings.max_image_pixels)
        except ImageRejected as exc:
            return IntakeResult(rejected=exc)
        urls = find_urls("\n".join(scan.qr_texts), include_unknown=True)
        if not urls:
            upload = await self._save_upload(incoming, scan)
            await report.photo_stored(upload)
            return IntakeResult(upload=upload, analysis=await self._analyse(incoming.chat_id, upload, report))

        kept: list[SavedUpload] = []

        async def keep_upload() -> SavedUpload:
            kept.append(await self._save_upload(incoming, scan))
            return kept[0]

        result = await self._take_links(incoming.chat_id, incoming.sender_id, urls, report, keep_upload)
        if kept:
            result.upload = kept[0]
            result.analysis = await self._analyse(incoming.chat_id, kept[0], report)
        return result

    async def take_links(
        self, chat_id: int, sender_id: int | None, urls: list[str], report: IntakeReport
    ) -> IntakeResult:
        """Booth links pasted as text: each one's originals filed and analysed."""
        return await self._take_links(chat_id, sender_id, urls, report, None)

    async def analyse(self, chat_id: int, photo_id: int, report: IntakeReport) -> FiledAnalysis | None:
        """Faces and smiles of a filed photo (computed once; later calls read what was stored)."""
        async with report.analysing(chat_id):
            return await self.analyser.analyse_and_file(photo_id)

    async def _take_links(
        self,
        chat_id: int,
        sender_id: int | None,
        urls: list[str],
        report: IntakeReport,
        keep_upload: _KeepUpload | None,
    ) -> IntakeResult:
        result = IntakeResult()
        for index, url in enumerate(urls):
            wait = await self.rate_limit.wait_seconds(("chat", chat_id), ("user", sender_id))
            if wait:
                result.rate_limited_s = wait
                await report.link_rate_limited(index, wait)
                break

            async def stage_reached(stage: Stage, brand: Brand, index: int = index) -> None:
                await report.link_stage(index, stage, brand)

            outcome = await file_booth_link(
                url=url,
                chat_id=chat_id,
                sender_id=sender_id,
                albums=self.albums,
                fetcher=self.fetcher,
                cpu=self.cpu,
                max_pixels=self.settings.max_image_pixels,
                progress=stage_reached,
            )
            link = LinkResult(outcome)
            result.links.append(link)
            kept = None
            if keep_upload is not None and index == len(urls) - 1 and not any(item.outcome.ok for item in result.links):
                kept, keep_upload = await keep_upload(), None
            await report.link_filed(index, outcome, kept)
            if outcome.created and outcome.photo is not None and outcome.photo.id is not None:
                link.analysis = await self.analyse(chat_id, outcome.photo.id, report)
            await report.link_done(index, link)
        if keep_upload is not None and not any(item.outcome.ok for item in result.links):
            await report.upload_kept(await keep_upload())
        return result

    async def _save_upload(self, incoming: IncomingFile, scan: UploadScan) -> SavedUpload:
        saved = await self.albums.save(
            incoming.chat_id,
            NewMedia(
                data=incoming.data,
                mime=scan.info.mime,
                width=scan.info.width,
                height=scan.info.height,
                sender_id=incoming.sender_id,
                source=PhotoSource.upload,
                telegram_file_id=incoming.telegram_file_id,
                media_group_id=incoming.media_group_id,
            ),
        )
        assert saved.photo.id is not None
        return SavedUpload(photo_id=saved.photo.id, created=saved.created)

    async def _analyse(self, chat_id: int, upload: SavedUpload, report: IntakeReport) -> FiledAnalysis | None:
        return await self.analyse(chat_id, upload.photo_id, report) if upload.created else None


class _KeepUpload(Protocol):
    async def __call__(self) -> SavedUpload: ...
