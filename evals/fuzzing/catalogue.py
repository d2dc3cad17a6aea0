"""Every fuzz target by name."""

from __future__ import annotations

from evals.fuzzing import images, texts, urls, webhook
from evals.fuzzing.run import Target


def targets() -> dict[str, Target]:
    found = [*images.TARGETS, *urls.TARGETS, *texts.TARGETS, *webhook.TARGETS]
    return {target.name: target for target in found}
