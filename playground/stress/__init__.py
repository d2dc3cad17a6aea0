"""Load, faults and crashes, run against the bot as a real process on loopback (tests/e2e/test_load.py and
evals/bench_load.py share these): `run_load` (a burst of strips with commands, optionally with faults) and
`run_crashes` (SIGKILL at seeded moments, then a restart)."""

from playground.stress.load import LoadPlan, LoadReport, describe_machine, run_load

__all__ = ["LoadPlan", "LoadReport", "describe_machine", "run_load"]
