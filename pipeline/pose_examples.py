"""The community gallery's pictures: de-identified examples of poses made from sharing chats' photos, and the
generated pose card when there is none. No Telegram here.

When examples are made: after a photo of a sharing chat is analysed, for each pose it shows of which the gallery
holds fewer than `EXAMPLES_PER_CHAT` examples from that chat, in the background (the photo's answer never waits),
one at a time. So every sharing chat adds to the gallery (and can see the others'), and the gallery stays bounded:
chats x poses x `EXAMPLES_PER_CHAT`. The chat's best cut (surest detection, then newest) of a photo filed after its
opt-in is cropped, stylised, its faces drawn over and the result checked (vision.deid) in the worker pool against
every face the bot keeps of the source photo and of the source chat, and the chat's face opt-outs: a result with a
face within the threshold is refused (counted, never shown, that cut never tried again; so is a cut that cannot be
made at all).

What is shown where: a chat is shown examples made from other chats' photos only, never its own (a chat knows its
own photos; shown back as "from the community" they would be a false claim). Without one, the pose card.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from pipeline.analysis import FiledAnalysis
from pipeline.workers import CpuPool
from storage.albums import AlbumStore
from storage.faces import FaceStore
from storage.gallery import ExampleSource, GalleryStore
from storage.opt_outs import OptOutStore
from vision.cuts import split_cuts
from vision.deid import Stylizer, load_stylizer, make_example, pose_card
from vision.images import ImageRejected, encode_jpeg, load_rgb
from vision.poses import catalogue

log = logging.getLogger(__name__)

EXAMPLES_PER_CHAT = 2  # examples of one pose made from one chat's photos, at most
SOURCES_PER_TRY = 3  # cuts tried for one pose in one go (each refused one is never tried again)
EMBEDDING_SIZE = 128

# Worker side: a cut's RGB pixels and the embeddings it must not match (N x 128) → the de-identified RGB picture,
# or None when the check refused it. Module-level functions only: they are pickled to the worker processes.
Deidentify = Callable[[np.ndarray, np.ndarray], np.ndarray | None]
# A pose key → its generated card (RGB).
DrawCard = Callable[[str], np.ndarray]


@dataclass(frozen=True)
class MadePicture:
    jpeg: bytes | None  # None: refused by the check
    width: int
    height: int


@dataclass(frozen=True)
class PosePicture:
    """What `/pose` shows: a community example (from another chat) or the pose's card."""

    key: str
    community: bool
    example_id: int | None  # the gallery example shown; None for the card
    file_id: str | None  # Telegram's id of the same picture sent before
    data: bytes | None  # the JPEG, when it has no file id yet


def cut_pixels(rgb: np.ndarray, frame: int) -> np.ndarray:
    """The pixels of cut `frame` as the analysis numbered the cuts (the whole picture for a single photo)."""
    for cut in split_cuts(rgb).frames:
        if cut.index == frame:
            x, y, w, h = cut.box
            return np.ascontiguousarray(rgb[y : y + h, x : x + w])
    if frame == 0:
        return rgb
    raise ValueError(f"the photo has no cut {frame}")


def example_of_cut(
    data: bytes, max_pixels: int, frame: int, protected: np.ndarray, deidentify: Deidentify
) -> MadePicture:
    """Runs in a worker: crop the cut, de-identify it and encode the result."""
    cut = cut_pixels(load_rgb(data, max_pixels), frame)
    picture = deidentify(cut, protected)
    if picture is None:
        return MadePicture(None, cut.shape[1], cut.shape[0])
    return MadePicture(encode_jpeg(picture, quality=88), picture.shape[1], picture.shape[0])


def card_jpeg(key: str, draw: DrawCard) -> bytes:
    """Runs in a worker: the pose's card as a JPEG."""
    return encode_jpeg(draw(key), quality=90)


def _matrix(vectors: Sequence[np.ndarray]) -> np.ndarray:
    rows = [np.asarray(v, dtype=np.float32).reshape(-1) for v in vectors]
    rows = [row for row in rows if row.shape == (EMBEDDING_SIZE,)]
    return np.stack(rows) if rows else np.zeros((0, EMBEDDING_SIZE), dtype=np.float32)


class PoseExamples:
    def __init__(
        self,
        gallery: GalleryStore,
        albums: AlbumStore,
        faces: FaceStore,
        opt_outs: OptOutStore,
        cpu: CpuPool,
        max_pixels: int,
        deidentify: Deidentify,
        draw_card: DrawCard,
        rng: random.Random | None = None,
    ) -> None:
        self.gallery, self.albums, self.faces, self.opt_outs = gallery, albums, faces, opt_outs
        self.cpu, self.max_pixels = cpu, max_pixels
        self.deidentify, self.draw_card = deidentify, draw_card
        self.rng = rng or random.Random()
        self._cards: dict[str, bytes] = {}
        self._card_file_ids: dict[str, str] = {}
        self._making = asyncio.Lock()  # one example at a time: the pool also serves the photos' analysis
        self._tasks: set[asyncio.Task[int]] = set()

    # ----- showing ----------------------------------------------------------------------------------------------
    async def picture(self, key: str, viewer_chat: int) -> PosePicture:
        """An example of `key` from another chat than `viewer_chat` (at random among them), else the pose card."""
        examples = await self.gallery.examples(key, not_from_chat=viewer_chat)
        while examples:
            example = examples.pop(self.rng.randrange(len(examples)))
            if example.telegram_file_id is not None:
                return PosePicture(key, True, example.id, example.telegram_file_id, None)
            try:
                return PosePicture(key, True, example.id, None, await self.gallery.load(example))
            except FileNotFoundError:  # withdrawn between the query and the read
                continue
        file_id = self._card_file_ids.get(key)
        if file_id is not None:
            return PosePicture(key, False, None, file_id, None)
        if key not in self._cards:
            self._cards[key] = await self.cpu.run(card_jpeg, key, self.draw_card)
        return PosePicture(key, False, None, None, self._cards[key])

    async def remember_file_id(self, picture: PosePicture, file_id: str) -> None:
        """Telegram's id of a picture just sent, to resend it without uploading it again."""
        if picture.example_id is not None:
            await self.gallery.remember_file_id(picture.example_id, file_id)
        else:
            self._card_file_ids[picture.key] = file_id

    # ----- making -----------------------------------------------------------------------------------------------
    async def after_analysis(self, filed: FiledAnalysis) -> None:
        """The `after_analysis` hook: a sharing chat's photo showing poses the gallery lacks starts making examples
        in the background."""
        keys = sorted({pose.key for pose in filed.poses})
        if not keys or await self.gallery.sharing(filed.chat_id) is None:
            return
        held = await self.gallery.example_counts(filed.chat_id)
        lacking = [key for key in keys if held.get(key, 0) < EXAMPLES_PER_CHAT]
        if lacking:
            task = asyncio.create_task(self.fill(filed.chat_id, lacking), name=f"gallery:{filed.photo_id}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def fill(self, chat_id: int, keys: Sequence[str]) -> int:
        """Make examples of `keys` from the chat's photos until it gave `EXAMPLES_PER_CHAT` of each or no untried
        cut is left; how many were made."""
        made = 0
        for key in keys:
            try:
                made += await self._fill_one(chat_id, key)
            except Exception:
                log.exception("making gallery examples of %s from chat %s failed", key, chat_id)
        return made

    async def _fill_one(self, chat_id: int, key: str) -> int:
        made = 0
        async with self._making:
            while await self._held(chat_id, key) < EXAMPLES_PER_CHAT:
                sources = await self.gallery.sources(key, SOURCES_PER_TRY, chat_id=chat_id)
                if not sources:
                    break
                for source in sources:
                    made += await self.make(source)
                    if await self._held(chat_id, key) >= EXAMPLES_PER_CHAT:
                        break
        return made

    async def _held(self, chat_id: int, key: str) -> int:
        return (await self.gallery.example_counts(chat_id)).get(key, 0)

    async def make(self, source: ExampleSource) -> int:
        """De-identify one cut and file it (1), or count its refusal (0)."""
        photo = await self.albums.get(source.photo_id)
        if photo is None:
            return 0
        protected = await self.protected_embeddings(source.chat_id, source.photo_id)
        try:
            made = await self.cpu.run(
                example_of_cut, await self.albums.load(photo), self.max_pixels, source.frame, protected, self.deidentify
            )
        except (ImageRejected, FileNotFoundError, ValueError) as exc:
            # This cut can never give an example (its file is gone or unreadable, its cut no longer found): it is
            # refused like a failed check, so it is not tried again and again.
            log.warning(
                "gallery example of %s from photo %s cut %s failed: %s", source.key, source.photo_id, source.frame, exc
            )
            made = MadePicture(None, 0, 0)
        if made.jpeg is None:
            log.info("gallery example of %s from photo %s cut %s refused", source.key, source.photo_id, source.frame)
            await self.gallery.refuse(source)
            return 0
        added = await self.gallery.add_example(source, made.jpeg, made.width, made.height)
        return int(added is not None)

    async def protected_embeddings(self, chat_id: int, photo_id: int) -> np.ndarray:
        """Every face the example must not match: the source photo's, all of the source chat's (its people and the
        faces not filed yet) and the chat's face opt-outs (the members who asked not to be recognised)."""
        faces = await self.faces.chat_faces(chat_id)
        own = [face.embedding for face in faces if face.photo_id == photo_id]
        others = [face.embedding for face in faces if face.photo_id != photo_id]
        opted_out = [signature.vector for signature in await self.opt_outs.signatures(chat_id)]
        return _matrix([*own, *others, *opted_out])

    async def settled(self) -> None:
        """Wait for the examples being made now (tests; shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)


def deidentified(cut: np.ndarray, protected: np.ndarray, animegan_model: Path | None = None) -> np.ndarray | None:
    """The bot's de-identification (vision.deid; AnimeGAN from the operator's file, else the shipped style): None
    when the check refused the result. Bind `animegan_model` with functools.partial (it is pickled to workers)."""
    return make_example(cut, protected, stylizer=_stylizer(animegan_model)).rgb


@cache
def _stylizer(animegan_model: Path | None) -> Stylizer:
    """Loaded once per worker process."""
    return load_stylizer(animegan_model)


def drawn_card(key: str) -> np.ndarray:
    """The pose's card (vision.deid: figures from the pose's template), its names in both languages in the band."""
    pose = catalogue()[key]
    return pose_card(key, title=f"{pose.ko} · {pose.en}")
