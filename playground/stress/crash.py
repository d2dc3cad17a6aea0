"""Crash runs: a group sends strips, the bot process (and its workers) gets SIGKILL at a seeded moment — while the
photos are downloaded and filed ("ingest") or while they are analysed ("analysis") — and is started again on the
same data folder, against the same emulator (which, like Telegram, hands out again the updates the dead bot had not
confirmed).

Each run then checks: no album row without its whole file, no file without its row (storage.blobs' sweep at start),
every filed photo analysed (scheduler.resume), every photo sent filed exactly once (`lost` / `duplicates`)."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from pathlib import Path

from playground.stress.album_check import read_album
from playground.stress.booth import LoadBoothSite
from playground.stress.kill_runs import group_sending, seeded_runs
from playground.stress.load import settle_answers
from playground.stress.strips import load_strip, unique_copy

PHASES = ("ingest", "analysis")
# When to kill, in seconds after the photos were sent: downloads and filing take well under a second each,
# the analysis of a strip one to a few seconds on a busy machine.
KILL_WINDOWS = {"ingest": (0.05, 1.5), "analysis": (1.5, 8.0)}


@dataclass
class CrashReport:
    runs: int = 0
    photos: int = 0
    restart_s: list[float] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    killed_with_unanalysed: int = 0  # runs where the kill left filed photos unanalysed (the resume had work)

    def metrics(self) -> dict[str, float]:
        return {
            "runs": self.runs,
            "photos": self.photos,
            "lost": len(self.lost),
            "duplicates": len(self.duplicates),
            "resumed_runs": self.killed_with_unanalysed,
        }


async def run_crashes(runs: int, workdir: Path, *, seed: int = 0, photos: int = 3) -> CrashReport:
    strips = await asyncio.to_thread(lambda: [load_strip(f"ok{index:03d}", index) for index in range(photos)])
    report = CrashReport()

    async def one_run(number: int, rng: random.Random, booth: LoadBoothSite) -> None:
        phase = PHASES[number % len(PHASES)]
        delay = rng.uniform(*KILL_WINDOWS[phase])
        pictures = [unique_copy(strip.phone_photo, 2000 + number * photos + i) for i, strip in enumerate(strips)]
        await _one_crash(workdir / f"run-{number:02d}", booth, pictures, delay, f"run {number} ({phase})", report)

    await seeded_runs({strip.code: strip.original for strip in strips}, runs, seed, one_run)
    return report


async def _one_crash(
    workdir: Path, booth: LoadBoothSite, pictures: list[bytes], delay: float, name: str, report: CrashReport
) -> None:
    async with group_sending(workdir, booth, pictures, title="Crash") as group:
        run, chat_id, sent = group.run, group.chat_id, group.sent

        def at_kill() -> None:
            killed = read_album(run.data_dir)
            report.killed_with_unanalysed += killed.unanalysed > 0
            report.lost.extend(
                f"{name}: at the kill, {problem}" for problem in killed.problems if "orphan" not in problem
            )

        report.restart_s.append(await group.kill_and_restart(delay, at_kill))
        await settle_answers(run, sent, {chat_id: len(pictures)}, timeout_s=300)
        state = read_album(run.data_dir)
        report.runs += 1
        report.photos += len(sent)
        filed = state.photos_per_chat[chat_id]
        if filed < len(pictures):
            report.lost.append(f"{name}: {filed} of {len(pictures)} photos filed after the restart")
        elif filed > len(pictures):
            report.duplicates.append(f"{name}: {filed} album rows for {len(pictures)} photos")
        if state.unanalysed:
            report.lost.append(f"{name}: {state.unanalysed} photos never analysed after the restart")
        if state.temp_files:
            report.lost.append(f"{name}: {state.temp_files} temporary files left")
        report.lost.extend(f"{name}: {problem}" for problem in state.problems)
