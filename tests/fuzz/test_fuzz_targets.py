"""Every parser the bot exposes, fed seeded hostile input (evals.fuzzing, the same targets `make eval` runs longer):
each case ends in a result or the parser's own refusal, never another exception, a broken promise or a hang."""

from __future__ import annotations

import warnings

import pytest

from evals.fuzzing.catalogue import targets
from evals.fuzzing.run import run_target

# Cases per target in `make test`: 2,660 in all, about 10 s on one core.
BOUNDED = {
    "images": 400,
    "urls.check": 300,
    "urls.find": 200,
    "urls.resolve": 200,
    "urls.page": 60,
    "callbacks": 300,
    "names": 300,
    "donate_urls": 200,
    "initdata": 300,
    "webhook": 400,
}


def test_every_target_is_run_here() -> None:
    assert set(targets()) == set(BOUNDED)
    assert sum(BOUNDED.values()) >= 1000


@pytest.mark.parametrize("name", sorted(BOUNDED))
def test_hostile_input_is_refused_or_handled(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow warns about each broken EXIF tag it skips
        result = run_target(targets()[name], BOUNDED[name])
    assert result.cases == BOUNDED[name]
    assert result.crashes == []
    assert result.outcomes["refused"] > 0 or name in {"urls.page"}, "the corpus holds input the parser refuses"
    assert result.outcomes["result"] > 0, "the corpus holds input the parser takes: the check is not vacuous"


def test_a_crash_is_caught_and_reported_with_its_input() -> None:
    """The runner itself: an exception the target does not declare as a refusal is a crash, listed with its input."""
    from evals.fuzzing.run import Outcome, Target

    def check(case: int) -> Outcome:
        if case == 3:
            raise KeyError("boom")
        if case == 4:
            raise ValueError("refused")
        return Outcome.result

    target = Target("t", lambda _rng, n: iter(range(n)), check, (ValueError,))
    result = run_target(target, 6)
    assert result.cases == 6 and result.failing == [3]
    assert result.outcomes == {"result": 4, "refused": 1}
    assert "KeyError" in result.crashes[0]
