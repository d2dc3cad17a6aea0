"""Faces, smiles, poses and moods of a filed photo: analysed in a worker, stored, and sorted into the chat's people.

Worker side: `analyse_photo` (bytes in, `PhotoAnalysis` out; the models load once per worker process). Poses are
read cut by cut, each cut with the faces that lie in it (hands and bodies go to those people; pair poses are two
people of one cut); the wink reads the blendshapes the smile scorer's landmarker already produced, and so do the
moods, with each cut's colour and light (measured here, scored after opt-outs by `cut_moods`).
Async side: `PhotoAnalyser.analyse_and_file` runs it in the CPU pool, records the faces, poses and moods once,
clusters the faces into people, asks the opt-in `Refiner` (pipeline.openai_refine) when there is one, and calls
the `after_analysis` hooks. No Telegram here.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import AbstractAsyncContextManager, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import numpy as np

from pipeline.face_signatures import opted_out
from pipeline.metrics import ANALYSIS_FAILURES, ANALYSIS_GIVEN_UP, ANALYSIS_SECONDS
from pipeline.pictures import Source, read_source
from pipeline.workers import CpuPool
from ranking.points import face_points
from storage.albums import AlbumStore
from storage.analysis_attempts import AnalysisAttempts
from storage.chat_keys import ChatKeys, MemoryChatKeys
from storage.chat_locks import ChatLocks, MemoryChatLocks
from storage.faces import FaceStore, NewFace, NewPairPose, NewPerson, StoredFace
from storage.job_claims import JobClaims
from storage.models import Photo, saved_id
from storage.moods import AddedPose, MoodStore, NewMood, StoredMood
from storage.opt_outs import OptOutStore
from storage.poses import PoseStore, StoredPose
from vision.cuts import Frame, split_cuts
from vision.faces import (
    ClusterFace,
    Clustering,
    DetectedFace,
    FaceQuality,
    assign_incremental,
    detect_faces,
    embed_faces,
    face_quality,
    is_clear,
    recluster,
)
from vision.images import ImageRejected, load_rgb
from vision.moods import CutCues, CutLight, FaceCue, MoodScore, light_of, score_cut, strip_moods
from vision.poses import PoseHit, PoseReading, recognise_poses
from vision.smile import SmileReading, smile_readings

log = logging.getLogger(__name__)

EMBEDDING_SIZE = 128
RECLUSTER_EVERY_FACES = 40  # a full re-cluster of a chat after this many new faces (and once a day)
NEW_FACES_KEY = "recluster:new_faces"  # the chat's count of faces filed since its last re-cluster (ChatKeys)
NEW_FACES_TTL_S = 2 * 24 * 3600  # the nightly re-cluster resets it anyway
ANALYSIS_CLAIM = "analyse"  # JobClaims name: one process analyses a photo at a time
# A photo's analysis claim lapses this long after its owner stops renewing it (every third of it), so a process that
# died mid-analysis holds its photos back for at most this long, after a restart or from the other replicas.
ANALYSIS_LEASE = timedelta(seconds=30)
# Analyses started before a photo is given up (storage.analysis_attempts): the upload's own, then the resume sweeps'
# (every 10 minutes); the chat is then told once (handlers.analysis_failures) instead of the photo being tried forever.
MAX_ANALYSIS_ATTEMPTS = 3
OTHERS_POLL_S = 0.5  # how often a photo another process analyses is looked at again
# A detection the smile model's landmarker cannot read as a face either is kept only when the detector is this sure:
# on ../shared/eval/photobooth every such detection below it was a balloon, a texture or a smudge of a crowd. The
# smile fallback does not count as a second opinion here: it runs the same detector (YuNet) again.
UNREAD_MIN_DETECTION = 0.9


# ----- worker side ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AnalysedFace:
    frame: int
    box: tuple[int, int, int, int]  # x, y, w, h in the full (upright) image
    detection_score: float
    smile: float  # 0–100
    embedding: np.ndarray
    yaw: float | None  # head turn and sharpness: vision.faces.FaceQuality
    sharpness: float | None
    poses: tuple[PoseHit, ...] = ()  # this person's own poses (catalogue keys), surest first
    # The smile landmarker's blendshapes of this face (None: not read); the moods read them (laugh, pucker, puff).
    blendshapes: Mapping[str, float] | None = dataclasses.field(default=None, compare=False)


@dataclass(frozen=True)
class AnalysedPairPose:
    frame: int
    pose: PoseHit  # a two-person pose; pose.people are indices into PhotoAnalysis.faces (maker first)


@dataclass(frozen=True)
class PhotoAnalysis:
    width: int
    height: int
    layout_kind: str
    duplicated: bool
    faces: tuple[AnalysedFace, ...]
    pair_poses: tuple[AnalysedPairPose, ...] = ()
    lights: tuple[tuple[int, CutLight], ...] = ()  # (frame, its colour and light) of every cut with faces


Box = tuple[float, float, float, float]
# The pose stage's seam: one cut's pixels, its faces' boxes (cut coordinates) and their blendshapes → poses.
PoseRecogniser = Callable[[np.ndarray, Sequence[Box], Sequence[Mapping[str, float] | None]], PoseReading]


StageTimes = MutableMapping[str, float]


@contextmanager
def _timed(times: StageTimes | None, stage: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        if times is not None:
            times[stage] = times.get(stage, 0.0) + time.perf_counter() - started


def _faces_by_frame(faces: list[DetectedFace], frames: Sequence[Frame]) -> list[tuple[int, DetectedFace]]:
    """(frame index, face) in reading order: each face goes to the frame holding its centre. Faces in no frame of the
    copy (the second copy of a doubled strip, a logo band, the margin) are left out: every face is counted once."""
    placed = []
    for face in faces:
        x, y, w, h = face.box
        cx, cy = x + w / 2, y + h / 2
        for frame in frames:
            fx, fy, fw, fh = frame.box
            if fx <= cx < fx + fw and fy <= cy < fy + fh:
                placed.append((frame.index, face))
                break
    return sorted(placed, key=lambda item: (item[0], item[1].box[0], item[1].box[1]))


def _whole_pixels(box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    x, y, w, h = box
    return round(x), round(y), round(w), round(h)


def _read_poses(
    rgb: np.ndarray,
    frames: Sequence[Frame],
    faces: Sequence[tuple[int, DetectedFace, SmileReading]],
    recognise: PoseRecogniser,
) -> tuple[list[tuple[PoseHit, ...]], list[AnalysedPairPose]]:
    """Each cut's poses, read on the cut's own pixels with the faces that lie in it: per face (in `faces` order)
    and the pair poses (face indices into `faces`)."""
    per_face: list[tuple[PoseHit, ...]] = [() for _ in faces]
    pairs: list[AnalysedPairPose] = []
    for frame in frames:
        members = [index for index, (frame_index, _, _) in enumerate(faces) if frame_index == frame.index]
        if not members:
            continue
        fx, fy, fw, fh = frame.box
        cut = np.ascontiguousarray(rgb[fy : fy + fh, fx : fx + fw])
        boxes = [(x - fx, y - fy, w, h) for x, y, w, h in (faces[i][1].box for i in members)]
        reading = recognise(cut, boxes, [faces[i][2].blendshapes for i in members])
        for person in reading.people:
            per_face[members[person.face]] = person.poses
        for hit in reading.pairs:
            pairs.append(
                AnalysedPairPose(frame.index, PoseHit(hit.key, hit.confidence, tuple(members[i] for i in hit.people)))
            )
    return per_face, pairs


def analyse_rgb(
    rgb: np.ndarray, times: StageTimes | None = None, recognise: PoseRecogniser = recognise_poses
) -> PhotoAnalysis:
    """Cuts first, so a strip printed twice is counted once. Faces are detected, read and embedded on the whole
    image (the way evals/eval_faces.py and eval_smile.py measure those steps; one detector run instead of one per
    frame) and then counted frame by frame; poses are read per cut (`recognise`: vision.poses, or a stand-in)."""
    with _timed(times, "cuts"):
        layout = split_cuts(rgb)
    with _timed(times, "detection"):
        placed = _faces_by_frame(detect_faces(rgb), layout.frames)
    with _timed(times, "smile"):
        readings = smile_readings(rgb, [face for _, face in placed]) if placed else []
    kept = [
        (frame, face, reading)
        for (frame, face), reading in zip(placed, readings, strict=True)
        if reading.source == "landmarker" or face.score >= UNREAD_MIN_DETECTION
    ]
    with _timed(times, "embedding"):
        embeddings = np.asarray(embed_faces(rgb, [face for _, face, _ in kept]), dtype=np.float32)
    with _timed(times, "poses"):
        poses, pairs = _read_poses(rgb, layout.frames, kept, recognise)
    with _timed(times, "moods"):
        lights = _cut_lights(rgb, layout.frames, {frame for frame, _, _ in kept})
    faces = tuple(
        AnalysedFace(
            frame=frame,
            box=_whole_pixels(face.box),
            detection_score=float(face.score),
            smile=float(min(max(reading.score, 0.0), 100.0)),
            embedding=embedding,
            yaw=quality.yaw,
            sharpness=quality.sharpness,
            poses=face_poses,
            blendshapes=reading.blendshapes,
        )
        for (frame, face, reading), embedding, face_poses in zip(kept, embeddings, poses, strict=True)
        for quality in [face_quality(rgb, face)]
    )
    height, width = rgb.shape[:2]
    return PhotoAnalysis(
        width=width,
        height=height,
        layout_kind=layout.kind,
        duplicated=layout.duplicated,
        faces=faces,
        pair_poses=tuple(pairs),
        lights=lights,
    )


def _cut_lights(rgb: np.ndarray, frames: Sequence[Frame], with_faces: set[int]) -> tuple[tuple[int, CutLight], ...]:
    lights = []
    for frame in frames:
        if frame.index in with_faces:
            fx, fy, fw, fh = frame.box
            lights.append((frame.index, light_of(rgb[fy : fy + fh, fx : fx + fw])))
    return tuple(lights)


def cut_moods(analysis: PhotoAnalysis) -> list[NewMood]:
    """Each cut's mood scores (vision.moods) from its faces' smiles, blendshapes and boxes, its poses and its light.
    Run on the faces that are stored (after opt-outs): a face that is not kept does not colour the mood either."""
    poses: dict[int, dict[str, float]] = {}
    hits = [(face.frame, hit) for face in analysis.faces for hit in face.poses]
    hits += [(pair.frame, pair.pose) for pair in analysis.pair_poses]
    for frame, hit in hits:
        seen = poses.setdefault(frame, {})
        seen[hit.key] = max(seen.get(hit.key, 0.0), hit.confidence)
    lights = dict(analysis.lights)
    moods = []
    for frame in sorted({face.frame for face in analysis.faces}):
        faces = tuple(FaceCue(f.box, f.smile, f.blendshapes) for f in analysis.faces if f.frame == frame)
        scores = score_cut(CutCues(faces, poses.get(frame, {}), lights.get(frame)))
        moods += [NewMood(frame, score.key, score.score, score.confidence) for score in scores]
    return moods


def analyse_photo(data: Source, max_pixels: int, recognise: PoseRecogniser = recognise_poses) -> PhotoAnalysis:
    """Runs in pipeline.workers.CpuPool workers (`recognise` must be a module-level function: it is pickled there),
    which read a stored photo from its path themselves. EXIF orientation is honoured by load_rgb."""
    return analyse_rgb(load_rgb(read_source(data), max_pixels), recognise=recognise)


def smile_points(score: float) -> int:
    """A face's smile points: its 0–100 smile score rounded to a whole number (one definition: ranking.points)."""
    return face_points(score)


# ----- async side -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FiledFace:
    id: int
    frame: int
    box: tuple[int, int, int, int]
    smile: float
    person_id: int | None

    @property
    def points(self) -> int:
        return smile_points(self.smile)


def stored_strip_moods(moods: Iterable[StoredMood]) -> tuple[str, ...]:
    """A photo's one or two moods from its stored scores: each mood's score · confidence summed over the cuts
    (vision.moods.strip_moods), the same for answers, /pose and the Mini App."""
    return strip_moods(MoodScore(mood.key, mood.score, mood.confidence) for mood in moods)


@dataclass(frozen=True)
class FiledAnalysis:
    """A photo's faces as stored, with the people they were filed under, and the poses seen in each cut."""

    photo_id: int
    chat_id: int
    faces: tuple[FiledFace, ...]
    fresh: bool  # analysed just now (False: it had been analysed before)
    poses: tuple[StoredPose, ...] = ()  # by cut, surest first within a cut; face_ids name the faces above
    moods: tuple[StoredMood, ...] = ()  # every mood's score per cut (and the OpenAI step's votes, if any)

    def strip_moods(self) -> tuple[str, ...]:
        return stored_strip_moods(self.moods)

    def poses_by_cut(self) -> dict[int, list[str]]:
        """Cut index → the pose keys seen in it, each once, surest first (person and pair poses together)."""
        cuts: dict[int, list[str]] = {}
        for pose in self.poses:
            keys = cuts.setdefault(pose.frame, [])
            if pose.key not in keys:
                keys.append(pose.key)
        return cuts

    @property
    def points(self) -> int:
        """The photo's smile points: the sum over its faces, each face counted once."""
        return sum(face.points for face in self.faces)


AnalysisHook = Callable[[FiledAnalysis], Awaitable[None]]


@dataclass(frozen=True)
class Additions:
    """What a second opinion adds to a filed analysis (stored with source 'openai')."""

    poses: tuple[AddedPose, ...] = ()
    moods: tuple[NewMood, ...] = ()


class Refiner(Protocol):
    """A second opinion after the device's analysis (pipeline.openai_refine.OpenAIRefiner)."""

    async def wanted(self, chat_id: int) -> bool: ...

    async def refine(self, photo: bytes, filed: FiledAnalysis) -> Additions | None: ...

    async def close(self) -> None: ...


def _filed(
    photo_id: int,
    chat_id: int,
    faces: Sequence[StoredFace],
    poses: Sequence[StoredPose],
    fresh: bool,
    moods: Sequence[StoredMood] = (),
) -> FiledAnalysis:
    return FiledAnalysis(
        photo_id=photo_id,
        chat_id=chat_id,
        faces=tuple(FiledFace(f.id, f.frame, f.box, f.smile, f.person_id) for f in faces),
        fresh=fresh,
        poses=tuple(poses),
        moods=tuple(moods),
    )


def _only_faces(analysis: PhotoAnalysis, keep: Sequence[int]) -> PhotoAnalysis:
    """The analysis with only the faces at `keep`; a pair pose stays only when both its people do."""
    renumbered = {old: new for new, old in enumerate(keep)}
    pairs = tuple(
        AnalysedPairPose(
            pair.frame, PoseHit(pair.pose.key, pair.pose.confidence, tuple(renumbered[i] for i in pair.pose.people))
        )
        for pair in analysis.pair_poses
        if all(i in renumbered for i in pair.pose.people)
    )
    return dataclasses.replace(analysis, faces=tuple(analysis.faces[i] for i in keep), pair_poses=pairs)


def _new_faces(analysis: PhotoAnalysis) -> tuple[list[NewFace], list[NewPairPose]]:
    faces = [
        NewFace(
            f.frame,
            f.box,
            f.detection_score,
            f.smile,
            f.embedding,
            tuple((p.key, p.confidence) for p in f.poses),
            yaw=f.yaw,
            sharpness=f.sharpness,
        )
        for f in analysis.faces
    ]
    pairs = [
        NewPairPose(pair.pose.key, pair.pose.confidence, (pair.pose.people[0], pair.pose.people[1]))
        for pair in analysis.pair_poses
    ]
    return faces, pairs


def stored_quality(face: StoredFace) -> FaceQuality:
    return FaceQuality(
        size=float(min(face.box[2], face.box[3])), score=face.detection_score, yaw=face.yaw, sharpness=face.sharpness
    )


def cluster_faces(stored: Sequence[StoredFace], gate: Callable[[FaceQuality], bool] = is_clear) -> list[ClusterFace]:
    """The faces as the clustering sees them; weak ones (vision.faces.is_clear) are marked, not dropped."""
    return [
        ClusterFace(
            id=face.id,
            photo_id=face.photo_id,
            embedding=face.embedding,
            person_id=face.person_id,
            manual=face.manual,
            excluded=face.excluded_people,
            frame=face.frame,
            clear=gate(stored_quality(face)),
        )
        for face in stored
        if face.embedding.shape == (EMBEDDING_SIZE,)
    ]


def incremental_people(
    stored: Sequence[StoredFace], face_ids: Sequence[int], gate: Callable[[FaceQuality], bool] = is_clear
) -> Clustering | None:
    """Where a photo's new faces (`face_ids`) go among the chat's `stored` faces; None: none of them is waiting.
    The one incremental step of the bot (PhotoAnalyser) and of evals/eval_identity.py."""
    waiting = {face.id for face in stored if face.person_id is None}
    new_ids = [face_id for face_id in face_ids if face_id in waiting]
    if not new_ids:
        return None
    return assign_incremental(cluster_faces(stored, gate), new_ids)


def _with_tokens(clustering: Clustering) -> dict[int, int | NewPerson | None]:
    """'new:k' labels become one NewPerson token per label, so FaceStore.assign creates one person for each."""
    tokens: dict[str, NewPerson] = {}
    return {
        face_id: tokens.setdefault(label, NewPerson()) if isinstance(label, str) else label
        for face_id, label in clustering.assignment.items()
    }


class AnalysisQueue(Protocol):
    """Where photos are analysed when not here (pipeline.queue.WorkQueue): True once the analysis is stored."""

    async def analyse(self, photo_id: int) -> bool: ...


async def _shared(
    inflight: dict[int, asyncio.Task[FiledAnalysis | None]],
    photo_id: int,
    work: Callable[[int], Coroutine[Any, Any, FiledAnalysis | None]],
) -> FiledAnalysis | None:
    """One task per photo in `inflight`: concurrent callers share it, and a cancelled caller does not cancel it."""
    task = inflight.get(photo_id)
    if task is None:
        task = asyncio.create_task(work(photo_id), name=f"analyse:{photo_id}")
        inflight[photo_id] = task
        task.add_done_callback(lambda _task: inflight.pop(photo_id, None))
    return await asyncio.shield(task)


class PhotoAnalyser:
    """Owns the flow photo → faces → people. One per process; chats are clustered one at a time each (`locks`: in
    this process, or across processes on PostgreSQL); with `claims`, a photo is analysed by one process at a time
    and the others wait for its result."""

    def __init__(
        self,
        albums: AlbumStore,
        faces: FaceStore,
        cpu: CpuPool,
        max_pixels: int,
        hooks: list[AnalysisHook] | None = None,
        recluster_every: int = RECLUSTER_EVERY_FACES,
        opt_outs: OptOutStore | None = None,
        recognise: PoseRecogniser = recognise_poses,
        refiner: Refiner | None = None,
        locks: ChatLocks | None = None,
        keys: ChatKeys | None = None,
        claims: JobClaims | None = None,
        queue: AnalysisQueue | None = None,
        analysis_lease: timedelta = ANALYSIS_LEASE,
        max_attempts: int = MAX_ANALYSIS_ATTEMPTS,
    ) -> None:
        self.albums, self.faces, self.cpu, self.max_pixels = albums, faces, cpu, max_pixels
        self.opt_outs = opt_outs
        self.poses = PoseStore(faces.db)
        self.attempts = AnalysisAttempts(faces.db, max_attempts)
        self.moods = MoodStore(faces.db)
        self.refiner = refiner  # the opt-in OpenAI step (pipeline.openai_refine); None: never
        self.recognise = recognise
        self.hooks: list[AnalysisHook] = hooks if hooks is not None else []
        self.recluster_every = recluster_every
        self._inflight: dict[int, asyncio.Task[FiledAnalysis | None]] = {}
        self.locks: ChatLocks = locks or MemoryChatLocks()
        self.keys: ChatKeys = keys or MemoryChatKeys()
        self.claims, self.analysis_lease = claims, analysis_lease
        self.queue = queue  # None: analyse in this process; else send each photo to the work queue
        self._local: dict[int, asyncio.Task[FiledAnalysis | None]] = {}
        self._resume_task: asyncio.Task[int] | None = None

    def chat_lock(self, chat_id: int) -> AbstractAsyncContextManager[None]:
        """Held while a chat's people change (clustering, merges, removals, a move to a new chat id), so they
        never race."""
        return self.locks.hold(chat_id)

    async def analyse_and_file(self, photo_id: int) -> FiledAnalysis | None:
        """Analyse a stored photo once (concurrent callers share the work) — here, or with a work queue by whichever
        worker takes the task. None: it failed, try again later."""
        return await _shared(self._inflight, photo_id, self._analyse_and_file)

    async def analyse_locally(self, photo_id: int) -> FiledAnalysis | None:
        """The analysis in this process (the work queue's task body, pipeline.queue)."""
        return await _shared(self._local, photo_id, self._analyse_here)

    async def _analyse_and_file(self, photo_id: int) -> FiledAnalysis | None:
        if self.queue is None:
            return await self._analyse_here(photo_id)
        photo = await self.albums.get(photo_id)
        if photo is None or photo.analysed_at is not None:
            return await self.stored(photo_id)
        if not await self.queue.analyse(photo_id):
            return None
        return await self._stored_analysis(photo_id, photo.chat_id, fresh=True)

    async def _analyse_here(self, photo_id: int) -> FiledAnalysis | None:
        while True:
            photo = await self.albums.get(photo_id)
            if photo is None:
                return None
            if photo.analysed_at is not None:
                return await self._stored_analysis(photo_id, photo.chat_id, fresh=False)
            if photo.analysis_failed_at is not None:  # given up after MAX_ANALYSIS_ATTEMPTS
                return None
            if self.claims is None:
                return await self._analyse_claimed(photo)
            if await self.claims.claim(ANALYSIS_CLAIM, str(photo_id), self.analysis_lease):
                renewing = asyncio.create_task(self._keep_claim(str(photo_id)))
                try:
                    return await self._analyse_claimed(photo)
                finally:
                    renewing.cancel()
                    await self.claims.release(ANALYSIS_CLAIM, str(photo_id))
            await asyncio.sleep(OTHERS_POLL_S)  # another process analyses it: its result is read back here

    async def _keep_claim(self, slot: str) -> None:
        assert self.claims is not None
        while True:
            await asyncio.sleep(self.analysis_lease.total_seconds() / 3)
            try:
                await self.claims.renew(ANALYSIS_CLAIM, slot, self.analysis_lease)
            except Exception as exc:  # the database was unreachable for a moment: the next round tries again
                log.warning("renewing the analysis claim of photo %s failed: %s", slot, exc)

    async def _analyse_claimed(self, photo: Photo) -> FiledAnalysis | None:
        photo_id = saved_id(photo.id)
        attempt = await self.attempts.start(photo_id)
        if attempt > self.attempts.max_attempts:  # the earlier ones died with their process: none recorded a failure
            await self._give_up(photo_id, attempt - 1)
            return None
        analysis: PhotoAnalysis | None
        try:
            path = await self.albums.path_of(photo)
            with ANALYSIS_SECONDS.time():
                analysis = await self.cpu.run(analyse_photo, path, self.max_pixels, self.recognise)
        except (ImageRejected, FileNotFoundError) as exc:
            # Nothing to find in it, ever: mark it analysed with no faces rather than retrying on every start.
            log.warning("photo %s cannot be analysed: %s", photo_id, exc)
            analysis = None
        except Exception:
            ANALYSIS_FAILURES.inc()
            if self.attempts.exhausted(attempt):
                log.exception("analysing photo %s failed (attempt %d)", photo_id, attempt)
                await self._give_up(photo_id, attempt)
            else:
                log.exception("analysing photo %s failed (attempt %d); the resume sweep tries again", photo_id, attempt)
            return None
        async with self.chat_lock(photo.chat_id):  # an opt-out made meanwhile applies to this photo too
            kept = await self._not_opted_out(photo.chat_id, analysis) if analysis is not None else None
            new_faces, pair_poses = _new_faces(kept) if kept is not None else ([], [])
            moods = cut_moods(kept) if kept is not None else []
            ids = await self.faces.record_analysis(photo_id, new_faces, pair_poses, moods)
        if ids:
            try:
                await self._file_into_people(photo.chat_id, ids)
            except Exception:  # the faces are stored; the next re-cluster files them
                log.exception("filing the faces of photo %s into people failed", photo_id)
        filed = await self._stored_analysis(photo_id, photo.chat_id, fresh=True)
        if self.refiner is not None and filed.faces:
            filed = await self._refined(photo, filed)
        for hook in list(self.hooks):
            try:
                await hook(filed)
            except Exception:
                log.exception("after_analysis hook %r failed for photo %s", hook, photo_id)
        return filed

    async def _give_up(self, photo_id: int, attempts: int) -> None:
        if await self.attempts.give_up(photo_id):
            ANALYSIS_GIVEN_UP.inc()
            log.error(
                "gave up analysing photo %s after %d attempts; it stays in the album unanalysed", photo_id, attempts
            )

    async def stored(self, photo_id: int) -> FiledAnalysis | None:
        """What an earlier analysis stored of the photo; None while it is not analysed (or is gone)."""
        photo = await self.albums.get(photo_id)
        if photo is None or photo.analysed_at is None:
            return None
        return await self._stored_analysis(photo_id, photo.chat_id, fresh=False)

    async def _stored_analysis(self, photo_id: int, chat_id: int, fresh: bool) -> FiledAnalysis:
        faces = await self.faces.faces_of_photo(photo_id)
        poses, moods = await self.poses.poses_of_photo(photo_id), await self.moods.moods_of_photo(photo_id)
        return _filed(photo_id, chat_id, faces, poses, fresh, moods)

    async def _refined(self, photo: Photo, filed: FiledAnalysis) -> FiledAnalysis:
        """The opt-in OpenAI step, after the device's own analysis is stored: what it adds is stored beside it
        (source 'openai'); any failure leaves the device's result as it is."""
        refiner = self.refiner
        if refiner is None or not await refiner.wanted(filed.chat_id) or await self.moods.refined(filed.photo_id):
            return filed
        try:
            added = await refiner.refine(await self.albums.load(photo), filed)
        except Exception:
            log.exception("the OpenAI step failed for photo %s; the device's result stands", filed.photo_id)
            return filed
        if added is None or not (added.poses or added.moods):
            return filed
        await self.moods.add_refinement(filed.photo_id, added.poses, added.moods)
        return await self._stored_analysis(filed.photo_id, filed.chat_id, fresh=True)

    async def _not_opted_out(self, chat_id: int, analysis: PhotoAnalysis) -> PhotoAnalysis:
        """Faces of members who said 'stop recognising me' are not stored at all (not even their smile or their
        poses, nor a pair pose they are part of)."""
        signatures = await self.opt_outs.signatures(chat_id) if self.opt_outs else []
        keep = [i for i, face in enumerate(analysis.faces) if not opted_out(face.embedding, signatures)]
        return _only_faces(analysis, keep)

    async def _file_into_people(self, chat_id: int, face_ids: Sequence[int]) -> None:
        async with self.chat_lock(chat_id):
            stored = await self.faces.chat_faces(chat_id)
            clustering = await self.cpu.run(incremental_people, stored, face_ids)
            if clustering is None:
                return
            await self.faces.assign(chat_id, _with_tokens(clustering))
            filed = sum(i in clustering.assignment for i in face_ids)
            due = await self.keys.add(chat_id, NEW_FACES_KEY, filed, NEW_FACES_TTL_S) >= self.recluster_every
        if due:
            await self.recluster(chat_id)

    async def recluster(self, chat_id: int) -> None:
        """A full re-cluster of one chat. Manual corrections stay: FaceStore.assign never moves a manual face,
        and removed faces never go back to the person they were taken from."""
        async with self.chat_lock(chat_id):
            await self.keys.take(chat_id, NEW_FACES_KEY)
            stored = await self.faces.chat_faces(chat_id)
            if not stored:
                return
            clustering = await self.cpu.run(recluster, cluster_faces(stored))
            await self.faces.assign(chat_id, _with_tokens(clustering))

    async def recluster_all(self) -> None:
        for chat_id in await self.faces.chats_with_faces():
            try:
                await self.recluster(chat_id)
            except Exception:
                log.exception("re-clustering chat %s failed", chat_id)

    async def chat_moved(self, old_chat_id: int, new_chat_id: int) -> None:
        """The chat's faces now live under a new id (a group became a supergroup): its count goes with them."""
        count = int(await self.keys.take(old_chat_id, NEW_FACES_KEY) or 0)
        if count:
            await self.keys.add(new_chat_id, NEW_FACES_KEY, count, NEW_FACES_TTL_S)

    async def resume(self) -> int:
        """Analyse every photo a restart interrupted (analysed_at still NULL). Returns how many were tried."""
        tried: set[int] = set()
        while True:
            waiting = [photo for photo in await self.faces.unanalysed_photos(limit=200) if photo.id not in tried]
            if not waiting:
                return len(tried)
            for photo in waiting:
                photo_id = saved_id(photo.id)
                tried.add(photo_id)
                await self.analyse_and_file(photo_id)

    def start_resume(self) -> asyncio.Task[int]:
        self._resume_task = asyncio.create_task(self._logged_resume(), name="analysis-resume")
        return self._resume_task

    async def resumed(self) -> int:
        """Wait until the start-up resume has analysed and filed every interrupted photo; how many it tried."""
        return await asyncio.shield(self._resume_task) if self._resume_task else 0

    async def _logged_resume(self) -> int:
        count = await self.resume()
        if count:
            log.info("resumed the analysis of %d photo(s)", count)
        return count

    async def close(self) -> None:
        tasks = [*self._inflight.values(), *self._local.values(), *([self._resume_task] if self._resume_task else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.refiner is not None:
            await self.refiner.close()
