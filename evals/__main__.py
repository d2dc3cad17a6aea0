"""Run every evaluation (``python -m evals``) or every benchmark (``python -m evals --bench``).

Each module named ``evals/eval_*.py`` (or ``evals/bench_*.py``) exposes ``run(data: Path | None) -> None``
and prints its own ``METRIC`` lines through :func:`evals.common.metric`. ``--only NAME`` runs one module.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time

import evals
from evals.common import eval_data_dir, skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals")
    parser.add_argument("--bench", action="store_true", help="run the speed benchmarks instead")
    parser.add_argument("--only", help="run only the module with this suffix, e.g. qr or smile")
    args = parser.parse_args(argv)
    prefix = "bench_" if args.bench else "eval_"
    data = eval_data_dir()
    if data is None:
        skip("no evaluation data: set EVAL_DATA=<dir> or place it at ../shared/eval; dataset figures skipped")
    names = sorted(m.name for m in pkgutil.iter_modules(evals.__path__) if m.name.startswith(prefix))
    if args.only:
        names = [n for n in names if n == prefix + args.only]
    failed = 0
    for name in names:
        started = time.perf_counter()
        print(f"# {name}", flush=True)
        try:
            importlib.import_module(f"evals.{name}").run(data)
        except Exception as exc:  # one broken module must not hide the others' figures
            failed += 1
            print(f"ERROR {name}: {exc!r}", file=sys.stderr, flush=True)
        print(f"# {name} took {time.perf_counter() - started:.1f}s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
