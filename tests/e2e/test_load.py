"""Bounded load, fault and crash runs of the bot as a real process (playground.stress; evals/bench_load.py runs the
same harness at full size and prints the figures)."""

from __future__ import annotations

from pathlib import Path

from playground.stress import LoadPlan, run_load
from playground.stress.crash import run_crashes


async def test_a_burst_of_strips_is_filed_and_answered_once_while_commands_are_answered(tmp_path: Path) -> None:
    report = await run_load(LoadPlan(chats=4, photos_per_chat=3, command_users=2, picture_chats=1), tmp_path)
    assert report.lost == []
    assert report.duplicates == []
    assert report.stale_statuses == []
    assert report.photos == 12 and len(report.photo_latencies_s) == 12
    assert report.cmd_latencies_ms and report.picture_cmd_latencies_ms, "commands were asked during the burst"
    assert report.peak_rss_mb > 0


async def test_telegram_and_booth_faults_lose_and_double_nothing(tmp_path: Path) -> None:
    plan = LoadPlan(
        chats=3, photos_per_chat=3, command_users=1, picture_chats=1, fault_rate=0.1, bad_booths=True, seed=7
    )
    report = await run_load(plan, tmp_path)
    assert report.faults_served > 0, "the run must have met faults"
    assert report.lost == []
    extra = report.duplicates + report.stale_statuses
    assert len(extra) <= report.lost_posts, f"only a post whose answer was lost may leave a message more: {extra}"


async def test_a_killed_bot_restarts_with_nothing_lost_half_written_or_unanalysed(tmp_path: Path) -> None:
    report = await run_crashes(2, tmp_path, seed=3)
    assert report.runs == 2
    assert report.lost == []
    assert report.duplicates == []
