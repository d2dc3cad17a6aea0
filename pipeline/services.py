"""Everything the handlers and jobs need, built once at start (the bot's post_init) and closed at shutdown."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from booths import SafeFetcher
from pipeline.analysis import ANALYSIS_LEASE, AnalysisHook, FiledAnalysis, PhotoAnalyser
from pipeline.downloads import TelegramFiles
from pipeline.intake import Intake, IntakeWork
from pipeline.openai_refine import OpenAIRefiner
from pipeline.pose_examples import PoseExamples, deidentified, drawn_card
from pipeline.pose_suggestions import PoseSuggester, untried_moods
from pipeline.queue import WorkQueue, make_broker
from pipeline.settings import Settings
from pipeline.shared import SharedState
from pipeline.withdrawals import Withdrawals
from pipeline.workers import CpuPool
from ranking.charities import SHIPPED_LIST, load_charities
from storage.albums import AlbumStore
from storage.answers import AnswerStore
from storage.chat_move import ChatMove, move_chat
from storage.db import Database
from storage.faces import FaceStore
from storage.gallery import GalleryStore
from storage.ledger import LedgerStore
from storage.models import utcnow
from storage.moods import MoodStore
from storage.opt_outs import OptOutStore
from storage.poses import PoseStore
from storage.ranking import RankingStore
from storage.refinement import RefinementStore
from storage.schedule import ScheduleStore
from storage.suggestions import SuggestionStore


@dataclass
class Services:
    settings: Settings
    db: Database
    albums: AlbumStore
    cpu: CpuPool  # heavy work: QR decoding, face analysis, clustering
    pictures: CpuPool  # the pictures members wait for: /rank, /album, /people, the annotated answers
    fetcher: SafeFetcher
    faces: FaceStore
    analyser: PhotoAnalyser
    ranking: RankingStore
    ledger: LedgerStore
    schedules: ScheduleStore
    answers: AnswerStore
    intake: Intake
    opt_outs: OptOutStore
    withdrawals: Withdrawals
    gallery: GalleryStore
    pose_examples: PoseExamples  # the community gallery's pictures (made after the analysis, in the background)
    pose_suggester: PoseSuggester
    shared: SharedState  # what replicas share: locks, albums being answered, chat keys, limits, claims
    queue: WorkQueue  # where QR codes are read, booth links fetched, photos analysed: here or by `make worker`s
    files: TelegramFiles | None = None  # members' files fetched from Telegram by the intake's tasks run here
    owns_cpu: bool = True
    owns_pictures: bool = True
    clock: Callable[[], datetime] = utcnow  # now, in UTC; tests set a controllable clock
    # Called with each photo's FiledAnalysis once its faces are recorded and filed into people (the ledger
    # hooks in here). The analyser holds this same list.
    after_analysis: list[AnalysisHook] = field(default_factory=list)
    poses: PoseStore = field(init=False)  # the analyser's: poses are recorded with the faces
    moods: MoodStore = field(init=False)  # the analyser's: moods are recorded with the faces
    refinements: RefinementStore = field(init=False)  # each chat's OpenAI opt-in (/settings)

    def __post_init__(self) -> None:
        self.poses = self.analyser.poses
        self.moods = self.analyser.moods
        self.refinements = RefinementStore(self.db)
        self.analyser.hooks = self.after_analysis
        self.after_analysis.append(self._pledge_smiles)
        self.after_analysis.append(self.pose_examples.after_analysis)

    async def _pledge_smiles(self, filed: FiledAnalysis) -> None:
        """Each freshly analysed photo enters the ledger at once (reconcile on /donate catches any miss)."""
        await self.ledger.pledge_for_photo(filed.photo_id)

    async def move_chat(self, old_chat_id: int, new_chat_id: int) -> ChatMove:
        """A group became a supergroup: its album, people, ledger, settings and schedule move to the new id (once;
        again is harmless). Under the old chat's lock, so no clustering of the old id runs meanwhile."""
        async with self.analyser.chat_lock(old_chat_id):
            move = await move_chat(self.db, old_chat_id, new_chat_id)
        await self.analyser.chat_moved(old_chat_id, new_chat_id)
        return move

    @classmethod
    async def start(
        cls,
        settings: Settings,
        cpu: CpuPool | None = None,
        fetcher: SafeFetcher | None = None,
        pictures: CpuPool | None = None,
        worker: bool = False,
        files: TelegramFiles | None = None,
    ) -> Services:
        """Open the database (migrating it), sweep crash leftovers, start the worker pools unless they are given
        (their processes start with their first task). `worker`: a work-queue worker's services, which analyse
        what they are sent in this process. `files`: how the intake's tasks run here download members' files from
        Telegram (handlers.telegram_files; closed with the services)."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        db = Database(settings.resolved_database_url)
        await db.migrate()
        albums = AlbumStore(db, settings.blob_store("blobs", settings.blob_dir))
        await albums.sweep_orphan_blobs()
        charities = load_charities(settings.charities_file or SHIPPED_LIST)
        owns_cpu = cpu is None
        # Workers yield the CPU (workers.py): the event loop answering commands first, then pictures, then analysis.
        cpu = cpu or CpuPool(settings.analysis_workers, name="analysis", niceness=settings.analysis_niceness)
        owns_pictures = pictures is None
        pictures = pictures or CpuPool(
            settings.picture_workers, name="pictures", niceness=settings.picture_niceness, people_reserve=1
        )
        faces = FaceStore(db)
        route = settings.loopback_booth_route
        fetcher = fetcher or SafeFetcher(allow_loopback=bool(route), host_map=route)
        opt_outs = OptOutStore(db)
        # The OpenAI step exists only with a key; even then it asks about a chat's photos only once its admins opt in.
        refiner = OpenAIRefiner(settings, RefinementStore(db), cpu) if settings.openai_configured else None
        shared = SharedState.open(settings, db)
        analyser = PhotoAnalyser(
            albums,
            faces,
            cpu,
            settings.max_image_pixels,
            opt_outs=opt_outs,
            refiner=refiner,
            locks=shared.locks,
            keys=shared.keys,
            claims=shared.claims,
            # never longer than a dead worker's task takes to come back to another worker
            analysis_lease=min(ANALYSIS_LEASE, timedelta(seconds=settings.work_queue_idle_s)),
        )
        queue = WorkQueue(make_broker(settings), settings.work_queue_wait_s)
        # members' pictures from the worker that downloaded them until the replica read them (pipeline.intake)
        incoming = settings.blob_store("incoming", settings.data_dir / "incoming")
        queue.broker.state.analyser = analyser
        queue.broker.state.intake = IntakeWork(settings, albums, incoming, cpu, fetcher, files)
        if not worker:  # the producer's side (a worker's broker is started by the Taskiq CLI)
            await queue.broker.startup()
            analyser.queue = queue
        gallery = GalleryStore(db, settings.blob_store("gallery", settings.gallery_dir))
        await gallery.sweep_orphan_files()
        deidentify = partial(deidentified, animegan_model=settings.animegan_model)
        pose_examples = PoseExamples(
            gallery, albums, faces, opt_outs, cpu, settings.max_image_pixels, deidentify, drawn_card
        )
        return cls(
            settings=settings,
            db=db,
            albums=albums,
            cpu=cpu,
            pictures=pictures,
            fetcher=fetcher,
            faces=faces,
            analyser=analyser,
            ranking=RankingStore(db, settings.timezone),
            ledger=LedgerStore(db, charities, settings.timezone),
            schedules=ScheduleStore(db, settings.timezone),
            answers=AnswerStore(db, settings.group_answers),
            intake=Intake(settings, albums, analyser, queue, incoming, rate_limit=shared.booth_links),
            opt_outs=opt_outs,
            withdrawals=Withdrawals(faces, opt_outs, analyser),
            gallery=gallery,
            pose_examples=pose_examples,
            pose_suggester=PoseSuggester(
                analyser.poses, SuggestionStore(db), pose_examples, untried_mood=untried_moods(analyser.moods)
            ),
            shared=shared,
            queue=queue,
            files=files,
            owns_cpu=owns_cpu,
            owns_pictures=owns_pictures,
        )

    async def close(self) -> None:
        await self.queue.broker.shutdown()
        if self.files is not None:
            await self.files.close()
        await self.pose_examples.close()
        await self.analyser.close()
        await self.fetcher.close()
        if self.owns_cpu:
            self.cpu.shutdown()
        if self.owns_pictures:
            self.pictures.shutdown()
        await self.shared.close()
        await self.db.dispose()
