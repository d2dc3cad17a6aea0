"""A cut's mood scores from its signals, and a strip's one or two moods from its cuts' scores."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from vision.moods.rules import MoodRules, mood_rules
from vision.moods.signals import CutCues, measure


@dataclass(frozen=True)
class MoodScore:
    key: str  # a mood of moods.toml
    score: float  # 0–1: the weighted mean of the signals that could be measured
    confidence: float  # 0–1: the share of the mood's weight that could be measured in this cut


def score_cut(cues: CutCues, rules: MoodRules | None = None) -> tuple[MoodScore, ...]:
    """Every mood's score for one cut, in the order of moods.toml. A cut without faces scores nothing."""
    rules = rules or mood_rules()
    if not cues.faces:
        return ()
    signals = measure(cues, rules.pose_groups)
    scores = []
    for mood in rules.moods:
        total = sum(weight for _, weight in mood.weights)
        known = [(value, weight) for name, weight in mood.weights if (value := _term(signals, name)) is not None]
        weight_known = sum(weight for _, weight in known)
        score = sum(value * weight for value, weight in known) / weight_known if weight_known else 0.0
        scores.append(MoodScore(mood.key, round(score, 4), round(weight_known / total, 4)))
    return tuple(scores)


def _term(signals: Mapping[str, float | None], name: str) -> float | None:
    """A weight's value: its signal, or the largest of its "|"-joined signals that could be measured."""
    values = [value for part in name.split("|") if (value := signals.get(part)) is not None]
    return max(values) if values else None


def mood_totals(scores: Iterable[MoodScore]) -> dict[str, float]:
    """Each mood's strip total: Σ score · confidence over the cuts (and any other votes given as MoodScores)."""
    totals: dict[str, float] = {}
    for item in scores:
        totals[item.key] = totals.get(item.key, 0.0) + item.score * item.confidence
    return totals


def strip_moods(scores: Iterable[MoodScore], rules: MoodRules | None = None) -> tuple[str, ...]:
    """The strip's top mood, and the second when its total is at least `second_share` of the top's; () when no
    cut was scored. Ties go to the mood listed first in moods.toml."""
    rules = rules or mood_rules()
    totals = mood_totals(scores)
    order = {key: index for index, key in enumerate(rules.keys)}
    ranked = sorted(
        ((key, total) for key, total in totals.items() if key in order and total > 0),
        key=lambda item: (-item[1], order[item[0]]),
    )
    if not ranked:
        return ()
    top = [ranked[0][0]]
    if len(ranked) > 1 and ranked[1][1] >= rules.second_share * ranked[0][1]:
        top.append(ranked[1][0])
    return tuple(top)
