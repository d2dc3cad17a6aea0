"""The retry cap counts attempts when they start, so a photo whose analysis kills its process every time (no
failure is ever recorded) is given up too, without being tried again; SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update
from sqlmodel import col

from pipeline.analysis import MAX_ANALYSIS_ATTEMPTS, PhotoAnalyser
from pipeline.workers import CpuPool
from storage.albums import AlbumStore, NewMedia
from storage.blobs import LocalBlobStore
from storage.db import Database
from storage.faces import FaceStore
from storage.models import Photo
from tests.e2e.harness import noisy_jpeg

CHAT = -77


async def test_a_photo_whose_attempts_all_died_is_given_up_without_another_try(
    database_url: str, tmp_path: Path, cpu_pool: CpuPool
) -> None:
    db = Database(database_url)
    await db.migrate()
    try:
        albums = AlbumStore(db, LocalBlobStore(tmp_path / "blobs"))
        await albums.remember(chat_id=CHAT, chat_type="group", chat_title="G", user_id=1, first_name="A")
        crashed = (await albums.save(CHAT, NewMedia(data=noisy_jpeg(5), mime="image/jpeg"))).photo.id
        fine = (await albums.save(CHAT, NewMedia(data=noisy_jpeg(6), mime="image/jpeg"))).photo.id
        assert crashed is not None and fine is not None
        async with db.session() as session:  # three starts, each ended by its process dying (nothing recorded)
            await session.exec(
                update(Photo).where(col(Photo.id) == crashed).values(analysis_attempts=MAX_ANALYSIS_ATTEMPTS)
            )
        faces = FaceStore(db)
        analyser = PhotoAnalyser(albums, faces, cpu_pool, 60_000_000)
        assert await analyser.resume() == 2
        given_up, analysed = await albums.get(crashed), await albums.get(fine)
        assert given_up is not None and given_up.analysis_failed_at is not None and given_up.analysed_at is None
        assert given_up.analysis_attempts == MAX_ANALYSIS_ATTEMPTS + 1, "the refused start is counted, not run"
        assert analysed is not None and analysed.analysed_at is not None and analysed.analysis_failed_at is None
        assert [photo.id for photo in await faces.unanalysed_photos()] == []
        assert [photo.photo_id for photo in await analyser.attempts.untold()] == [crashed]
        assert await analyser.attempts.claim_telling(crashed) and not await analyser.attempts.claim_telling(crashed)
        assert await analyser.attempts.untold() == []
    finally:
        await db.dispose()
