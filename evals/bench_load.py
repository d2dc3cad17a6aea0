"""Load, faults, crashes and start-up of the bot as a real process (`python -m bot`) on loopback, through the Bot API
emulator, with a local booth site (playground.stress, the same harness tests/e2e/test_load.py runs small).

METRIC bench.cold_start_s       process start → first answered command (fresh data folder, migrations included)
METRIC bench.strips_per_s       strips through the whole path (QR → booth original → faces → answer), workers=2
METRIC load.photos_per_s        photos answered per second over the burst (CHATS × PHOTOS strips at once)
METRIC load.photo_p50_s / load.photo_p95_s   photo sent → its answer final
METRIC load.cmd_p95_ms          text commands (/help, /privacy, /lang) while the burst is analysed (goal < 100)
METRIC load.picture_cmd_p95_ms  /rank and /album while the burst is analysed (each group asks one at most every 8 s,
                                within its 20 messages a minute: playground.stress.load.PICTURE_ASK_EVERY_S)
METRIC load.peak_rss_mb         the bot and its worker processes together
METRIC load.lost                photos not filed, answered or analysed, commands not answered (goal 0)
METRIC faults.lost / faults.duplicates / faults.stale_statuses   the same burst with Telegram failing at random
                                (429, 500, 502, hangs, dropped connections, answers lost after Telegram carried the
                                request out) and booth pages that hang, loop or return garbage. A stale status is a
                                status message left beside a photo's answer, neither made into it nor deleted.
                                Goal: lost 0, duplicates + stale statuses at most `faults.lost_posts` (posts whose
                                answer was lost: each may leave one message more, which no bot can avoid,
                                playground.stress.load)
METRIC crash.runs / crash.lost  SIGKILL at seeded moments mid-ingest and mid-analysis, then a restart (goal 0)
METRIC crash.weekly_runs / crash.weekly_double_posts   SIGKILL after a weekly post was claimed (goal 0 doubles;
                                `crash.weekly_posted` counts the weeks whose post still reached the chat)

Sizes come from BENCH_LOAD_CHATS (50), BENCH_LOAD_PHOTOS (10), BENCH_FAULT_RATE (0.05), BENCH_CRASH_RUNS (20),
BENCH_WEEKLY_CRASH_RUNS (3; each waits for a whole minute, as the weekly job first looks at the next minute).
The figures and the machine (cores, load average before and after each part, RAM) go to docs/bench-report.md.
No evaluation data is needed. The machine may be shared: each part records the load average it ran under.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from evals.common import REPO_ROOT, metric
from playground.stress import LoadPlan, describe_machine, run_load
from playground.stress.crash import run_crashes
from playground.stress.weekly_crash import run_weekly_crashes

REPORT = REPO_ROOT / "docs" / "bench-report.md"


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


async def _bench(lines: list[str]) -> None:
    chats, photos = _env_int("BENCH_LOAD_CHATS", 50), _env_int("BENCH_LOAD_PHOTOS", 10)
    rate = float(os.environ.get("BENCH_FAULT_RATE", "0.05"))
    crash_runs = _env_int("BENCH_CRASH_RUNS", 20)
    with tempfile.TemporaryDirectory(prefix="bench-load-") as scratch:
        root = Path(scratch)
        before = describe_machine()["load_average"]
        plan = LoadPlan(chats=chats, photos_per_chat=photos, command_users=5, picture_chats=2, analysis_workers=2)
        load = await run_load(plan, root / "load")
        figures = load.metrics()
        _part(
            lines,
            f"Load: {chats} chats × {photos} strips, 5 members asking text commands, 2 asking /rank and /album,"
            " ANALYSIS_WORKERS=2",
            before,
            [
                ("bench.cold_start_s", load.cold_start_s),
                ("bench.strips_per_s", figures["photos_per_s"]),
                *(
                    (f"load.{key}", figures[key])
                    for key in (
                        "photos_per_s",
                        "photo_p50_s",
                        "photo_p95_s",
                        "cmd_p95_ms",
                        "picture_cmd_p95_ms",
                        "peak_rss_mb",
                        "lost",
                    )
                ),
                ("load.duplicates", figures["duplicates"]),
            ],
            load.lost + load.duplicates + load.stale_statuses,
        )

        before = describe_machine()["load_average"]
        plan = LoadPlan(
            chats=chats,
            photos_per_chat=photos,
            command_users=5,
            picture_chats=2,
            analysis_workers=2,
            fault_rate=rate,
            bad_booths=True,
            seed=13,
        )
        faults = await run_load(plan, root / "faults")
        figures = faults.metrics()
        _part(
            lines,
            f"Faults: the same burst, {rate:.0%} of Bot API calls failing at random (429, 500, 502, hang,"
            " dropped connection, slow, answer lost after the call was carried out), every second strip's booth page"
            " hanging, looping or garbage",
            before,
            [
                ("faults.served", figures["faults_served"]),
                ("faults.lost", figures["lost"]),
                ("faults.duplicates", figures["duplicates"]),
                ("faults.stale_statuses", figures["stale_statuses"]),
                ("faults.lost_posts", figures["lost_posts"]),
                ("faults.photo_p95_s", figures["photo_p95_s"]),
                ("faults.cmd_p95_ms", figures["cmd_p95_ms"]),
            ],
            faults.lost + faults.duplicates + faults.stale_statuses,
        )

        before = describe_machine()["load_average"]
        crashes = await run_crashes(crash_runs, root / "crash", seed=29)
        figures = crashes.metrics()
        _part(
            lines,
            f"Crashes: SIGKILL of the bot and its workers at {crash_runs} seeded moments mid-ingest and"
            " mid-analysis (3 strips each), then a restart",
            before,
            [
                ("crash.runs", figures["runs"]),
                ("crash.lost", figures["lost"]),
                ("crash.duplicates", figures["duplicates"]),
                ("crash.resumed_runs", figures["resumed_runs"]),
            ],
            crashes.lost + crashes.duplicates,
        )

        before = describe_machine()["load_average"]
        weekly_runs = _env_int("BENCH_WEEKLY_CRASH_RUNS", 3)
        weekly = await run_weekly_crashes(weekly_runs, root / "weekly", seed=31)
        _part(
            lines,
            f"Weekly post: SIGKILL at {weekly_runs} seeded moments after the post was claimed, then a restart",
            before,
            [
                ("crash.weekly_runs", weekly.runs),
                ("crash.weekly_posted", weekly.posted),
                ("crash.weekly_double_posts", len(weekly.double_posts)),
            ],
            weekly.lost + weekly.double_posts,
        )


def _part(
    lines: list[str], title: str, load_before: str, figures: list[tuple[str, float]], problems: list[str]
) -> None:
    after = describe_machine()["load_average"]
    lines += [
        "",
        f"## {title}",
        "",
        f"Load average (1, 5, 15 min) before: {load_before}; after: {after}",
        "",
        "| figure | value |",
        "|---|---|",
    ]
    for name, value in figures:
        whole = float(value).is_integer()
        metric(name, int(value) if whole else value)
        lines.append(f"| `{name}` | {int(value)} |" if whole else f"| `{name}` | {value:.3f} |")
    for problem in problems[:20]:
        print(f"PROBLEM {problem}", flush=True)
        lines.append(f"- problem: {problem}")


def run(_data: Path | None) -> None:
    machine = describe_machine()
    lines = [
        "# Benchmark report (`make bench`, evals/bench_load.py)",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine['cores']} cores, RAM (MiB) {machine['ram_mb']}, "
        f"load average {machine['load_average']} at the start. The machine may be shared with other jobs: each "
        "part gives the load average it ran under.",
    ]
    try:
        asyncio.run(_bench(lines))
    finally:
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"# report written to {REPORT}", flush=True)
