"""Person numbers: backfilled by the migration for existing people, given once per chat, never reused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import sqlalchemy as sa
from alembic import command

from storage.albums import AlbumStore, NewMedia
from storage.blobs import LocalBlobStore
from storage.db import Database, _alembic_config
from storage.faces import FaceStore, NewFace, NewPerson
from storage.opt_outs import OptOutStore, Signature


def test_the_migration_numbers_existing_people_per_chat_in_creation_order(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "0003")
        for chat_id in (-1, -2):
            connection.execute(
                sa.text("INSERT INTO chat (id, type, created_at) VALUES (:id, 'group', '2026-01-01')"), {"id": chat_id}
            )
        for person_id, chat_id in ((5, -1), (7, -2), (9, -1), (12, -1)):
            connection.execute(
                sa.text("INSERT INTO person (id, chat_id, hidden, created_at) VALUES (:id, :chat, 0, '2026-01-01')"),
                {"id": person_id, "chat": chat_id},
            )
        command.upgrade(_alembic_config(connection), "head")
        numbers = dict(connection.execute(sa.text("SELECT id, number FROM person")).all())
        last = dict(connection.execute(sa.text("SELECT id, last_person_number FROM chat")).all())
    assert numbers == {5: 1, 9: 2, 12: 3, 7: 1}
    assert last == {-1: 3, -2: 1}, "new people go on counting after the backfilled ones"


def _face(seed: int) -> NewFace:
    vector = np.random.default_rng(seed).normal(size=128).astype(np.float32)
    return NewFace(frame=0, box=(10 * seed, 5, 40, 40), detection_score=0.9, smile=50.0, embedding=vector)


async def test_numbers_are_given_once_and_never_reused(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    await db.migrate()
    albums, faces, opt_outs = AlbumStore(db, LocalBlobStore(tmp_path / "blobs")), FaceStore(db), OptOutStore(db)
    await albums.remember(chat_id=-1, chat_type="group", chat_title="G", user_id=1, first_name="A")
    photo = (await albums.save(-1, NewMedia(data=b"\x89PNG fake", mime="image/png"))).photo.id
    ids = await faces.record_analysis(photo, [_face(1), _face(2), _face(3)])
    stored = await faces.assign(-1, {ids[0]: NewPerson(), ids[1]: NewPerson()})
    first, second = (await faces.person(stored[ids[0]])), (await faces.person(stored[ids[1]]))
    assert first is not None and second is not None and (first.number, second.number) == (1, 2)

    await faces.assign(-1, {ids[1]: None})  # the second person loses their face and is dropped
    assert await faces.person(stored[ids[1]]) is None
    third = await faces.person((await faces.assign(-1, {ids[2]: NewPerson()}))[ids[2]])
    assert third is not None and third.number == 3, "2 is not given again"

    assert await opt_outs.claim(-1, stored[ids[0]], 1)
    await albums.remember(chat_id=-1, chat_type="group", chat_title="G", user_id=2, first_name="B")
    assert not await opt_outs.claim(-1, stored[ids[0]], 2), "one member per person"
    await opt_outs.add(-1, 1, Signature(np.ones(128, np.float32), 3))
    await opt_outs.add(None, 1, Signature(np.zeros(128, np.float32), 4))
    assert [scope for scope, _ in await opt_outs.of_user(1)] == [None], "'everywhere' replaces the chat's"
    await db.dispose()
