"""Shared helpers for evaluation and benchmark modules."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def eval_data_dir() -> Path | None:
    """The evaluation data folder, or None when it is not there."""
    configured = os.environ.get("EVAL_DATA")
    path = Path(configured) if configured else REPO_ROOT.parent / "shared" / "eval"
    return path if path.is_dir() else None


def metric(name: str, value: float | int) -> None:
    """Print one figure in the format CI and the README read."""
    if isinstance(value, float):
        print(f"METRIC {name} {value:.4f}", flush=True)
    else:
        print(f"METRIC {name} {value}", flush=True)


def skip(reason: str) -> None:
    print(f"SKIP {reason}", file=sys.stderr, flush=True)
