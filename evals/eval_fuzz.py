"""Hostile input into every parser the bot exposes (evals.fuzzing): uploaded image bytes, QR payloads and booth URLs
and pages, callback data, names and command arguments, Mini App initData, webhook bodies. Seeded, so a crash found
here is found again by the same run.

METRIC fuzz.cases    inputs tried, over every target (FUZZ_CASES per target, default 2000)
METRIC fuzz.crashes  inputs that ended in an unexpected exception, a broken promise about the result, or a hang
                     (goal 0; each one is printed as a PROBLEM line)
METRIC fuzz.<target>.cases / fuzz.<target>.crashes   the same per parser
No evaluation data is needed."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from evals.common import metric
from evals.fuzzing.catalogue import targets
from evals.fuzzing.run import run_target

SLOW_TARGETS = {"urls.page": 10}  # pages are up to 3000 elements deep: a tenth of the cases


def run(_data: Path | None) -> None:
    per_target = int(os.environ.get("FUZZ_CASES", "2000"))
    total_cases = total_crashes = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow warns about every broken EXIF tag it skips
        for name, target in targets().items():
            result = run_target(target, max(1, per_target // SLOW_TARGETS.get(name, 1)), seed=1)
            metric(f"fuzz.{name}.cases", result.cases)
            metric(f"fuzz.{name}.crashes", len(result.crashes))
            for crash in result.crashes[:10]:
                print(f"PROBLEM fuzz.{name}: {crash}", flush=True)
            total_cases += result.cases
            total_crashes += len(result.crashes)
    metric("fuzz.cases", total_cases)
    metric("fuzz.crashes", total_crashes)
