"""The one way an incoming picture or booth link becomes album photos: store → QR → booth → analysis → people → hooks.

Handlers translate Telegram into `Incoming…` values, call `Intake`, and word what it reports and returns; the order
of the work is decided here and nowhere else. Progress reaches the caller through an `IntakeReport` (status message
edits, chat actions); the result is one value per call. No Telegram here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from booths import Brand, SafeFetcher, find_urls, identify
from booths.models import UNKNOWN_BRAND
from pipeline.analysis import FiledAnalysis, PhotoAnalyser
from pipeline.booth_intake import BoothOutcome, Stage, fetch_and_file, outcome_json, outcome_of
from pipeline.downloads import DownloadFailed, FileTooBig, TelegramFiles
from pipeline.rate_limits import RateLimit, booth_link_limit
from pipeline.settings import Settings
from pipeline.tasks import UploadScan, scan_upload
from pipeline.workers import CpuPool
from storage.albums import AlbumStore, Along, NewMedia
from storage.blobs import BlobStore
from storage.models import PhotoSource
from vision.images import ImageInfo, ImageRejected, RejectReason


@dataclass(frozen=True)
class IncomingFile:
    """A picture a member sent, as Telegram announced it: the file to download (within the size cap, by whichever
    process runs the intake's first task) and where it came from."""

    chat_id: int
    sender_id: int | None
    message_id: int  # the member's message: names its bytes in the incoming blobs while the replica reads them
    file_id: str  # what getFile is asked for
    declared_size: int | None = None  # the size the update declared (checked against the cap before any request)
    telegram_file_id: str | None = None  # kept for photos, so album pages can resend them without uploading
    media_group_id: str | None = None


def incoming_blob(chat_id: int, message_id: int, data: bytes) -> bytes:
    """A member's bytes as put in the incoming blob store for the replica to read: prefixed by the message they came
    in (the same message downloaded again — a redelivered task, a replica's takeover — writes the same blob; two
    messages with the same picture never share one, so one's cleanup cannot take the other's bytes away)."""
    return f"{chat_id}:{message_id}\n".encode() + data


def incoming_bytes(stored: bytes) -> bytes:
    return stored.split(b"\n", 1)[1]  # after the message's name (incoming_blob)


@dataclass(frozen=True)
class SavedUpload:
    photo_id: int
    created: bool  # False: the same bytes were already in this chat's album


@dataclass
class LinkResult:
    outcome: BoothOutcome
    analysis: FiledAnalysis | None = None  # the booth photo's faces, when it was filed just now
    kept: SavedUpload | None = None  # the member's own picture, kept because this last link failed like the others
    kept_analysis: FiledAnalysis | None = None  # its faces: the link's answer is the kept picture's


@dataclass
class IntakeResult:
    """What became of one incoming file or text."""

    rejected: ImageRejected | None = None  # not a picture we can take (the reason says why)
    too_big: int | None = None  # over the size cap (this many bytes, or more): not downloaded
    upload: SavedUpload | None = None  # the member's own picture, stored (also when its QR links all failed)
    links: list[LinkResult] = field(default_factory=list)  # booth links found in it, in order
    rate_limited_s: int = 0  # booth links were left out: the chat may fetch again after this many seconds
    analysis: FiledAnalysis | None = None  # faces of `upload` when it was filed just now
    links_owed_before: bool = False  # some links' answers were owed already (this message handled again)

    @property
    def had_links(self) -> bool:
        return bool(self.links) or self.rate_limited_s > 0 or self.links_owed_before


class IntakeReport(Protocol):
    """How the caller follows the work (a chat's status message). Every method may be a no-op."""

    async def link_owed(self, index: int, url: str, known: bool) -> bool | None:
        """The link is about to be worked on (`known`: the album has it from an earlier message). Returns whether to
        answer it as known — `known`, or what this message's first handler found when it is handled again (a
        replica died) — or None: its answer was given already, so the link is left alone here."""
        ...

    async def link_stage(self, index: int, stage: Stage, brand: Brand) -> None: ...

    async def link_rate_limited(self, index: int, seconds: int) -> None: ...

    async def link_filed(self, index: int, outcome: BoothOutcome, kept: SavedUpload | None) -> None:
        """A link's files are stored (or it failed); `kept` is the member's own picture, stored because none of
        the links worked."""

    async def link_done(self, index: int, link: LinkResult) -> None:
        """The link's work is over: its booth photo analysed when it was filed just now (`link.analysis`), or the
        member's picture kept in its place (`link.kept`, `link.kept_analysis`)."""

    async def upload_kept(self, kept: SavedUpload) -> None:
        """The member's picture was stored after the links stopped early (rate limit) with nothing filed."""

    def keeping(self, index: int | None, outcome: BoothOutcome | None) -> Along | None:
        """About to keep the member's picture in place of link `index` (`outcome`: it failed, like every link
        before it; None, None: a rate limit stopped the links): what to record in the transaction that stores it,
        should it be new — e.g. that the link's answer is the picture's, so no crash leaves it unanswered."""

    async def photo_stored(self, upload: SavedUpload) -> None:
        """The member's picture (it had no links) is stored and about to be analysed."""

    def analysing(self, chat_id: int) -> AbstractAsyncContextManager[None]:
        """Held while faces are worked out (the chat shows 'sending a photo…')."""
        ...


class SilentReport:
    """An `IntakeReport` that reports nothing (resumes, tests, the work queue's own retries)."""

    async def link_owed(self, index: int, url: str, known: bool) -> bool | None:
        return known

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

    def keeping(self, index: int | None, outcome: BoothOutcome | None) -> Along | None:
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
        queue: IntakeQueue,
        incoming: BlobStore,
        rate_limit: RateLimit | None = None,
    ) -> None:
        self.settings, self.albums, self.analyser, self.queue = settings, albums, analyser, queue
        self.incoming = incoming
        self.rate_limit = rate_limit or booth_link_limit()
        # A burst of 500 photos started 500 downloads, blob writes and database reads at once, and a /help asked
        # then waited seconds behind them for the event loop and the database's connections; the workers only ever
        # take two or three photos at a time anyway.
        self._taking = asyncio.Semaphore(settings.intake_concurrency)

    async def take_file(self, incoming: IncomingFile, report: IntakeReport) -> IntakeResult:
        """Download the picture, check it, read its QR codes (one task, on whichever worker takes it), file their
        booth originals (or, when none works, the picture itself), analyse what was filed: the picture's faces in
        `result.analysis`, a link's in its `LinkResult`. Raises DownloadFailed when Telegram would not give it.
        At most `intake_concurrency` files at once; the others wait first come, first served."""
        async with self._taking:
            return await self._take_file(incoming, report)

    async def _take_file(self, incoming: IncomingFile, report: IntakeReport) -> IntakeResult:
        taken = await self.queue.scan(incoming.chat_id, incoming.message_id, incoming.file_id, incoming.declared_size)
        if taken.get("too_big") is not None:
            return IntakeResult(too_big=int(taken["too_big"]))
        if taken.get("download_failed") is not None:
            raise DownloadFailed(str(taken["download_failed"]))
        scanned = scan_of(taken)
        if isinstance(scanned, ImageRejected):
            return IntakeResult(rejected=scanned)
        digest = str(taken["digest"])
        try:
            data = incoming_bytes(await asyncio.to_thread(self.incoming.get, digest))
        finally:
            await asyncio.to_thread(self.incoming.delete, digest)
        scan = scanned
        urls = find_urls("\n".join(scan.qr_texts), include_unknown=True)
        if not urls:
            upload = await self._save_upload(incoming, data, scan)
            await report.photo_stored(upload)
            return IntakeResult(upload=upload, analysis=await self._analyse(incoming.chat_id, upload, report))

        kept: list[SavedUpload] = []

        async def keep_upload(along: Along | None) -> SavedUpload:
            kept.append(await self._save_upload(incoming, data, scan, along))
            return kept[0]

        result = await self._take_links(incoming.chat_id, incoming.sender_id, urls, report, keep_upload)
        if kept:
            result.upload = kept[0]
            answered = next((link for link in result.links if link.kept is not None), None)
            if answered is not None:
                result.analysis = answered.kept_analysis
            else:  # kept after a rate limit stopped the links
                result.analysis = await self.analyse(incoming.chat_id, kept[0].photo_id, report)
        elif result.links_owed_before:  # the first handler answered the links; it may have kept the picture too
            stored = await self.albums.find_content(incoming.chat_id, data)
            if stored is not None and stored.id is not None and stored.analysed_at is None:
                await self.analyse(incoming.chat_id, stored.id, report)
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

            found = await self.albums.find_by_source_url(chat_id, url)
            known = await report.link_owed(index, url, found is not None)
            if known is None:
                result.links_owed_before = True
                continue
            brand = identify(url) or UNKNOWN_BRAND
            await report.link_stage(index, Stage.found, brand)
            outcome = await self.file_link(chat_id, sender_id, url, known, brand, index, report)
            link = LinkResult(outcome)
            result.links.append(link)
            kept = None
            if (
                keep_upload is not None
                and not result.links_owed_before
                and index == len(urls) - 1
                and not any(item.outcome.ok for item in result.links)
            ):
                kept, keep_upload = await keep_upload(report.keeping(index, outcome)), None
            await report.link_filed(index, outcome, kept)
            if outcome.created and outcome.photo is not None and outcome.photo.id is not None:
                link.analysis = await self.analyse(chat_id, outcome.photo.id, report)
            if kept is not None:
                # analysed even when it was stored before: by this message's first handler, which died before its
                # analysis (analyse_and_file reads a stored analysis back)
                link.kept, link.kept_analysis = kept, await self.analyse(chat_id, kept.photo_id, report)
            await report.link_done(index, link)
        nothing_filed = not any(item.outcome.ok for item in result.links)
        if keep_upload is not None and not result.links_owed_before and nothing_filed:
            await report.upload_kept(await keep_upload(report.keeping(None, None)))
        return result

    async def file_link(
        self,
        chat_id: int,
        sender_id: int | None,
        url: str,
        known: bool,
        brand: Brand | None = None,
        index: int = 0,
        report: IntakeReport | None = None,
    ) -> BoothOutcome:
        """A booth link's originals filed (a task: the download and checks run on whichever worker takes it), or
        what the album has from it already when `known`."""
        brand = brand or identify(url) or UNKNOWN_BRAND
        if known:
            photo = await self.albums.find_by_source_url(chat_id, url)
            if photo is not None:
                return BoothOutcome(url=url, brand=brand, photo=photo, already_filed=True)
        if report is not None:
            await report.link_stage(index, Stage.downloading, brand)
        return await outcome_of(await self.queue.file_link(chat_id, sender_id, url), self.albums)

    async def _save_upload(
        self, incoming: IncomingFile, data: bytes, scan: UploadScan, along: Along | None = None
    ) -> SavedUpload:
        saved = await self.albums.save(
            incoming.chat_id,
            NewMedia(
                data=data,
                mime=scan.info.mime,
                width=scan.info.width,
                height=scan.info.height,
                sender_id=incoming.sender_id,
                source=PhotoSource.upload,
                telegram_file_id=incoming.telegram_file_id,
                media_group_id=incoming.media_group_id,
            ),
            along,
        )
        assert saved.photo.id is not None
        return SavedUpload(photo_id=saved.photo.id, created=saved.created)

    async def _analyse(self, chat_id: int, upload: SavedUpload, report: IntakeReport) -> FiledAnalysis | None:
        return await self.analyse(chat_id, upload.photo_id, report) if upload.created else None


class IntakeQueue(Protocol):
    """Where the intake's tasks run (pipeline.queue.WorkQueue)."""

    async def scan(self, chat_id: int, message_id: int, file_id: str, declared_size: int | None) -> dict[str, Any]: ...

    async def file_link(self, chat_id: int, sender_id: int | None, url: str) -> dict[str, Any]: ...


def scan_json(scan: UploadScan | ImageRejected) -> dict[str, object]:
    if isinstance(scan, ImageRejected):
        return {"rejected": str(scan.reason), "message": str(scan)}
    info = scan.info
    return {"mime": info.mime, "width": info.width, "height": info.height, "qr_texts": list(scan.qr_texts)}


def scan_of(scanned: dict[str, Any]) -> UploadScan | ImageRejected:
    if scanned.get("rejected"):
        reason = RejectReason(scanned["rejected"])
        message = str(scanned.get("message") or "")
        return ImageRejected(reason, message.split(": ", 1)[1] if ": " in message else "")
    info = ImageInfo(mime=str(scanned["mime"]), width=int(scanned["width"]), height=int(scanned["height"]))
    return UploadScan(info=info, qr_texts=tuple(scanned["qr_texts"]))


class IntakeWork:
    """The intake's task bodies (pipeline.queue: `scan_upload`, `file_booth_link`), in whichever process runs the
    tasks: the bot's own with the in-memory broker, each `make worker` with Redis. JSON in, JSON out. `files` is how
    this process reaches Telegram's files (handlers.telegram_files, wired by bot/app.py or bot/worker.py)."""

    def __init__(
        self,
        settings: Settings,
        albums: AlbumStore,
        incoming: BlobStore,
        cpu: CpuPool,
        fetcher: SafeFetcher,
        files: TelegramFiles | None = None,
    ) -> None:
        self.settings, self.albums, self.incoming, self.cpu, self.fetcher = settings, albums, incoming, cpu, fetcher
        self.files = files

    async def scan_locally(
        self, chat_id: int, message_id: int, file_id: str, declared_size: int | None
    ) -> dict[str, object]:
        """Download the member's file within the size cap, check it and read its QR codes; a picture is left in the
        incoming blobs (under the hash of its bytes named by the message, `digest` in the result) for the replica,
        which deletes it once read. Run again (a redelivery), it downloads again into the same blob: nothing else."""
        if self.files is None:
            raise RuntimeError("no Telegram file source in this process (bot/app.py, bot/worker.py wire one)")
        try:
            data = await self.files.fetch(file_id, declared_size, self.settings.max_upload_bytes)
        except FileTooBig as exc:
            return {"too_big": exc.size}
        except DownloadFailed as exc:
            return {"download_failed": str(exc)}
        try:
            scan: UploadScan = await self.cpu.run(scan_upload, data, self.settings.max_image_pixels)
        except ImageRejected as exc:
            return scan_json(exc)
        digest = await asyncio.to_thread(self.incoming.put, incoming_blob(chat_id, message_id, data))
        return scan_json(scan) | {"digest": digest}

    async def file_link_locally(self, chat_id: int, sender_id: int | None, url: str) -> dict[str, object]:
        outcome = await fetch_and_file(
            url=url,
            chat_id=chat_id,
            sender_id=sender_id,
            albums=self.albums,
            fetcher=self.fetcher,
            cpu=self.cpu,
            max_pixels=self.settings.max_image_pixels,
        )
        return outcome_json(outcome)


class _KeepUpload(Protocol):
    async def __call__(self, along: Along | None) -> SavedUpload: ...
