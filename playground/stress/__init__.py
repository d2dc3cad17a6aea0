"""Load, faults and crashes, run against the bot as a real process on loopback (tests/e2e/test_load.py and
evals/bench_load.py share these): `run_load` (a burst of strips with commands, optionally with faults) and
`run_crashes` (SIGKILL at seeded moments mid-ingest and mid-analysis, then a restart, in crash.py) and
`run_weekly_crashes` (SIGKILL after a weekly post was claimed, in weekly_crash.py)."""

from playground.stress.load import LoadPlan, LoadReport, describe_machine, run_load

__all__ = ["LoadPlan", "LoadReport", "describe_machine", "run_load"]
